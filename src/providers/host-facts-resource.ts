import * as pulumi from "@pulumi/pulumi";
import type { PreflightPolicy } from "../host/preflight";
import type { HostFacts } from "../scripts/host-facts";
import { CREDENTIALS_PROPERTY, type ConnectionInputs, type Credentials } from "./connection-inputs";

/*
 * The provider object is serialized into the state. Its methods only load the installed package
 * by name, so the state holds a few lines instead of a copy of our code and of ssh2.
 */
const provider: pulumi.dynamic.ResourceProvider = {
  create: (inputs) => require("pulumi-dockyard/providers").hostFacts.create(inputs),
  read: (id, props) => require("pulumi-dockyard/providers").hostFacts.read(id, props),
  diff: (id, olds, news) => require("pulumi-dockyard/providers").hostFacts.diff(id, olds, news),
  update: (id, olds, news) => require("pulumi-dockyard/providers").hostFacts.update(id, olds, news),
  delete: (id, props) => require("pulumi-dockyard/providers").hostFacts.delete(id, props),
};

export interface HostFactsResourceArgs {
  connection: pulumi.Input<ConnectionInputs>;
  credentials: pulumi.Input<Credentials>;
  preflight?: pulumi.Input<PreflightPolicy>;
}

/** The facts of one machine, read over SSH on create, on every `up` (diff) and on refresh. */
export class HostFactsResource extends pulumi.dynamic.Resource {
  declare readonly facts: pulumi.Output<HostFacts>;
  declare readonly connection: pulumi.Output<ConnectionInputs>;

  constructor(name: string, args: HostFactsResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { ...args, facts: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: [CREDENTIALS_PROPERTY] }),
      "dockyard",
      "HostFacts",
    );
  }
}
