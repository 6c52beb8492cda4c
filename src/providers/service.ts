import type * as pulumi from "@pulumi/pulumi";
import type Docker from "dockerode";
import { boundSeconds } from "../model/time-bounds";
import { targetOf } from "../remote/connection-spec";
import { dockerApi } from "../remote/docker-api";
import { RemoteError } from "../remote/errors";
import { isRefusal } from "../plan/refusal";
import {
  type ServiceInfo,
  type TaskInfo,
  planService,
  serviceChange,
  serviceConvergence,
  serviceDrift,
  serviceIsOurs,
  taskBlame,
  trackRunning,
  type RunningSince,
} from "../plan/service";
import { DEFAULT_SERVICE_CONVERGE_MONITOR_SECONDS } from "../model/defaults";
import { MANAGED } from "../model/labels";
import { type ServiceSpec, renderServiceSpec } from "../model/service-spec";
import { type ConnectedInputs, containsUnknown, machineIdentity, toConnectionSpec } from "./connection-inputs";
import type { RegistryAuth } from "./image";
import { notice } from "./notices";

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
    const found = (
      (await docker.listNetworks({ filters: { name: [name] } })) as { Id: string; Name: string; Driver: string; Scope: string }[]
    ).find((n) => n.Name === name);
    if (found) {
      ids[name] = found.Id;
      continue;
    }
    if (!create) continue;
    const net = await docker.createNetwork({
      Name: name,
      Driver: "overlay",
      Attachable: true,
      CheckDuplicate: true,
      Labels: { [MANAGED]: "true", [NETWORK_OWNER]: spec.name },
    });
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

/**
 * Waits (bounded) until every task of the service runs and has stayed running through the
 * monitoring window; the error names the service and a failed task's node.
 */
async function waitConverged(docker: Docker, target: string, spec: ServiceSpec, serviceId: string): Promise<number> {
  const deadline = Date.now() + spec.convergeTimeoutSeconds * 1000;
  const monitorSeconds = spec.convergeMonitorSeconds ?? DEFAULT_SERVICE_CONVERGE_MONITOR_SECONDS;
  let since: RunningSince = {};
  for (;;) {
    const info = await findService(docker, serviceId);
    const tasks = await tasksOf(docker, serviceId);
    const now = Date.now();
    since = trackRunning(tasks, since, now);
    const look = serviceConvergence(spec, info, tasks, now > deadline, { since, now, monitorSeconds });
    if (look.kind === "done") return look.running;
    if (look.kind === "failed")
      throw new RemoteError(target, look.message + taskBlame(tasks, await nodeNames(docker), spec.name), look.code);
    await sleep(1000);
  }
}

async function driftOf(
  docker: Docker,
  inputs: ServiceInputs,
  info: ServiceInfo | undefined,
): Promise<{ drift: string[]; running: number }> {
  if (!info) return serviceDrift(inputs.spec, inputs.env, {}, undefined, []);
  const ids = await ensureNetworks(docker, inputs.spec, false);
  return serviceDrift(inputs.spec, inputs.env, ids, info, await tasksOf(docker, info.ID));
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
  const plan = planService(inputs.spec, existing);
  if (isRefusal(plan)) throw new RemoteError(target, plan.message, plan.code);
  if (plan.kind === "update") {
    // dockerode's typing lacks (auth, opts); the call is the one its code takes.
    const svc = docker.getService(plan.id) as unknown as { update(auth: RegistryAuth | undefined, opts: object): Promise<unknown> };
    await svc.update(inputs.registryAuth, { _query: { version: plan.version }, _body: body }).catch(fail("updating"));
    id = plan.id;
  } else {
    const svc = await docker
      .createService(inputs.registryAuth as unknown as Docker.AuthConfig, body as unknown as Docker.CreateServiceOptions)
      .catch(fail("creating"));
    id = (svc as unknown as { id: string }).id;
  }
  let running: number;
  try {
    running = await waitConverged(docker, target, inputs.spec, id);
  } catch (e) {
    // A new service that cannot run does not stay behind; an updated one is left to its
    // update's failure action (pause or rollback), as swarm's own tools do.
    if (plan.kind === "create")
      await docker
        .getService(id)
        .remove()
        .catch(() => undefined);
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
    const change = serviceChange(olds, news, machineIdentity(olds.connection) === machineIdentity(news.connection));
    if (change !== "probe") return change;
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
    if (serviceIsOurs(info)) await docker.getService(info.ID).remove();
    // Its own networks go once its tasks have let go of them (bounded; a network still in use stays).
    const owned = ((await docker.listNetworks({ filters: { label: [`${NETWORK_OWNER}=${props.spec.name}`] } })) as { Id: string }[]).map(
      (n) => n.Id,
    );
    const deadline = Date.now() + boundSeconds(props.connection, "swarmWaitTimeout") * 1000;
    for (const netId of owned) {
      for (;;) {
        const err = await docker
          .getNetwork(netId)
          .remove()
          .then(() => undefined)
          .catch((e: { statusCode?: number; message: string }) => (e.statusCode === 404 ? undefined : e));
        if (!err) break;
        if (Date.now() > deadline) {
          notice(`${targetOf(props.connection)}: network ${netId} of service ${props.spec.name} was kept: ${err.message}`);
          break;
        }
        await sleep(1000);
      }
    }
  },
};
