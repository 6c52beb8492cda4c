import type * as pulumi from "@pulumi/pulumi";
import type Docker from "dockerode";
import { isDeepStrictEqual } from "node:util";
import { targetOf } from "../remote/connection-spec";
import { withEngine } from "../remote/docker-api";
import { EngineUnavailableError, RemoteError, TimedOutError, engineSaid, isConnectionFailure } from "../remote/errors";
import { boundSeconds } from "../model/time-bounds";
import {
  type BuildSpec,
  type ImageFacts,
  type ImageSpec,
  type ImageStep,
  imageDrift,
  imageForced,
  imageResult,
  needsRemoteDigest,
  planImage,
} from "../plan/image";
import { isRefusal } from "../plan/refusal";
import { type ArchiveStep, archiveResult, planArchive } from "../plan/image";
import { checkImageSource, type ImageSourceSpec } from "../model/image-archive";
import { archiveInDirectory, type CheckedArchive, checkedArchive } from "../remote/image-archive";
import { localBundle } from "../remote/bundle-cache";
import { maskUrl } from "../model/url-credentials";
import { controllerCopy } from "../remote/image-registry";
import { SshSession } from "../remote/ssh-session";
import { uploadFile } from "../remote/upload";
import { archivePathOnHost, renderArchiveCheck, renderArchiveLoad, renderArchiveRemove } from "../scripts/image-archive";
import type { ConnectionSpec } from "../remote/connection-spec";
import { pullRef, sameRepository } from "../model/image-ref";
import { type ConnectedInputs, connectionChange, containsUnknown, toConnectionSpec } from "./connection-inputs";
import { notice } from "./notices";
import { readWorkload } from "./host-probes";
import { findImageByRef } from "../model/image-match";

export interface RegistryAuth {
  serveraddress: string;
  username: string;
  password: string;
}

export interface ImageInputs extends ConnectedInputs {
  spec: ImageSpec;
  /** Registry credentials (secret), when the registry needs them. */
  registryAuth?: RegistryAuth;
}

export interface ImageOutputs extends ImageInputs {
  /** `sha256:...` the reference resolved to when it was pulled. */
  digest: string;
  /** `repository@sha256:...`: what containers run, so a moved tag never swaps their image silently. */
  repoDigest: string;
  imageId: string;
  /** sha256 of the archive the image was loaded from (kept on the host), for an image with a `source`. */
  archiveSha256?: string;
  drift: string[];
}

/**
 * Pulls `ref` through `docker`, a client whose calls are bounded by `pullTimeout`; the pull as a
 * whole is bounded by it too (`seconds`): at the bound its stream is ended, which makes dockerd
 * cancel the pull (nothing is tagged), and the step fails naming the bound.
 */
async function pull(docker: Docker, target: string, ref: string, seconds: number, auth?: RegistryAuth): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let stream: NodeJS.ReadableStream | undefined;
  const over = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      (stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
      reject(new TimedOutError(target, `pulling image ${ref}`, seconds, "pullTimeout", "the pull did not finish"));
    }, seconds * 1000);
  });
  over.catch(() => undefined);
  const pulled = (async () => {
    stream = await docker.pull(pullRef(ref), auth ? { authconfig: auth } : {}).catch((e: Error) => {
      if (isConnectionFailure(e) || e instanceof RemoteError) throw e; // withEngine says why the engine does not answer
      throw new RemoteError(target, `pulling ${ref} failed: ${engineSaid(e)}`, "DOCKYARD_IMAGE_PULL_FAILED");
    });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream!, (err: Error | null) =>
        err
          ? reject(
              err instanceof RemoteError
                ? err
                : new RemoteError(target, `pulling ${ref} failed: ${err.message}`, "DOCKYARD_IMAGE_PULL_FAILED"),
            )
          : resolve(),
      ),
    );
  })();
  pulled.catch(() => undefined);
  try {
    await Promise.race([pulled, over]);
  } finally {
    clearTimeout(timer);
  }
}

/** What Dockyard keeps of an image's inspect: the digest of the reference's repository first. */
function factsOf(info: Pick<Docker.ImageInspectInfo, "Id" | "RepoDigests" | "Config">, ref: string): ImageFacts {
  const repoDigest = (info.RepoDigests ?? []).find((d) => sameRepository(d, ref)) ?? info.RepoDigests?.[0] ?? "";
  return { imageId: info.Id, repoDigest, contextHash: info.Config?.Labels?.["dockyard.context"] };
}

async function inspect(docker: Docker, ref: string): Promise<ImageFacts | undefined> {
  try {
    return factsOf(await docker.getImage(pullRef(ref)).inspect(), ref);
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

/** The digest the registry has for the reference now, or undefined when it cannot be asked. */
async function remoteDigest(docker: Docker, ref: string, auth?: RegistryAuth): Promise<string | undefined> {
  try {
    const image = docker.getImage(pullRef(ref)) as unknown as { distribution(o: object): Promise<{ Descriptor?: { digest?: string } }> };
    const d = await image.distribution(auth ? { authconfig: auth } : {});
    return d.Descriptor?.digest;
  } catch {
    return undefined;
  }
}

async function followStream(docker: Docker, stream: NodeJS.ReadableStream, target: string, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null) =>
      err
        ? reject(
            new RemoteError(
              target,
              `${what} failed: ${err.message}`,
              what.startsWith("push") ? "DOCKYARD_IMAGE_PUSH_FAILED" : "DOCKYARD_IMAGE_BUILD_FAILED",
            ),
          )
        : resolve(),
    ),
  );
}

/** Builds on the host's engine from the local context, then pushes when asked. */
async function buildAndPush(docker: Docker, target: string, inputs: ImageInputs, b: BuildSpec): Promise<void> {
  const stream = await docker
    .buildImage(
      { context: b.context, src: b.files },
      { t: pullRef(inputs.spec.ref), dockerfile: b.dockerfile, buildargs: b.args, labels: { "dockyard.context": b.contextHash } },
    )
    .catch((e: Error) => {
      if (isConnectionFailure(e)) throw e;
      throw new RemoteError(target, `building ${inputs.spec.ref} failed: ${engineSaid(e)}`, "DOCKYARD_IMAGE_BUILD_FAILED");
    });
  await followStream(docker, stream, target, `building ${inputs.spec.ref}`);
  if (b.push) {
    const push = await docker
      .getImage(pullRef(inputs.spec.ref))
      .push(inputs.registryAuth ? { authconfig: inputs.registryAuth } : {})
      .catch((e: Error) => {
        if (isConnectionFailure(e)) throw e;
        throw new RemoteError(target, `pushing ${inputs.spec.ref} failed: ${engineSaid(e)}`, "DOCKYARD_IMAGE_PUSH_FAILED");
      });
    await followStream(docker, push, target, `pushing ${inputs.spec.ref}`);
  }
}

async function ensure(inputs: ImageInputs, forced: boolean): Promise<ImageOutputs> {
  return withEngine(toConnectionSpec(inputs), `pulling image ${inputs.spec.ref}`, (docker, boundBy) =>
    ensureWith(docker, boundBy("pullTimeout"), inputs, forced),
  );
}

/** Runs a pull or a build through `transfer`, whose calls are bounded by the host's `pullTimeout`. */
async function runStep(transfer: Docker, target: string, inputs: ImageInputs, step: ImageStep): Promise<void> {
  if (step.kind === "pull") return pull(transfer, target, step.ref, boundSeconds(inputs.connection, "pullTimeout"), inputs.registryAuth);
  return buildAndPush(transfer, target, inputs, inputs.spec.build!);
}

async function ensureWith(docker: Docker, transfer: Docker, inputs: ImageInputs, forced: boolean): Promise<ImageOutputs> {
  const target = targetOf(inputs.connection);
  if (inputs.spec.source) return ensureFromArchive(docker, inputs);
  let present = await inspect(docker, inputs.spec.ref);
  const steps = planImage(inputs.spec, present, forced);
  for (const step of steps) await runStep(transfer, target, inputs, step);
  if (steps.length) present = await inspect(docker, inputs.spec.ref);
  const result = imageResult(inputs.spec, present);
  if (isRefusal(result)) throw new RemoteError(target, result.message, result.code);
  return { ...inputs, ...result, drift: [] };
}

/** The host's architecture as registries name it (`amd64`, `arm64`), for a multi-platform image. */
async function hostArch(session: SshSession): Promise<string> {
  const m = (await session.exec("uname -m", { what: "reading the architecture" })).stdout.trim();
  return ({ x86_64: "amd64", aarch64: "arm64", armv7l: "arm", ppc64le: "ppc64le", s390x: "s390x" } as Record<string, string>)[m] ?? m;
}

/**
 * An image from an archive: a local one (checked against its sha256 here, before any host sees
 * it), or one this machine fetched from a registry once for all hosts. The host keeps the archive
 * under its sha256, so a later load (the image removed by hand) uploads nothing.
 */
async function ensureFromArchive(docker: Docker, inputs: ImageInputs): Promise<ImageOutputs> {
  const spec: ConnectionSpec = toConnectionSpec(inputs);
  const target = targetOf(inputs.connection);
  // The shared check again: a config value or an older state reaches here without the component's.
  const source = checkImageSource(inputs.spec.source, inputs.spec.ref);
  const session = await SshSession.for(spec);
  const auth = inputs.registryAuth;
  const archive =
    source.kind === "archive"
      ? await localArchive(source, inputs.spec.ref)
      : source.directory
        ? await archiveInDirectory(source.directory, inputs.spec.ref)
        : await controllerCopy({
            from: source.from ?? inputs.spec.ref,
            ref: inputs.spec.ref,
            arch: await hostArch(session),
            insecure: source.insecure,
            login: auth ? { username: auth.username, password: auth.password } : undefined,
          });
  let present = await inspect(docker, inputs.spec.ref);
  const onHost =
    (await session.exec(renderArchiveCheck(archive.sha256), { what: "reading the kept image archive" })).stdout.trim() === archive.sha256;
  const steps = planArchive(archive.sha256, archive.image, present, onHost);
  for (const step of steps) await runArchiveStep(session, inputs, archive.file, step);
  if (steps.length) present = await inspect(docker, inputs.spec.ref);
  const result = archiveResult(inputs.spec, archive.image, present);
  if (isRefusal(result)) throw new RemoteError(target, result.message, result.code);
  return { ...inputs, ...result, archiveSha256: archive.sha256, drift: [] };
}

/** A given archive here, or fetched by this machine from its URL into the cache once (by sha256); checked before any host sees it. */
async function localArchive(source: ImageSourceSpec, ref: string): Promise<CheckedArchive> {
  if (!source.url) return checkedArchive(source.path!, source.sha256!, ref);
  const file = await localBundle({ url: source.url }, source.sha256!, { name: "source.archive", sha: "source.sha256", ext: ".tar" });
  return checkedArchive(file, source.sha256!, ref, maskUrl(source.url));
}

async function runArchiveStep(session: SshSession, inputs: ImageInputs, file: string, step: ArchiveStep): Promise<void> {
  if (step.kind === "upload") {
    await uploadFile(session, file, archivePathOnHost(step.sha256), step.sha256);
    return;
  }
  await session.exec(renderArchiveLoad(step.sha256), {
    what: `loading image ${inputs.spec.ref}`,
    timeoutSeconds: boundSeconds(inputs.connection, "pullTimeout"),
    bound: "pullTimeout",
  });
}

/**
 * Where the host differs from the state. An engine that does not answer is drift too (the image
 * cannot be there for anyone), never an error: refresh reports it and `up` pulls again once
 * DockerEngine has repaired the engine.
 */
async function driftOf(inputs: ImageInputs, olds: ImageOutputs): Promise<string[]> {
  const spec = toConnectionSpec(inputs);
  const step = `reading image ${inputs.spec.ref}`;
  try {
    // The run's shared read of the host when it listed the images (no Engine API call); the
    // image found by docker's own reference matching.
    const images = (await readWorkload(inputs))?.images;
    if (!images) return await withEngine(spec, step, (docker) => driftWith(docker, inputs, olds));
    const found = findImageByRef(images, inputs.spec.ref);
    const present = found && factsOf(found, inputs.spec.ref);
    if (!present || !needsRemoteDigest(inputs.spec)) return imageDrift(inputs.spec, olds, present, undefined);
    // Only the registry knows where an `always` tag points now: that one question still goes through the engine.
    const remote = await withEngine(spec, step, (docker) => remoteDigest(docker, inputs.spec.ref, inputs.registryAuth));
    return imageDrift(inputs.spec, olds, present, remote);
  } catch (e) {
    if (e instanceof EngineUnavailableError)
      return [`${inputs.spec.ref} cannot be checked: the Docker engine does not answer (${e.reasons.join("; ")})`];
    throw e;
  }
}

async function driftWith(docker: Docker, inputs: ImageInputs, olds: ImageOutputs): Promise<string[]> {
  const present = await inspect(docker, inputs.spec.ref);
  // The registry is asked only about a tag pulled `always`, and only when the image is here.
  const remote = present && needsRemoteDigest(inputs.spec) ? await remoteDigest(docker, inputs.spec.ref, inputs.registryAuth) : undefined;
  return imageDrift(inputs.spec, olds, present, remote);
}

/**
 * An image on a host's engine, through the Engine API over SSH. `ifMissing` pulls only when the
 * image is absent; `always` pulls when the registry's digest for the tag moved (checked on every
 * `up` and refresh). The resolved digest is the output containers run by.
 */
export const image = {
  async create(inputs: ImageInputs): Promise<pulumi.dynamic.CreateResult<ImageOutputs>> {
    const outs = await ensure(inputs, imageForced(undefined, inputs.spec));
    return { id: `${targetOf(inputs.connection)}/${inputs.spec.ref}`, outs };
  },

  async read(id: string, props: ImageOutputs): Promise<pulumi.dynamic.ReadResult<ImageOutputs>> {
    return { id, props: { ...props, drift: await driftOf(props, props) } };
  },

  async diff(_id: string, olds: ImageOutputs, news: ImageInputs): Promise<pulumi.dynamic.DiffResult> {
    if (containsUnknown(news.connection) || containsUnknown(news.spec)) return { changes: true };
    const connection = connectionChange(olds, news);
    if (connection === "replace") return { changes: true, replaces: ["connection"] };
    if (connection === "update") return { changes: true };
    // A new password alone is no change: ECR hands out a new token on every run, and the one a
    // pull needs is always the current one (news).
    if (!isDeepStrictEqual(olds.spec, news.spec) || !isDeepStrictEqual(loginOf(olds.registryAuth), loginOf(news.registryAuth)))
      return { changes: true };
    return { changes: olds.drift.length > 0 || (await driftOf(news, olds)).length > 0 };
  },

  async update(_id: string, olds: ImageOutputs, news: ImageInputs): Promise<pulumi.dynamic.UpdateResult<ImageOutputs>> {
    return { outs: await ensure(news, imageForced(olds.spec, news.spec)) };
  },

  async delete(_id: string, props: ImageOutputs): Promise<void> {
    if (props.spec.keep) return;
    const target = targetOf(props.connection);
    if (props.archiveSha256) {
      const session = await SshSession.for(toConnectionSpec(props));
      await session.exec(renderArchiveRemove(props.archiveSha256), { what: "removing the kept image archive", allowFailure: true });
    }
    await withEngine(toConnectionSpec(props), `removing image ${props.spec.ref}`, (docker) =>
      docker
        .getImage(pullRef(props.spec.ref))
        .remove()
        .catch((e: { statusCode?: number; message?: string }) => {
          if (isConnectionFailure(e)) throw e;
          // In use by a container that is not ours, or gone already: nothing to do.
          if (e.statusCode !== 404) notice(`${target}: ${props.spec.ref} was kept: ${engineSaid(e)}`);
        }),
    ).catch((e: unknown) => {
      // No engine to ask: nothing can use the image, and a later install starts from its files.
      if (!(e instanceof EngineUnavailableError)) throw e;
      notice(`${target}: ${props.spec.ref} was left in place: the Docker engine does not answer (${e.reasons.join("; ")})`);
    });
  },
};

/** Who logs in where, without the password. */
function loginOf(auth: RegistryAuth | undefined): { serveraddress?: string; username?: string } | undefined {
  return auth && { serveraddress: auth.serveraddress, username: auth.username };
}
