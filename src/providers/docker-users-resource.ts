import * as pulumi from "@pulumi/pulumi";
import { providerByName } from "./by-name";
import { gated } from "./program-gate";
import { CREDENTIALS_PROPERTY, type ConnectionInputs, type Credentials } from "./connection-inputs";

const provider = providerByName("dockerUsers");

export interface DockerUsersResourceArgs {
  connection: pulumi.Input<ConnectionInputs>;
  credentials: pulumi.Input<Credentials>;
  users: pulumi.Input<string[]>;
}

export class DockerUsersResource extends pulumi.dynamic.Resource {
  declare readonly added: pulumi.Output<string[]>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(name: string, args: DockerUsersResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { ...args, added: undefined, drift: undefined },
      pulumi.mergeOptions(gated(opts), { additionalSecretOutputs: [CREDENTIALS_PROPERTY] }),
      "dockyard",
      "DockerUsers",
    );
  }
}
