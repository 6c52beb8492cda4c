import type { DockyardErrorCode } from "../model/error-codes";
/**
 * Pure decisions for a swarm: what the declared membership needs, given what the nodes and the
 * first manager report. The provider reads, runs these steps in order, and records.
 */

export type SwarmRole = "manager" | "worker";
export type NodeAvailability = "active" | "pause" | "drain";

/** A node as declared. `key` is the machine (`host:port`), `name` what messages call it. */
export interface DesiredNode {
  key: string;
  name: string;
  role: SwarmRole;
  labels: Record<string, string>;
  availability: NodeAvailability;
}

/** What a machine's own engine says (`docker info` .Swarm). */
export interface LocalNodeState {
  /** `inactive`, `pending`, `active`, `error`, `locked`, or `unreachable` when we could not ask. */
  state: string;
  nodeId: string;
  clusterId: string;
}

/** A node as the first manager lists it (`docker node ls` / inspect). */
export interface ClusterNode {
  id: string;
  hostname: string;
  role: SwarmRole;
  labels: Record<string, string>;
  availability: NodeAvailability;
  /** `ready`, `down`, `unknown`, `disconnected`. */
  status: string;
}

export interface ObservedSwarm {
  /** Keyed by DesiredNode.key, and by the keys of nodes that left the declaration. */
  local: Record<string, LocalNodeState>;
  /** Empty when the first manager is in no swarm. */
  clusterId: string;
  nodes: ClusterNode[];
}

export type SwarmStep =
  | { kind: "init"; key: string }
  | { kind: "join"; key: string; role: SwarmRole }
  | {
      kind: "updateNode";
      key: string;
      nodeId: string;
      role: SwarmRole;
      labels: Record<string, string>;
      availability: NodeAvailability;
      why: string[];
    }
  | { kind: "remove"; key: string; name: string; nodeId: string; wasManager: boolean };

/** Nodes this swarm had and no longer declares: their key, name and node id as last recorded. */
export interface FormerNode {
  key: string;
  name: string;
  nodeId: string;
}

const sameLabels = (a: Record<string, string>, b: Record<string, string>) => {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
};

/**
 * The steps from what is observed to what is declared. The first declared node is the first
 * manager: it inits the swarm when it is in none. Other nodes join when they are in none; a node
 * in another swarm is a conflict, not a step (the caller refuses it). Role, labels and
 * availability are set on the node as the manager lists it. Former nodes still listed are
 * drained, leave and are removed.
 */
export function planSwarm(desired: DesiredNode[], observed: ObservedSwarm, former: FormerNode[]): SwarmStep[] {
  const steps: SwarmStep[] = [];
  const [first] = desired;
  if (!first) return steps;
  const firstLocal = observed.local[first.key];
  const clusterUp = firstLocal?.state === "active" && observed.clusterId !== "";
  if (!clusterUp) steps.push({ kind: "init", key: first.key });
  for (const d of desired) {
    const local = observed.local[d.key];
    const inCluster = clusterUp && local?.state === "active" && local.clusterId === observed.clusterId;
    if (d !== first && !inCluster) steps.push({ kind: "join", key: d.key, role: d.role });
    const node = inCluster ? observed.nodes.find((n) => n.id === local.nodeId) : undefined;
    const why: string[] = [];
    if (!node) {
      // A node that inits or joins has its role from the token it used; only labels and
      // availability other than the defaults need a step after it.
      if (d.availability === "active" && Object.keys(d.labels).length === 0) continue;
      why.push("new node");
    } else {
      if (node.role !== d.role) why.push(`role is ${node.role}, want ${d.role}`);
      if (!sameLabels(node.labels, d.labels)) why.push(`labels are ${JSON.stringify(node.labels)}, want ${JSON.stringify(d.labels)}`);
      if (node.availability !== d.availability) why.push(`availability is ${node.availability}, want ${d.availability}`);
      if (!why.length) continue;
    }
    steps.push({
      kind: "updateNode",
      key: d.key,
      nodeId: node?.id ?? "",
      role: d.role,
      labels: d.labels,
      availability: d.availability,
      why,
    });
  }
  const declared = new Set(desired.map((d) => d.key));
  for (const f of former) {
    if (declared.has(f.key)) continue;
    const local = observed.local[f.key];
    const listed = observed.nodes.find((n) => n.id === (local?.nodeId || f.nodeId));
    const stillIn = local?.state === "active" && local.clusterId === observed.clusterId;
    if (listed || stillIn)
      steps.push({
        kind: "remove",
        key: f.key,
        name: f.name,
        nodeId: listed?.id ?? local?.nodeId ?? f.nodeId,
        wasManager: listed?.role === "manager",
      });
  }
  return steps;
}

/** What a plan says about drift, one line per step (empty when the swarm is as declared). */
export function describeSteps(steps: SwarmStep[], names: Record<string, string>): string[] {
  return steps.map((s) => {
    const name = names[s.key] ?? s.key;
    switch (s.kind) {
      case "init":
        return `${name} is in no swarm (the first manager inits it)`;
      case "join":
        return `${name} is not in the swarm (joins as ${s.role})`;
      case "updateNode":
        return `${name}: ${s.why.join("; ")}`;
      case "remove":
        return `${s.name} is still in the swarm but no longer declared (drained and removed)`;
    }
  });
}

/**
 * The node that stops a run before anything changes, and why: a node other than the first in
 * another swarm (it must leave it first), or a locked swarm (autolock).
 */
export function swarmRefusal(
  desired: DesiredNode[],
  observed: ObservedSwarm,
): { key: string; code: DockyardErrorCode; message: string } | undefined {
  for (const [i, d] of desired.entries()) {
    const l = observed.local[d.key];
    if (i > 0 && l?.state === "active" && l.clusterId !== observed.clusterId) {
      return {
        key: d.key,
        code: "DOCKYARD_SWARM_FOREIGN",
        message: `is already in another swarm${l.clusterId ? ` (cluster ${l.clusterId})` : ""}: run \`docker swarm leave\` on it first. Nothing was changed on it`,
      };
    }
    if (l?.state === "locked")
      return {
        key: d.key,
        code: "DOCKYARD_SWARM_LOCKED",
        message: "its swarm is locked (autolock): unlock it with `docker swarm unlock` first",
      };
  }
  return undefined;
}

/** What refresh records: nodes not reached, every step still needed, a first manager in another swarm. */
export function swarmDrift(desired: DesiredNode[], observed: ObservedSwarm, recordedClusterId: string): string[] {
  const unreachable = desired.filter((d) => observed.local[d.key]?.state === "unreachable").map((d) => `${d.name} could not be reached`);
  const names = Object.fromEntries(desired.map((d) => [d.key, d.name]));
  const drift = [...unreachable, ...describeSteps(planSwarm(desired, observed, []), names)];
  if (observed.clusterId && recordedClusterId && observed.clusterId !== recordedClusterId)
    drift.unshift(`the first manager is in another swarm (${observed.clusterId}, was ${recordedClusterId})`);
  return drift;
}
