import * as pulumi from "@pulumi/pulumi";
import type { DaemonProxy } from "../model/daemon-settings";
import { DockyardResource } from "./dockyard-resource";
import type { ConnectionInputs, Credentials } from "./connection-inputs";

export interface DaemonConfigResourceArgs {
  connection: pulumi.Input<ConnectionInputs>;
  credentials: pulumi.Input<Credentials>;
  settings: pulumi.Input<Record<string, unknown>>;
  policy: pulumi.Input<"merge" | "replace">;
  proxy?: pulumi.Input<DaemonProxy | undefined>;
  refuseOverwriting?: string[];
}

export class DaemonConfigResource extends DockyardResource {
  declare readonly content: pulumi.Output<Record<string, unknown>>;
  declare readonly effectiveMirrors: pulumi.Output<string[]>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(name: string, args: DaemonConfigResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super("DaemonConfig", name, args, opts);
  }
}
