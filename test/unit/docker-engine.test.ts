import { keyPair } from "../rig/keys";
import test from "ava";
import type * as pulumiType from "@pulumi/pulumi";
import { type Registered, registeredSince, setUnitMocks, settle, valueOf } from "./support/mocks";

let pulumi: typeof pulumiType;
let Host: typeof import("../../src/host/host").Host;
let DockerEngine: typeof import("../../src/engine/docker-engine").DockerEngine;
let created: Registered[] = [];
const key = keyPair();
const hostKey = keyPair().public;

test.before(async () => {
  ({ pulumi, created } = await setUnitMocks({ facts: { osId: "debian" }, version: "24.0.7", apiVersion: "1.43", drift: [] }));
  // require (not import): the mocks above must be set before these modules load.
  ({ Host } = require("../../src/host/host"));
  ({ DockerEngine } = require("../../src/engine/docker-engine"));
});

let n = 0;
const host = () => new Host(`h${++n}`, { address: "10.0.0.2", privateKey: key.private, hostKey });

test.serial("online defaults: docker-ce from download.docker.com, stable, newest", async (t) => {
  const e = new DockerEngine("e1", { host: host() });
  t.is(await valueOf(e.version), "24.0.7");
  const res = created.find((r) => r.name === "e1-engine")!;
  t.regex(res.type, /^dockyard:index:DockerEngine$/);
  t.deepEqual(res.inputs.spec, { method: "online", source: "docker-ce", mirror: "https://download.docker.com", channel: "stable" });
});

test.serial("a mirror, a pin and a downgrade permission reach the provider as given", async (t) => {
  new DockerEngine("e2", { host: host(), mirror: "https://mirrors.example.cn/docker-ce/", version: "24.0", allowDowngrade: true });
  await settle(created);
  const res = created.find((r) => r.name === "e2-engine")!;
  t.deepEqual(res.inputs.spec, {
    method: "online",
    source: "docker-ce",
    mirror: "https://mirrors.example.cn/docker-ce",
    channel: "stable",
    version: "24.0",
    allowDowngrade: true,
  });
});

test.serial("offline: a FileAsset becomes a local path with its checksum; nothing online is sent", async (t) => {
  const sha = "ab".repeat(32);
  new DockerEngine("e3", {
    host: host(),
    method: "offline",
    bundle: new pulumi.asset.FileAsset("/srv/docker-24.0.7.tgz"),
    bundleSha256: sha.toUpperCase(),
  });
  await settle(created);
  const res = created.find((r) => r.name === "e3-engine")!;
  t.deepEqual(res.inputs.spec, { method: "offline", bundle: { path: "/srv/docker-24.0.7.tgz", sha256: sha }, installDir: "/usr/bin" });
});

test.serial("offline: a RemoteAsset becomes a URL the controller fetches", async (t) => {
  new DockerEngine("e4", {
    host: host(),
    method: "offline",
    bundle: new pulumi.asset.RemoteAsset("https://files.intra/docker-24.0.7.tgz"),
    bundleSha256: "cd".repeat(32),
  });
  await settle(created);
  const res = created.find((r) => r.name === "e4-engine")!;
  t.deepEqual((res.inputs.spec as { bundle: unknown }).bundle, { url: "https://files.intra/docker-24.0.7.tgz", sha256: "cd".repeat(32) });
});

test.serial("offline per architecture: every bundle's source resolved, checksums lower-cased, no single bundle", async (t) => {
  const x = "AB".repeat(32);
  new DockerEngine("e-arch", {
    host: host(),
    method: "offline",
    bundles: {
      x86_64: { bundle: new pulumi.asset.FileAsset("/srv/x86_64/docker-24.0.7.tgz"), sha256: x },
      aarch64: { bundle: new pulumi.asset.RemoteAsset("https://files.intra/aarch64/docker-24.0.7.tgz"), sha256: "cd".repeat(32) },
      armhf: { bundle: "/srv/armhf/docker-24.0.7.tgz", sha256: "ef".repeat(32) },
    },
  });
  await settle(created);
  const res = created.find((r) => r.name === "e-arch-engine")!;
  t.deepEqual(res.inputs.spec, {
    method: "offline",
    bundles: {
      x86_64: { path: "/srv/x86_64/docker-24.0.7.tgz", sha256: x.toLowerCase() },
      aarch64: { url: "https://files.intra/aarch64/docker-24.0.7.tgz", sha256: "cd".repeat(32) },
      armhf: { path: "/srv/armhf/docker-24.0.7.tgz", sha256: "ef".repeat(32) },
    },
    installDir: "/usr/bin",
  });
});

test.serial(
  "offline: assets made by another copy of @pulumi/pulumi (a program's own) are recognised by the SDK's marker, not the class",
  async (t) => {
    // What FileAsset and RemoteAsset of a second SDK copy look like: the same marker and fields, another class.
    const foreign = (field: "path" | "uri", value: string) =>
      ({ __pulumiAsset: true, [field]: Promise.resolve(value) }) as unknown as pulumiType.asset.FileAsset;
    t.false(foreign("path", "/x") instanceof pulumi.asset.FileAsset);
    new DockerEngine("e5", {
      host: host(),
      method: "offline",
      bundle: foreign("path", "/srv/docker-25.0.3.tgz"),
      bundleSha256: "ef".repeat(32),
    });
    new DockerEngine("e6", {
      host: host(),
      method: "offline",
      bundle: foreign("uri", "https://files.intra/docker-25.0.3.tgz"),
      bundleSha256: "ef".repeat(32),
    });
    await new Promise((r) => setTimeout(r, 50));
    t.deepEqual((created.find((r) => r.name === "e5-engine")!.inputs.spec as { bundle: unknown }).bundle, {
      path: "/srv/docker-25.0.3.tgz",
      sha256: "ef".repeat(32),
    });
    t.deepEqual((created.find((r) => r.name === "e6-engine")!.inputs.spec as { bundle: unknown }).bundle, {
      url: "https://files.intra/docker-25.0.3.tgz",
      sha256: "ef".repeat(32),
    });
  },
);

for (const [label, args, path, reason] of [
  ["a method that does not exist", { method: "magic" }, "method", /online, offline or adopt/],
  ["a mirror that is not http(s)", { mirror: "ftp://mirror.example/docker-ce" }, "mirror", /http\(s\) URL/],
  ["a mirror that is not a URL", { mirror: "mirror.example" }, "mirror", /http\(s\) URL/],
  [
    "a mirror whose line breaks would end the yum .repo heredoc (root shell on Rocky 9)",
    { mirror: "https://mirror.example/docker-ce\nREPO\ntouch /tmp/x\n: " },
    "mirror",
    /http\(s\) URL of letters/,
  ],
  ["a mirror with a tab (new URL() drops it)", { mirror: "https://mirror.example/docker\tce" }, "mirror", /http\(s\) URL of letters/],
  [
    "a plain http mirror without the opt-in",
    { mirror: "http://mirror.example/docker-ce" },
    "mirror",
    /plain http:\/\/ URL.*allowInsecureHttp/,
  ],
  [
    "a plain http bundle URL without the opt-in",
    { method: "offline", bundle: "http://files.intra/docker.tgz", bundleSha256: "a".repeat(64) },
    "bundle",
    /plain http:\/\/ URL/,
  ],
  ["a signing key pin that is not a fingerprint", { mirrorKeyFingerprint: "0EBFCD88" }, "mirrorKeyFingerprint", /OpenPGP fingerprint/],
  [
    "mirror credentials that decode to a line break",
    { mirror: "https://user:pa%0Ass@mirror.example/docker-ce" },
    "mirror",
    /whitespace or control characters/,
  ],
  ["a version that is not a release", { version: "latest" }, "version", /release like "24\.0\.7"/],
  ["a channel that does not exist", { channel: "nightly" }, "channel", /stable or test/],
  ["offline without a bundle", { method: "offline" }, "bundle", /required for method offline/],
  ["offline without a checksum", { method: "offline", bundle: "/b.tgz" }, "bundleSha256", /required/],
  ["a checksum that is not sha256", { method: "offline", bundle: "/b.tgz", bundleSha256: "abc" }, "bundleSha256", /64 hex/],
  ["a bundle with method online", { bundle: "/b.tgz" }, "bundle", /only applies to method offline/],
  [
    "bundles and a bundle together",
    {
      method: "offline",
      bundle: "/b.tgz",
      bundleSha256: "a".repeat(64),
      bundles: { x86_64: { bundle: "/x.tgz", sha256: "a".repeat(64) } },
    },
    "bundles",
    /cannot be given with bundle/,
  ],
  [
    "bundles keyed by a name Docker does not publish",
    { method: "offline", bundles: { amd64: { bundle: "/x.tgz", sha256: "a".repeat(64) } } },
    "bundles.amd64",
    /x86_64, aarch64, armhf/,
  ],
  [
    "a bundle of the map without its checksum",
    { method: "offline", bundles: { aarch64: { bundle: "/a.tgz" } } },
    "bundles.aarch64.sha256",
    /required/,
  ],
  [
    "a bundle of the map with a bad checksum",
    { method: "offline", bundles: { armhf: { bundle: "/h.tgz", sha256: "abc" } } },
    "bundles.armhf.sha256",
    /64 hex/,
  ],
  [
    "a plain http URL in the map without the opt-in",
    { method: "offline", bundles: { armhf: { bundle: "http://files.intra/h.tgz", sha256: "a".repeat(64) } } },
    "bundles.armhf.bundle",
    /plain http:\/\/ URL/,
  ],
  [
    "bundles with method online",
    { bundles: { x86_64: { bundle: "/x.tgz", sha256: "a".repeat(64) } } },
    "bundles",
    /only applies to method offline/,
  ],
  ["bundles naming no architecture", { method: "offline", bundles: {} }, "bundles", /names no architecture/],
  [
    "a relative installDir",
    { method: "offline", bundle: "/b.tgz", bundleSha256: "a".repeat(64), installDir: "bin" },
    "installDir",
    /absolute/,
  ],
] as const) {
  test.serial(`refused before anything runs: ${label}`, async (t) => {
    const h = host();
    // The host's own resources arrive first (registration is asynchronous).
    const after = await settle(created);
    t.true(
      created.some((r) => r.type === "dockyard:index:HostFacts"),
      "the host was registered",
    );
    const name = `bad${n}`;
    const err = t.throws(() => new DockerEngine(name, { host: h, ...(args as object) }));
    t.is((err as { propertyPath?: string }).propertyPath, path);
    t.regex(err!.message, reason);
    // The component's own shell registers before its arguments are checked; nothing that acts
    // on a host (no engine resource) follows it.
    t.deepEqual(
      (await registeredSince(created, after)).map((r) => `${r.type} ${r.name}`),
      [`dockyard:engine:DockerEngine ${name}`],
      "no engine resource registered",
    );
  });
}
