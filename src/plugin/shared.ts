// What main.js lends the component bundle (plugin/components.js, loaded on the first construct):
// one copy per process of @pulumi/pulumi, whose runtime state and protobuf classes the engine's
// connection is made of (a request built from a second copy's classes fails to serialize), and of
// the table of built components. scripts/build-plugin.ts points the component bundle's imports of
// these at this table, and fails the build on an import of the SDK missing from it.
/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-return -- each module loads when first borrowed, untyped: the component bundle types its own imports */

/** The lent modules by the specifier the component sources import them with. */
export const SHARED_MODULES: Record<string, () => unknown> = {
  "@pulumi/pulumi": () => require("@pulumi/pulumi"),
  "@pulumi/pulumi/runtime": () => require("@pulumi/pulumi/runtime"),
  "@pulumi/pulumi/provider": () => require("@pulumi/pulumi/provider"),
  "@pulumi/pulumi/errors": () => require("@pulumi/pulumi/errors"),
  "@pulumi/pulumi/runtime/rpc": () => require("@pulumi/pulumi/runtime/rpc"),
  "./live": () => require("./live"),
};

/** The global the component bundle finds the lent modules under. */
export const SHARED_KEY = "pulumi-dockyard.plugin.shared";

/** Lends the modules; main.js does this at start. */
export function lendModules(): void {
  (globalThis as Record<symbol, unknown>)[Symbol.for(SHARED_KEY)] = (id: string): unknown => {
    const load = SHARED_MODULES[id];
    if (!load) throw new Error(`The dockyard plugin's main.js lends no module "${id}"`);
    return load();
  };
}
