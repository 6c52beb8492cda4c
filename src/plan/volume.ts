import { isDeepStrictEqual } from "node:util";
import { MANAGED } from "../model/labels";
import { type Refusal, refuse } from "./refusal";

/** The settings Dockyard owns on a named volume; the Engine API changes none in place. */
export interface NamedVolumeSpec {
  name: string;
  driver: string;
  driverOpts: Record<string, string>;
  labels: Record<string, string>;
}

/** A volume as the engine reports it (inspect). */
export type VolumeInfo = {
  Name: string;
  Driver: string;
  Mountpoint: string;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
};

/** How the volume on the host differs from the spec, as drift reasons ([] when it matches). */
export function volumeDrift(spec: NamedVolumeSpec, info: VolumeInfo | undefined): string[] {
  if (!info) return [`volume ${spec.name} is missing`];
  const other: string[] = [];
  if (info.Labels?.[MANAGED] !== "true") other.push("not created by Dockyard");
  if (info.Driver !== spec.driver) other.push(`driver ${info.Driver}, not ${spec.driver}`);
  if (!isDeepStrictEqual(info.Options ?? {}, spec.driverOpts))
    other.push(`driver options ${JSON.stringify(info.Options ?? {})}, not ${JSON.stringify(spec.driverOpts)}`);
  for (const [k, v] of Object.entries(spec.labels))
    if (info.Labels?.[k] !== v) other.push(`label ${k} is ${JSON.stringify(info.Labels?.[k] ?? null)}`);
  return other.length ? [`volume ${spec.name} has other settings: ${other.join(", ")}`] : [];
}

export type VolumePlan = { kind: "create" } | { kind: "keep"; mountpoint: string };

/**
 * Create (and repair): a volume is never removed to make it match, it holds data. One of ours that
 * matches (kept by an earlier destroy) is taken back with its data; any other is refused.
 */
export function planVolume(spec: NamedVolumeSpec, existing: VolumeInfo | undefined): VolumePlan | Refusal {
  if (!existing) return { kind: "create" };
  const drift = volumeDrift(spec, existing);
  if (drift.length) {
    return refuse(
      "DOCKYARD_VOLUME_CONFLICT",
      `${drift.join("; ")}. It may hold data, so Dockyard does not remove it: remove it by hand (\`docker volume rm ${spec.name}\`) or choose another name. Nothing was changed`,
    );
  }
  return { kind: "keep", mountpoint: existing.Mountpoint };
}

export function volumeCreateOptions(spec: NamedVolumeSpec): {
  Name: string;
  Driver: string;
  DriverOpts: Record<string, string>;
  Labels: Record<string, string>;
} {
  return { Name: spec.name, Driver: spec.driver, DriverOpts: spec.driverOpts, Labels: { ...spec.labels, [MANAGED]: "true" } };
}

/** Destroy: kept with its data unless deleteOnDestroy (a notice says how to remove it); only ours is removed. */
export function planVolumeRemoval(spec: NamedVolumeSpec, deleteOnDestroy: boolean): { remove: boolean; notice?: string } {
  if (deleteOnDestroy) return { remove: true };
  return {
    remove: false,
    notice: `volume ${spec.name} was kept with its data (deleteOnDestroy is not set); remove it with \`docker volume rm ${spec.name}\` when it is no longer needed`,
  };
}

/** True when the volume on the host is one Dockyard may remove (it made it). */
export const volumeIsOurs = (info: VolumeInfo | undefined): info is VolumeInfo => !!info && info.Labels?.[MANAGED] === "true";

/** The diff before any probe: another setting is another volume (the old goes first: one name per host). */
export function volumeChange(
  olds: { spec: NamedVolumeSpec; deleteOnDestroy: boolean; drift: string[] },
  news: { spec: NamedVolumeSpec; deleteOnDestroy: boolean },
  connection: "same" | "update" | "replace",
): { changes: true; replaces?: string[]; deleteBeforeReplace?: boolean } | "probe" {
  if (connection === "replace") return { changes: true, replaces: ["connection"], deleteBeforeReplace: true };
  if (!isDeepStrictEqual(olds.spec, news.spec)) return { changes: true, replaces: ["spec"], deleteBeforeReplace: true };
  if (connection === "update" || olds.deleteOnDestroy !== news.deleteOnDestroy || olds.drift.length > 0) return { changes: true };
  return "probe";
}
