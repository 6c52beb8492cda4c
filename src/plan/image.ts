import { isDeepStrictEqual } from "node:util";
import { type ArchiveImage, type ImageSourceSpec, isArchiveImage } from "../model/image-archive";
import { parseImageRef } from "../model/image-ref";
import { type Refusal, refuse } from "./refusal";

export interface BuildSpec {
  /** Local directory sent to the host's engine as the build context. */
  context: string;
  /** The files of the context, relative to it (the engine receives exactly these). */
  files: string[];
  /** sha256 over the context's files: a change rebuilds. */
  contextHash: string;
  dockerfile: string;
  args: Record<string, string>;
  /** Push the built image to the registry its reference names. */
  push: boolean;
}

export interface ImageSpec {
  ref: string;
  pullPolicy: "always" | "ifMissing";
  /** Keep the image on destroy. */
  keep?: boolean;
  /** Build on the host from a local context instead of pulling. */
  build?: BuildSpec;
  /** Load from an archive (a local one, or one the controller fetched) instead of pulling. */
  source?: ImageSourceSpec;
}

/** The image as the engine has it (inspect), absent when it has none under the reference. */
export interface ImageFacts {
  imageId: string;
  repoDigest: string;
  /** The context hash a Dockyard build left on the image. */
  contextHash?: string;
}

/** One Engine API call that puts the image on the host. */
export type ImageStep = { kind: "pull"; ref: string } | { kind: "build"; ref: string; push: boolean };

/** A step that brings an image from an archive: upload it to the host (kept there), then `docker load` it. */
export type ArchiveStep = { kind: "upload"; sha256: string } | { kind: "load"; sha256: string };

/**
 * Nothing when the engine has the archive's image under the reference; else a load, from the
 * archive the host keeps when it has it (`onHost`), after an upload when not.
 */
export function planArchive(sha256: string, image: ArchiveImage, present: ImageFacts | undefined, onHost: boolean): ArchiveStep[] {
  if (present && isArchiveImage(image, present.imageId)) return [];
  return [...(onHost ? [] : [{ kind: "upload" as const, sha256 }]), { kind: "load", sha256 }];
}

/** The outputs after a load, or why the load did not give the archive's image. */
export function archiveResult(spec: ImageSpec, image: ArchiveImage, present: ImageFacts | undefined): ImageResult | Refusal {
  if (!present) return refuse("DOCKYARD_IMAGE_ARCHIVE_MISMATCH", `${spec.ref} is not on the host after loading its archive`);
  if (!isArchiveImage(image, present.imageId))
    return refuse(
      "DOCKYARD_IMAGE_ARCHIVE_MISMATCH",
      `${spec.ref} on the host is image ${present.imageId} after the load, not ${image.configDigest}, the image the archive names`,
    );
  return imageResult(spec, present) as ImageResult;
}

/** What the state records of the image, and what containers run by. */
export interface ImageResult {
  /** `sha256:...` the reference resolved to (the image ID for an image with no registry digest). */
  digest: string;
  /** `repository@sha256:...`, or the image ID: what containers run, so a moved tag never swaps their image silently. */
  repoDigest: string;
  imageId: string;
}

/**
 * Whether a run pulls (or builds) even with the image present: create with `always`; an update
 * when the reference or the build moved, or with `always`.
 */
export function imageForced(olds: ImageSpec | undefined, news: ImageSpec): boolean {
  if (!olds) return news.pullPolicy === "always";
  return (
    olds.ref !== news.ref ||
    news.pullPolicy === "always" ||
    !isDeepStrictEqual(olds.build, news.build) ||
    !isDeepStrictEqual(olds.source, news.source)
  );
}

/** A build when there is none of ours from this context (or forced); else a pull when absent (or forced). */
export function planImage(spec: ImageSpec, present: ImageFacts | undefined, forced: boolean): ImageStep[] {
  if (spec.build)
    return !present || forced || present.contextHash !== spec.build.contextHash
      ? [{ kind: "build", ref: spec.ref, push: spec.build.push }]
      : [];
  return !present || forced ? [{ kind: "pull", ref: spec.ref }] : [];
}

/** The outputs from the image as it is after the steps, or why there is none. */
export function imageResult(spec: ImageSpec, present: ImageFacts | undefined): ImageResult | Refusal {
  if (!present) return refuse("DOCKYARD_IMAGE_PULL_FAILED", `${spec.ref} is not on the host after the pull`);
  const digest = present.repoDigest.split("@")[1] ?? "";
  const r = parseImageRef(spec.ref);
  const repo = present.repoDigest.split("@")[0] || `${r.registry === "docker.io" ? "" : `${r.registry}/`}${r.repository}`;
  // An image built here and not pushed has no registry digest: containers run it by its ID.
  const runAs = digest ? `${repo}@${digest}` : present.imageId;
  return { digest: digest || present.imageId, repoDigest: runAs, imageId: present.imageId };
}

/** True when drift needs the registry's digest for the tag (pulled `always`, by a tag). */
export function needsRemoteDigest(spec: ImageSpec): boolean {
  return spec.pullPolicy === "always" && !spec.build && !spec.source && !parseImageRef(spec.ref).digest;
}

/** Where the host differs from the state; `remote` is the registry's digest when it was asked. */
export function imageDrift(
  spec: ImageSpec,
  recorded: { imageId: string; digest: string },
  present: ImageFacts | undefined,
  remote?: string,
): string[] {
  if (!present) return [`${spec.ref} is not on the host`];
  const reasons: string[] = [];
  if (present.imageId !== recorded.imageId) reasons.push(`${spec.ref} on the host is image ${present.imageId}, not ${recorded.imageId}`);
  if (spec.build && present.contextHash !== spec.build.contextHash) reasons.push(`${spec.ref} was built from another context`);
  if (needsRemoteDigest(spec) && remote && remote !== recorded.digest)
    reasons.push(`${spec.ref} now resolves to ${remote} in its registry`);
  return reasons;
}
