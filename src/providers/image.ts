import type * as pulumi from "@pulumi/pulumi";
import type Docker from "dockerode";
import { isDeepStrictEqual } from "node:util";
import { targetOf } from "../remote/connection-spec";
import { withEngine } from "../remote/docker-api";
import { EngineUnavailableError, RemoteError, engineSaid, isConnectionFailure } from "../remote/errors";
import { parseImageRef, pullRef, sameRepository } from "../model/image-ref";
import { type ConnectedInputs, connectionChange, containsUnknown, toConnectionSpec } from "./connection-inputs";

export interface RegistryAuth {
  serveraddress: string;
  username: string;
  password: string;
}

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
  drift: string[];
}

async function pull(docker: Docker, target: string, ref: string, auth?: RegistryAuth): Promise<void> {
  const stream = await docker.pull(pullRef(ref), auth ? { authconfig: auth } : {}).catch((e: Error) => {
    if (isConnectionFailure(e)) throw e; // withEngine says why the engine does not answer
    throw new RemoteError(target, `pulling ${ref} failed: ${engineSaid(e)}`, "DOCKYARD_IMAGE_PULL_FAILED");
  });
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null) =>
      err ? reject(new RemoteError(target, `pulling ${ref} failed: ${err.message}`, "DOCKYARD_IMAGE_PULL_FAILED")) : resolve(),
    ),
  );
}

interface Present {
  imageId: string;
  repoDigest: string;
  /** The context hash a Dockyard build left on the image. */
  contextHash?: string;
}

async function inspect(docker: Docker, ref: string): Promise<Present | undefined> {
  try {
    const info = await docker.getImage(pullRef(ref)).inspect();
    const repoDigest = (info.RepoDigests ?? []).find((d) => sameRepository(d, ref)) ?? info.RepoDigests?.[0] ?? "";
    return { imageId: info.Id, repoDigest, contextHash: info.Config?.Labels?.["dockyard.context"] };
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
    docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(new RemoteError(target, `${what} failed: ${err.message}`, what.startsWith("push") ? "DOCKYARD_IMAGE_PUSH_FAILED" : "DOCKYARD_IMAGE_BUILD_FAILED")) : resolve())),
  );
}

/** Builds on the host's engine from the local context, then pushes when asked. */
async function buildAndPush(docker: Docker, target: string, inputs: ImageInputs, b: BuildSpec): Promise<void> {
  const stream = await docker
    .buildImage({ context: b.context, src: b.files }, { t: pullRef(inputs.spec.ref), dockerfile: b.dockerfile, buildargs: b.args, labels: { "dockyard.context": b.contextHash } })
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

async function ensure(inputs: ImageInputs, forcePull: boolean): Promise<ImageOutputs> {
  return withEngine(toConnectionSpec(inputs), `pulling image ${inputs.spec.ref}`, (docker) => ensureWith(docker, inputs, forcePull));
}

async function ensureWith(docker: Docker, inputs: ImageInputs, forcePull: boolean): Promise<ImageOutputs> {
  const target = targetOf(inputs.connection);
  let present = await inspect(docker, inputs.spec.ref);
  const build = inputs.spec.build;
  if (build) {
    if (!present || forcePull || present.contextHash !== build.contextHash) {
      await buildAndPush(docker, target, inputs, build);
      present = await inspect(docker, inputs.spec.ref);
    }
  } else if (!present || forcePull) {
    await pull(docker, target, inputs.spec.ref, inputs.registryAuth);
    present = await inspect(docker, inputs.spec.ref);
  }
  if (!present) throw new RemoteError(target, `${inputs.spec.ref} is not on the host after the pull`, "DOCKYARD_IMAGE_PULL_FAILED");
  const digest = present.repoDigest.split("@")[1] ?? "";
  const r = parseImageRef(inputs.spec.ref);
  const repo = present.repoDigest.split("@")[0] || `${r.registry === "docker.io" ? "" : `${r.registry}/`}${r.repository}`;
  // An image built here and not pushed has no registry digest: containers run it by its ID.
  const runAs = digest ? `${repo}@${digest}` : present.imageId;
  return { ...inputs, digest: digest || present.imageId, repoDigest: runAs, imageId: present.imageId, drift: [] };
}

/**
 * Where the host differs from the state. An engine that does not answer is drift too (the image
 * cannot be there for anyone), never an error: refresh reports it and `up` pulls again once
 * DockerEngine has repaired the engine.
 */
async function driftOf(inputs: ImageInputs, olds: ImageOutputs): Promise<string[]> {
  try {
    return await withEngine(toConnectionSpec(inputs), `reading image ${inputs.spec.ref}`, (docker) => driftWith(docker, inputs, olds));
  } catch (e) {
    if (e instanceof EngineUnavailableError) return [`${inputs.spec.ref} cannot be checked: the Docker engine does not answer (${e.reasons.join("; ")})`];
    throw e;
  }
}

async function driftWith(docker: Docker, inputs: ImageInputs, olds: ImageOutputs): Promise<string[]> {
  const present = await inspect(docker, inputs.spec.ref);
  if (!present) return [`${inputs.spec.ref} is not on the host`];
  const reasons: string[] = [];
  if (present.imageId !== olds.imageId) reasons.push(`${inputs.spec.ref} on the host is image ${present.imageId}, not ${olds.imageId}`);
  if (inputs.spec.build && present.contextHash !== inputs.spec.build.contextHash) reasons.push(`${inputs.spec.ref} was built from another context`);
  if (inputs.spec.pullPolicy === "always" && !inputs.spec.build && !parseImageRef(inputs.spec.ref).digest) {
    const remote = await remoteDigest(docker, inputs.spec.ref, inputs.registryAuth);
    if (remote && remote !== olds.digest) reasons.push(`${inputs.spec.ref} now resolves to ${remote} in its registry`);
  }
  return reasons;
}

/**
 * An image on a host's engine, through the Engine API over SSH. `ifMissing` pulls only when the
 * image is absent; `always` pulls when the registry's digest for the tag moved (checked on every
 * `up` and refresh). The resolved digest is the output containers run by.
 */
export const image = {
  async create(inputs: ImageInputs): Promise<pulumi.dynamic.CreateResult<ImageOutputs>> {
    const outs = await ensure(inputs, inputs.spec.pullPolicy === "always");
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
    if (!isDeepStrictEqual(olds.spec, news.spec) || !isDeepStrictEqual(loginOf(olds.registryAuth), loginOf(news.registryAuth))) return { changes: true };
    return { changes: olds.drift.length > 0 || (await driftOf(news, olds)).length > 0 };
  },

  async update(_id: string, olds: ImageOutputs, news: ImageInputs): Promise<pulumi.dynamic.UpdateResult<ImageOutputs>> {
    const moved = olds.spec.ref !== news.spec.ref || news.spec.pullPolicy === "always" || !isDeepStrictEqual(olds.spec.build, news.spec.build);
    return { outs: await ensure(news, moved) };
  },

  async delete(_id: string, props: ImageOutputs): Promise<void> {
    if (props.spec.keep) return;
    const target = targetOf(props.connection);
    await withEngine(toConnectionSpec(props), `removing image ${props.spec.ref}`, (docker) =>
      docker
        .getImage(pullRef(props.spec.ref))
        .remove()
        .catch((e: { statusCode?: number; message?: string }) => {
          if (isConnectionFailure(e)) throw e;
          // In use by a container that is not ours, or gone already: nothing to do.
          if (e.statusCode !== 404) console.error(`dockyard: ${target}: ${props.spec.ref} was kept: ${engineSaid(e)}`);
        }),
    ).catch((e: unknown) => {
      // No engine to ask: nothing can use the image, and a later install starts from its files.
      if (!(e instanceof EngineUnavailableError)) throw e;
      console.error(`dockyard: ${target}: ${props.spec.ref} was left in place: the Docker engine does not answer (${e.reasons.join("; ")})`);
    });
  },
};

/** Who logs in where, without the password. */
function loginOf(auth: RegistryAuth | undefined): { serveraddress?: string; username?: string } | undefined {
  return auth && { serveraddress: auth.serveraddress, username: auth.username };
}
