// Every component the plugin serves through `construct`, by its type token: the very class a
// TypeScript program uses, built inside the plugin, and the outputs a caller in another language
// gets back. Loaded on the first construct (it brings in every component and @pulumi/aws).
import * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import { AwsHost } from "../aws/aws-host";
import { EcrRegistry } from "../aws/ecr-registry";
import type { DockyardComponent } from "../components/base";
import { DaemonConfig } from "../engine/daemon-config";
import { DockerEngine } from "../engine/docker-engine";
import { DockerUsers } from "../engine/docker-users";
import { Fleet } from "../fleet/fleet";
import { Host } from "../host/host";
import { Registry } from "../registry/registry";
import { RolloutGate } from "../rollout/rollout-gate";
import { Service } from "../swarm/service";
import { Swarm } from "../swarm/swarm";
import { Container } from "../workload/container";
import { Image } from "../workload/image";
import { Network } from "../workload/network";
import { Volume } from "../workload/volume";
import { remember } from "./live";

/** One served component: how to build it and which of its properties the caller gets. */
export interface ServedComponent {
  build(name: string, args: pulumi.Inputs, opts: pulumi.ComponentResourceOptions): DockyardComponent;
  outputs: readonly string[];
}

/** A class's entry: its own constructor, and output names the compiler checks against it. */
function served<C extends DockyardComponent, A>(
  Cls: new (name: string, args: A, opts?: pulumi.ComponentResourceOptions) => C,
  outputs: readonly (keyof C & string)[],
): ServedComponent {
  // The arguments come from another language: the component's own checks decide, as for a TS caller.
  return { build: (name, args, opts) => new Cls(name, args as A, opts), outputs };
}

/** The token each class registers (`super("dockyard:<module>:<Kind>", ...)`) -> the class. */
export const COMPONENTS: Record<string, ServedComponent> = {
  "dockyard:host:Host": served(Host, ["facts", "connection"]),
  "dockyard:engine:DockerEngine": served(DockerEngine, ["version", "apiVersion", "packageVersion", "bundleUploaded", "drift"]),
  "dockyard:engine:DaemonConfig": served(DaemonConfig, ["effectiveMirrors", "content", "drift"]),
  "dockyard:engine:DockerUsers": served(DockerUsers, ["added", "drift"]),
  "dockyard:workload:Image": served(Image, ["digest", "repoDigest", "ref", "drift"]),
  "dockyard:workload:Container": served(Container, ["containerName", "state", "containerId", "drift"]),
  "dockyard:workload:Network": served(Network, ["networkName", "networkId", "drift"]),
  "dockyard:workload:Volume": served(Volume, ["volumeName", "mountpoint", "drift"]),
  "dockyard:registry:Registry": served(Registry, ["endpoint", "caCertificate", "container"]),
  "dockyard:swarm:Swarm": served(Swarm, ["managers", "workers", "joinTokens", "clusterId", "drift"]),
  "dockyard:swarm:Service": served(Service, ["serviceId", "replicas", "image", "drift"]),
  "dockyard:rollout:RolloutGate": served(RolloutGate, []),
  "dockyard:aws:AwsHost": served(AwsHost, [
    "host",
    "address",
    "publicIp",
    "privateIp",
    "instanceId",
    "amiId",
    "user",
    "hostKey",
    "privateKey",
  ]),
  "dockyard:aws:EcrRegistry": served(EcrRegistry, ["endpoint", "repositoryUrl", "registryId", "credentials"]),
  "dockyard:fleet:Fleet": served(Fleet, ["outputs", "rolloutBatches"]),
};

/** True when a value holds a resource (a component passed inside a list or an object). */
function holdsResource(v: unknown): boolean {
  if (pulumi.Resource.isInstance(v)) return true;
  if (Array.isArray(v)) return v.some(holdsResource);
  if (typeof v === "object" && v !== null && !pulumi.Output.isInstance(v)) return Object.values(v).some(holdsResource);
  return false;
}

interface OutputInternals {
  isKnown: Promise<boolean>;
  isSecret: Promise<boolean>;
  promise(): Promise<unknown>;
}

/**
 * The arguments as a TypeScript caller gives them. The server wraps an argument with
 * dependencies in an Output unless it is one resource; a list or object of components (a swarm's
 * nodes, a gate's `after`) is unwrapped again, since the components take those as they are (each
 * component carries its own dependencies). Secrets and unknown values stay Outputs.
 */
export async function asDeclared(inputs: pulumi.Inputs): Promise<pulumi.Inputs> {
  const out: pulumi.Inputs = { ...inputs };
  for (const [k, v] of Object.entries(inputs)) {
    if (!pulumi.Output.isInstance(v)) continue;
    const o = v as unknown as OutputInternals;
    if (!(await o.isKnown) || (await o.isSecret)) continue;
    const value = await o.promise();
    if (holdsResource(value)) out[k] = value as pulumi.Input<unknown>;
  }
  return out;
}

/**
 * `construct`: builds the component of `type` as a TypeScript program would (its argument checks
 * throw `InputPropertyError`s naming the field, which the provider server returns as such), and
 * answers its URN and outputs. Secrets among the arguments arrive as secret Outputs and stay so.
 */
export async function constructComponent(
  name: string,
  type: string,
  inputs: pulumi.Inputs,
  options: pulumi.ComponentResourceOptions,
): Promise<provider.ConstructResult> {
  const served = Object.hasOwn(COMPONENTS, type) ? COMPONENTS[type] : undefined;
  if (!served) {
    throw new Error(`The dockyard plugin constructs no component "${type}" (it constructs ${Object.keys(COMPONENTS).join(", ")})`);
  }
  const component = served.build(name, await asDeclared(inputs), options);
  // A URN is known in a preview too.
  const urn = await new Promise<string>((resolve) => component.urn.apply(resolve));
  remember(urn, component);
  const props = component as unknown as Record<string, unknown>;
  const state = Object.fromEntries(served.outputs.filter((o) => props[o] !== undefined).map((o) => [o, props[o]]));
  return { urn, state };
}
