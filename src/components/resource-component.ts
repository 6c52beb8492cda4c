import * as pulumi from "@pulumi/pulumi";
import { dynamicTypeOf, type Kind } from "../providers/kinds";
import { programGate } from "./program-gate";

/**
 * The component type a class that is the resource it manages is served as in the schema (other
 * languages construct it through the plugin, which wraps the resource in it: `SchemaWrapper`).
 * Until 0.4.0 these classes were components of that type around one resource named
 * `<name><legacySuffix>`, which is where a stack made before keeps them.
 */
export interface ResourceComponentType {
  /** The schema's component token, e.g. `dockyard:workload:Image`. */
  token: string;
  /** The resource kind the class registers. */
  kind: Kind;
  /** The old child's name after the component's, e.g. `-image`. */
  legacySuffix: string;
}

/**
 * The component the plugin wraps such a resource in for a caller in another language, so the
 * resource keeps the URN it had under the component of the schema's type.
 */
export class SchemaWrapper extends pulumi.ComponentResource {
  constructor(token: string, name: string, opts?: pulumi.ComponentResourceOptions) {
    super(token, name, {}, opts);
    // Its outputs are the resource's; the wrapper itself has none.
    this.registerOutputs({});
  }
}

/** A `dependsOn` option as a list (it may be one resource, a list, or a promise of either). */
export function dependsOnList(given: pulumi.ResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
  if (given === undefined) return [];
  return Array.isArray(given) ? [...given] : [given as pulumi.Input<pulumi.Resource>];
}

/**
 * The options of a class that is the resource it manages (Host, DaemonConfig, Image, Container:
 * one registration where a component and its resource were two). It waits for `own`, the
 * caller's `dependsOn` and the program gate, as a component's children do (DockyardComponent),
 * and it is found where a stack made before 0.4.0 keeps it: the old child resource under the old
 * component (and 0.3.0's dynamic resource there). Under the plugin's wrapper the parent is the
 * same as before, only the name changed.
 */
export function resourceComponentOptions(
  type: ResourceComponentType,
  name: string,
  opts: pulumi.ComponentResourceOptions | undefined,
  own: pulumi.Input<pulumi.Resource>[],
): pulumi.CustomResourceOptions {
  // A component's `providers` map has no meaning for one resource; `provider` is honoured.
  const { providers: _providers, dependsOn, aliases, ...rest } = opts ?? {};
  const legacyName = `${name}${type.legacySuffix}`;
  const wrapped = opts?.parent instanceof SchemaWrapper;
  const legacyParent = wrapped ? {} : { parent: pulumi.createUrn(name, type.token, opts?.parent) };
  // The gate resolves to no resources; gatherExplicitDependencies flattens the promise.
  const gate = programGate() as unknown as pulumi.Input<pulumi.Resource>;
  return {
    ...rest,
    dependsOn: [...own, ...dependsOnList(dependsOn), gate],
    aliases: [
      ...(aliases ?? []),
      { name: legacyName, ...legacyParent },
      { name: legacyName, type: dynamicTypeOf(type.kind), ...legacyParent },
    ],
  };
}

/** Logs a message on a resource once it has registered (see DockyardComponent.notice). */
export function noticeOn(resource: pulumi.Resource, severity: "info" | "warn", message: string): void {
  resource.urn.apply(() => void pulumi.log[severity](message, resource));
}
