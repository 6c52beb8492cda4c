import type * as pulumi from "@pulumi/pulumi";
import { isDeepStrictEqual } from "node:util";
import type Docker from "dockerode";
import { targetOf } from "../remote/connection-spec";
import { withEngine } from "../remote/docker-api";
import { EngineUnavailableError, RemoteError } from "../remote/errors";
import { type ConnectedInputs, connectionChange, containsUnknown, toConnectionSpec } from "./connection-inputs";
import { MANAGED } from "./network";

/** The settings Dockyard owns on a named volume; the Engine API changes none in place. */
export interface NamedVolumeSpec {
  name: string;
  driver: string;
  driverOpts: Record<string, string>;
  labels: Record<string, string>;
}

export interface VolumeInputs extends ConnectedInputs {
  spec: NamedVolumeSpec;
  /** Remove the volume (and its data) on destroy; otherwise it stays and destroy says so. */
  deleteOnDestroy: boolean;
}

export interface VolumeOutputs extends VolumeInputs {
  mountpoint: string;
  drift: string[];
}

type VolumeInfo = { Name: string; Driver: string; Mountpoint: string; Labels?: Record<string, string> | null; Options?: Record<string, string> | null };

async function find(docker: Docker, name: string): Promise<VolumeInfo | undefined> {
  try {
    return (await docker.getVolume(name).inspect()) as VolumeInfo;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

/** How the volume on the host differs from the spec, as drift reasons ([] when it matches). */
export function volumeDrift(spec: NamedVolumeSpec, info: VolumeInfo | undefined): string[] {
  if (!info) return [`volume ${spec.name} is missing`];
  const other: string[] = [];
  if (info.Labels?.[MANAGED] !== "true") other.push("not created by Dockyard");
  if (info.Driver !== spec.driver) other.push(`driver ${info.Driver}, not ${spec.driver}`);
  if (!isDeepStrictEqual(info.Options ?? {}, spec.driverOpts)) other.push(`driver options ${JSON.stringify(info.Options ?? {})}, not ${JSON.stringify(spec.driverOpts)}`);
  for (const [k, v] of Object.entries(spec.labels)) if (info.Labels?.[k] !== v) other.push(`label ${k} is ${JSON.stringify(info.Labels?.[k] ?? null)}`);
  return other.length ? [`volume ${spec.name} has other settings: ${other.join(", ")}`] : [];
}

async function create(docker: Docker, inputs: VolumeInputs): Promise<VolumeOutputs> {
  const target = targetOf(inputs.connection);
  const s = inputs.spec;
  const existing = await find(docker, s.name);
  if (existing) {
    // Never removed to make it match: a volume holds data. Ours and matching (kept by an earlier
    // destroy) is taken back with its data.
    const drift = volumeDrift(s, existing);
    if (drift.length) {
      throw new RemoteError(target, `${drift.join("; ")}. It may hold data, so Dockyard does not remove it: remove it by hand (\`docker volume rm ${s.name}\`) or choose another name. Nothing was changed`, "DOCKYARD_VOLUME_CONFLICT");
    }
    return { ...inputs, mountpoint: existing.Mountpoint, drift: [] };
  }
  await docker
    .createVolume({ Name: s.name, Driver: s.driver, DriverOpts: s.driverOpts, Labels: { ...s.labels, [MANAGED]: "true" } })
    .catch((e: Error & { statusCode?: number; json?: { message?: string } }) => {
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
      const info = await withEngine(toConnectionSpec(props), `reading volume ${props.spec.name}`, (docker) => find(docker, props.spec.name));
      return { id, props: { ...props, drift: volumeDrift(props.spec, info) } };
    } catch (e) {
      if (e instanceof EngineUnavailableError) {
        return { id, props: { ...props, drift: [`volume ${props.spec.name} cannot be checked: the Docker engine does not answer (${e.reasons.join("; ")})`] } };
      }
      throw e;
    }
  },

  async diff(_id: string, olds: VolumeOutputs, news: VolumeInputs): Promise<pulumi.dynamic.DiffResult> {
    if (containsUnknown(news.connection) || containsUnknown(news.spec)) return { changes: true };
    const connection = connectionChange(olds, news);
    if (connection === "replace") return { changes: true, replaces: ["connection"], deleteBeforeReplace: true };
    if (!isDeepStrictEqual(olds.spec, news.spec)) return { changes: true, replaces: ["spec"], deleteBeforeReplace: true };
    if (connection === "update" || olds.deleteOnDestroy !== news.deleteOnDestroy || olds.drift.length > 0) return { changes: true };
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
    if (!props.deleteOnDestroy) {
      console.error(`dockyard: ${target}: volume ${props.spec.name} was kept with its data (deleteOnDestroy is not set); remove it with \`docker volume rm ${props.spec.name}\` when it is no longer needed`);
      return;
    }
    await withEngine(toConnectionSpec(props), `removing volume ${props.spec.name}`, async (docker) => {
      const info = await find(docker, props.spec.name);
      if (!info || info.Labels?.[MANAGED] !== "true") return;
      await docker
        .getVolume(props.spec.name)
        .remove()
        .catch((e: { statusCode?: number; json?: { message?: string }; message: string }) => {
          if (e.statusCode === 404) return;
          if (e.statusCode === 409) throw new RemoteError(target, `volume ${props.spec.name} is still used by a container (${e.json?.message ?? e.message}); it was kept`, "DOCKYARD_VOLUME_IN_USE");
          throw e;
        });
    }).catch((e: unknown) => {
      if (!(e instanceof EngineUnavailableError)) throw e;
      console.error(`dockyard: ${target}: volume ${props.spec.name} was left in place: the Docker engine does not answer (${e.reasons.join("; ")})`);
    });
  },
};
