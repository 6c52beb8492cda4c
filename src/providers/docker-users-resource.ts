import * as pulumi from "@pulumi/pulumi";
import { DockyardResource } from "./dockyard-resource";
import type { ConnectionInputs, Credentials } from "./connection-inputs";

export interface DockerUsersResourceArgs {
  connection: pulumi.Input<ConnectionInputs>;
  credentials: pulumi.Input<Credentials>;
  users: pulumi.Input<string[]>;
}

export class DockerUsersResource extends DockyardResource {
  declare readonly added: pulumi.Output<string[]>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(name: string, args: DockerUsersResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super("DockerUsers", name, args, opts);
  }
}
