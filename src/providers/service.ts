import type * as pulumi from "@pulumi/pulumi";
import type Docker from "dockerode";
import { isDeepStrictEqual } from "node:util";
import { targetOf } from "../remote/connection-spec";
import { dockerApi } from "../remote/docker-api";
import { RemoteError } from "../remote/errors";
import { MANAGED_LABEL, type ServiceSpec, renderServiceSpec, serviceSpecDrift } from "../swarm/service-spec";
import { type ConnectedInputs, containsUnknown, machineIdentity, toConnectionSpec } from "./connection-inputs";
import type { RegistryAuth } from "./image";

export type { ServiceSpec } from "../swarm/service-spec";

export interface ServiceInputs extends ConnectedInputs {
  spec: ServiceSpec;
  /** Kept apart so the whole of it is stored as a secret. */
  env: Record<string, string>;
  /** Sent with the spec so every node can pull from a private registry. */
  registryAuth?: RegistryAuth;
}

export interface ServiceOutputs extends ServiceInputs {
  serviceId: string;
  /** Tasks running when last read. */
  runningTasks: number;
  drift: string[];
}

/** Networks a service made for itself carry its name here, so its delete removes only those. */
const NETWORK_OWNER = "dockyard.service";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface TaskInfo {
  ID: string;
  Slot?: number;
  NodeID?: string;
  DesiredState?: string;
  Status?: { State?: string; Err?: string; Message?: string; Timestamp?: string };
  Spec?: { ContainerSpec?: { Image?: string } };
}

interface ServiceInfo {
  ID: string;
  Version: { Index: number };
  Spec: Record<string, unknown>;
  UpdateStatus?: { State?: string; Message?: string };
}

async function findService(docker: Docker, name: string): Promise<ServiceInfo | undefined> {
  try {
    return (await docker.getService(name).inspect()) as ServiceInfo;
  } catch (e) {
    // 503: the engine is no longer a swarm manager, so the service is gone from where we look.
    const code = (e as { statusCode?: number }).statusCode;
    if (code === 404 || code === 503) return undefined;
    throw e;
  }
}

/** Network names to ids; a missing one is created as an attachable overlay this service owns. */
async function ensureNetworks(docker: Docker, spec: ServiceSpec, create: boolean): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const name of spec.networks) {
    const found = ((await docker.listNetworks({ filters: { name: [name] } })) as { Id: string; Name: string; Driver: string; Scope: string }[]).find((n) => n.Name === name);
    if (found) {
      ids[name] = found.Id;
      continue;
    }
    if (!create) continue;
    const net = await docker.createNetwork({ Name: name, Driver: "overlay", Attachable: true, CheckDuplicate: true, Labels: { [MANAGED_LABEL]: "true", [NETWORK_OWNER]: spec.name } });
    ids[name] = net.id;
  }
  return ids;
}

async function tasksOf(docker: Docker, serviceId: string): Promise<TaskInfo[]> {
  return (await docker.listTasks({ filters: { service: [serviceId] } })) as TaskInfo[];
}

async function nodeNames(docker: Docker): Promise<Record<string, string>> {
  const nodes = (await docker.listNodes().catch(() => [])) as { ID: string; Description?: { Hostname?: string } }[];
  return Object.fromEntries(nodes.map((n) => [n.ID, n.Description?.Hostname ?? n.ID]));
}

/** Running tasks of the current spec, and the tasks that should run. */
function progress(spec: ServiceSpec, tasks: TaskInfo[]): { running: number; wanted: TaskInfo[] } {
  const wanted = tasks.filter((t) => t.DesiredState === "running" && t.Spec?.ContainerSpec?.Image === spec.image);
  const running = wanted.filter((t) => t.Status?.State === "running").length;
  return { running, wanted };
}

function converged(spec: ServiceSpec, tasks: TaskInfo[]): boolean {
  const { running, wanted } = progress(spec, tasks);
  const others = tasks.filter((t) => t.DesiredState === "running" && t.Spec?.ContainerSpec?.Image !== spec.image);
  if (others.length) return false;
  return spec.mode === "global" ? running === wanted.length : running === spec.replicas;
}

/** The most telling failure among the tasks: the newest one that failed or was rejected, else one still pending. */
function blame(tasks: TaskInfo[], names: Record<string, string>, serviceName: string): string {
  const bad = tasks
    .filter((t) => ["failed", "rejected", "orphaned"].includes(t.Status?.State ?? "") || (t.DesiredState === "running" && t.Status?.State !== "running"))
    .sort((a, b) => (b.Status?.Timestamp ?? "").localeCompare(a.Status?.Timestamp ?? ""));
  const t = bad.find((x) => x.Status?.Err) ?? bad[0];
  if (!t) return "";
  const where = t.NodeID ? `on node ${names[t.NodeID] ?? t.NodeID}` : "not placed on any node";
  return `; task ${serviceName}.${t.Slot ?? t.ID.slice(0, 12)} ${where} is ${t.Status?.State ?? "unknown"}: ${t.Status?.Err || t.Status?.Message || "no message"}`;
}

/** Waits (bounded) until every task of the service runs; the error names the service and a failed task's node. */
async function waitConverged(docker: Docker, target: string, spec: ServiceSpec, serviceId: string): Promise<number> {
  const deadline = Date.now() + spec.convergeTimeoutSeconds * 1000;
  for (;;) {
    const info = await findService(docker, serviceId);
    const tasks = await tasksOf(docker, serviceId);
    const state = info?.UpdateStatus?.State;
    if (state === "paused" || state === "rollback_completed" || state === "rollback_paused") {
      throw new RemoteError(target, `service ${spec.name}: the update was ${state.replace("_", " ")}: ${info?.UpdateStatus?.Message ?? ""}${blame(tasks, await nodeNames(docker), spec.name)}`, "DOCKYARD_SERVICE_UPDATE_FAILED");
    }
    if (state !== "updating" && state !== "rollback_started" && converged(spec, tasks)) return progress(spec, tasks).running;
    if (Date.now() > deadline) {
      const { running, wanted } = progress(spec, tasks);
      const want = spec.mode === "global" ? wanted.length : spec.replicas;
      throw new RemoteError(target, `service ${spec.name} did not converge within ${spec.convergeTimeoutSeconds} s: ${running} of ${want} tasks running${blame(tasks, await nodeNames(docker), spec.name)}`, "DOCKYARD_SERVICE_NOT_CONVERGED");
    }
    await sleep(1000);
  }
}

async function driftOf(docker: Docker, inputs: ServiceInputs, info: ServiceInfo | undefined): Promise<{ drift: string[]; running: number }> {
  const s = inputs.spec;
  if (!info) return { drift: [`service ${s.name} is missing`], running: 0 };
  const ids = await ensureNetworks(docker, s, false);
  const drift = serviceSpecDrift(s, inputs.env, ids, info.Spec);
  const tasks = await tasksOf(docker, info.ID);
  const { running } = progress(s, tasks);
  if (!drift.length && !converged(s, tasks)) drift.push(`service ${s.name} has ${running} of ${s.mode === "global" ? "its" : s.replicas} tasks running`);
  return { drift, running };
}

async function apply(inputs: ServiceInputs, existing: ServiceInfo | undefined): Promise<ServiceOutputs> {
  const target = targetOf(inputs.connection);
  const docker = await dockerApi(toConnectionSpec(inputs));
  const ids = await ensureNetworks(docker, inputs.spec, true);
  const body = renderServiceSpec(inputs.spec, inputs.env, ids);
  let id: string;
  const fail = (what: string) => (e: Error) => {
    throw new RemoteError(target, `${what} service ${inputs.spec.name}: ${e.message}`, "DOCKYARD_ENGINE_REFUSED");
  };
  if (existing) {
    if (existing.Spec.Labels && (existing.Spec.Labels as Record<string, string>)[MANAGED_LABEL] !== "true") {
      throw new RemoteError(target, `a service named ${inputs.spec.name} exists and was not created by Dockyard: remove or rename it. Nothing was changed`, "DOCKYARD_NOT_MANAGED");
    }
    // dockerode's typing lacks (auth, opts); the call is the one its code takes.
    const svc = docker.getService(existing.ID) as unknown as { update(auth: RegistryAuth | undefined, opts: object): Promise<unknown> };
    await svc
      .update(inputs.registryAuth, { _query: { version: existing.Version.Index }, _body: body })
      .catch(fail("updating"));
    id = existing.ID;
  } else {
    const svc = await docker.createService(inputs.registryAuth as unknown as Docker.AuthConfig, body as unknown as Docker.CreateServiceOptions).catch(fail("creating"));
    id = (svc as unknown as { id: string }).id;
  }
  let running: number;
  try {
    running = await waitConverged(docker, target, inputs.spec, id);
  } catch (e) {
    // A new service that cannot run does not stay behind; an updated one is left to its
    // update's failure action (pause or rollback), as swarm's own tools do.
    if (!existing) await docker.getService(id).remove().catch(() => undefined);
    throw e;
  }
  return { ...inputs, serviceId: id, runningTasks: running, drift: [] };
}

/**
 * A swarm service, managed through the first manager's Engine API. Create and update wait until
 * every task runs; refresh compares the settings Dockyard owns and the running tasks, so a
 * service scaled or updated by hand shows as drift and `up` puts it back.
 */
export const service = {
  async create(inputs: ServiceInputs): Promise<pulumi.dynamic.CreateResult<ServiceOutputs>> {
    const docker = await dockerApi(toConnectionSpec(inputs));
    const outs = await apply(inputs, await findService(docker, inputs.spec.name));
    return { id: `${targetOf(inputs.connection)}/service/${inputs.spec.name}`, outs };
  },

  async read(id: string, props: ServiceOutputs): Promise<pulumi.dynamic.ReadResult<ServiceOutputs>> {
    try {
      const docker = await dockerApi(toConnectionSpec(props));
      const info = await findService(docker, props.serviceId || props.spec.name);
      const { drift, running } = await driftOf(docker, props, info);
      return { id, props: { ...props, runningTasks: running, drift } };
    } catch (e) {
      // A manager that does not answer is drift, not a failed refresh.
      return { id, props: { ...props, drift: [`the manager could not be asked: ${(e as Error).message}`] } };
    }
  },

  async diff(_id: string, olds: ServiceOutputs, news: ServiceInputs): Promise<pulumi.dynamic.DiffResult> {
    if (containsUnknown(news.connection) || containsUnknown(news.spec) || containsUnknown(news.env)) return { changes: true };
    // The name and the mode cannot change on a service: a new one replaces it.
    const replaces = [
      ...(machineIdentity(olds.connection) !== machineIdentity(news.connection) ? ["connection"] : []),
      ...(olds.spec.name !== news.spec.name || olds.spec.mode !== news.spec.mode ? ["spec"] : []),
    ];
    if (replaces.length) return { changes: true, replaces, deleteBeforeReplace: true };
    if (!isDeepStrictEqual(olds.spec, news.spec) || !isDeepStrictEqual(olds.env, news.env)) return { changes: true };
    if (olds.drift.length) return { changes: true };
    const docker = await dockerApi(toConnectionSpec(news));
    return { changes: (await driftOf(docker, news, await findService(docker, olds.serviceId))).drift.length > 0 };
  },

  async update(_id: string, olds: ServiceOutputs, news: ServiceInputs): Promise<pulumi.dynamic.UpdateResult<ServiceOutputs>> {
    const docker = await dockerApi(toConnectionSpec(news));
    const existing = (await findService(docker, olds.serviceId)) ?? (await findService(docker, news.spec.name));
    return { outs: await apply(news, existing) };
  },

  async delete(_id: string, props: ServiceOutputs): Promise<void> {
    const docker = await dockerApi(toConnectionSpec(props));
    const info = await findService(docker, props.serviceId);
    if (info && (info.Spec.Labels as Record<string, string> | undefined)?.[MANAGED_LABEL] === "true") {
      await docker.getService(info.ID).remove();
    }
    // Its own networks go once its tasks have let go of them (bounded; a network still in use stays).
    const owned = ((await docker.listNetworks({ filters: { label: [`${NETWORK_OWNER}=${props.spec.name}`] } })) as { Id: string }[]).map((n) => n.Id);
    const deadline = Date.now() + 60_000;
    for (const netId of owned) {
      for (;;) {
        const err = await docker
          .getNetwork(netId)
          .remove()
          .then(() => undefined)
          .catch((e: { statusCode?: number; message: string }) => (e.statusCode === 404 ? undefined : e));
        if (!err) break;
        if (Date.now() > deadline) {
          console.error(`dockyard: ${targetOf(props.connection)}: network ${netId} of service ${props.spec.name} was kept: ${err.message}`);
          break;
        }
        await sleep(1000);
      }
    }
  },
};
