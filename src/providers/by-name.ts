import type * as pulumi from "@pulumi/pulumi";
import type * as providers from "./index";

/** The name a provider is registered under: an export of `pulumi-dockyard/providers`. */
export type ProviderName = keyof typeof providers;

/**
 * The provider object a dynamic resource serializes into the state. Its methods only load the
 * installed package by name (`pulumi-dockyard/providers`) and call the named implementation, so
 * the state holds a few lines instead of a copy of our code and of ssh2, and a newer Dockyard
 * serves resources that an older one created. The name is typed (a typo fails to compile); the
 * import above is of types only, so nothing more is serialized.
 */
export function providerByName(exportName: ProviderName): pulumi.dynamic.ResourceProvider {
  /* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
     loaded by name in the provider host when called: the serialized methods hold only this */
  return {
    check: (olds, news) => require("pulumi-dockyard/providers")[exportName].check(olds, news),
    create: (inputs) => require("pulumi-dockyard/providers")[exportName].create(inputs),
    read: (id, props) => require("pulumi-dockyard/providers")[exportName].read(id, props),
    diff: (id, olds, news) => require("pulumi-dockyard/providers")[exportName].diff(id, olds, news),
    update: (id, olds, news) => require("pulumi-dockyard/providers")[exportName].update(id, olds, news),
    delete: (id, props) => require("pulumi-dockyard/providers")[exportName].delete(id, props),
  };
  /* eslint-enable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return */
}
