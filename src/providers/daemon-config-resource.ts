import * as pulumi from "@pulumi/pulumi";
import type { DaemonProxy } from "../model/daemon-settings";
import type { ConnectionInputs, Credentials } from "./connection-inputs";

/** The inputs of the DaemonConfig resource (src/engine/daemon-config.ts). */
export interface DaemonConfigResourceArgs {
  connection: pulumi.Input<ConnectionInputs>;
  credentials: pulumi.Input<Credentials>;
  settings: pulumi.Input<Record<string, unknown>>;
  policy: pulumi.Input<"merge" | "replace">;
  proxy?: pulumi.Input<DaemonProxy | undefined>;
  refuseOverwriting?: string[];
}
