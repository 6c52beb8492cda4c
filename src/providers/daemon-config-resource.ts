import * as pulumi from "@pulumi/pulumi";
import type { DaemonProxy } from "../model/daemon-settings";
import { providerByName } from "./by-name";
import { gated } from "./program-gate";
import { CREDENTIALS_PROPERTY, type ConnectionInputs, type Credentials } from "./connection-inputs";

const provider = providerByName("daemonConfig");

export interface DaemonConfigResourceArgs {
  connection: pulumi.Input<ConnectionInputs>;
  credentials: pulumi.Input<Credentials>;
  settings: pulumi.Input<Record<string, unknown>>;
  policy: pulumi.Input<"merge" | "replace">;
  proxy?: pulumi.Input<DaemonProxy | undefined>;
  refuseOverwriting?: string[];
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
      pulumi.mergeOptions(gated(opts), { additionalSecretOutputs: [CREDENTIALS_PROPERTY, "proxy"] }),
      "dockyard",
      "DaemonConfig",
    );
  }
}
