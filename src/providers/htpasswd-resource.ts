import * as pulumi from "@pulumi/pulumi";
import { DockyardResource } from "./dockyard-resource";

/** A registry's htpasswd file, made once per password (see ./htpasswd); its content is a secret output. */
export class HtpasswdResource extends DockyardResource {
  declare readonly content: pulumi.Output<string>;
  declare readonly usernames: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: { users: pulumi.Input<{ username: pulumi.Input<string>; password: pulumi.Input<string> }[]> },
    opts?: pulumi.CustomResourceOptions,
  ) {
    // The passwords are a secret in the state's inputs whether or not the caller made them one.
    super("Htpasswd", name, { users: pulumi.secret(pulumi.output(args.users)) }, opts);
  }
}
