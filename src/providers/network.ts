import type * as pulumi from "@pulumi/pulumi";
import type Docker from "dockerode";
import { targetOf } from "../remote/connection-spec";
import { withEngine } from "../remote/docker-api";
import { EngineUnavailableError, RemoteError } from "../remote/errors";
import { MANAGED } from "../model/labels";
import {
  type NetworkInfo,
  type NetworkPlan,
  type NetworkSpec,
  networkChange,
  networkCreateOptions,
  networkDrift,
  planNetworkCreate,
  planNetworkRemoval,
  planNetworkUpdate,
} from "../plan/network";
import { type Refusal, isRefusal } from "../plan/refusal";
import { type ConnectedInputs, connectionChange, containsUnknown, toConnectionSpec } from "./connection-inputs";
import { notice } from "./notices";

export interface NetworkInputs extends ConnectedInputs {
  spec: NetworkSpec;
}

export interface NetworkOutputs extends NetworkInputs {
  networkId: string;
  drift: string[];
}

async function find(docker: Docker, name: string): Promise<NetworkInfo | undefined> {
  try {
    return (await docker.getNetwork(name).inspect()) as NetworkInfo;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

/** Removes the network, disconnecting our containers first (planNetworkRemoval). */
async function removeNetwork(docker: Docker, info: NetworkInfo, target: string): Promise<void> {
  const attached: { name: string; managed: boolean }[] = [];
  for (const [id, c] of Object.entries(info.Containers ?? {})) {
    const labels = await docker
      .getContainer(id)
      .inspect()
      .then((i) => i.Config.Labels ?? {})
      .catch(() => ({}) as Record<string, string>);
    attached.push({ name: c.Name, managed: labels[MANAGED] === "true" });
  }
  const plan = planNetworkRemoval(info, attached);
  if (isRefusal(plan)) throw new RemoteError(target, plan.message, plan.code);
  for (const name of plan.disconnect) await docker.getNetwork(info.Id).disconnect({ Container: name, Force: true });
  await docker
    .getNetwork(info.Id)
    .remove()
    .catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 404) throw e;
    });
}

/** Runs a create or update plan: the network kept, or made (after removing ours that differs). */
async function apply(docker: Docker, inputs: NetworkInputs, plan: NetworkPlan | Refusal): Promise<NetworkOutputs> {
  const target = targetOf(inputs.connection);
  if (isRefusal(plan)) throw new RemoteError(target, plan.message, plan.code);
  if (plan.kind === "keep") return { ...inputs, networkId: plan.networkId, drift: [] };
  if (plan.remove) await removeNetwork(docker, plan.remove, target);
  const net = await docker
    .createNetwork(networkCreateOptions(inputs.spec))
    .catch((e: Error & { statusCode?: number; json?: { message?: string } }) => {
      if (e.statusCode === undefined) throw e;
      throw new RemoteError(target, `creating network ${inputs.spec.name}: ${e.json?.message ?? e.message}`, "DOCKYARD_ENGINE_REFUSED");
    });
  return { ...inputs, networkId: net.id, drift: [] };
}

async function create(docker: Docker, inputs: NetworkInputs): Promise<NetworkOutputs> {
  return apply(docker, inputs, planNetworkCreate(inputs.spec, await find(docker, inputs.spec.name)));
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
      const info = await withEngine(toConnectionSpec(props), `reading network ${props.spec.name}`, (docker) =>
        find(docker, props.spec.name),
      );
      return { id, props: { ...props, drift: networkDrift(props.spec, props.networkId, info) } };
    } catch (e) {
      if (e instanceof EngineUnavailableError) return { id, props: unknownState(props, e) };
      throw e;
    }
  },

  async diff(_id: string, olds: NetworkOutputs, news: NetworkInputs): Promise<pulumi.dynamic.DiffResult> {
    if (containsUnknown(news.connection) || containsUnknown(news.spec)) return { changes: true };
    // No update endpoint for networks: another setting is another network (one name per host).
    const change = networkChange(olds, news, connectionChange(olds, news));
    if (change !== "probe") return change;
    try {
      const info = await withEngine(toConnectionSpec(news), `reading network ${news.spec.name}`, (docker) => find(docker, news.spec.name));
      return { changes: networkDrift(news.spec, olds.networkId, info).length > 0 };
    } catch (e) {
      if (e instanceof EngineUnavailableError) return { changes: true };
      throw e;
    }
  },

  async update(_id: string, olds: NetworkOutputs, news: NetworkInputs): Promise<pulumi.dynamic.UpdateResult<NetworkOutputs>> {
    const outs = await withEngine(toConnectionSpec(news), `repairing network ${news.spec.name}`, async (docker) =>
      apply(docker, news, planNetworkUpdate(news.spec, olds.networkId, await find(docker, news.spec.name))),
    );
    return { outs };
  },

  async delete(_id: string, props: NetworkOutputs): Promise<void> {
    const target = targetOf(props.connection);
    await withEngine(toConnectionSpec(props), `removing network ${props.spec.name}`, async (docker) => {
      const info = await find(docker, props.spec.name);
      // Ours, or the one the state holds (imported): Pulumi deletes what it took over.
      if (info && (info.Labels?.[MANAGED] === "true" || info.Id === props.networkId)) await removeNetwork(docker, info, target);
    }).catch((e: unknown) => {
      if (!(e instanceof EngineUnavailableError)) throw e;
      notice(`${target}: network ${props.spec.name} was left in place: the Docker engine does not answer (${e.reasons.join("; ")})`);
    });
  },
};
