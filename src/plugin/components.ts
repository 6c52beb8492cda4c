// Every component the plugin serves through `construct`, by its type token: the very class a
// TypeScript program uses, built inside the plugin, and the outputs a caller in another language
// gets back. Loaded on the first construct (it brings in every component and @pulumi/aws).
import * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import { AwsHost } from "../aws/aws-host";
import { EcrRegistry } from "../aws/ecr-registry";
import { SchemaWrapper } from "../components/resource-component";
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
import { ComposeProject } from "../workload/compose-project";
import { COMPONENT_SETTINGS } from "../model/settings/index";
import { remember } from "./live";

/** What `construct` built: the resource registered under the schema's type, and the object the caller's outputs come from. */
export interface Built {
  /** The component of the schema's type (the caller's URN). */
  registered: pulumi.Resource;
  /** The object itself: a component, or the resource under the wrapper. */
  object: pulumi.Resource;
}

/** One served component: how to build it and which of its properties the caller gets. */
export interface ServedComponent {
  build(name: string, args: pulumi.Inputs, opts: pulumi.ComponentResourceOptions): Built;
  outputs: readonly string[];
}

type ComponentClass = new (name: string, args: never, opts?: pulumi.ComponentResourceOptions) => pulumi.Resource;

/** Builds `Cls` as a TypeScript program would, or inside a wrapper of the schema's type. */
function buildOf(token: string, Cls: ComponentClass): ServedComponent["build"] {
  // A class that is the one resource it manages (one registration, not two) names the schema's
  // type it is served as: a caller in another language gets it inside a component of that type,
  // so its URNs there are the ones it had when it was a component.
  if (!("schemaType" in Cls))
    return (name, args, opts) => {
      const object = new Cls(name, args as never, opts);
      return { registered: object, object };
    };
  return (name, args, opts) => {
    const wrapper = new SchemaWrapper(token, name, opts);
    // Children do not inherit `dependsOn`; protect and the providers they do.
    const object = new Cls(name, args as never, { parent: wrapper, dependsOn: opts.dependsOn });
    return { registered: wrapper, object };
  };
}

/** The token each class registers (`super("dockyard:<module>:<Kind>", ...)`) -> the class. */
const CLASSES: Record<string, ComponentClass> = {
  "dockyard:host:Host": Host,
  "dockyard:engine:DockerEngine": DockerEngine,
  "dockyard:engine:DaemonConfig": DaemonConfig,
  "dockyard:engine:DockerUsers": DockerUsers,
  "dockyard:workload:Image": Image,
  "dockyard:workload:Container": Container,
  "dockyard:workload:Network": Network,
  "dockyard:workload:Volume": Volume,
  "dockyard:workload:ComposeProject": ComposeProject,
  "dockyard:registry:Registry": Registry,
  "dockyard:swarm:Swarm": Swarm,
  "dockyard:swarm:Service": Service,
  "dockyard:rollout:RolloutGate": RolloutGate,
  "dockyard:aws:AwsHost": AwsHost,
  "dockyard:aws:EcrRegistry": EcrRegistry,
  "dockyard:fleet:Fleet": Fleet,
};

/** The outputs a component's caller gets: those its settings declare. */
function declaredOutputs(token: string): readonly string[] {
  const settings = Object.values(COMPONENT_SETTINGS).find((c) => c.token === token);
  if (!settings) throw new Error(`settings: the component ${token} is not declared in src/model/settings`);
  return Object.keys(settings.outputs);
}

/** Every component the plugin constructs, by token. */
export const COMPONENTS: Record<string, ServedComponent> = Object.fromEntries(
  Object.entries(CLASSES).map(([token, Cls]) => [
    token,
    {
      // The arguments come from another language: the component's own checks decide, as for a TS caller.
      build: buildOf(token, Cls),
      outputs: declaredOutputs(token),
    },
  ]),
);

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
  const built = served.build(name, await asDeclared(inputs), options);
  // A URN is known in a preview too.
  const urn = await new Promise<string>((resolve) => built.registered.urn.apply(resolve));
  // A reference to the wrapper passed to another component is the object itself.
  remember(urn, built.object);
  const props = built.object as unknown as Record<string, unknown>;
  const state = Object.fromEntries(served.outputs.filter((o) => props[o] !== undefined).map((o) => [o, props[o]]));
  return { urn, state };
}
