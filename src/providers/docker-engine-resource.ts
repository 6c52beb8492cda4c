import * as pulumi from "@pulumi/pulumi";
import type { HostFacts } from "../scripts/host-facts";
import { CREDENTIALS_PROPERTY, type ConnectionInputs, type Credentials } from "./connection-inputs";
import type { EngineSpec } from "./docker-engine";

// Loads the installed package by name; see host-facts-resource.ts.
const provider: pulumi.dynamic.ResourceProvider = {
  create: (inputs) => require("pulumi-dockyard/providers").dockerEngine.create(inputs),
  read: (id, props) => require("pulumi-dockyard/providers").dockerEngine.read(id, props),
  diff: (id, olds, news) => require("pulumi-dockyard/providers").dockerEngine.diff(id, olds, news),
  update: (id, olds, news) => require("pulumi-dockyard/providers").dockerEngine.update(id, olds, news),
  delete: (id, props) => require("pulumi-dockyard/providers").dockerEngine.delete(id, props),
};

export interface DockerEngineResourceArgs {
  connection: pulumi.Input<ConnectionInputs>;
  credentials: pulumi.Input<Credentials>;
  facts: pulumi.Input<HostFacts>;
  spec: pulumi.Input<EngineSpec>;
}

export class DockerEngineResource extends pulumi.dynamic.Resource {
  declare readonly version: pulumi.Output<string>;
  declare readonly apiVersion: pulumi.Output<string>;
  declare readonly clientVersion: pulumi.Output<string>;
  declare readonly packageVersion: pulumi.Output<string>;
  declare readonly bundleUploaded: pulumi.Output<boolean>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(name: string, args: DockerEngineResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { ...args, version: undefined, apiVersion: undefined, clientVersion: undefined, packageVersion: undefined, bundleUploaded: undefined, drift: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: [CREDENTIALS_PROPERTY] }),
      "dockyard",
      "DockerEngine",
    );
  }
}
