import type * as pulumi from "@pulumi/pulumi";
import { DockyardResource } from "./dockyard-resource";
import type { ConnectionInputs, Credentials } from "./connection-inputs";
import type { ComposeServiceState, ComposeSpec } from "../plan/compose";

export interface ComposeProjectResourceArgs {
  connection: pulumi.Input<ConnectionInputs>;
  credentials: pulumi.Input<Credentials>;
  spec: pulumi.Input<ComposeSpec>;
  /** The .env text: a secret (kinds.ts marks it so in state). */
  env: pulumi.Input<string>;
}

export class ComposeProjectResource extends DockyardResource {
  declare readonly services: pulumi.Output<Record<string, ComposeServiceState>>;
  declare readonly composeVersion: pulumi.Output<string>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(name: string, args: ComposeProjectResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super("ComposeProject", name, args, opts);
  }
}
