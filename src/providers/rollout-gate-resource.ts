import * as pulumi from "@pulumi/pulumi";
import { providerByName } from "./by-name";
import { gated } from "./program-gate";
import { CREDENTIALS_PROPERTY, type Credentials } from "./connection-inputs";
import type { GateTarget } from "./rollout-gate";

const provider = providerByName("rolloutGate");

export interface RolloutGateResourceArgs {
  label: pulumi.Input<string>;
  changes: pulumi.Input<unknown[]>;
  targets: pulumi.Input<pulumi.Input<GateTarget>[]>;
  credentials: pulumi.Input<pulumi.Input<Credentials>[]>;
  pauseSeconds: pulumi.Input<number>;
  timeoutSeconds: pulumi.Input<number>;
}

export class RolloutGateResource extends pulumi.dynamic.Resource {
  constructor(name: string, args: RolloutGateResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { ...args },
      pulumi.mergeOptions(gated(opts), { additionalSecretOutputs: [CREDENTIALS_PROPERTY] }),
      "dockyard",
      "RolloutGate",
    );
  }
}
