import { isDeepStrictEqual } from "node:util";
import { MANAGED } from "./labels";

/**
 * Pure parts of a swarm service: the Engine API spec Dockyard sends, and the comparison of the
 * settings Dockyard owns against a spec the manager reports (drift).
 */

export interface ServicePortSpec {
  targetPort: number;
  publishedPort: number;
  protocol: "tcp" | "udp";
  publishMode: "host" | "ingress";
}

export interface UpdatePolicySpec {
  parallelism: number;
  delaySeconds: number;
  failureAction: "pause" | "continue" | "rollback";
  order: "stop-first" | "start-first";
  monitorSeconds: number;
}

/** The settings Dockyard owns on a service. */
export interface ServiceSpec {
  name: string;
  /** `repo@sha256:...`: the digest the first manager resolved. */
  image: string;
  mode: "replicated" | "global";
  /** Replicated services only. */
  replicas?: number;
  command?: string[];
  args?: string[];
  ports: ServicePortSpec[];
  constraints: string[];
  labels: Record<string, string>;
  /** Overlay network names the tasks attach to. */
  networks: string[];
  update: UpdatePolicySpec;
  rollback: UpdatePolicySpec;
  /** Seconds `up` waits for every task to run. */
  convergeTimeoutSeconds: number;
  /** Seconds every task must stay running before the service counts as converged (absent: the default). */
  convergeMonitorSeconds?: number;
}

const NS = 1e9;

function policy(p: UpdatePolicySpec): Record<string, unknown> {
  return {
    Parallelism: p.parallelism,
    Delay: p.delaySeconds * NS,
    FailureAction: p.failureAction,
    Order: p.order,
    Monitor: p.monitorSeconds * NS,
    MaxFailureRatio: 0,
  };
}

/** The Engine API's ServiceSpec (POST /services/create, /services/{id}/update). */
export function renderServiceSpec(
  s: ServiceSpec,
  env: Record<string, string>,
  networkIds: Record<string, string>,
): Record<string, unknown> {
  const containerSpec: Record<string, unknown> = {
    Image: s.image,
    Env: Object.entries(env)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`),
  };
  if (s.command) containerSpec.Command = s.command;
  if (s.args) containerSpec.Args = s.args;
  return {
    Name: s.name,
    Labels: { ...s.labels, [MANAGED]: "true" },
    TaskTemplate: {
      ContainerSpec: containerSpec,
      Placement: { Constraints: s.constraints },
      Networks: s.networks.map((n) => ({ Target: networkIds[n] ?? n })),
      RestartPolicy: { Condition: "any", Delay: 5 * NS },
    },
    Mode: s.mode === "global" ? { Global: {} } : { Replicated: { Replicas: s.replicas ?? 1 } },
    UpdateConfig: policy(s.update),
    RollbackConfig: policy(s.rollback),
    EndpointSpec: {
      Ports: s.ports.map((p) => ({
        Protocol: p.protocol,
        TargetPort: p.targetPort,
        PublishedPort: p.publishedPort,
        PublishMode: p.publishMode,
      })),
    },
  };
}

interface ActualSpec {
  Name?: string;
  Labels?: Record<string, string>;
  TaskTemplate?: {
    ContainerSpec?: { Image?: string; Env?: string[]; Command?: string[]; Args?: string[] };
    Placement?: { Constraints?: string[] };
    Networks?: { Target?: string }[];
  };
  Mode?: { Replicated?: { Replicas?: number }; Global?: object };
  UpdateConfig?: Record<string, unknown>;
  RollbackConfig?: Record<string, unknown>;
  EndpointSpec?: { Ports?: { Protocol?: string; TargetPort?: number; PublishedPort?: number; PublishMode?: string }[] };
}

// Key order is not meaning: the state hands specs back with their keys sorted.
const same = (a: unknown, b: unknown) => isDeepStrictEqual(a, b);
const sortedPorts = (ports: ServicePortSpec[]) =>
  [...ports].sort((a, b) => a.publishedPort - b.publishedPort || a.protocol.localeCompare(b.protocol));

/**
 * What differs between the declared service and the spec the manager reports, one line per
 * setting. Env is compared but never quoted (its values may be secrets).
 */
export function serviceSpecDrift(
  s: ServiceSpec,
  env: Record<string, string>,
  networkIds: Record<string, string>,
  actual: ActualSpec,
): string[] {
  const want = renderServiceSpec(s, env, networkIds) as ActualSpec;
  const reasons: string[] = [];
  const name = s.name;
  const cs = actual.TaskTemplate?.ContainerSpec ?? {};
  const wcs = want.TaskTemplate!.ContainerSpec!;
  if (actual.Mode?.Global && s.mode !== "global") reasons.push(`service ${name} is global, want replicated`);
  if (actual.Mode?.Replicated && s.mode === "global") reasons.push(`service ${name} is replicated, want global`);
  if (s.mode === "replicated" && actual.Mode?.Replicated && actual.Mode.Replicated.Replicas !== s.replicas) {
    reasons.push(`service ${name} has ${actual.Mode.Replicated.Replicas} replicas, want ${s.replicas}`);
  }
  if (cs.Image !== wcs.Image) reasons.push(`service ${name} runs ${cs.Image}, want ${wcs.Image}`);
  if (!same([...(cs.Env ?? [])].sort(), wcs.Env)) reasons.push(`service ${name} has other environment variables`);
  if (!same(cs.Command, wcs.Command) || !same(cs.Args, wcs.Args)) reasons.push(`service ${name} runs another command`);
  if (!same([...(actual.TaskTemplate?.Placement?.Constraints ?? [])].sort(), [...s.constraints].sort())) {
    reasons.push(
      `service ${name} has constraints ${JSON.stringify(actual.TaskTemplate?.Placement?.Constraints ?? [])}, want ${JSON.stringify(s.constraints)}`,
    );
  }
  const nets = (actual.TaskTemplate?.Networks ?? []).map((n) => n.Target).sort();
  if (!same(nets, (want.TaskTemplate!.Networks ?? []).map((n) => n.Target).sort()))
    reasons.push(`service ${name} is attached to other networks`);
  const ports: ServicePortSpec[] = (actual.EndpointSpec?.Ports ?? []).map((p) => ({
    targetPort: p.TargetPort ?? 0,
    publishedPort: p.PublishedPort ?? 0,
    protocol: (p.Protocol ?? "tcp") as "tcp" | "udp",
    publishMode: (p.PublishMode ?? "ingress") as "host" | "ingress",
  }));
  if (!same(sortedPorts(ports), sortedPorts(s.ports))) reasons.push(`service ${name} publishes other ports`);
  for (const [key, label] of [
    ["UpdateConfig", "update"],
    ["RollbackConfig", "rollback"],
  ] as const) {
    const a = actual[key] ?? {};
    const w = want[key]!;
    const fields = ["Parallelism", "Delay", "FailureAction", "Order", "Monitor"];
    if (fields.some((f) => (a[f] ?? defaultsOf[f]) !== w[f])) reasons.push(`service ${name} has other ${label} settings`);
  }
  const labels = { ...(actual.Labels ?? {}) };
  if (!same(Object.entries(labels).sort(), Object.entries(want.Labels!).sort())) reasons.push(`service ${name} has other labels`);
  return reasons;
}

/** What the engine reports for a policy field it leaves out (its defaults). */
const defaultsOf: Record<string, unknown> = { Parallelism: 0, Delay: 0, FailureAction: "pause", Order: "stop-first", Monitor: 0 };

/** Parses a published port: `"8080:80"`, `"8080:80/udp"`; host mode unless `ingress` is asked. */
export function parseServicePort(
  p: string | { targetPort: number; publishedPort?: number; protocol?: "tcp" | "udp"; publishMode?: "host" | "ingress" },
): ServicePortSpec | string {
  if (typeof p === "string") {
    const m = /^(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(p.trim());
    if (!m) return `must look like "8080:80" or "53:53/udp" (got ${JSON.stringify(p)})`;
    p = { publishedPort: Number(m[1]), targetPort: Number(m[2]), protocol: (m[3] as "tcp" | "udp") ?? "tcp" };
  }
  const spec: ServicePortSpec = {
    targetPort: p.targetPort,
    publishedPort: p.publishedPort ?? p.targetPort,
    protocol: p.protocol ?? "tcp",
    publishMode: p.publishMode ?? "host",
  };
  for (const v of [spec.targetPort, spec.publishedPort]) {
    if (!Number.isInteger(v) || v < 1 || v > 65535) return `ports must be integers 1-65535 (got ${JSON.stringify(v)})`;
  }
  if (!["tcp", "udp"].includes(spec.protocol)) return `protocol must be tcp or udp (got ${JSON.stringify(spec.protocol)})`;
  if (!["host", "ingress"].includes(spec.publishMode))
    return `publishMode must be host or ingress (got ${JSON.stringify(spec.publishMode)})`;
  return spec;
}
