import test from "ava";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pack } from "tar-stream";
import {
  type ArchiveImage,
  archiveImageFor,
  archiveImages,
  imageSourceOf,
  isArchiveImage,
  sha256Problem,
} from "../../src/model/image-archive";
import { InvalidArgumentError } from "../../src/model/input-error";
import { type ArchiveStep, type ImageFacts, archiveResult, imageDrift, needsRemoteDigest, planArchive } from "../../src/plan/image";
import { isRefusal } from "../../src/plan/refusal";
import { archiveFiles, archiveInDirectory, checkedArchive } from "../../src/remote/image-archive";
import { archivePathOnHost, renderArchiveCheck, renderArchiveLoad, renderArchiveRemove } from "../../src/scripts/image-archive";
import { shellcheck } from "./shellcheck";

const hex = (c: string) => c.repeat(64);
const CFG = hex("c");
const MAN = hex("d");
const SHA = hex("e");
const files = (o: Record<string, unknown>) => new Map(Object.entries(o).map(([k, v]) => [k, Buffer.from(JSON.stringify(v))]));

test("archive manifests: docker save (legacy and 25+), OCI with nested index and attestations", (t) => {
  // docker 20.10-24: config as <hex>.json, layers as <id>/layer.tar, no index.json.
  const legacy = files({ "manifest.json": [{ Config: `${CFG}.json`, RepoTags: ["nginx:1.25"], Layers: ["abc/layer.tar"] }] });
  t.deepEqual(archiveImages(legacy), [{ tags: ["nginx:1.25"], configDigest: `sha256:${CFG}` }]);

  // docker 25+: both manifest.json and an OCI index.json, blobs by digest.
  const both = files({
    "manifest.json": [{ Config: `blobs/sha256/${CFG}`, RepoTags: ["app/web:1"], Layers: [`blobs/sha256/${hex("1")}`] }],
    "index.json": {
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: `sha256:${MAN}`,
          annotations: { "io.containerd.image.name": "docker.io/app/web:1" },
        },
      ],
    },
    [`blobs/sha256/${MAN}`]: { config: { digest: `sha256:${CFG}` }, layers: [] },
  });
  t.deepEqual(archiveImages(both), [{ tags: ["app/web:1"], configDigest: `sha256:${CFG}`, manifestDigest: `sha256:${MAN}` }]);

  // A pure OCI archive (buildx, skopeo, containerd store): an index of platforms and an attestation.
  const IDX = hex("f");
  const ATT = hex("9");
  const oci = files({
    "index.json": {
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.index.v1+json",
          digest: `sha256:${IDX}`,
          annotations: { "io.containerd.image.name": "registry.example/app:2" },
        },
      ],
    },
    [`blobs/sha256/${IDX}`]: {
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: `sha256:${MAN}`,
          platform: { os: "linux", architecture: "amd64" },
        },
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: `sha256:${ATT}`,
          platform: { os: "unknown", architecture: "unknown" },
        },
      ],
    },
    [`blobs/sha256/${MAN}`]: { config: { digest: `sha256:${CFG}` } },
  });
  t.deepEqual(archiveImages(oci), [{ tags: ["registry.example/app:2"], configDigest: `sha256:${CFG}`, manifestDigest: `sha256:${IDX}` }]);

  // A bare ref.name is a tag, not a reference to find the image by.
  const bare = files({
    "index.json": { manifests: [{ digest: `sha256:${MAN}`, annotations: { "org.opencontainers.image.ref.name": "1.25" } }] },
    [`blobs/sha256/${MAN}`]: { config: { digest: `sha256:${CFG}` } },
  });
  t.deepEqual(archiveImages(bare)[0].tags, []);

  t.throws(() => archiveImages(files({})), { message: /neither manifest.json/ });
  t.throws(() => archiveImages(files({ "manifest.json": [{ Config: "../../etc/passwd" }] })), { message: /not by digest/ });
  t.throws(() => archiveImages(new Map([["index.json", Buffer.from("{")]])), { message: /not valid JSON/ });
});

test("archive images: found by any spelling of the reference; the engine's ID is the config's or the manifest's", (t) => {
  const img: ArchiveImage = { tags: ["nginx:1.25"], configDigest: `sha256:${CFG}`, manifestDigest: `sha256:${MAN}` };
  t.is(archiveImageFor([img], "docker.io/library/nginx:1.25"), img);
  t.is(archiveImageFor([img], "library/nginx:1.25"), img);
  t.is(archiveImageFor([img], "nginx:1.26"), undefined);
  t.is(archiveImageFor([{ ...img, tags: ["app/web"] }], "app/web:latest")?.configDigest, img.configDigest);
  t.true(isArchiveImage(img, `sha256:${CFG}`));
  t.true(isArchiveImage(img, `sha256:${MAN}`));
  t.false(isArchiveImage(img, `sha256:${hex("0")}`));
});

test("image source: one shared check, strict patterns, the field named", (t) => {
  t.is(sha256Problem(SHA), "");
  t.regex(sha256Problem(SHA.toUpperCase()), /64 lowercase hex/);
  t.deepEqual(imageSourceOf({ archive: "./web.tar", sha256: SHA }, "nginx:1.25"), { kind: "archive", path: "./web.tar", sha256: SHA });
  t.deepEqual(imageSourceOf({ controller: true, from: "10.0.0.5:5000/nginx:1.25", insecure: true }, "nginx:1.25"), {
    kind: "controller",
    from: "10.0.0.5:5000/nginx:1.25",
    insecure: true,
  });
  const rows: [string, object, RegExp][] = [
    ["no sha256", { archive: "./web.tar" }, /source\.sha256.*required/],
    ["a short sha256", { archive: "./web.tar", sha256: "abc" }, /source\.sha256.*64 lowercase/],
    ["a newline in the path", { archive: "./web\n.tar", sha256: SHA }, /source\.archive/],
    ["both sources", { archive: "./web.tar", sha256: SHA, controller: true }, /source\.controller.*one source/],
    ["from with an archive", { archive: "./web.tar", sha256: SHA, from: "x:1" }, /source\.archive/],
    ["neither", {}, /must name an archive/],
    ["a shell in from", { controller: true, from: "x:1;rm -rf /" }, /source\.from/],
    ["an unknown key", { controller: true, pull: true }, /source\.pull/],
    ["an http archive URL without insecure", { archive: "http://depot/web.tar", sha256: SHA }, /source\.archive.*INSECURE.*insecure: true/],
    ["credentials in an archive URL", { archive: "https://u:p@depot/web.tar", sha256: SHA }, /source\.archive.*credentials/],
    ["a space in an archive URL", { archive: "https://depot/web .tar", sha256: SHA }, /source\.archive/],
    ["insecure with an archive here", { archive: "./web.tar", sha256: SHA, insecure: true }, /source\.insecure/],
    ["a directory with an archive", { archive: "./web.tar", sha256: SHA, directory: "/srv/images" }, /source\.archive/],
    ["a directory without controller", { directory: "/srv/images" }, /source\.directory.*controller: true/],
    ["from with a directory", { controller: true, directory: "/srv/images", from: "x:1" }, /source\.from.*directory/],
    ["insecure with a directory", { controller: true, directory: "/srv/images", insecure: true }, /source\.insecure/],
    ["a newline in a directory", { controller: true, directory: "/srv/\nimages" }, /source\.directory/],
  ];
  for (const [what, input, message] of rows)
    t.throws(() => imageSourceOf(input, "nginx:1.25"), { instanceOf: InvalidArgumentError, message }, what);
  t.throws(() => imageSourceOf({ controller: true }, `nginx@sha256:${SHA}`), { message: /ref.*tag/ });
  // An archive URL (fetched by the controller) and a directory of archives.
  t.deepEqual(imageSourceOf({ archive: "https://depot.example/web.tar", sha256: SHA }, "nginx:1.25"), {
    kind: "archive",
    url: "https://depot.example/web.tar",
    sha256: SHA,
  });
  t.deepEqual(imageSourceOf({ archive: "http://10.0.0.9/web.tar", sha256: SHA, insecure: true }, "nginx:1.25"), {
    kind: "archive",
    url: "http://10.0.0.9/web.tar",
    sha256: SHA,
    insecure: true,
  });
  t.deepEqual(imageSourceOf({ controller: true, directory: "/srv/images" }, "nginx:1.25"), {
    kind: "controller",
    directory: "/srv/images",
  });
});

const IMG: ArchiveImage = { tags: ["nginx:1.25"], configDigest: `sha256:${CFG}` };
const present = (imageId: string): ImageFacts => ({ imageId, repoDigest: "" });

test("plan: upload and load, load only, or nothing", (t) => {
  const rows: [string, ImageFacts | undefined, boolean, ArchiveStep[]][] = [
    [
      "absent, archive not on the host: uploaded and loaded",
      undefined,
      false,
      [
        { kind: "upload", sha256: SHA },
        { kind: "load", sha256: SHA },
      ],
    ],
    ["absent, archive kept on the host: loaded only", undefined, true, [{ kind: "load", sha256: SHA }]],
    ["present as the archive's image: nothing", present(`sha256:${CFG}`), false, []],
    [
      "another image under the reference: loaded from the kept archive",
      present(`sha256:${hex("0")}`),
      true,
      [{ kind: "load", sha256: SHA }],
    ],
  ];
  for (const [what, facts, onHost, steps] of rows) t.deepEqual(planArchive(SHA, IMG, facts, onHost), steps, what);
});

test("result: the archive's image by ID, refused otherwise; drift as for a pulled image", (t) => {
  const spec = { ref: "nginx:1.25", pullPolicy: "ifMissing" as const, source: { kind: "archive" as const, path: "/x.tar", sha256: SHA } };
  t.deepEqual(archiveResult(spec, IMG, present(`sha256:${CFG}`)), {
    digest: `sha256:${CFG}`,
    repoDigest: `sha256:${CFG}`,
    imageId: `sha256:${CFG}`,
  });
  const wrong = archiveResult(spec, IMG, present(`sha256:${hex("0")}`));
  t.true(isRefusal(wrong) && wrong.code === "DOCKYARD_IMAGE_ARCHIVE_MISMATCH");
  t.true(isRefusal(archiveResult(spec, IMG, undefined)));
  t.false(needsRemoteDigest({ ...spec, pullPolicy: "always" }), "a loaded image is never compared with a registry");
  t.deepEqual(imageDrift(spec, { imageId: `sha256:${CFG}`, digest: `sha256:${CFG}` }, undefined), ["nginx:1.25 is not on the host"]);
});

test("scripts: the kept archive by its sha256 only; snapshot and shellcheck", (t) => {
  t.is(archivePathOnHost(SHA), `/var/lib/dockyard/images/image-${SHA}.tar`);
  t.throws(() => archivePathOnHost("'; rm -rf / #"));
  const scripts = { check: renderArchiveCheck(SHA), load: renderArchiveLoad(SHA), remove: renderArchiveRemove(SHA) };
  for (const [name, body] of Object.entries(scripts)) {
    t.is(shellcheck(body), "", `${name} fails shellcheck`);
    t.snapshot(body, name);
  }
});

async function tarOf(file: string, entries: Record<string, string | Buffer>): Promise<void> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => p.on("end", r));
  for (const [name, body] of Object.entries(entries)) p.entry({ name }, body);
  p.finalize();
  await done;
  writeFileSync(file, Buffer.concat(chunks));
}

test("a local archive: read from its tar, checked against its sha256 and the reference", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dockyard-archive-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "web.tar");
  await tarOf(file, {
    "manifest.json": JSON.stringify([{ Config: `${CFG}.json`, RepoTags: ["app/web:1"], Layers: ["l1/layer.tar"] }]),
    [`${CFG}.json`]: JSON.stringify({ rootfs: { diff_ids: [] } }),
    "l1/layer.tar": Buffer.alloc(2048),
  });
  const read = await archiveFiles(file);
  t.deepEqual([...read.keys()].sort(), [`${CFG}.json`, "manifest.json"], "layers are not read");
  const sha = createHash("sha256").update(readFileSync(file)).digest("hex");
  const ok = await checkedArchive(file, sha, "app/web:1");
  t.is(ok.image.configDigest, `sha256:${CFG}`);
  await t.throwsAsync(checkedArchive(file, SHA, "app/web:1"), { message: /DOCKYARD_IMAGE_ARCHIVE_INVALID.*has sha256/ });
  await t.throwsAsync(checkedArchive(file, sha, "app/web:2"), { message: /does not hold app\/web:2: it holds app\/web:1/ });
  t.throws(() => checkedArchive(path.join(dir, "none.tar"), sha, "app/web:1"), { message: /does not exist/ });
  writeFileSync(path.join(dir, "junk.tar"), "not a tar at all");
  const junkSha = createHash("sha256").update("not a tar at all").digest("hex");
  await t.throwsAsync(checkedArchive(path.join(dir, "junk.tar"), junkSha, "app/web:1"), { message: /cannot be read/ });
  t.true(statSync(file).size > 0);
  t.true(readdirSync(dir).length >= 2);
});

test("a directory of archives: the one naming the reference, its sha256 computed; none or two different ones refused", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dockyard-depot-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const OTHER = hex("e");
  const save = (tags: string[], cfg: string) => ({
    "manifest.json": JSON.stringify([{ Config: `${cfg}.json`, RepoTags: tags, Layers: [] }]),
    [`${cfg}.json`]: JSON.stringify({ rootfs: { diff_ids: [] } }),
  });
  await tarOf(path.join(dir, "a-web.tar"), save(["app/web:1"], CFG));
  await tarOf(path.join(dir, "b-api.tar"), save(["app/api:2", "app/api:latest"], OTHER));
  writeFileSync(path.join(dir, "notes.txt"), "not an archive, not read");
  writeFileSync(path.join(dir, "c-junk.tar"), "not a tar at all");
  const found = await archiveInDirectory(dir, "app/api");
  t.is(found.file, path.join(dir, "b-api.tar"));
  t.is(found.image.configDigest, `sha256:${OTHER}`);
  t.is(found.sha256, createHash("sha256").update(readFileSync(found.file)).digest("hex"));
  t.is((await archiveInDirectory(dir, "docker.io/app/web:1")).file, path.join(dir, "a-web.tar"));
  // What the directory holds is said, the unreadable archive with why.
  await t.throwsAsync(archiveInDirectory(dir, "app/web:9"), {
    message:
      /DOCKYARD_IMAGE_ARCHIVE_INVALID.*no image archive in .* names app\/web:9 \(a-web\.tar: app\/web:1; b-api\.tar: app\/api:2, app\/api:latest; c-junk\.tar: not a tar/,
  });
  // Two archives naming one reference for different images: which one is meant cannot be told.
  await tarOf(path.join(dir, "d-web.tar"), save(["app/web:1"], OTHER));
  await t.throwsAsync(archiveInDirectory(dir, "app/web:1"), { message: /name app\/web:1 for different images: a-web\.tar .*d-web\.tar/ });
  await t.throwsAsync(archiveInDirectory(path.join(dir, "none"), "app/web:1"), { message: /does not exist or is not a directory/ });
});
