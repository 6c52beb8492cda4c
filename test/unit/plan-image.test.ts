import test from "ava";
import {
  type ImageFacts,
  type ImageResult,
  type ImageSpec,
  type ImageStep,
  imageDrift,
  imageForced,
  imageResult,
  needsRemoteDigest,
  planImage,
} from "../../src/plan/image";
import { type Refusal, refuse } from "../../src/plan/refusal";

const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;
const ID = `sha256:${"a".repeat(64)}`;
const ID2 = `sha256:${"b".repeat(64)}`;
const spec = (over: Partial<ImageSpec> = {}): ImageSpec => ({ ref: "nginx:1.25", pullPolicy: "ifMissing", ...over });
const build = (contextHash = "h1", push = false) => ({
  context: "./app",
  files: ["Dockerfile"],
  contextHash,
  dockerfile: "Dockerfile",
  args: {},
  push,
});
const here = (over: Partial<ImageFacts> = {}): ImageFacts => ({ imageId: ID, repoDigest: `nginx@${D1}`, ...over });

const planRows: [string, ImageSpec, ImageFacts | undefined, boolean, ImageStep[]][] = [
  ["ifMissing, absent: pulled", spec(), undefined, false, [{ kind: "pull", ref: "nginx:1.25" }]],
  ["ifMissing, present: nothing", spec(), here(), false, []],
  [
    "forced (always, or the reference moved): pulled though present",
    spec({ pullPolicy: "always" }),
    here(),
    true,
    [{ kind: "pull", ref: "nginx:1.25" }],
  ],
  ["a build, absent: built", spec({ build: build() }), undefined, false, [{ kind: "build", ref: "nginx:1.25", push: false }]],
  ["a build from the same context: nothing", spec({ build: build() }), here({ contextHash: "h1" }), false, []],
  [
    "a build from another context: built again",
    spec({ build: build("h2", true) }),
    here({ contextHash: "h1" }),
    false,
    [{ kind: "build", ref: "nginx:1.25", push: true }],
  ],
  [
    "a build forced: built again, never pulled",
    spec({ build: build() }),
    here({ contextHash: "h1" }),
    true,
    [{ kind: "build", ref: "nginx:1.25", push: false }],
  ],
];

for (const [label, s, present, forced, want] of planRows) {
  test(`image plan: ${label}`, (t) => {
    t.deepEqual(planImage(s, present, forced), want);
  });
}

test("image plan: what forces a pull on create and on update", (t) => {
  t.false(imageForced(undefined, spec()));
  t.true(imageForced(undefined, spec({ pullPolicy: "always" })));
  t.false(imageForced(spec(), spec()), "only a connection changed");
  t.true(imageForced(spec(), spec({ ref: "nginx:1.26" })));
  t.true(imageForced(spec(), spec({ pullPolicy: "always" })));
  t.true(imageForced(spec({ build: build("h1") }), spec({ build: build("h2") })));
  t.false(imageForced(spec({ build: build("h1") }), spec({ build: build("h1") })));
});

const resultRows: [string, ImageSpec, ImageFacts | undefined, ImageResult | Refusal][] = [
  ["pulled: run by its registry digest", spec(), here(), { digest: D1, repoDigest: `nginx@${D1}`, imageId: ID }],
  [
    "another registry",
    spec({ ref: "ghcr.io/acme/api:1" }),
    here({ repoDigest: `ghcr.io/acme/api@${D2}` }),
    { digest: D2, repoDigest: `ghcr.io/acme/api@${D2}`, imageId: ID },
  ],
  [
    "built here, not pushed: run by its image ID",
    spec({ ref: "registry:5000/app:dev", build: build() }),
    here({ repoDigest: "" }),
    { digest: ID, repoDigest: ID, imageId: ID },
  ],
  ["not there after the pull", spec(), undefined, refuse("DOCKYARD_IMAGE_PULL_FAILED", "nginx:1.25 is not on the host after the pull")],
];

for (const [label, s, present, want] of resultRows) {
  test(`image result: ${label}`, (t) => {
    t.deepEqual(imageResult(s, present), want);
  });
}

const recorded = { imageId: ID, digest: D1 };
const driftRows: [string, ImageSpec, ImageFacts | undefined, string | undefined, string[]][] = [
  ["as recorded", spec(), here(), undefined, []],
  ["removed by hand", spec(), undefined, undefined, ["nginx:1.25 is not on the host"]],
  ["another image under the tag", spec(), here({ imageId: ID2 }), undefined, [`nginx:1.25 on the host is image ${ID2}, not ${ID}`]],
  ["always, the registry's digest the same: no drift", spec({ pullPolicy: "always" }), here(), D1, []],
  [
    "always, the registry's digest moved: drift",
    spec({ pullPolicy: "always" }),
    here(),
    D2,
    [`nginx:1.25 now resolves to ${D2} in its registry`],
  ],
  ["always, the registry cannot be asked: no drift", spec({ pullPolicy: "always" }), here(), undefined, []],
  ["ifMissing: the registry's digest is not compared", spec(), here(), D2, []],
  [
    "built from another context",
    spec({ build: build("h2") }),
    here({ contextHash: "h1" }),
    undefined,
    ["nginx:1.25 was built from another context"],
  ],
];

for (const [label, s, present, remote, want] of driftRows) {
  test(`image drift: ${label}`, (t) => {
    t.deepEqual(imageDrift(s, recorded, present, remote), want);
  });
}

test("image: the registry is asked only about a tag pulled always", (t) => {
  t.true(needsRemoteDigest(spec({ pullPolicy: "always" })));
  t.false(needsRemoteDigest(spec()));
  t.false(needsRemoteDigest(spec({ pullPolicy: "always", ref: `nginx@${D1}` })), "a digest cannot move");
  t.false(needsRemoteDigest(spec({ pullPolicy: "always", build: build() })), "built here");
});
