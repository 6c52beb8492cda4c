import * as pulumi from "@pulumi/pulumi";
import { DockyardResource } from "./dockyard-resource";
import type { PreflightPolicy } from "../model/preflight";
import type { HostFacts } from "../model/host-facts";
import type { ConnectionInputs, Credentials } from "./connection-inputs";

export interface HostFactsResourceArgs {
  connection: pulumi.Input<ConnectionInputs>;
  credentials: pulumi.Input<Credentials>;
  preflight?: pulumi.Input<PreflightPolicy>;
}

/** The facts of one machine, read over SSH on create, on every `up` (diff) and on refresh. */
export class HostFactsResource extends DockyardResource {
  declare readonly facts: pulumi.Output<HostFacts>;
  declare readonly connection: pulumi.Output<ConnectionInputs>;

  constructor(name: string, args: HostFactsResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super("HostFacts", name, args, opts);
  }
}
