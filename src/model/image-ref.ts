import { isHostValue } from "./host-values";
/** An image reference split into its parts, with Docker's defaults made explicit. */
export interface ImageRef {
  /** Registry host[:port]; `docker.io` for Docker Hub. */
  registry: string;
  /** Repository path, e.g. `library/nginx`. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** Parses `nginx`, `nginx:1.25`, `10.0.0.5:5000/app/web:2`, `nginx@sha256:...` (Docker's rules). */
export function parseImageRef(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(":");
  if (lastColon > rest.lastIndexOf("/")) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
  }
  const parts = rest.split("/");
  let registry = "docker.io";
  if (parts.length > 1 && (parts[0].includes(".") || parts[0].includes(":") || parts[0] === "localhost")) {
    registry = parts.shift()!;
  }
  let repository = parts.join("/");
  if (registry === "docker.io" && !repository.includes("/")) repository = `library/${repository}`;
  return { registry, repository, tag, digest };
}

/** What is wrong with a reference, for validation before anything runs ("" when it is fine). */
export function imageRefProblem(ref: string): string {
  if (!isHostValue("imageRef", ref)) return `is not an image reference (got ${JSON.stringify(ref)})`;
  const r = parseImageRef(ref);
  if (!r.repository || !/^[a-z0-9]+([._-][a-z0-9]+|__[a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+|__[a-z0-9]+)*)*$/.test(r.repository)) {
    return `is not an image reference (got ${JSON.stringify(ref)})`;
  }
  if (r.digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(r.digest)) return `has a malformed digest (got ${JSON.stringify(r.digest)})`;
  if (r.tag !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(r.tag))
    return `has a malformed tag (got ${JSON.stringify(r.tag)})`;
  return "";
}

/** The reference to pull: a tag is always explicit (a bare name would pull every tag). */
export function pullRef(ref: string): string {
  const r = parseImageRef(ref);
  if (r.digest || r.tag) return ref.trim();
  return `${ref.trim()}:latest`;
}

/** True when a RepoDigests entry (`repo@sha256:...`) belongs to the reference's repository. */
export function sameRepository(repoDigest: string, ref: string): boolean {
  const a = parseImageRef(repoDigest);
  const b = parseImageRef(ref);
  return a.repository === b.repository && a.registry === b.registry;
}
