import type Docker from "dockerode";
import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { PortSpec, VolumeSpec } from "../model/container-settings";
import { MANAGED } from "../model/labels";
import { type Refusal, refuse } from "./refusal";

export interface HealthSpec {
  test: string[];
  intervalSeconds: number;
  timeoutSeconds: number;
  retries: number;
  startPeriodSeconds: number;
}

/** A user-defined network the container joins. */
export interface ContainerNetworkSpec {
  name: string;
  aliases: string[];
  /** The id of a Dockyard Network, so a network made again is joined again. */
  id?: string;
}

/** The settings Dockyard owns on a container. */
export interface ContainerSpec {
  name: string;
  /** What to run: `repo@sha256:...` when it comes from an Image, so the digest decides. */
  image: string;
  command?: string[];
  ports: PortSpec[];
  volumes: VolumeSpec[];
  /** Absent when the container joins none (the engine's default bridge). */
  networks?: ContainerNetworkSpec[];
  restartPolicy: "no" | "always" | "unless-stopped" | "on-failure";
  labels: Record<string, string>;
  healthcheck?: HealthSpec;
  memoryBytes?: number;
  cpus?: number;
  /** Seconds to wait for health (or for the container to stay up) after a start. */
  startTimeoutSeconds: number;
}

/** What a container runs: its settings and its environment (kept apart, a secret as a whole). */
export interface ContainerRun {
  spec: ContainerSpec;
  env: Record<string, string>;
}

export const SPEC_HASH = "dockyard.spec";
/** Settings docker can change on a live container (`docker update`); the rest need a new one. */
export const UPDATABLE: (keyof ContainerSpec)[] = ["restartPolicy", "memoryBytes", "cpus", "startTimeoutSeconds", "networks"];

/** A hash of what needs a new container to change (the label that tells a container's settings). */
export function specHash(inputs: ContainerRun): string {
  const fixed = Object.fromEntries(
    Object.entries(inputs.spec)
      .filter(([k]) => !UPDATABLE.includes(k as keyof ContainerSpec))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  return createHash("sha256")
    .update(JSON.stringify([fixed, Object.entries(inputs.env).sort()]))
    .digest("hex")
    .slice(0, 16);
}

export function createOptions(inputs: ContainerRun): Docker.ContainerCreateOptions {
  const s = inputs.spec;
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of s.ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.hostIp ?? "", HostPort: String(p.hostPort) });
  }
  const hc = s.healthcheck;
  // The first network is joined at creation (only one can be); the others before the start.
  const first = s.networks?.[0];
  return {
    name: s.name,
    Image: s.image,
    Cmd: s.command,
    Env: Object.entries(inputs.env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...s.labels, [MANAGED]: "true", [SPEC_HASH]: specHash(inputs) },
    ExposedPorts: exposed,
    Healthcheck: hc
      ? {
          Test: hc.test,
          Interval: hc.intervalSeconds * 1e9,
          Timeout: hc.timeoutSeconds * 1e9,
          Retries: hc.retries,
          StartPeriod: hc.startPeriodSeconds * 1e9,
        }
      : undefined,
    HostConfig: {
      PortBindings: bindings,
      Binds: s.volumes.map((v) => `${v.source}:${v.target}${v.readOnly ? ":ro" : ""}`),
      RestartPolicy: { Name: s.restartPolicy === "no" ? "" : s.restartPolicy },
      Memory: s.memoryBytes,
      NanoCpus: s.cpus ? Math.round(s.cpus * 1e9) : undefined,
      ...(first ? { NetworkMode: first.name } : {}),
    },
    ...(first ? { NetworkingConfig: { EndpointsConfig: { [first.name]: { Aliases: first.aliases } } } } : {}),
  };
}

/** A container's network attachments as the engine reports them, by network name. */
export type Attachments = Record<string, { Aliases?: string[] | null; NetworkID?: string }>;

export const attachmentsOf = (info: Docker.ContainerInspectInfo): Attachments => (info.NetworkSettings?.Networks ?? {}) as Attachments;

/** Why the container's network attachments are not what the spec says ([] when they are). */
export function containerNetworkDrift(spec: ContainerSpec, info: Docker.ContainerInspectInfo): string[] {
  const attached = attachmentsOf(info);
  return (spec.networks ?? []).flatMap((n) => {
    const a = attached[n.name];
    if (!a) return [`container ${spec.name} is not on network ${n.name}`];
    const missing = n.aliases.filter((x) => !(a.Aliases ?? []).includes(x));
    return missing.length ? [`container ${spec.name} on network ${n.name} lacks alias ${missing.join(", ")}`] : [];
  });
}

/** One network change on a live container (the Engine API allows both on a running one). */
export type NetworkJoinStep =
  { kind: "disconnect"; network: string } | { kind: "connect"; network: string; aliases: string[] } | { kind: "rejoinBridge" };

/**
 * The networks of `news` joined with their aliases, those only `olds` declared left. A network
 * whose aliases changed, that lacks one, or that was made again (another ID) is left and joined
 * again. Networks Dockyard was never told about are left alone.
 */
export function planNetworkJoins(
  attached: Attachments,
  olds: ContainerNetworkSpec[] | undefined,
  news: ContainerNetworkSpec[] | undefined,
): NetworkJoinStep[] {
  const steps: NetworkJoinStep[] = [];
  for (const o of olds ?? []) {
    if (!(news ?? []).some((n) => n.name === o.name) && attached[o.name]) steps.push({ kind: "disconnect", network: o.name });
  }
  // No networks declared any more: back on the default bridge, as a new container would be.
  if (olds?.length && !news?.length && !attached.bridge) steps.push({ kind: "rejoinBridge" });
  for (const n of news ?? []) {
    const a = attached[n.name];
    const old = olds?.find((o) => o.name === n.name);
    const stale =
      a &&
      (n.aliases.some((x) => !(a.Aliases ?? []).includes(x)) ||
        (old && !isDeepStrictEqual(old.aliases, n.aliases)) ||
        (n.id && a.NetworkID && a.NetworkID !== n.id));
    if (stale) steps.push({ kind: "disconnect", network: n.name });
    if (!a || stale) steps.push({ kind: "connect", network: n.name, aliases: n.aliases });
  }
  return steps;
}

/** The container as the engine reports it, for drift and for an update. */
export interface ContainerFacts {
  id: string;
  running: boolean;
  status: string;
  /** Its `dockyard.managed` label says Dockyard made it. */
  managed: boolean;
  /** Its `dockyard.spec` label: the hash of the settings it was made with. */
  specHash?: string;
}

export function containerFacts(info: Docker.ContainerInspectInfo): ContainerFacts {
  const labels = info.Config.Labels ?? {};
  return {
    id: info.Id,
    running: info.State.Running,
    status: info.State.Status,
    managed: labels[MANAGED] === "true",
    specHash: labels[SPEC_HASH],
  };
}

/** A container of ours left by an interrupted run is replaced; one that is not ours is refused. */
export function planContainerCreate(spec: ContainerSpec, existing: ContainerFacts | undefined): { removeExisting: boolean } | Refusal {
  if (!existing) return { removeExisting: false };
  if (!existing.managed) {
    return refuse(
      "DOCKYARD_NOT_MANAGED",
      `a container named ${spec.name} exists and was not created by Dockyard: remove or rename it, or choose another name. Nothing was changed`,
    );
  }
  return { removeExisting: true };
}

/** `docker update` options for the settings that change on a live container (0 unsets a limit). */
export interface ContainerUpdateOptions {
  RestartPolicy: { Name: string };
  Memory: number;
  MemorySwap: number;
  NanoCpus: number;
}

export function updateOptions(s: ContainerSpec): ContainerUpdateOptions {
  return {
    RestartPolicy: { Name: s.restartPolicy === "no" ? "" : s.restartPolicy },
    Memory: s.memoryBytes ?? 0,
    MemorySwap: s.memoryBytes ? -1 : 0,
    NanoCpus: s.cpus ? Math.round(s.cpus * 1e9) : 0,
  };
}

export type ContainerUpdatePlan =
  /** Missing, replaced outside Dockyard, or made with other settings: made again (as create). */
  | { kind: "recreate" }
  /** Kept: limits and restart policy updated when they changed, networks joined, started when stopped. */
  | { kind: "inPlace"; update?: ContainerUpdateOptions; start: boolean };

export function planContainerUpdate(
  olds: ContainerRun & { containerId: string },
  news: ContainerRun,
  info: ContainerFacts | undefined,
): ContainerUpdatePlan {
  if (!info || info.id !== olds.containerId || info.specHash !== specHash(news)) return { kind: "recreate" };
  // Only a connection that changed: the state takes it, the container is not touched.
  const update = isDeepStrictEqual(olds.spec, news.spec) ? undefined : updateOptions(news.spec);
  return { kind: "inPlace", ...(update ? { update } : {}), start: !info.running };
}

/** How the container on the host differs from the state ([] when it matches). */
export function containerDrift(run: ContainerRun, containerId: string, info: Docker.ContainerInspectInfo | undefined): string[] {
  const name = run.spec.name;
  if (!info) return [`container ${name} is missing`];
  const f = containerFacts(info);
  const reasons: string[] = [];
  if (f.id !== containerId) reasons.push(`container ${name} was replaced outside Dockyard`);
  if (!f.running) reasons.push(`container ${name} is ${f.status}`);
  if (f.specHash !== specHash(run)) reasons.push(`container ${name} runs other settings`);
  reasons.push(...containerNetworkDrift(run.spec, info));
  return reasons;
}

/**
 * The diff before any probe: a new image digest, another immutable setting or another environment
 * replaces the container (the old one goes first: one name per host); restart policy, limits and
 * networks are an update; `probe` when only the host can tell (drift).
 */
export function containerChange(
  olds: ContainerRun & { drift: string[] },
  news: ContainerRun,
  connection: "same" | "update" | "replace",
): { changes: true; replaces?: string[]; deleteBeforeReplace?: boolean } | "probe" {
  if (connection === "replace") return { changes: true, replaces: ["connection"], deleteBeforeReplace: false };
  const immutable = (Object.keys({ ...olds.spec, ...news.spec }) as (keyof ContainerSpec)[]).filter(
    (k) => !UPDATABLE.includes(k) && !isDeepStrictEqual(olds.spec[k], news.spec[k]),
  );
  if (immutable.length || !isDeepStrictEqual(olds.env, news.env)) {
    return { changes: true, replaces: immutable.length ? ["spec"] : ["env"], deleteBeforeReplace: true };
  }
  if (connection === "update" || !isDeepStrictEqual(olds.spec, news.spec) || olds.drift.length > 0) return { changes: true };
  return "probe";
}
