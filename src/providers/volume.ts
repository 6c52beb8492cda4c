import type * as pulumi from "@pulumi/pulumi";
import type Docker from "dockerode";
import { targetOf } from "../remote/connection-spec";
import { withEngine } from "../remote/docker-api";
import { EngineUnavailableError, RemoteError } from "../remote/errors";
import { type ConnectedInputs, connectionChange, containsUnknown, toConnectionSpec } from "./connection-inputs";
import { isRefusal } from "../plan/refusal";
import {
  type NamedVolumeSpec,
  type VolumeInfo,
  planVolume,
  planVolumeRemoval,
  volumeChange,
  volumeCreateOptions,
  volumeDrift,
  volumeIsOurs,
} from "../plan/volume";
import { notice } from "./notices";

export interface VolumeInputs extends ConnectedInputs {
  spec: NamedVolumeSpec;
  /** Remove the volume (and its data) on destroy; otherwise it stays and destroy says so. */
  deleteOnDestroy: boolean;
}

export interface VolumeOutputs extends VolumeInputs {
  mountpoint: string;
  drift: string[];
}

async function find(docker: Docker, name: string): Promise<VolumeInfo | undefined> {
  try {
    return (await docker.getVolume(name).inspect()) as VolumeInfo;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

async function create(docker: Docker, inputs: VolumeInputs): Promise<VolumeOutputs> {
  const target = targetOf(inputs.connection);
  const s = inputs.spec;
  const plan = planVolume(s, await find(docker, s.name));
  if (isRefusal(plan)) throw new RemoteError(target, plan.message, plan.code);
  if (plan.kind === "keep") return { ...inputs, mountpoint: plan.mountpoint, drift: [] };
  await docker.createVolume(volumeCreateOptions(s)).catch((e: Error & { statusCode?: number; json?: { message?: string } }) => {
    if (e.statusCode === undefined) throw e;
    throw new RemoteError(target, `creating volume ${s.name}: ${e.json?.message ?? e.message}`, "DOCKYARD_ENGINE_REFUSED");
  });
  // dockerode answers with a client object, not the volume: read it back for plain values.
  const v = await find(docker, s.name);
  if (!v) throw new RemoteError(target, `volume ${s.name} was not there right after it was created`);
  return { ...inputs, mountpoint: v.Mountpoint, drift: [] };
}

/**
 * A named volume on a host's engine. Read back on refresh (missing or changed by hand is drift;
 * `up` makes a missing one again, empty). Kept on destroy unless `deleteOnDestroy`.
 */
export const volume = {
  async create(inputs: VolumeInputs): Promise<pulumi.dynamic.CreateResult<VolumeOutputs>> {
    const outs = await withEngine(toConnectionSpec(inputs), `creating volume ${inputs.spec.name}`, (docker) => create(docker, inputs));
    return { id: `${targetOf(inputs.connection)}/volume/${inputs.spec.name}`, outs };
  },

  async read(id: string, props: VolumeOutputs): Promise<pulumi.dynamic.ReadResult<VolumeOutputs>> {
    try {
      const info = await withEngine(toConnectionSpec(props), `reading volume ${props.spec.name}`, (docker) =>
        find(docker, props.spec.name),
      );
      return { id, props: { ...props, drift: volumeDrift(props.spec, info) } };
    } catch (e) {
      if (e instanceof EngineUnavailableError) {
        return {
          id,
          props: {
            ...props,
            drift: [`volume ${props.spec.name} cannot be checked: the Docker engine does not answer (${e.reasons.join("; ")})`],
          },
        };
      }
      throw e;
    }
  },

  async diff(_id: string, olds: VolumeOutputs, news: VolumeInputs): Promise<pulumi.dynamic.DiffResult> {
    if (containsUnknown(news.connection) || containsUnknown(news.spec)) return { changes: true };
    const change = volumeChange(olds, news, connectionChange(olds, news));
    if (change !== "probe") return change;
    try {
      const info = await withEngine(toConnectionSpec(news), `reading volume ${news.spec.name}`, (docker) => find(docker, news.spec.name));
      return { changes: volumeDrift(news.spec, info).length > 0 };
    } catch (e) {
      if (e instanceof EngineUnavailableError) return { changes: true };
      throw e;
    }
  },

  async update(_id: string, _olds: VolumeOutputs, news: VolumeInputs): Promise<pulumi.dynamic.UpdateResult<VolumeOutputs>> {
    // A missing volume is made again; one that is there is kept (create refuses one that differs).
    const outs = await withEngine(toConnectionSpec(news), `repairing volume ${news.spec.name}`, (docker) => create(docker, news));
    return { outs };
  },

  async delete(_id: string, props: VolumeOutputs): Promise<void> {
    const target = targetOf(props.connection);
    const plan = planVolumeRemoval(props.spec, props.deleteOnDestroy);
    if (plan.notice) notice(`${target}: ${plan.notice}`);
    if (!plan.remove) return;
    await withEngine(toConnectionSpec(props), `removing volume ${props.spec.name}`, async (docker) => {
      const info = await find(docker, props.spec.name);
      if (!volumeIsOurs(info)) return;
      await docker
        .getVolume(props.spec.name)
        .remove()
        .catch((e: { statusCode?: number; json?: { message?: string }; message: string }) => {
          if (e.statusCode === 404) return;
          if (e.statusCode === 409)
            throw new RemoteError(
              target,
              `volume ${props.spec.name} is still used by a container (${e.json?.message ?? e.message}); it was kept`,
              "DOCKYARD_VOLUME_IN_USE",
            );
          throw e;
        });
    }).catch((e: unknown) => {
      if (!(e instanceof EngineUnavailableError)) throw e;
      notice(`${target}: volume ${props.spec.name} was left in place: the Docker engine does not answer (${e.reasons.join("; ")})`);
    });
  },
};
