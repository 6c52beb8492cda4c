// The controller's copy of an image: fetched from its registry over the Registry HTTP API v2 by
// the machine running Pulumi (no docker daemon needed there), kept as blobs by digest under the
// Dockyard cache, and written as an archive `docker load` takes (docker save's manifest.json and
// an OCI index.json side by side). Credentials stay in memory: they go in Authorization headers,
// never to a file, a message or a process argument.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pack } from "tar-stream";
import { DEFAULT_DOWNLOAD_TIMEOUT_SECONDS } from "../model/defaults";
import { DockyardError } from "../model/error-codes";
import { type ArchiveImage } from "../model/image-archive";
import { parseImageRef, pullRef } from "../model/image-ref";
import { sha256OfFile } from "./bundle-cache";

export interface RegistryLogin {
  username: string;
  password: string;
}

/** What the controller fetches, and for which platform. */
export interface CopyRequest {
  /** Where the controller fetches the image from (a tag or digest reference). */
  from: string;
  /** The reference the hosts will know the image by (its tag in the archive). */
  ref: string;
  /** `amd64`, `arm64`...: the hosts' architecture, for a multi-platform image. */
  arch: string;
  /** Plain HTTP instead of HTTPS. */
  insecure?: boolean;
  login?: RegistryLogin;
}

/** An archive the controller wrote: its file, sha256 and the image it holds. */
export interface CopiedArchive {
  file: string;
  sha256: string;
  image: ArchiveImage;
}

const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];
const INDEX_TYPES = MANIFEST_TYPES.slice(0, 2);

export function imageCacheDir(): string {
  return path.join(process.env.DOCKYARD_CACHE ?? path.join(os.homedir(), ".cache", "dockyard"), "images");
}

/** One fetch per image and platform per provider process (one Pulumi command): hosts share it. */
const copies = new Map<string, Promise<CopiedArchive>>();

/** The image fetched once per run and written as an archive, shared by every host that asks. */
export function controllerCopy(req: CopyRequest): Promise<CopiedArchive> {
  const key = JSON.stringify([req.from, req.ref, req.arch, req.insecure ?? false, req.login?.username ?? ""]);
  let got = copies.get(key);
  if (!got) {
    got = copyImage(req);
    copies.set(key, got);
    got.catch(() => copies.delete(key));
  }
  return got;
}

function fail(req: CopyRequest, why: string): never {
  throw new DockyardError("DOCKYARD_IMAGE_COPY_FAILED", `copying ${req.from} on this machine: ${why}`);
}

/** A registry session: the base URL and the Authorization header it settled on. */
class Registry {
  private auth?: string;
  readonly base: string;
  readonly repo: string;

  constructor(
    private readonly req: CopyRequest,
    private readonly stallSeconds = DEFAULT_DOWNLOAD_TIMEOUT_SECONDS,
  ) {
    const r = parseImageRef(req.from);
    const host = r.registry === "docker.io" ? "registry-1.docker.io" : r.registry;
    this.base = `${req.insecure ? "http" : "https"}://${host}/v2/${r.repository}`;
    this.repo = r.repository;
  }

  /** GET with the registry's auth dance (Basic, or a Bearer token for the repository's pull scope). */
  async get(url: string, accept?: string[]): Promise<Response> {
    let res = await this.fetch(url, accept);
    if (res.status === 401) {
      await res.body?.cancel();
      this.auth = await this.authorize(res.headers.get("www-authenticate") ?? "");
      res = await this.fetch(url, accept);
    }
    if (!res.ok) {
      await res.body?.cancel();
      fail(this.req, `${new URL(url).pathname}: HTTP ${res.status}${res.status === 401 ? " (credentials refused)" : ""}`);
    }
    return res;
  }

  private async fetch(url: string, accept?: string[]): Promise<Response> {
    const headers: Record<string, string> = {};
    if (accept) headers.accept = accept.join(", ");
    if (this.auth) headers.authorization = this.auth;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.stallSeconds * 1000);
    try {
      return await fetch(url, { headers, signal: abort.signal });
    } catch (e) {
      if (abort.signal.aborted) fail(this.req, `no answer for ${this.stallSeconds} s (bound: DEFAULT_DOWNLOAD_TIMEOUT_SECONDS)`);
      // fetch's message may quote the URL; the URL holds no credentials, the cause is enough.
      return fail(
        this.req,
        `${new URL(url).host} cannot be reached (${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message})`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private basic(): string | undefined {
    const l = this.req.login;
    return l ? `Basic ${Buffer.from(`${l.username}:${l.password}`).toString("base64")}` : undefined;
  }

  private async authorize(challenge: string): Promise<string> {
    if (/^basic/i.test(challenge)) return this.basic() ?? fail(this.req, "the registry asks for credentials and none were given");
    if (!/^bearer/i.test(challenge)) return fail(this.req, "the registry asks for an authentication scheme Dockyard does not speak");
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!params.realm) fail(this.req, "the registry's token challenge names no realm");
    const u = new URL(params.realm);
    if (params.service) u.searchParams.set("service", params.service);
    u.searchParams.set("scope", `repository:${this.repo}:pull`);
    const basic = this.basic();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.stallSeconds * 1000);
    try {
      const res = await fetch(u, { headers: basic ? { authorization: basic } : {}, signal: abort.signal });
      if (!res.ok) fail(this.req, `the token service answered HTTP ${res.status}${res.status === 401 ? " (credentials refused)" : ""}`);
      const body = (await res.json()) as { token?: string; access_token?: string };
      const token = body.token ?? body.access_token;
      return token ? `Bearer ${token}` : fail(this.req, "the token service gave no token");
    } catch (e) {
      if (e instanceof DockyardError) throw e;
      return fail(this.req, `the token service cannot be reached (${(e as Error).name})`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A manifest by tag or digest: its bytes, media type and digest (checked when asked by digest). */
  async manifest(reference: string): Promise<{ body: Buffer; mediaType: string; digest: string }> {
    const res = await this.get(`${this.base}/manifests/${reference}`, MANIFEST_TYPES);
    const body = Buffer.from(await res.arrayBuffer());
    const digest = `sha256:${createHash("sha256").update(body).digest("hex")}`;
    if (reference.startsWith("sha256:") && reference !== digest) fail(this.req, `manifest ${reference} arrived as ${digest}`);
    const parsed = JSON.parse(body.toString("utf8")) as { mediaType?: string };
    return { body, mediaType: parsed.mediaType ?? res.headers.get("content-type") ?? "", digest };
  }

  /** A blob into the cache by digest, checked while it streams; a cached one is not fetched again. */
  async blob(digest: string): Promise<string> {
    const hex = /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1] ?? fail(this.req, `blob ${JSON.stringify(digest)} is not a sha256 digest`);
    const dir = path.join(imageCacheDir(), "blobs", "sha256");
    const file = path.join(dir, hex);
    if (existsSync(file)) return file;
    mkdirSync(dir, { recursive: true });
    const res = await this.get(`${this.base}/blobs/${digest}`);
    const tmp = `${file}.${process.pid}.part`;
    const hash = createHash("sha256");
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => abort.abort(), this.stallSeconds * 1000);
    };
    arm();
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        arm();
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), tap, createWriteStream(tmp), {
        signal: abort.signal,
      });
    } catch {
      rmSync(tmp, { force: true });
      fail(this.req, abort.signal.aborted ? `blob ${digest}: no data for ${this.stallSeconds} s` : `blob ${digest}: the download failed`);
    } finally {
      clearTimeout(timer);
    }
    const got = `sha256:${hash.digest("hex")}`;
    if (got !== digest) {
      rmSync(tmp, { force: true });
      fail(this.req, `blob ${digest} arrived with digest ${got}`);
    }
    renameSync(tmp, file);
    return file;
  }
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/** One fetch and write, not shared (controllerCopy shares it). */
export async function copyImage(req: CopyRequest): Promise<CopiedArchive> {
  const reg = new Registry(req);
  const r = parseImageRef(req.from);
  let m = await reg.manifest(r.digest ?? r.tag ?? "latest");
  if (INDEX_TYPES.includes(m.mediaType)) {
    const list = (JSON.parse(m.body.toString("utf8")) as { manifests?: Descriptor[] }).manifests ?? [];
    const pick = list.find((d) => d.platform?.os === "linux" && d.platform.architecture === req.arch);
    if (!pick) fail(req, `it has no image for linux/${req.arch}`);
    m = await reg.manifest(pick.digest);
  }
  const manifest = JSON.parse(m.body.toString("utf8")) as { config?: Descriptor; layers?: Descriptor[] };
  if (!manifest.config?.digest || !Array.isArray(manifest.layers)) fail(req, `manifest ${m.digest} is not an image manifest`);
  const config = manifest.config;
  const layers = manifest.layers;
  // Blobs in order, one at a time: a cached one costs nothing, and the registry sees one stream.
  const files = new Map<string, string>();
  for (const d of [config, ...layers]) files.set(d.digest, await reg.blob(d.digest));

  const dir = path.join(imageCacheDir(), "archives");
  mkdirSync(dir, { recursive: true });
  const name = createHash("sha256")
    .update(`${m.digest}\0${pullRef(req.ref)}`)
    .digest("hex");
  const file = path.join(dir, `${name}.tar`);
  const image: ArchiveImage = { tags: [pullRef(req.ref)], configDigest: config.digest, manifestDigest: m.digest };
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.part`;
    try {
      await writeArchive(tmp, req.ref, m, config, layers, files);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    renameSync(tmp, file);
  }
  return { file, sha256: await sha256OfFile(file), image };
}

const blobName = (digest: string) => `blobs/sha256/${digest.slice("sha256:".length)}`;

/**
 * The archive, byte for byte the same for the same image and reference (fixed times and owners),
 * so its sha256 is too, and a host that kept it from an earlier run gets no upload.
 */
async function writeArchive(
  file: string,
  ref: string,
  m: { body: Buffer; mediaType: string; digest: string },
  config: Descriptor,
  layers: Descriptor[],
  files: Map<string, string>,
): Promise<void> {
  const tar = pack();
  const out = pipeline(tar, createWriteStream(file));
  const header = { mtime: new Date(0), uid: 0, gid: 0, uname: "", gname: "", mode: 0o644 };
  const add = (name: string, body: Buffer) =>
    new Promise<void>((resolve, reject) => tar.entry({ ...header, name }, body, (err) => (err ? reject(err) : resolve())));
  const addFile = (name: string, local: string) =>
    new Promise<void>((resolve, reject) => {
      const entry = tar.entry({ ...header, name, size: statSync(local).size }, (err) => (err ? reject(err) : resolve()));
      createReadStream(local).on("error", reject).pipe(entry);
    });
  await add("oci-layout", Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" })));
  const written = new Set<string>();
  for (const d of [config, ...layers]) {
    if (written.has(d.digest)) continue;
    written.add(d.digest);
    await addFile(blobName(d.digest), files.get(d.digest)!);
  }
  await add(blobName(m.digest), m.body);
  const tagged = pullRef(ref);
  const r = parseImageRef(tagged);
  const index = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [
      {
        mediaType: m.mediaType,
        digest: m.digest,
        size: m.body.length,
        annotations: {
          "io.containerd.image.name": `${r.registry}/${r.repository}:${r.tag ?? "latest"}`,
          "org.opencontainers.image.ref.name": r.tag ?? "latest",
        },
      },
    ],
  };
  await add("index.json", Buffer.from(JSON.stringify(index)));
  const saved = [{ Config: blobName(config.digest), RepoTags: [tagged], Layers: layers.map((l) => blobName(l.digest)) }];
  await add("manifest.json", Buffer.from(JSON.stringify(saved)));
  tar.finalize();
  await out;
}
