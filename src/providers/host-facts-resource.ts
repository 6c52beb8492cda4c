import * as pulumi from "@pulumi/pulumi";
import type { PreflightPolicy } from "../model/preflight";
import type { ConnectionInputs, Credentials } from "./connection-inputs";

/** The inputs of the resource a Host is (src/host/host.ts): the facts of one machine, read over SSH on create, on every `up` (diff) and on refresh. */
export interface HostFactsResourceArgs {
  connection: pulumi.Input<ConnectionInputs>;
  credentials: pulumi.Input<Credentials>;
  preflight?: pulumi.Input<PreflightPolicy>;
}
