import type * as pulumi from "@pulumi/pulumi";
import type Docker from "dockerode";
import { isDeepStrictEqual } from "node:util";
import { targetOf } from "../remote/connection-spec";
import { dockerApi } from "../remote/docker-api";
import { RemoteError } from "../remote/errors";
import { parseImageRef, pullRef, sameRepository } from "../workload/image-ref";
import { type ConnectedInputs, containsUnknown, machineIdentity, toConnectionSpec } from "./connection-inputs";

export interface RegistryAuth {
  serveraddress: string;
  username: string;
  password: string;
}

export interface ImageSpec {
  ref: string;
  pullPolicy: "always" | "ifMissing";
  /** Keep the image on destroy. */
  keep?: boolean;
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
    throw new RemoteError(target, `pulling ${ref} failed: ${e.message}`);
  });
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null) =>
      err ? reject(new RemoteError(target, `pulling ${ref} failed: ${err.message}`)) : resolve(),
    ),
  );
}

interface Present {
  imageId: string;
  repoDigest: string;
}

async function inspect(docker: Docker, ref: string): Promise<Present | undefined> {
  try {
    const info = await docker.getImage(pullRef(ref)).inspect();
    const repoDigest = (info.RepoDigests ?? []).find((d) => sameRepository(d, ref)) ?? info.RepoDigests?.[0] ?? "";
    return { imageId: info.Id, repoDigest };
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

async function ensure(inputs: ImageInputs, forcePull: boolean): Promise<ImageOutputs> {
  const target = targetOf(inputs.connection);
  const docker = await dockerApi(toConnectionSpec(inputs));
  let present = await inspect(docker, inputs.spec.ref);
  if (!present || forcePull) {
    await pull(docker, target, inputs.spec.ref, inputs.registryAuth);
    present = await inspect(docker, inputs.spec.ref);
  }
  if (!present) throw new RemoteError(target, `${inputs.spec.ref} is not on the host after the pull`);
  const digest = present.repoDigest.split("@")[1] ?? "";
  const r = parseImageRef(inputs.spec.ref);
  const repo = present.repoDigest.split("@")[0] || `${r.registry === "docker.io" ? "" : `${r.registry}/`}${r.repository}`;
  return { ...inputs, digest, repoDigest: digest ? `${repo}@${digest}` : inputs.spec.ref, imageId: present.imageId, drift: [] };
}

async function driftOf(inputs: ImageInputs, olds: ImageOutputs): Promise<string[]> {
  const docker = await dockerApi(toConnectionSpec(inputs));
  const present = await inspect(docker, inputs.spec.ref);
  if (!present) return [`${inputs.spec.ref} is not on the host`];
  const reasons: string[] = [];
  if (present.imageId !== olds.imageId) reasons.push(`${inputs.spec.ref} on the host is image ${present.imageId}, not ${olds.imageId}`);
  if (inputs.spec.pullPolicy === "always" && !parseImageRef(inputs.spec.ref).digest) {
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
    if (machineIdentity(olds.connection) !== machineIdentity(news.connection)) return { changes: true, replaces: ["connection"] };
    if (!isDeepStrictEqual(olds.spec, news.spec) || !isDeepStrictEqual(olds.registryAuth, news.registryAuth)) return { changes: true };
    return { changes: olds.drift.length > 0 || (await driftOf(news, olds)).length > 0 };
  },

  async update(_id: string, olds: ImageOutputs, news: ImageInputs): Promise<pulumi.dynamic.UpdateResult<ImageOutputs>> {
    const moved = olds.spec.ref !== news.spec.ref || news.spec.pullPolicy === "always";
    return { outs: await ensure(news, moved) };
  },

  async delete(_id: string, props: ImageOutputs): Promise<void> {
    if (props.spec.keep) return;
    const docker = await dockerApi(toConnectionSpec(props));
    await docker
      .getImage(pullRef(props.spec.ref))
      .remove()
      .catch((e: { statusCode?: number; message?: string }) => {
        // In use by a container that is not ours, or gone already: nothing to do.
        if (e.statusCode !== 404) console.error(`dockyard: ${targetOf(props.connection)}: ${props.spec.ref} was kept: ${e.message}`);
      });
  },
};
