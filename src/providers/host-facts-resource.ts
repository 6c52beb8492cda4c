import * as pulumi from "@pulumi/pulumi";
import { providerByName } from "./by-name";
import { gated } from "./program-gate";
import type { PreflightPolicy } from "../model/preflight";
import type { HostFacts } from "../model/host-facts";
import { CREDENTIALS_PROPERTY, type ConnectionInputs, type Credentials } from "./connection-inputs";

const provider = providerByName("hostFacts");

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
      pulumi.mergeOptions(gated(opts), { additionalSecretOutputs: [CREDENTIALS_PROPERTY] }),
      "dockyard",
      "HostFacts",
    );
  }
}
