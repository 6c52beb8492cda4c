import * as pulumi from "@pulumi/pulumi";
import { providerByName } from "./by-name";
import { gated } from "./program-gate";
import type { HostFacts } from "../model/host-facts";
import { CREDENTIALS_PROPERTY, type ConnectionInputs, type Credentials } from "./connection-inputs";
import type { EngineSpec } from "./docker-engine";

const provider = providerByName("dockerEngine");

export interface DockerEngineResourceArgs {
  connection: pulumi.Input<ConnectionInputs>;
  credentials: pulumi.Input<Credentials>;
  facts: pulumi.Input<HostFacts>;
  spec: pulumi.Input<EngineSpec>;
}

export class DockerEngineResource extends pulumi.dynamic.Resource {
  declare readonly version: pulumi.Output<string>;
  declare readonly apiVersion: pulumi.Output<string>;
  declare readonly clientVersion: pulumi.Output<string>;
  declare readonly packageVersion: pulumi.Output<string>;
  declare readonly bundleUploaded: pulumi.Output<boolean>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(name: string, args: DockerEngineResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        ...args,
        version: undefined,
        apiVersion: undefined,
        clientVersion: undefined,
        packageVersion: undefined,
        bundleUploaded: undefined,
        drift: undefined,
      },
      pulumi.mergeOptions(gated(opts), { additionalSecretOutputs: [CREDENTIALS_PROPERTY] }),
      "dockyard",
      "DockerEngine",
    );
  }
}
