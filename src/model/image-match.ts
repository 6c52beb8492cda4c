import { parseImageRef } from "./image-ref";

/** What an image inspect says about the names it goes by (the fields the match needs). */
export interface NamedImage {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
}

/** `registry/repository`, with Docker Hub's other host names as the one docker stores. */
function repositoryOf(ref: string): string {
  const r = parseImageRef(ref);
  const registry = r.registry === "index.docker.io" || r.registry === "registry-1.docker.io" ? "docker.io" : r.registry;
  return `${registry}/${r.repository}`;
}

/**
 * True when docker would resolve `ref` to `image` (what `GET /images/<ref>/json` answers), decided
 * from the image's names alone: a reference with a digest matches a `RepoDigests` entry of the same
 * repository and digest (a tag beside the digest is ignored, as docker does); any other matches a
 * `RepoTags` entry of the same repository and tag, a missing tag being `latest`. Familiar names
 * are made whole on both sides (`nginx:1.25` is `docker.io/library/nginx:1.25`); a registry host
 * keeps its port (`10.0.0.5:5000/app`). Docker's last resort, an image-ID prefix given as the
 * reference, is not a name Dockyard accepts for an Image and is not matched.
 */
export function imageMatchesRef(image: NamedImage, ref: string): boolean {
  const want = parseImageRef(ref);
  const repository = repositoryOf(ref);
  if (want.digest !== undefined) {
    return (image.RepoDigests ?? []).some((d) => {
      const have = parseImageRef(d);
      return have.digest === want.digest && repositoryOf(d) === repository;
    });
  }
  const tag = want.tag ?? "latest";
  return (image.RepoTags ?? []).some((t) => {
    const have = parseImageRef(t);
    return (have.tag ?? "latest") === tag && repositoryOf(t) === repository;
  });
}

/** The image `ref` names among `images` (a host's images as inspected), or undefined. */
export function findImageByRef<T extends NamedImage>(images: readonly T[], ref: string): T | undefined {
  return images.find((i) => imageMatchesRef(i, ref));
}
