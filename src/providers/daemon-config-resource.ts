import * as pulumi from "@pulumi/pulumi";
import { CREDENTIALS_PROPERTY, type ConnectionInputs, type Credentials } from "./connection-inputs";

// Loads the installed package by name; see host-facts-resource.ts.
const provider: pulumi.dynamic.ResourceProvider = {
  create: (inputs) => require("pulumi-dockyard/providers").daemonConfig.create(inputs),
  read: (id, props) => require("pulumi-dockyard/providers").daemonConfig.read(id, props),
  diff: (id, olds, news) => require("pulumi-dockyard/providers").daemonConfig.diff(id, olds, news),
  update: (id, olds, news) => require("pulumi-dockyard/providers").daemonConfig.update(id, olds, news),
  delete: (id, props) => require("pulumi-dockyard/providers").daemonConfig.delete(id, props),
};

export interface DaemonConfigResourceArgs {
  connection: pulumi.Input<ConnectionInputs>;
  credentials: pulumi.Input<Credentials>;
  settings: pulumi.Input<Record<string, unknown>>;
  policy: pulumi.Input<"merge" | "replace">;
}

export class DaemonConfigResource extends pulumi.dynamic.Resource {
  declare readonly content: pulumi.Output<Record<string, unknown>>;
  declare readonly effectiveMirrors: pulumi.Output<string[]>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(name: string, args: DaemonConfigResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { ...args, content: undefined, effectiveMirrors: undefined, drift: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: [CREDENTIALS_PROPERTY] }),
      "dockyard",
      "DaemonConfig",
    );
  }
}
