import type Docker from "dockerode";
import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { PortSpec, VolumeSpec } from "../model/container-settings";
import type { ContainerSecuritySpec } from "../model/container-security";
import { MANAGED } from "../model/labels";
import { type Refusal, refuse } from "./refusal";
import { securityHostConfig, securityDrift, securityOf } from "./container-security";

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

/**
 * The settings Dockyard owns on a container. The security settings (ContainerSecuritySpec) are
 * present only when declared, so a container made before they existed keeps its settings hash.
 */
export interface ContainerSpec extends ContainerSecuritySpec {
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

/** The settings a new container is needed to change, compared as values (not as a hash: key order does not count). */
function sameFixedSettings(a: ContainerRun, b: ContainerRun): boolean {
  const fixed = (s: ContainerSpec) =>
    Object.fromEntries(Object.entries(s).filter(([k, v]) => v !== undefined && !UPDATABLE.includes(k as keyof ContainerSpec)));
  return isDeepStrictEqual(fixed(a.spec), fixed(b.spec)) && isDeepStrictEqual(a.env, b.env);
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
    ...(s.user !== undefined ? { User: s.user } : {}),
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
      ...securityHostConfig(s),
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

/**
 * A container of ours left by an interrupted run is replaced; one that is not ours is refused.
 * `ownedId` is the container the state holds (an imported one, made again on a change).
 */
export function planContainerCreate(
  spec: ContainerSpec,
  existing: ContainerFacts | undefined,
  ownedId?: string,
): { removeExisting: boolean } | Refusal {
  if (!existing) return { removeExisting: false };
  if (!existing.managed && existing.id !== ownedId) {
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

/**
 * `adopted`: what an imported container runs (read back), compared in place of its missing label.
 * `readBack`: how the settings read back from the container differ from `news` (a label says what
 * it was made with, not what was changed on it since): any difference makes it again.
 */
export function planContainerUpdate(
  olds: ContainerRun & { containerId: string },
  news: ContainerRun,
  info: ContainerFacts | undefined,
  adopted?: ContainerRun,
  readBack: string[] = [],
): ContainerUpdatePlan {
  const same = info?.specHash === undefined && adopted ? sameFixedSettings(adopted, news) : info?.specHash === specHash(news);
  if (!info || info.id !== olds.containerId || !same || readBack.length) return { kind: "recreate" };
  // Only a connection that changed: the state takes it, the container is not touched.
  const update = isDeepStrictEqual(olds.spec, news.spec) ? undefined : updateOptions(news.spec);
  return { kind: "inPlace", ...(update ? { update } : {}), start: !info.running };
}

/**
 * How the container on the host differs from the state ([] when it matches). `adopted` is what an
 * imported container (one Dockyard did not make: no settings label) runs, read back from the
 * host; it is compared in place of the label.
 */
export function containerDrift(
  run: ContainerRun,
  containerId: string,
  info: Docker.ContainerInspectInfo | undefined,
  adopted?: ContainerRun,
): string[] {
  const name = run.spec.name;
  if (!info) return [`container ${name} is missing`];
  const f = containerFacts(info);
  const reasons: string[] = [];
  if (f.id !== containerId) reasons.push(`container ${name} was replaced outside Dockyard`);
  if (!f.running) reasons.push(`container ${name} is ${f.status}`);
  const same = f.specHash === undefined && adopted && f.id === containerId ? sameFixedSettings(adopted, run) : f.specHash === specHash(run);
  if (!same) reasons.push(`container ${name} runs other settings`);
  reasons.push(...containerNetworkDrift(run.spec, info));
  reasons.push(...securityDrift(run.spec, info));
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

/** What an image gives every container made from it (its inspect's `Config`). */
export interface ImageDefaults {
  Cmd?: string[] | null;
  Env?: string[] | null;
  Labels?: Record<string, string> | null;
  Healthcheck?: { Test?: string[] } | null;
  User?: string | null;
}

const NANO = 1e9;

/**
 * A container Dockyard did not make, as the spec and environment that would make it again: what
 * `pulumi import` records and a program then declares. What the image gives anyway (its command,
 * environment, labels, health check) is left out, as is Dockyard's own bookkeeping.
 */
export function containerRunOf(info: Docker.ContainerInspectInfo, image: ImageDefaults, startTimeoutSeconds: number): ContainerRun {
  const c = info.Config;
  const hc = info.HostConfig;
  const imageEnv = new Set(image.Env ?? []);
  const env = Object.fromEntries(
    (c.Env ?? [])
      .filter((e) => !imageEnv.has(e))
      .map((e) => [e.slice(0, e.indexOf("=") < 0 ? e.length : e.indexOf("=")), e.includes("=") ? e.slice(e.indexOf("=") + 1) : ""]),
  );
  const labels = Object.fromEntries(
    Object.entries(c.Labels ?? {}).filter(([k, v]) => k !== MANAGED && k !== SPEC_HASH && image.Labels?.[k] !== v),
  );
  const bindings = (hc.PortBindings ?? {}) as Record<string, { HostIp?: string; HostPort?: string }[] | null>;
  const ports: PortSpec[] = Object.entries(bindings)
    .flatMap(([key, given]) => {
      const [port, protocol] = key.split("/");
      return (given ?? []).map((b) => ({
        containerPort: Number(port),
        hostPort: Number(b.HostPort || port),
        ...(b.HostIp ? { hostIp: b.HostIp } : {}),
        protocol: (protocol === "udp" ? "udp" : "tcp") as PortSpec["protocol"],
      }));
    })
    .sort((a, b) => a.containerPort - b.containerPort || a.protocol.localeCompare(b.protocol) || a.hostPort - b.hostPort);
  const volumes: VolumeSpec[] = (hc.Binds ?? []).map((bind) => {
    const [source, target, options] = bind.split(":");
    return { source, target, ...((options ?? "").split(",").includes("ro") ? { readOnly: true } : {}) };
  });
  // The engine's own alias for the container (its short ID) is not a setting.
  const shortId = info.Id.slice(0, 12);
  const attached = Object.entries(attachmentsOf(info));
  const networks: ContainerNetworkSpec[] | undefined =
    attached.length === 1 && attached[0][0] === "bridge"
      ? undefined
      : attached.map(([name, a]) => ({ name, aliases: (a.Aliases ?? []).filter((x) => x !== shortId && x !== info.Id) }));
  const spec: ContainerSpec = {
    name: info.Name.replace(/^\//, ""),
    image: c.Image,
    ports,
    volumes,
    restartPolicy: (hc.RestartPolicy?.Name || "no") as ContainerSpec["restartPolicy"],
    labels,
    startTimeoutSeconds,
  };
  if (c.Cmd && !isDeepStrictEqual(c.Cmd, image.Cmd ?? undefined)) spec.command = c.Cmd;
  if (networks?.length) spec.networks = networks;
  const h = c.Healthcheck as { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number } | undefined;
  if (h?.Test && h.Test[0] !== "NONE" && !isDeepStrictEqual(h.Test, image.Healthcheck?.Test)) {
    spec.healthcheck = {
      test: h.Test,
      intervalSeconds: (h.Interval ?? 0) / NANO,
      timeoutSeconds: (h.Timeout ?? 0) / NANO,
      retries: h.Retries ?? 0,
      startPeriodSeconds: (h.StartPeriod ?? 0) / NANO,
    };
  }
  if (hc.Memory) spec.memoryBytes = hc.Memory;
  if (hc.NanoCpus) spec.cpus = hc.NanoCpus / NANO;
  Object.assign(spec, securityOf(info as unknown as Parameters<typeof securityOf>[0], image));
  return { spec, env };
}
