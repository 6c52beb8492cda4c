import type * as pulumi from "@pulumi/pulumi";
import { isDeepStrictEqual } from "node:util";
import type Docker from "dockerode";
import { targetOf } from "../remote/connection-spec";
import { withEngine } from "../remote/docker-api";
import { EngineUnavailableError, RemoteError } from "../remote/errors";
import { type ConnectedInputs, connectionChange, containsUnknown, toConnectionSpec } from "./connection-inputs";

/** The settings Dockyard owns on a user-defined network. The Engine API changes none in place. */
export interface NetworkSpec {
  name: string;
  driver: string;
  subnet?: string;
  gateway?: string;
  internal: boolean;
  labels: Record<string, string>;
}

export interface NetworkInputs extends ConnectedInputs {
  spec: NetworkSpec;
}

export interface NetworkOutputs extends NetworkInputs {
  networkId: string;
  drift: string[];
}

/** Containers and networks Dockyard made carry this label (the Container provider sets it too). */
export const MANAGED = "dockyard.managed";

type NetworkInfo = {
  Id: string;
  Name: string;
  Driver: string;
  Internal?: boolean;
  Labels?: Record<string, string> | null;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] | null };
  Containers?: Record<string, { Name: string }> | null;
};

async function find(docker: Docker, name: string): Promise<NetworkInfo | undefined> {
  try {
    return (await docker.getNetwork(name).inspect()) as NetworkInfo;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

/** How the network on the host differs from the spec, as drift reasons ([] when it matches). */
export function networkDrift(spec: NetworkSpec, networkId: string | undefined, info: NetworkInfo | undefined): string[] {
  if (!info) return [`network ${spec.name} is missing`];
  const reasons: string[] = [];
  if (networkId && info.Id !== networkId) reasons.push(`network ${spec.name} was replaced outside Dockyard`);
  if (info.Labels?.[MANAGED] !== "true") reasons.push(`network ${spec.name} was not created by Dockyard`);
  const other: string[] = [];
  if (info.Driver !== spec.driver) other.push(`driver ${info.Driver}, not ${spec.driver}`);
  if (Boolean(info.Internal) !== spec.internal) other.push(spec.internal ? "not internal" : "internal");
  const ipam = info.IPAM?.Config?.[0] ?? {};
  // Unset here means the engine chose: only what the spec fixes is compared.
  if (spec.subnet && ipam.Subnet !== spec.subnet) other.push(`subnet ${ipam.Subnet ?? "(none)"}, not ${spec.subnet}`);
  if (spec.gateway && ipam.Gateway !== spec.gateway) other.push(`gateway ${ipam.Gateway ?? "(none)"}, not ${spec.gateway}`);
  for (const [k, v] of Object.entries(spec.labels)) if (info.Labels?.[k] !== v) other.push(`label ${k} is ${JSON.stringify(info.Labels?.[k] ?? null)}`);
  if (other.length) reasons.push(`network ${spec.name} has other settings: ${other.join(", ")}`);
  return reasons;
}

function createOptions(spec: NetworkSpec): Docker.NetworkCreateOptions {
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

/**
 * Removes the network. Containers Dockyard created are disconnected first (a replaced network
 * takes them back once it exists again); any other container attached makes it refuse, naming
 * them, and nothing is changed.
 */
async function removeNetwork(docker: Docker, info: NetworkInfo, target: string): Promise<void> {
  const attached = Object.entries(info.Containers ?? {});
  const ours: string[] = [];
  const foreign: string[] = [];
  for (const [id, c] of attached) {
    const labels = await docker
      .getContainer(id)
      .inspect()
      .then((i) => i.Config.Labels ?? {})
      .catch(() => ({}) as Record<string, string>);
    (labels[MANAGED] === "true" ? ours : foreign).push(c.Name);
  }
  if (foreign.length) {
    throw new RemoteError(target, `network ${info.Name} is used by containers Dockyard does not manage (${foreign.sort().join(", ")}): disconnect them (\`docker network disconnect ${info.Name} <container>\`) and run again. Nothing was changed`, "DOCKYARD_NETWORK_IN_USE");
  }
  for (const name of ours) await docker.getNetwork(info.Id).disconnect({ Container: name, Force: true });
  await docker
    .getNetwork(info.Id)
    .remove()
    .catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 404) throw e;
    });
}

async function create(docker: Docker, inputs: NetworkInputs): Promise<NetworkOutputs> {
  const target = targetOf(inputs.connection);
  const existing = await find(docker, inputs.spec.name);
  if (existing) {
    if (existing.Labels?.[MANAGED] !== "true") {
      throw new RemoteError(target, `a network named ${inputs.spec.name} exists and was not created by Dockyard: remove or rename it, or choose another name. Nothing was changed`, "DOCKYARD_NOT_MANAGED");
    }
    // Ours, left by an interrupted run or changed by hand: kept when it matches, else made again.
    if (networkDrift(inputs.spec, undefined, existing).length === 0) return { ...inputs, networkId: existing.Id, drift: [] };
    await removeNetwork(docker, existing, target);
  }
  const net = await docker.createNetwork(createOptions(inputs.spec)).catch((e: Error & { statusCode?: number; json?: { message?: string } }) => {
    if (e.statusCode === undefined) throw e;
    throw new RemoteError(target, `creating network ${inputs.spec.name}: ${e.json?.message ?? e.message}`, "DOCKYARD_ENGINE_REFUSED");
  });
  return { ...inputs, networkId: net.id, drift: [] };
}

function unknownState(props: NetworkOutputs, e: EngineUnavailableError): NetworkOutputs {
  return { ...props, drift: [`network ${props.spec.name} cannot be checked: the Docker engine does not answer (${e.reasons.join("; ")})`] };
}

/**
 * A user-defined network on a host's engine. Read back on refresh (missing, replaced or changed
 * by hand is drift, and `up` makes it again); every setting is fixed at creation, so a change
 * replaces it.
 */
export const network = {
  async create(inputs: NetworkInputs): Promise<pulumi.dynamic.CreateResult<NetworkOutputs>> {
    const outs = await withEngine(toConnectionSpec(inputs), `creating network ${inputs.spec.name}`, (docker) => create(docker, inputs));
    return { id: `${targetOf(inputs.connection)}/network/${inputs.spec.name}`, outs };
  },

  async read(id: string, props: NetworkOutputs): Promise<pulumi.dynamic.ReadResult<NetworkOutputs>> {
    try {
      const info = await withEngine(toConnectionSpec(props), `reading network ${props.spec.name}`, (docker) => find(docker, props.spec.name));
      return { id, props: { ...props, drift: networkDrift(props.spec, props.networkId, info) } };
    } catch (e) {
      if (e instanceof EngineUnavailableError) return { id, props: unknownState(props, e) };
      throw e;
    }
  },

  async diff(_id: string, olds: NetworkOutputs, news: NetworkInputs): Promise<pulumi.dynamic.DiffResult> {
    if (containsUnknown(news.connection) || containsUnknown(news.spec)) return { changes: true };
    const connection = connectionChange(olds, news);
    if (connection === "replace") return { changes: true, replaces: ["connection"], deleteBeforeReplace: true };
    // No update endpoint for networks: another setting is another network (one name per host).
    if (!isDeepStrictEqual(olds.spec, news.spec)) return { changes: true, replaces: ["spec"], deleteBeforeReplace: true };
    if (connection === "update" || olds.drift.length > 0) return { changes: true };
    try {
      const info = await withEngine(toConnectionSpec(news), `reading network ${news.spec.name}`, (docker) => find(docker, news.spec.name));
      return { changes: networkDrift(news.spec, olds.networkId, info).length > 0 };
    } catch (e) {
      if (e instanceof EngineUnavailableError) return { changes: true };
      throw e;
    }
  },

  async update(_id: string, olds: NetworkOutputs, news: NetworkInputs): Promise<pulumi.dynamic.UpdateResult<NetworkOutputs>> {
    const outs = await withEngine(toConnectionSpec(news), `repairing network ${news.spec.name}`, async (docker) => {
      const info = await find(docker, news.spec.name);
      // Only a connection that changed: the state takes it, the network is not touched.
      if (info && networkDrift(news.spec, olds.networkId, info).length === 0) return { ...news, networkId: info.Id, drift: [] };
      return create(docker, news);
    });
    return { outs };
  },

  async delete(_id: string, props: NetworkOutputs): Promise<void> {
    const target = targetOf(props.connection);
    await withEngine(toConnectionSpec(props), `removing network ${props.spec.name}`, async (docker) => {
      const info = await find(docker, props.spec.name);
      if (info && info.Labels?.[MANAGED] === "true") await removeNetwork(docker, info, target);
    }).catch((e: unknown) => {
      if (!(e instanceof EngineUnavailableError)) throw e;
      console.error(`dockyard: ${target}: network ${props.spec.name} was left in place: the Docker engine does not answer (${e.reasons.join("; ")})`);
    });
  },
};
