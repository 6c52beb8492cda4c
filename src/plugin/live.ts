// The components this plugin process has built through `construct`, by URN, so a component
// passed to another (a Host to a DockerEngine, an Engine to a Container) arrives as the very
// object built earlier, not as a bare URN. The engine runs one plugin process per Pulumi command
// and every construct of the command in it (all components carry the plugin's version), and a
// program can only pass a component whose construct has returned, so the object is there.
// Kept apart from the component table (src/plugin/components.ts), which loads every component
// and @pulumi/aws: the resource modules register at start, the table loads on the first construct.
import type * as pulumi from "@pulumi/pulumi";
// The runtime's own module, not the package index, which the resource bundle leaves out (start time).
import { registerResourceModule } from "@pulumi/pulumi/runtime/rpc";
import { PACKAGE } from "../providers/kinds";
import { PACKAGE_VERSION } from "../providers/package-version";

/** The modules of the component tokens (`dockyard:<module>:<Kind>`). */
export const COMPONENT_MODULES = ["host", "engine", "workload", "registry", "swarm", "rollout", "aws", "fleet"] as const;

const built = new Map<string, pulumi.Resource>();

/** Records a component built by `construct` under its URN. */
export function remember(urn: string, component: pulumi.Resource): void {
  built.set(urn, component);
}

/** The component built under `urn`; an error naming it when this process built none. */
export function builtComponent(name: string, type: string, urn: string): pulumi.Resource {
  const found = built.get(urn);
  if (found) return found;
  throw new Error(
    `${type} ${name} was passed to a Dockyard component, but it was not made by the dockyard plugin in this run: ` +
      `pass a component created in the same program through the plugin (a remote component of type ${type})`,
  );
}

/** Resource modules for every component module: a reference to a component resolves to the built object. */
export function registerComponentModules(): void {
  for (const mod of COMPONENT_MODULES) {
    registerResourceModule(PACKAGE, mod, { version: PACKAGE_VERSION, construct: builtComponent });
  }
}
