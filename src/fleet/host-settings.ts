// A host's settings after `defaults`: host keys win, engine and daemon merge key by key.
import type { DaemonSpec, EngineSpec, FleetHostSpec, FleetSpec } from "./spec";

export type HostSettings = FleetHostSpec & { engine: EngineSpec; daemon?: DaemonSpec };

export function hostSettings(spec: FleetSpec, host: FleetHostSpec): HostSettings {
  const d = spec.defaults ?? {};
  const merged = { ...d, ...host } as HostSettings;
  merged.engine = { ...(d.engine ?? {}), ...(host.engine ?? {}) };
  if (d.daemon || host.daemon) merged.daemon = { ...(d.daemon ?? {}), ...(host.daemon ?? {}) };
  if (d.preflight || host.preflight) merged.preflight = { ...(d.preflight ?? {}), ...(host.preflight ?? {}) };
  return merged;
}

/** The names of the hosts an `on:` list means, in fleet order, each once (even if declared twice). */
export function targetHosts(spec: FleetSpec, on: "all" | string[] | undefined): string[] {
  if (on === undefined) return [];
  const wanted = new Set(on === "all" ? [] : on);
  const names = spec.hosts
    .filter((h) => on === "all" || wanted.has(h.name) || (h.groups ?? []).some((g) => wanted.has(g)))
    .map((h) => h.name);
  return [...new Set(names)];
}

/**
 * Where host i's setting comes from, for messages: the host's own entry, or `defaults` when only
 * that sets it (`settingPath(spec, 0, "engine", "mirror")` -> hosts[0].engine.mirror or
 * defaults.engine.mirror).
 */
export function settingPath(spec: FleetSpec, i: number, ...keys: string[]): (string | number)[] {
  const has = (root: unknown) => {
    let o = root;
    for (const k of keys) {
      if (typeof o !== "object" || o === null || !(k in o)) return false;
      o = (o as Record<string, unknown>)[k];
    }
    return true;
  };
  return !has(spec.hosts[i]) && has(spec.defaults) ? ["defaults", ...keys] : ["hosts", i, ...keys];
}
