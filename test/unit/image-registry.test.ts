import test from "ava";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { archiveImageFor, archiveImages } from "../../src/model/image-archive";
import { archiveFiles } from "../../src/remote/image-archive";
import { controllerCopy, copyImage } from "../../src/remote/image-registry";

// An in-process registry speaking the Registry HTTP API v2: a multi-platform index, Basic auth,
// blobs by digest. The copy must come out as an archive `docker load` reads, the same bytes
// every time, with the password nowhere on disk.
const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const layer = gzipSync(Buffer.from("a layer's tar would be here"));
const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }));
const manifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", digest: sha(config), size: config.length },
    layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", digest: sha(layer), size: layer.length }],
  }),
);
const index = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.list.v2+json",
    manifests: [
      {
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        digest: sha(Buffer.from("arm")),
        size: 3,
        platform: { os: "linux", architecture: "arm64" },
      },
      {
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        digest: sha(manifest),
        size: manifest.length,
        platform: { os: "linux", architecture: "amd64" },
      },
    ],
  }),
);
const PASSWORD = "pa55-never-on-disk";
const blobs = new Map([
  [sha(config), config],
  [sha(layer), layer],
]);

let server: http.Server;
let address: string;
const requests: string[] = [];

test.before(async () => {
  server = http.createServer((req, res) => {
    requests.push(req.url ?? "");
    if (req.headers.authorization !== `Basic ${Buffer.from(`ci:${PASSWORD}`).toString("base64")}`) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="stub"' }).end();
      return;
    }
    const m = /^\/v2\/shop\/web\/(manifests|blobs)\/(.+)$/.exec(req.url ?? "");
    if (m?.[1] === "manifests") {
      const body = m[2] === "1.0" ? index : m[2] === sha(manifest) ? manifest : undefined;
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": JSON.parse(body.toString()).mediaType as string }).end(body);
      return;
    }
    const blob = m?.[1] === "blobs" ? blobs.get(m[2]) : undefined;
    if (!blob) return void res.writeHead(404).end();
    res.writeHead(200).end(blob);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.after.always(() => server?.close());

test.serial(
  "a controller copy: fetched once over the v2 API for the host's platform, written as a loadable archive, no password on disk",
  async (t) => {
    const cache = mkdtempSync(path.join(os.tmpdir(), "dockyard-cache-"));
    process.env.DOCKYARD_CACHE = cache;
    t.teardown(() => {
      delete process.env.DOCKYARD_CACHE;
      rmSync(cache, { recursive: true, force: true });
    });
    const req = {
      from: `${address}/shop/web:1.0`,
      ref: "shop/web:1.0",
      arch: "amd64",
      insecure: true,
      login: { username: "ci", password: PASSWORD },
    };
    const [a, b] = await Promise.all([controllerCopy(req), controllerCopy(req)]);
    t.is(a, b, "hosts asking at once share one copy");
    t.is(requests.filter((u) => u.includes("/blobs/")).length, 2, "each blob fetched once");
    t.is(a.sha256, createHash("sha256").update(readFileSync(a.file)).digest("hex"));
    t.deepEqual(a.image, { tags: ["shop/web:1.0"], configDigest: sha(config), manifestDigest: sha(manifest) });

    const files = await archiveFiles(a.file);
    const images = archiveImages(files);
    t.is(archiveImageFor(images, "docker.io/shop/web:1.0")?.configDigest, sha(config), "the archive names the reference the hosts use");
    const saved = JSON.parse(files.get("manifest.json")!.toString()) as { Config: string; Layers: string[] }[];
    t.deepEqual(saved[0].Layers, [`blobs/sha256/${sha(layer).slice(7)}`]);

    // Byte for byte the same archive when written again (a later run): its sha256 is too.
    rmSync(a.file);
    const before = requests.length;
    const again = await copyImage(req);
    t.is(again.sha256, a.sha256, "the same archive, byte for byte");
    t.false(
      requests.slice(before).some((u) => u.includes("/blobs/")),
      "blobs come from the cache by digest",
    );

    const onDisk = readdirSync(cache, { recursive: true, encoding: "utf8" })
      .map((f) => path.join(cache, f))
      .filter((f) => statSync(f).isFile());
    for (const f of onDisk) t.false(readFileSync(f).includes(PASSWORD), `${f} holds the password`);
  },
);

test.serial("a controller copy fails with the registry's answer, never the password", async (t) => {
  process.env.DOCKYARD_CACHE = mkdtempSync(path.join(os.tmpdir(), "dockyard-cache-"));
  t.teardown(() => delete process.env.DOCKYARD_CACHE);
  const wrong = controllerCopy({
    from: `${address}/shop/web:1.0`,
    ref: "shop/web:1.0",
    arch: "amd64",
    insecure: true,
    login: { username: "intruder", password: "wrong-pass" },
  });
  const e = await t.throwsAsync(wrong, { message: /DOCKYARD_IMAGE_COPY_FAILED.*HTTP 401.*credentials refused/ });
  t.false(e!.message.includes("wrong-pass"));
  await t.throwsAsync(
    controllerCopy({
      from: `${address}/shop/web:1.0`,
      ref: "shop/web:1.0",
      arch: "s390x",
      insecure: true,
      login: { username: "ci", password: PASSWORD },
    }),
    { message: /no image for linux\/s390x/ },
  );
  await t.throwsAsync(
    controllerCopy({
      from: `${address}/shop/web:9`,
      ref: "shop/web:9",
      arch: "amd64",
      insecure: true,
      login: { username: "ci", password: PASSWORD },
    }),
    {
      message: /HTTP 404/,
    },
  );
});
