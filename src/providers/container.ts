import type * as pulumi from "@pulumi/pulumi";
import type Docker from "dockerode";
import { targetOf } from "../remote/connection-spec";
import { withEngine } from "../remote/docker-api";
import { EngineUnavailableError, RemoteError, engineSaid, isConnectionFailure } from "../remote/errors";
import {
  type ContainerNetworkSpec,
  type ContainerRun,
  type ContainerSpec,
  type ImageDefaults,
  attachmentsOf,
  containerChange,
  containerDrift,
  containerFacts,
  containerRunOf,
  createOptions,
  planContainerCreate,
  planContainerUpdate,
  planNetworkJoins,
} from "../plan/container";
import { securityDrift } from "../plan/container-security";
import { isRefusal } from "../plan/refusal";
import { type ConnectedInputs, connectionChange, containsUnknown, toConnectionSpec } from "./connection-inputs";
import { notice } from "./notices";
import { readWorkload } from "./host-probes";
import { findContainer, type WorkloadRead } from "../scripts/workload-read";
import { CONTAINER_START_POLL_MS, CONTAINER_STABLE_MS } from "../model/defaults";

export interface ContainerInputs extends ConnectedInputs {
  spec: ContainerSpec;
  /** Environment, kept apart so the whole of it is stored as a secret. */
  env: Record<string, string>;
}

export interface ContainerOutputs extends ContainerInputs {
  containerId: string;
  /** `running`, `exited`, `missing`... as the engine reports it (refresh). */
  state: string;
  drift: string[];
}

/**
 * Connects the container to the networks of `news` with their aliases and disconnects it from
 * those only `olds` declared, in place (the Engine API allows both on a running container).
 * Networks Dockyard was never told about are left alone.
 */
export async function joinNetworks(
  docker: Docker,
  info: Docker.ContainerInspectInfo,
  olds: ContainerNetworkSpec[] | undefined,
  news: ContainerNetworkSpec[] | undefined,
  target: string,
): Promise<void> {
  const gone = (e: Error & { statusCode?: number }) => {
    if (e.statusCode !== 404) throw e;
  };
  for (const step of planNetworkJoins(attachmentsOf(info), olds, news)) {
    if (step.kind === "disconnect") await docker.getNetwork(step.network).disconnect({ Container: info.Id, Force: true }).catch(gone);
    else if (step.kind === "rejoinBridge") await docker.getNetwork("bridge").connect({ Container: info.Id, EndpointConfig: {} });
    else {
      await docker
        .getNetwork(step.network)
        .connect({ Container: info.Id, EndpointConfig: { Aliases: step.aliases } })
        .catch((e: Error & { statusCode?: number }) => {
          if (e.statusCode === 404)
            throw new RemoteError(
              target,
              `network ${step.network} is not on the host, so container ${info.Name.replace(/^\//, "")} cannot join it: declare a Network for it (or create it) first`,
              "DOCKYARD_NETWORK_MISSING",
            );
          throw e;
        });
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function lastLogs(c: Docker.Container): Promise<string> {
  const buf = (await c.logs({ stdout: true, stderr: true, tail: 20 }).catch(() => Buffer.from(""))) as Buffer;
  // Multiplexed stream: 8-byte frame headers before each chunk.
  const lines: string[] = [];
  for (let i = 0; i + 8 <= buf.length;) {
    const size = buf.readUInt32BE(i + 4);
    lines.push(buf.subarray(i + 8, i + 8 + size).toString());
    i += 8 + size;
  }
  return (lines.join("") || buf.toString()).trim();
}

/** Waits for health (with a health check) or for the container to stay up; throws with its last logs. */
async function waitReady(c: Docker.Container, inputs: ContainerInputs, target: string): Promise<void> {
  const deadline = Date.now() + inputs.spec.startTimeoutSeconds * 1000;
  const name = inputs.spec.name;
  let stableSince = Date.now();
  for (;;) {
    const info = await c.inspect();
    const st = info.State;
    if (!st.Running && !st.Restarting) {
      throw new RemoteError(
        target,
        `container ${name} exited with code ${st.ExitCode} right after it started. Last log lines:\n${await lastLogs(c)}`,
        "DOCKYARD_CONTAINER_NOT_RUNNING",
      );
    }
    if (st.Restarting) stableSince = Date.now();
    if (info.RestartCount >= 3) {
      throw new RemoteError(
        target,
        `container ${name} keeps restarting (${info.RestartCount} restarts, last exit code ${st.ExitCode}). Last log lines:\n${await lastLogs(c)}`,
        "DOCKYARD_CONTAINER_NOT_RUNNING",
      );
    }
    const health = st.Health?.Status;
    if (inputs.spec.healthcheck) {
      if (health === "healthy") return;
      if (health === "unhealthy")
        throw new RemoteError(
          target,
          `container ${name} is unhealthy. Last log lines:\n${await lastLogs(c)}`,
          "DOCKYARD_CONTAINER_NOT_RUNNING",
        );
    } else if (Date.now() - stableSince >= CONTAINER_STABLE_MS) {
      return;
    }
    if (Date.now() > deadline) {
      throw new RemoteError(
        target,
        `container ${name} was not ${inputs.spec.healthcheck ? "healthy" : "up"} within ${inputs.spec.startTimeoutSeconds} s. Last log lines:\n${await lastLogs(c)}`,
        "DOCKYARD_CONTAINER_NOT_RUNNING",
      );
    }
    await sleep(CONTAINER_START_POLL_MS);
  }
}

async function find(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await docker.getContainer(name).inspect();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

/**
 * What a container Dockyard did not make (imported: no settings label) runs, read back with its
 * image's defaults left out; undefined for one of ours. `startTimeoutSeconds` is not on the host.
 */
export async function adoptedRun(
  docker: Docker,
  info: Docker.ContainerInspectInfo | undefined,
  startTimeoutSeconds: number,
): Promise<ContainerRun | undefined> {
  if (!isAdopted(info)) return undefined;
  const image = await docker
    .getImage(info.Image)
    .inspect()
    .then((i) => i.Config as ImageDefaults)
    .catch(() => ({}) as ImageDefaults);
  return containerRunOf(info, image, startTimeoutSeconds);
}

/** A container Dockyard did not make (no settings label): compared by what it runs. */
function isAdopted(info: Docker.ContainerInspectInfo | undefined): info is Docker.ContainerInspectInfo {
  return !!info && containerFacts(info).specHash === undefined;
}

interface Drift {
  info?: Docker.ContainerInspectInfo;
  drift: string[];
}

/** The container and the drift of the state's run from it. */
async function driftOf(docker: Docker, run: ContainerRun, containerId: string): Promise<Drift> {
  const info = await find(docker, run.spec.name);
  const adopted = await adoptedRun(docker, info, run.spec.startTimeoutSeconds);
  return { info, drift: containerDrift(run, containerId, info, adopted) };
}

/**
 * The same from the host's workload read, or undefined when it cannot tell: containers not read,
 * or an adopted container whose image is not among the images read (an intermediate image
 * `docker image ls` does not list): the Engine API is asked then.
 */
function driftFromRead(read: WorkloadRead, run: ContainerRun, containerId: string): Drift | undefined {
  if (!read.containers) return undefined;
  const info = findContainer(read.containers, run.spec.name);
  let adopted: ContainerRun | undefined;
  if (isAdopted(info)) {
    const image = read.images?.find((i) => i.Id === info.Image);
    if (!image) return undefined;
    adopted = containerRunOf(info, (image.Config ?? {}) as ImageDefaults, run.spec.startTimeoutSeconds);
  }
  return { info, drift: containerDrift(run, containerId, info, adopted) };
}

/**
 * The drift for `diff` and `read`: from the run's shared read of the host when it answered (no
 * Engine API call: a no-op `up` is one SSH command per host), else through the Engine API,
 * whose failure says why the engine does not answer.
 */
async function observed(inputs: ContainerInputs, run: ContainerRun, containerId: string): Promise<Drift> {
  const read = await readWorkload(inputs);
  const fromRead = read && driftFromRead(read, run, containerId);
  if (fromRead) return fromRead;
  return withEngine(toConnectionSpec(inputs), `reading container ${run.spec.name}`, (docker) => driftOf(docker, run, containerId));
}

async function remove(docker: Docker, name: string): Promise<void> {
  await docker
    .getContainer(name)
    .remove({ force: true, v: false })
    .catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 404) throw e;
    });
}

function portError(e: Error, inputs: ContainerInputs, target: string): Error {
  // Nothing answering is not a port problem: withEngine says why the engine does not answer.
  if (isConnectionFailure(e)) return e;
  const m =
    /(?:Bind for ([0-9a-f.:[\]]*):(\d+) failed: port is already allocated|listen (?:tcp|udp)[46]? ([0-9a-f.:[\]]*):(\d+): bind: address already in use)/.exec(
      e.message,
    );
  if (!m) return new RemoteError(target, `starting container ${inputs.spec.name}: ${engineSaid(e)}`, "DOCKYARD_ENGINE_REFUSED");
  const port = m[2] ?? m[4];
  return new RemoteError(
    target,
    `host port ${port} is already in use on ${inputs.connection.host}, so container ${inputs.spec.name} cannot publish it. Nothing was left behind`,
    "DOCKYARD_PORT_IN_USE",
  );
}

/**
 * Creates and starts the container; a container of ours left by an interrupted run is replaced,
 * as is `ownedId`, the one the state holds (an imported container made again).
 */
async function create(docker: Docker, inputs: ContainerInputs, ownedId?: string): Promise<ContainerOutputs> {
  const target = targetOf(inputs.connection);
  const existing = await find(docker, inputs.spec.name);
  const plan = planContainerCreate(inputs.spec, existing && containerFacts(existing), ownedId);
  if (isRefusal(plan)) throw new RemoteError(target, plan.message, plan.code);
  if (plan.removeExisting) await remove(docker, inputs.spec.name);
  const c = await docker.createContainer(createOptions(inputs)).catch((e: Error & { statusCode?: number }) => {
    if (isConnectionFailure(e)) throw e;
    if (e.statusCode === 404 && /network/i.test(e.message))
      throw new RemoteError(
        target,
        `network ${inputs.spec.networks?.[0]?.name} is not on the host, so container ${inputs.spec.name} cannot join it: declare a Network for it (or create it) first`,
        "DOCKYARD_NETWORK_MISSING",
      );
    if (e.statusCode === 404)
      throw new RemoteError(
        target,
        `image ${inputs.spec.image} is not on the host: declare an Image for it (or pull it) first`,
        "DOCKYARD_IMAGE_MISSING",
      );
    throw new RemoteError(target, `creating container ${inputs.spec.name}: ${engineSaid(e)}`, "DOCKYARD_ENGINE_REFUSED");
  });
  try {
    // The networks after the first (joined at creation), before the start.
    await joinNetworks(docker, await c.inspect(), undefined, inputs.spec.networks, target);
    await c.start();
    await waitReady(c, inputs, target);
  } catch (e) {
    // Leave the machine as it was: a container that cannot run does not stay behind.
    await remove(docker, inputs.spec.name).catch(() => undefined);
    throw e instanceof RemoteError ? e : portError(e as Error, inputs, target);
  }
  const info = await c.inspect();
  return { ...inputs, containerId: info.Id, state: info.State.Status, drift: [] };
}

/**
 * A container on a host's engine. Diff compares the settings Dockyard owns (never a tag against
 * a digest): an unchanged `up` touches nothing, a new image digest or an immutable setting
 * replaces the container, restart policy and limits are updated in place, and a container
 * stopped or removed by hand is started or recreated.
 */
/** The state as refresh records it when the engine cannot be asked. */
function unknownState(props: ContainerOutputs, e: EngineUnavailableError): ContainerOutputs {
  return {
    ...props,
    state: "unknown",
    drift: [`container ${props.spec.name} cannot be checked: the Docker engine does not answer (${e.reasons.join("; ")})`],
  };
}

export const container = {
  async create(inputs: ContainerInputs): Promise<pulumi.dynamic.CreateResult<ContainerOutputs>> {
    const outs = await withEngine(toConnectionSpec(inputs), `creating container ${inputs.spec.name}`, (docker) => create(docker, inputs));
    return { id: `${targetOf(inputs.connection)}/${inputs.spec.name}`, outs };
  },

  async read(id: string, props: ContainerOutputs): Promise<pulumi.dynamic.ReadResult<ContainerOutputs>> {
    try {
      const { info, drift } = await observed(props, props, props.containerId);
      return { id, props: { ...props, state: info?.State.Status ?? "missing", drift } };
    } catch (e) {
      // A broken engine is drift of this container too: `up` recreates or starts it once
      // DockerEngine has repaired the engine.
      if (e instanceof EngineUnavailableError) return { id, props: unknownState(props, e) };
      throw e;
    }
  },

  async diff(_id: string, olds: ContainerOutputs, news: ContainerInputs): Promise<pulumi.dynamic.DiffResult> {
    if (containsUnknown(news.connection) || containsUnknown(news.spec) || containsUnknown(news.env)) {
      return { changes: true };
    }
    const change = containerChange(olds, news, connectionChange(olds, news));
    if (change !== "probe") return change;
    try {
      const { drift } = await observed(news, news, olds.containerId);
      return { changes: drift.length > 0 };
    } catch (e) {
      // The preview of a host whose engine is broken plans the repair instead of failing.
      if (e instanceof EngineUnavailableError) return { changes: true };
      throw e;
    }
  },

  async update(_id: string, olds: ContainerOutputs, news: ContainerInputs): Promise<pulumi.dynamic.UpdateResult<ContainerOutputs>> {
    const target = targetOf(news.connection);
    const outs = await withEngine(toConnectionSpec(news), `updating container ${news.spec.name}`, async (docker) => {
      const info = await find(docker, news.spec.name);
      const plan = planContainerUpdate(
        olds,
        news,
        info && containerFacts(info),
        await adoptedRun(docker, info, news.spec.startTimeoutSeconds),
        info ? securityDrift(news.spec, info) : [],
      );
      if (plan.kind === "recreate" || !info) return create(docker, news, olds.containerId);
      const c = docker.getContainer(news.spec.name);
      if (plan.update) await c.update(plan.update);
      await joinNetworks(docker, info, olds.spec.networks, news.spec.networks, target);
      if (plan.start) {
        await c.start().catch((e: Error) => {
          throw portError(e, news, target);
        });
        await waitReady(c, news, target);
      }
      const after = await c.inspect();
      return { ...news, containerId: after.Id, state: after.State.Status, drift: [] };
    });
    return { outs };
  },

  async delete(_id: string, props: ContainerOutputs): Promise<void> {
    await withEngine(toConnectionSpec(props), `removing container ${props.spec.name}`, async (docker) => {
      const info = await find(docker, props.spec.name);
      // Ours, or the one the state holds (imported): Pulumi deletes what it took over.
      if (info && (containerFacts(info).managed || info.Id === props.containerId)) await remove(docker, props.spec.name);
    }).catch((e: unknown) => {
      // No engine to ask: the container cannot run, and a later create replaces one of ours
      // that is still on disk.
      if (!(e instanceof EngineUnavailableError)) throw e;
      notice(
        `${targetOf(props.connection)}: container ${props.spec.name} was left in place: the Docker engine does not answer (${e.reasons.join("; ")})`,
      );
    });
  },
};
