import type * as pulumi from "@pulumi/pulumi";
import type Docker from "dockerode";
import { isDeepStrictEqual } from "node:util";
import { boundSeconds } from "../model/time-bounds";
import { targetOf } from "../remote/connection-spec";
import { dockerApi } from "../remote/docker-api";
import { RemoteError } from "../remote/errors";
import {
  type ClusterNode,
  type DesiredNode,
  type FormerNode,
  type LocalNodeState,
  type NodeAvailability,
  type ObservedSwarm,
  type SwarmRole,
  type SwarmStep,
  describeSteps,
  planSwarm,
  swarmDrift,
  swarmRefusal,
} from "../plan/swarm";
import { type ConnectionInputs, type Credentials, containsUnknown, machineIdentity, toConnectionSpec } from "./connection-inputs";

export interface SwarmNodeSpec {
  /** The node's name in messages (the engine component's name). */
  name: string;
  connection: ConnectionInputs;
  role: SwarmRole;
  labels: Record<string, string>;
  availability: NodeAvailability;
  /** Address other nodes reach this one on; the SSH address when absent. */
  advertiseAddr?: string;
}

export interface SwarmInputs {
  /** Managers first; the first one inits the swarm. */
  nodes: SwarmNodeSpec[];
  /** Key material, index for index with `nodes`, in one property so it is stored as a secret. */
  credentials: Credentials[];
  defaultAddrPool?: string[];
  subnetSize?: number;
}

export interface SwarmMember {
  name: string;
  nodeId: string;
  hostname: string;
  address: string;
  role: SwarmRole;
}

export interface SwarmOutputs extends SwarmInputs {
  clusterId: string;
  members: SwarmMember[];
  /** Secret: the tokens that let a machine join. Never logged. */
  joinTokens: { worker: string; manager: string };
  drift: string[];
}

const SWARM_PORT = 2377;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const keyOf = (n: SwarmNodeSpec) => machineIdentity(n.connection);
const addressOf = (n: SwarmNodeSpec) => n.advertiseAddr ?? n.connection.host;

interface Reached {
  spec: SwarmNodeSpec;
  target: string;
  docker: () => Promise<Docker>;
}

function reach(nodes: SwarmNodeSpec[], credentials: Credentials[]): Reached[] {
  return nodes.map((spec, i) => {
    let client: Promise<Docker> | undefined;
    return {
      spec,
      target: targetOf(spec.connection),
      docker: () => (client ??= dockerApi(toConnectionSpec({ connection: spec.connection, credentials: credentials[i] }))),
    };
  });
}

type LocalInfo = LocalNodeState & { managerIds: string[] };

async function localState(n: Reached): Promise<LocalInfo> {
  try {
    const info = (await (await n.docker()).info()) as {
      Swarm?: { LocalNodeState?: string; NodeID?: string; Cluster?: { ID?: string }; RemoteManagers?: { NodeID?: string }[] | null };
    };
    const s = info.Swarm ?? {};
    return {
      state: s.LocalNodeState || "inactive",
      nodeId: s.NodeID ?? "",
      clusterId: s.Cluster?.ID ?? "",
      managerIds: (s.RemoteManagers ?? []).map((m) => m.NodeID ?? ""),
    };
  } catch {
    // A machine that does not answer is drift to show, not an error of the read.
    return { state: "unreachable", nodeId: "", clusterId: "", managerIds: [] };
  }
}

function toClusterNode(n: unknown): ClusterNode {
  const x = n as {
    ID: string;
    Description?: { Hostname?: string };
    Spec?: { Role?: string; Labels?: Record<string, string>; Availability?: string };
    Status?: { State?: string };
  };
  return {
    id: x.ID,
    hostname: x.Description?.Hostname ?? "",
    role: (x.Spec?.Role ?? "worker") as SwarmRole,
    labels: x.Spec?.Labels ?? {},
    availability: (x.Spec?.Availability ?? "active") as NodeAvailability,
    status: x.Status?.State ?? "unknown",
  };
}

/** Reads every node's own view and the first manager's node list. */
async function observe(all: Reached[], first: Reached): Promise<ObservedSwarm> {
  const states = await Promise.all(all.map(localState));
  const local: Record<string, LocalNodeState> = {};
  all.forEach((n, i) => {
    const { managerIds: _m, ...l } = states[i];
    local[keyOf(n.spec)] = l;
  });
  const fl = states[all.indexOf(first)];
  if (fl?.state !== "active") return { local, clusterId: "", nodes: [] };
  let nodes: ClusterNode[] = [];
  try {
    nodes = ((await (await first.docker()).listNodes()) as unknown[]).map((n) => toClusterNode(n));
  } catch {
    // Active but not a manager any more (demoted by hand): it cannot list the nodes.
  }
  // Workers do not report their cluster: one is ours when it knows our first manager.
  all.forEach((n, i) => {
    const s = states[i];
    if (s.state === "active" && !s.clusterId && s.managerIds.includes(fl.nodeId)) local[keyOf(n.spec)].clusterId = fl.clusterId;
  });
  return { local, clusterId: fl.clusterId, nodes };
}

const desiredOf = (nodes: SwarmNodeSpec[]): DesiredNode[] =>
  nodes.map((n) => ({ key: keyOf(n), name: n.name, role: n.role, labels: n.labels, availability: n.availability }));

const namesOf = (nodes: SwarmNodeSpec[]) => Object.fromEntries(nodes.map((n) => [keyOf(n), n.name]));

function formerOf(olds: SwarmOutputs | undefined, news: SwarmInputs): FormerNode[] {
  if (!olds) return [];
  const declared = new Set(news.nodes.map(keyOf));
  return olds.nodes
    .filter((n) => !declared.has(keyOf(n)))
    .map((n) => ({ key: keyOf(n), name: n.name, nodeId: olds.members.find((m) => m.name === n.name)?.nodeId ?? "" }));
}

/** Sets role, labels and availability on a node through the manager (read-modify-write on its version). */
async function updateNode(
  manager: Docker,
  nodeId: string,
  change: { role?: SwarmRole; labels?: Record<string, string>; availability?: NodeAvailability },
): Promise<void> {
  const node = manager.getNode(nodeId);
  const info = (await node.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
  const spec = { ...info.Spec };
  if (change.role) spec.Role = change.role;
  if (change.labels) spec.Labels = change.labels;
  if (change.availability) spec.Availability = change.availability;
  await node.update({ _query: { version: info.Version.Index }, _body: spec });
}

/** Waits until the manager lists the node as ready (a join returns before the manager says so). */
async function waitListed(manager: Docker, nodeId: string, target: string, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const n = await manager
      .getNode(nodeId)
      .inspect()
      .then((x) => toClusterNode(x))
      .catch(() => undefined);
    if (n?.status === "ready") return;
    if (Date.now() > deadline)
      throw new RemoteError(
        target,
        `node ${nodeId} joined but the first manager did not list it as ready within ${seconds} s (bound: swarmWaitTimeout; status ${n?.status ?? "not listed"})`,
        "DOCKYARD_SWARM_NOT_CONVERGED",
      );
    await sleep(1000);
  }
}

/** Waits (bounded) until no task still runs on a drained node, so its work has moved. */
async function waitDrained(manager: Docker, nodeId: string, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const tasks = (await manager.listTasks({ filters: { node: [nodeId], "desired-state": ["running"] } }).catch(() => [])) as unknown[];
    if (tasks.length === 0) return;
    await sleep(1000);
  }
}

async function joinTokens(manager: Docker): Promise<{ worker: string; manager: string }> {
  const s = (await manager.swarmInspect()) as { JoinTokens?: { Worker?: string; Manager?: string } };
  return { worker: s.JoinTokens?.Worker ?? "", manager: s.JoinTokens?.Manager ?? "" };
}

/** Swarm API errors can quote the request; never let a join token reach a message. */
const scrub = (m: string) => m.replace(/SWMTKN-[A-Za-z0-9-]+/g, "SWMTKN-***");

async function run(step: SwarmStep, inputs: SwarmInputs, all: Reached[], first: Reached, formerReached: Reached[]): Promise<void> {
  const byKey = (k: string) => [...all, ...formerReached].find((n) => keyOf(n.spec) === k)!;
  const n = byKey(step.key);
  const fail = (what: string) => (e: Error) => {
    throw new RemoteError(n.target, `${what}: ${scrub(e.message)}`, "DOCKYARD_ENGINE_REFUSED");
  };
  switch (step.kind) {
    case "init": {
      const opts: Record<string, unknown> = { ListenAddr: `0.0.0.0:${SWARM_PORT}`, AdvertiseAddr: addressOf(n.spec) };
      if (inputs.defaultAddrPool?.length) opts.DefaultAddrPool = inputs.defaultAddrPool;
      if (inputs.subnetSize) opts.SubnetSize = inputs.subnetSize;
      await (await n.docker()).swarmInit(opts).catch(fail("swarm init"));
      return;
    }
    case "join": {
      const tokens = await joinTokens(await first.docker());
      await (
        await n.docker()
      )
        .swarmJoin({
          ListenAddr: `0.0.0.0:${SWARM_PORT}`,
          AdvertiseAddr: addressOf(n.spec),
          RemoteAddrs: [`${addressOf(first.spec)}:${SWARM_PORT}`],
          JoinToken: step.role === "manager" ? tokens.manager : tokens.worker,
        })
        .catch(fail(`joining the swarm as ${step.role}`));
      const { nodeId } = await localState(n);
      await waitListed(await first.docker(), nodeId, n.target, boundSeconds(n.spec.connection, "swarmWaitTimeout"));
      return;
    }
    case "updateNode": {
      const nodeId = step.nodeId || (await localState(n)).nodeId;
      await updateNode(await first.docker(), nodeId, { role: step.role, labels: step.labels, availability: step.availability }).catch(
        fail("updating the node"),
      );
      return;
    }
    case "remove": {
      const manager = await first.docker();
      await removeNode(manager, n, step.nodeId, step.wasManager);
      return;
    }
  }
}

/** Drain, demote, leave (on the node itself), then forget it on the manager. */
async function removeNode(manager: Docker, n: Reached, nodeId: string, wasManager: boolean): Promise<void> {
  if (nodeId) {
    await updateNode(manager, nodeId, { availability: "drain", ...(wasManager ? { role: "worker" as const } : {}) }).catch(() => undefined);
    await waitDrained(manager, nodeId, boundSeconds(n.spec.connection, "swarmWaitTimeout"));
  }
  const local = await localState(n);
  if (local.state === "active" || local.state === "pending" || local.state === "error") {
    await (await n.docker()).swarmLeave({ force: true }).catch((e: Error) => {
      throw new RemoteError(n.target, `leaving the swarm: ${scrub(e.message)}`, "DOCKYARD_ENGINE_REFUSED");
    });
  }
  if (nodeId) {
    await manager
      .getNode(nodeId)
      .remove({ force: true })
      .catch((e: { statusCode?: number; message: string }) => {
        if (e.statusCode !== 404)
          throw new RemoteError(n.target, `removing node ${nodeId} from the swarm: ${e.message}`, "DOCKYARD_ENGINE_REFUSED");
      });
  }
}

function refuseForeign(inputs: SwarmInputs, all: Reached[], observed: ObservedSwarm): void {
  const refusal = swarmRefusal(desiredOf(inputs.nodes), observed);
  if (refusal) throw new RemoteError(all.find((n) => keyOf(n.spec) === refusal.key)!.target, refusal.message, refusal.code);
}

async function record(
  inputs: SwarmInputs,
  all: Reached[],
  first: Reached,
  observed: ObservedSwarm,
  drift: string[],
  tokens?: SwarmOutputs["joinTokens"],
): Promise<SwarmOutputs> {
  const members: SwarmMember[] = [];
  for (const n of all) {
    const l = observed.local[keyOf(n.spec)];
    const node = observed.nodes.find((x) => x.id === l?.nodeId && l.clusterId === observed.clusterId);
    if (node) members.push({ name: n.spec.name, nodeId: node.id, hostname: node.hostname, address: addressOf(n.spec), role: node.role });
  }
  const joinTokensNow =
    tokens ??
    (observed.clusterId ? await joinTokens(await first.docker()).catch(() => ({ worker: "", manager: "" })) : { worker: "", manager: "" });
  return { ...inputs, clusterId: observed.clusterId, members, joinTokens: joinTokensNow, drift };
}

async function converge(inputs: SwarmInputs, olds: SwarmOutputs | undefined): Promise<SwarmOutputs> {
  const all = reach(inputs.nodes, inputs.credentials);
  const first = all[0];
  const former = formerOf(olds, inputs);
  const formerReached = olds ? reach(olds.nodes, olds.credentials).filter((n) => former.some((f) => f.key === keyOf(n.spec))) : [];
  const observed = await observe([...all, ...formerReached], first);
  refuseForeign(inputs, all, observed);
  const steps = planSwarm(desiredOf(inputs.nodes), observed, former);
  // Init first, then joins one at a time (managers before workers, as declared), then settings.
  for (const step of steps) await run(step, inputs, all, first, formerReached);
  const after = await observe(all, first);
  const left = planSwarm(desiredOf(inputs.nodes), after, []);
  if (left.length)
    throw new RemoteError(
      first.target,
      `the swarm is still not as declared: ${describeSteps(left, namesOf(inputs.nodes)).join("; ")}`,
      "DOCKYARD_SWARM_NOT_CONVERGED",
    );
  return record(inputs, all, first, after, []);
}

/**
 * Docker Swarm mode across engines: the first manager inits, the others join with their role's
 * token, labels and availability are set, and nodes no longer declared are drained, leave and are
 * removed. `read` reads membership, roles, labels and availability back: drift shows on refresh.
 */
export const swarm = {
  async create(inputs: SwarmInputs): Promise<pulumi.dynamic.CreateResult<SwarmOutputs>> {
    const outs = await converge(inputs, undefined);
    return { id: `swarm/${outs.clusterId}`, outs };
  },

  async read(id: string, props: SwarmOutputs): Promise<pulumi.dynamic.ReadResult<SwarmOutputs>> {
    const all = reach(props.nodes, props.credentials);
    const observed = await observe(all, all[0]);
    const drift = swarmDrift(desiredOf(props.nodes), observed, props.clusterId);
    const outs = await record(props, all, all[0], observed, drift, observed.clusterId === props.clusterId ? props.joinTokens : undefined);
    return { id, props: outs };
  },

  async diff(_id: string, olds: SwarmOutputs, news: SwarmInputs): Promise<pulumi.dynamic.DiffResult> {
    if (containsUnknown(news.nodes)) return { changes: true };
    // Another first manager is another swarm.
    if (
      keyOf(olds.nodes[0]) !== keyOf(news.nodes[0]) ||
      !isDeepStrictEqual(olds.defaultAddrPool, news.defaultAddrPool) ||
      olds.subnetSize !== news.subnetSize
    ) {
      return { changes: true, replaces: ["nodes"], deleteBeforeReplace: true };
    }
    if (!isDeepStrictEqual(olds.nodes, news.nodes)) return { changes: true };
    if (olds.drift.length) return { changes: true };
    const all = reach(news.nodes, news.credentials);
    const observed = await observe(all, all[0]);
    return { changes: planSwarm(desiredOf(news.nodes), observed, []).length > 0 || observed.clusterId !== olds.clusterId };
  },

  async update(_id: string, olds: SwarmOutputs, news: SwarmInputs): Promise<pulumi.dynamic.UpdateResult<SwarmOutputs>> {
    return { outs: await converge(news, olds) };
  },

  /** Every node leaves; the engines stay as they were. */
  async delete(_id: string, props: SwarmOutputs): Promise<void> {
    const all = reach(props.nodes, props.credentials);
    const [first, ...rest] = all;
    const observed = await observe(all, first);
    const manager = observed.clusterId ? await first.docker() : undefined;
    for (const n of [...rest].reverse()) {
      const l = observed.local[keyOf(n.spec)];
      if (l?.clusterId !== observed.clusterId || !manager) {
        if (l?.state === "active" && l.clusterId === props.clusterId)
          await (await n.docker()).swarmLeave({ force: true }).catch(() => undefined);
        continue;
      }
      const listed = observed.nodes.find((x) => x.id === l.nodeId);
      await removeNode(manager, n, l.nodeId, listed?.role === "manager");
    }
    const fl = observed.local[keyOf(first.spec)];
    if (fl?.state === "active" && (!props.clusterId || fl.clusterId === props.clusterId)) {
      await (await first.docker()).swarmLeave({ force: true }).catch((e: Error) => {
        throw new RemoteError(first.target, `leaving the swarm: ${scrub(e.message)}`, "DOCKYARD_ENGINE_REFUSED");
      });
    }
  },
};
