import type Docker from "dockerode";
import { isDeepStrictEqual } from "node:util";
import { MANAGED } from "../model/labels";
import { type Refusal, refuse } from "./refusal";

/** The settings Dockyard owns on a user-defined network. The Engine API changes none in place. */
export interface NetworkSpec {
  name: string;
  driver: string;
  subnet?: string;
  gateway?: string;
  internal: boolean;
  labels: Record<string, string>;
}

/** A network as the engine reports it (inspect). */
export type NetworkInfo = {
  Id: string;
  Name: string;
  Driver: string;
  Internal?: boolean;
  Labels?: Record<string, string> | null;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] | null };
  Containers?: Record<string, { Name: string }> | null;
};

/** How the network on the host differs from the spec, as drift reasons ([] when it matches). */
export function networkDrift(spec: NetworkSpec, networkId: string | undefined, info: NetworkInfo | undefined): string[] {
  if (!info) return [`network ${spec.name} is missing`];
  const reasons: string[] = [];
  if (networkId && info.Id !== networkId) reasons.push(`network ${spec.name} was replaced outside Dockyard`);
  // One the state holds by its ID (imported) is ours too.
  if (info.Labels?.[MANAGED] !== "true" && (!networkId || info.Id !== networkId))
    reasons.push(`network ${spec.name} was not created by Dockyard`);
  const other: string[] = [];
  if (info.Driver !== spec.driver) other.push(`driver ${info.Driver}, not ${spec.driver}`);
  if (Boolean(info.Internal) !== spec.internal) other.push(spec.internal ? "not internal" : "internal");
  const ipam = info.IPAM?.Config?.[0] ?? {};
  // Unset here means the engine chose: only what the spec fixes is compared.
  if (spec.subnet && ipam.Subnet !== spec.subnet) other.push(`subnet ${ipam.Subnet ?? "(none)"}, not ${spec.subnet}`);
  if (spec.gateway && ipam.Gateway !== spec.gateway) other.push(`gateway ${ipam.Gateway ?? "(none)"}, not ${spec.gateway}`);
  for (const [k, v] of Object.entries(spec.labels))
    if (info.Labels?.[k] !== v) other.push(`label ${k} is ${JSON.stringify(info.Labels?.[k] ?? null)}`);
  if (other.length) reasons.push(`network ${spec.name} has other settings: ${other.join(", ")}`);
  return reasons;
}

export function networkCreateOptions(spec: NetworkSpec): Docker.NetworkCreateOptions {
  const opts: Docker.NetworkCreateOptions = {
    Name: spec.name,
    Driver: spec.driver,
    Internal: spec.internal,
    CheckDuplicate: true,
    Labels: { ...spec.labels, [MANAGED]: "true" },
  };
  if (spec.subnet) opts.IPAM = { Driver: "default", Config: [{ Subnet: spec.subnet, ...(spec.gateway ? { Gateway: spec.gateway } : {}) }] };
  return opts;
}

export type NetworkPlan =
  /** Ours and as declared: taken as it is. */
  | { kind: "keep"; networkId: string }
  /** Made (again); `remove` is ours, left by an interrupted run or changed by hand, removed first. */
  | { kind: "create"; remove?: NetworkInfo };

/**
 * Create: one that is not ours is refused; ours is taken when it matches, else made again.
 * `ownedId` is the network the state holds (an imported one counts as ours).
 */
export function planNetworkCreate(spec: NetworkSpec, existing: NetworkInfo | undefined, ownedId?: string): NetworkPlan | Refusal {
  if (!existing) return { kind: "create" };
  if (existing.Labels?.[MANAGED] !== "true" && existing.Id !== ownedId) {
    return refuse(
      "DOCKYARD_NOT_MANAGED",
      `a network named ${spec.name} exists and was not created by Dockyard: remove or rename it, or choose another name. Nothing was changed`,
    );
  }
  // Ours, left by an interrupted run or changed by hand: kept when it matches, else made again.
  if (networkDrift(spec, undefined, existing).length === 0) return { kind: "keep", networkId: existing.Id };
  return { kind: "create", remove: existing };
}

/** Update: the recorded network as declared is kept (only a connection changed); else as create. */
export function planNetworkUpdate(spec: NetworkSpec, networkId: string, existing: NetworkInfo | undefined): NetworkPlan | Refusal {
  if (existing && networkDrift(spec, networkId, existing).length === 0) return { kind: "keep", networkId: existing.Id };
  return planNetworkCreate(spec, existing, networkId);
}

/**
 * Removing a network: the containers Dockyard created are disconnected first (a replaced network
 * takes them back once it exists again); any other container attached refuses it, naming them.
 */
export function planNetworkRemoval(info: NetworkInfo, attached: { name: string; managed: boolean }[]): { disconnect: string[] } | Refusal {
  const foreign = attached.filter((c) => !c.managed).map((c) => c.name);
  if (foreign.length) {
    return refuse(
      "DOCKYARD_NETWORK_IN_USE",
      `network ${info.Name} is used by containers Dockyard does not manage (${foreign.sort().join(", ")}): disconnect them (\`docker network disconnect ${info.Name} <container>\`) and run again. Nothing was changed`,
    );
  }
  return { disconnect: attached.map((c) => c.name) };
}

/** The diff before any probe: every setting is fixed at creation, so a change replaces (one name per host: the old goes first). */
export function networkChange(
  olds: { spec: NetworkSpec; drift: string[] },
  news: { spec: NetworkSpec },
  connection: "same" | "update" | "replace",
): { changes: true; replaces?: string[]; deleteBeforeReplace?: boolean } | "probe" {
  if (connection === "replace") return { changes: true, replaces: ["connection"], deleteBeforeReplace: true };
  if (!isDeepStrictEqual(olds.spec, news.spec)) return { changes: true, replaces: ["spec"], deleteBeforeReplace: true };
  if (connection === "update" || olds.drift.length > 0) return { changes: true };
  return "probe";
}

/** A network Dockyard did not make, as the spec that would make it again (import): its settings as the engine reports them. */
export function networkSpecOf(info: NetworkInfo): NetworkSpec {
  const ipam = info.IPAM?.Config?.[0] ?? {};
  const labels = Object.fromEntries(Object.entries(info.Labels ?? {}).filter(([k]) => k !== MANAGED));
  return {
    name: info.Name,
    driver: info.Driver,
    ...(ipam.Subnet ? { subnet: ipam.Subnet } : {}),
    ...(ipam.Gateway ? { gateway: ipam.Gateway } : {}),
    internal: Boolean(info.Internal),
    labels,
  };
}
