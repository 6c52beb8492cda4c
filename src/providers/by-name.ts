import type * as pulumi from "@pulumi/pulumi";

/**
 * The provider object a dynamic resource serializes into the state. Its methods only load the
 * installed package by name (`pulumi-dockyard/providers`) and call the named implementation, so
 * the state holds a few lines instead of a copy of our code and of ssh2, and a newer Dockyard
 * serves resources that an older one created.
 */
export function providerByName(exportName: string): pulumi.dynamic.ResourceProvider {
  return {
    create: (inputs) => require("pulumi-dockyard/providers")[exportName].create(inputs),
    read: (id, props) => require("pulumi-dockyard/providers")[exportName].read(id, props),
    diff: (id, olds, news) => require("pulumi-dockyard/providers")[exportName].diff(id, olds, news),
    update: (id, olds, news) => require("pulumi-dockyard/providers")[exportName].update(id, olds, news),
    delete: (id, props) => require("pulumi-dockyard/providers")[exportName].delete(id, props),
  };
}
