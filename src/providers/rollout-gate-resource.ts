import * as pulumi from "@pulumi/pulumi";
import { DockyardResource } from "./dockyard-resource";
import { type Credentials } from "./connection-inputs";
import type { GateTarget } from "./rollout-gate";

export interface RolloutGateResourceArgs {
  label: pulumi.Input<string>;
  changes: pulumi.Input<unknown[]>;
  targets: pulumi.Input<pulumi.Input<GateTarget>[]>;
  credentials: pulumi.Input<pulumi.Input<Credentials>[]>;
  pauseSeconds: pulumi.Input<number>;
  timeoutSeconds: pulumi.Input<number>;
}

export class RolloutGateResource extends DockyardResource {
  constructor(name: string, args: RolloutGateResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super("RolloutGate", name, args, opts);
  }
}
