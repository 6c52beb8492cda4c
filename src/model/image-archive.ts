// Image archives (`docker save` tars and OCI archives): the checks of where one comes from, and
// what one holds, read from its manifest.json / index.json. Pure: the files are read elsewhere.
import { invalid } from "./input-error";
import { parseImageRef, pullRef } from "./image-ref";
import { hasUrlCredentials } from "./url-credentials";

/**
 * Where an image comes from when the host does not pull it itself. `archive`: an image archive
 * (`docker save` or OCI) here at `path`, or at `url` (fetched by this machine, never the host),
 * with its `sha256`, uploaded to the host once and loaded there. `controller`: fetched by the
 * machine running Pulumi from a registry it reaches (`from`, default the image's own reference;
 * `insecure`: plain HTTP), or taken from the archive naming the reference in a `directory` here,
 * then uploaded and loaded the same way.
 */
export interface ImageSourceSpec {
  kind: "archive" | "controller";
  path?: string;
  /** The archive's http(s) URL, fetched by the machine running Pulumi (archive). */
  url?: string;
  sha256?: string;
  from?: string;
  /** A directory of image archives the controller takes the image from (controller). */
  directory?: string;
  insecure?: boolean;
}

const SHA256 = /^[0-9a-f]{64}$/;
/** A local path: printable, no control characters, at most 4096 characters. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const LOCAL_PATH = /^[^\0-\x1f\x7f]{1,4096}$/;

/** Why `value` is not a sha256 in hex (64 lowercase hex digits), or "" when it is. */
export function sha256Problem(value: unknown): string {
  return typeof value === "string" && SHA256.test(value) ? "" : `must be 64 lowercase hex digits (got ${JSON.stringify(value)})`;
}

/**
 * The one check of an image source, for the component, the fleet file and the provider alike.
 * `field` names the setting in the error (`source`, `images[2].source`).
 */
export function checkImageSource(source: unknown, ref: string | undefined, field = "source"): ImageSourceSpec {
  if (typeof source !== "object" || source === null) return invalid(field, "must be an object");
  const s = source as Record<string, unknown>;
  if (s.kind === "archive") {
    const bad = sha256Problem(s.sha256);
    if (s.url !== undefined) {
      if (s.path !== undefined) invalid(`${field}.archive`, "is a path here or a URL, not both");
      checkArchiveUrl(s.url, s.insecure === true, `${field}.archive`);
      if (bad) invalid(`${field}.sha256`, bad);
      return { kind: "archive", url: s.url as string, sha256: s.sha256 as string, ...(s.insecure === true ? { insecure: true } : {}) };
    }
    if (typeof s.path !== "string" || !LOCAL_PATH.test(s.path))
      invalid(`${field}.archive`, `must be the path of an image archive here (got ${JSON.stringify(s.path)})`);
    if (s.insecure !== undefined) invalid(`${field}.insecure`, "is for an archive URL or a registry, not a file here");
    if (bad) invalid(`${field}.sha256`, bad);
    return { kind: "archive", path: s.path as string, sha256: s.sha256 as string };
  }
  if (s.kind === "controller") {
    if (s.from !== undefined) {
      if (typeof s.from !== "string" || !taggedRef(s.from))
        invalid(`${field}.from`, `must be an image reference with a tag or digest (got ${JSON.stringify(s.from)})`);
    }
    if (s.insecure !== undefined && typeof s.insecure !== "boolean") invalid(`${field}.insecure`, "must be true or false");
    if (ref !== undefined && parseImageRef(ref).digest && !parseImageRef(ref).tag)
      invalid("ref", "must name a tag when the controller copies the image (a loaded image is found by its tag)");
    if (s.directory !== undefined) {
      if (typeof s.directory !== "string" || !LOCAL_PATH.test(s.directory))
        invalid(`${field}.directory`, `must be the path of a directory of image archives here (got ${JSON.stringify(s.directory)})`);
      // An archive is loaded under the tags it names: the one the hosts know the image by.
      if (s.from !== undefined) invalid(`${field}.from`, "cannot be set with directory: the archive that names `ref` is taken");
      if (s.insecure !== undefined) invalid(`${field}.insecure`, "is for a registry, not a directory here");
      return { kind: "controller", directory: s.directory as string };
    }
    return { kind: "controller", ...(s.from ? { from: s.from as string } : {}), ...(s.insecure ? { insecure: true } : {}) };
  }
  return invalid(`${field}.kind`, `must be archive or controller (got ${JSON.stringify(s.kind)})`);
}

/** An archive URL: https, or http with `insecure`; printable; no credentials (the URL is kept in the state as it is). */
function checkArchiveUrl(url: unknown, insecure: boolean, field: string): void {
  if (typeof url !== "string" || !/^https?:\/\/[\x21-\x7e]{1,4096}$/.test(url))
    invalid(field, `must be a path here or an http(s) URL (got ${JSON.stringify(url)})`);
  if (hasUrlCredentials(url as string))
    invalid(field, "must not carry credentials in its URL (it is kept in the state): serve the archive without them, or fetch it first");
  if ((url as string).startsWith("http://") && !insecure)
    invalid(field, "is a plain http:// URL: INSECURE, allowed only with insecure: true (the sha256 is still checked)");
}

function taggedRef(ref: string): boolean {
  const r = parseImageRef(ref);
  return Boolean(r.repository) && /^[A-Za-z0-9._:/@-]+$/.test(ref);
}

/** One image an archive holds. */
export interface ArchiveImage {
  /** The references the archive names it by (`nginx:1.25`, `docker.io/library/nginx:1.25`). */
  tags: string[];
  /** `sha256:` of its config: the image ID of an engine with the classic image store. */
  configDigest: string;
  /** `sha256:` of its manifest (OCI archives): the image ID with the containerd image store. */
  manifestDigest?: string;
}

/** Thrown when an archive's manifest cannot be read; the caller names the archive. */
export class ArchiveFormatError extends Error {}

const DIGEST_FILE = /^(?:blobs\/sha256\/)?([0-9a-f]{64})(?:\.json)?$/;

function json(files: ReadonlyMap<string, Buffer>, name: string): unknown {
  const b = files.get(name);
  if (!b) return undefined;
  try {
    return JSON.parse(b.toString("utf8"));
  } catch {
    throw new ArchiveFormatError(`${name} is not valid JSON`);
  }
}

function digestOfPath(p: unknown): string {
  const m = typeof p === "string" ? DIGEST_FILE.exec(p) : null;
  if (!m) throw new ArchiveFormatError(`manifest.json names its config as ${JSON.stringify(p)}, not by digest`);
  return `sha256:${m[1]}`;
}

function blob(files: ReadonlyMap<string, Buffer>, digest: unknown): Record<string, unknown> {
  const m = typeof digest === "string" ? /^sha256:([0-9a-f]{64})$/.exec(digest) : null;
  if (!m) throw new ArchiveFormatError(`index.json names ${JSON.stringify(digest)}, not a sha256 digest`);
  const got = json(files, `blobs/sha256/${m[1]}`);
  if (!got || typeof got !== "object") throw new ArchiveFormatError(`blob ${m[0]} is missing from the archive`);
  return got as Record<string, unknown>;
}

const INDEX_TYPES = ["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"];

/** The image manifests of an OCI index, nested indexes followed, attestations left out. */
function ociImages(files: ReadonlyMap<string, Buffer>, index: Record<string, unknown>, depth = 0): ArchiveImage[] {
  const out: ArchiveImage[] = [];
  for (const m of (index.manifests as Record<string, unknown>[] | undefined) ?? []) {
    const annotations = (m.annotations ?? {}) as Record<string, string>;
    const platform = (m.platform ?? {}) as Record<string, string>;
    if (platform.architecture === "unknown") continue;
    const body = blob(files, m.digest);
    if (INDEX_TYPES.includes(String(m.mediaType ?? body.mediaType)) && depth < 2) {
      const inner = ociImages(files, body, depth + 1);
      const name = annotations["io.containerd.image.name"];
      out.push(...inner.map((i) => ({ ...i, tags: name ? [name] : i.tags, manifestDigest: String(m.digest) })));
      continue;
    }
    const config = (body.config ?? {}) as Record<string, unknown>;
    if (typeof config.digest !== "string") throw new ArchiveFormatError(`manifest ${String(m.digest)} names no config`);
    const name = annotations["io.containerd.image.name"] ?? annotations["org.opencontainers.image.ref.name"];
    // A bare ref.name (`1.25`) is only a tag, not a reference the image can be found by.
    const tags = name && /[:/]/.test(name) ? [name] : [];
    out.push({ tags, configDigest: config.digest, manifestDigest: String(m.digest) });
  }
  return out;
}

/**
 * The images an archive holds, from its `manifest.json` (docker save) and/or `index.json` (OCI;
 * docker 25+ writes both). `files` holds the archive's small files by name: those two and the
 * JSON blobs under `blobs/sha256/`.
 */
export function archiveImages(files: ReadonlyMap<string, Buffer>): ArchiveImage[] {
  const manifest = json(files, "manifest.json");
  const index = json(files, "index.json") as Record<string, unknown> | undefined;
  const oci = index ? ociImages(files, index) : [];
  if (Array.isArray(manifest)) {
    return manifest.map((entry: Record<string, unknown>) => {
      const configDigest = digestOfPath(entry.Config);
      const tags = Array.isArray(entry.RepoTags) ? entry.RepoTags.filter((t): t is string => typeof t === "string") : [];
      const twin = oci.find((o) => o.configDigest === configDigest);
      return { tags, configDigest, ...(twin?.manifestDigest ? { manifestDigest: twin.manifestDigest } : {}) };
    });
  }
  if (!index) throw new ArchiveFormatError("it has neither manifest.json (docker save) nor index.json (OCI)");
  return oci;
}

/** The reference in the form the engine lists it: `docker.io/library/nginx:latest`. */
function canonical(ref: string): string {
  const r = parseImageRef(pullRef(ref));
  return `${r.registry}/${r.repository}:${r.tag ?? "latest"}`;
}

/** The image of the archive that `ref` names, or undefined when the archive does not name it. */
export function archiveImageFor(images: ArchiveImage[], ref: string): ArchiveImage | undefined {
  const want = canonical(ref);
  return images.find((i) => i.tags.some((t) => canonical(t) === want));
}

/** True when the engine's image ID is the archive's image (classic store: config; containerd store: manifest). */
export function isArchiveImage(image: ArchiveImage, engineImageId: string): boolean {
  return engineImageId === image.configDigest || (image.manifestDigest !== undefined && engineImageId === image.manifestDigest);
}

/**
 * An image source as components and the fleet file take it (`{ archive, sha256 }` or
 * `{ controller: true }`); `archive` a path here or an http(s) URL.
 */
export interface ImageSourceInput {
  archive?: string;
  sha256?: string;
  controller?: boolean;
  from?: string;
  directory?: string;
  insecure?: boolean;
}

/** Whether an archive setting is a URL (fetched by this machine) rather than a path here. */
export const isArchiveUrl = (archive: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(archive);

/** The declared source as the provider takes it, checked; `field` names it in errors. */
export function imageSourceOf(input: ImageSourceInput, ref: string | undefined, field = "source"): ImageSourceSpec {
  if (typeof input !== "object" || input === null) return invalid(field, "must be an object");
  const known = new Set(["archive", "sha256", "controller", "from", "directory", "insecure"]);
  const unknown = Object.keys(input).find((k) => !known.has(k));
  if (unknown)
    invalid(`${field}.${unknown}`, "is not a setting of an image source (archive, sha256, controller, from, directory, insecure)");
  if (input.archive !== undefined) {
    if (input.controller) invalid(`${field}.controller`, "cannot be set with archive: an image comes from one source");
    if (input.from !== undefined || input.directory !== undefined)
      invalid(`${field}.archive`, "takes sha256 (and insecure for an http URL) only: from and directory are for controller copies");
    if (input.sha256 === undefined) invalid(`${field}.sha256`, "is required with archive (`sha256sum` of the file)");
    const where = typeof input.archive === "string" && isArchiveUrl(input.archive) ? { url: input.archive } : { path: input.archive };
    return checkImageSource({ kind: "archive", ...where, sha256: input.sha256, insecure: input.insecure }, ref, field);
  }
  if (input.controller === true) {
    if (input.sha256 !== undefined) invalid(`${field}.sha256`, "is for archive sources");
    return checkImageSource({ kind: "controller", from: input.from, directory: input.directory, insecure: input.insecure }, ref, field);
  }
  if (input.directory !== undefined) invalid(`${field}.directory`, "is for controller copies: set controller: true");
  return invalid(field, "must name an archive (with its sha256) or set controller: true");
}
