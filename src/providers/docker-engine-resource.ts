import * as pulumi from "@pulumi/pulumi";
import { DockyardResource } from "./dockyard-resource";
import type { HostFacts } from "../model/host-facts";
import type { ConnectionInputs, Credentials } from "./connection-inputs";
import type { EngineSpec, InitialDaemon } from "../plan/docker-engine";

export interface DockerEngineResourceArgs {
  connection: pulumi.Input<ConnectionInputs>;
  credentials: pulumi.Input<Credentials>;
  facts: pulumi.Input<HostFacts>;
  spec: pulumi.Input<EngineSpec>;
  /** Settings a fresh engine starts with (its DaemonConfig's); not compared. */
  daemon?: pulumi.Input<InitialDaemon | undefined>;
}

export class DockerEngineResource extends DockyardResource {
  declare readonly version: pulumi.Output<string>;
  declare readonly apiVersion: pulumi.Output<string>;
  declare readonly clientVersion: pulumi.Output<string>;
  declare readonly packageVersion: pulumi.Output<string>;
  declare readonly bundleUploaded: pulumi.Output<boolean>;
  declare readonly composeVersion: pulumi.Output<string>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(name: string, args: DockerEngineResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super("DockerEngine", name, args, opts);
  }
}
