import * as pulumi from "@pulumi/pulumi";
import { providerByName } from "./by-name";
import { gated } from "./program-gate";

/** A registry's htpasswd file, made once per password (see ./htpasswd); its content is a secret output. */
export class HtpasswdResource extends pulumi.dynamic.Resource {
  declare readonly content: pulumi.Output<string>;
  declare readonly usernames: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: { users: pulumi.Input<{ username: pulumi.Input<string>; password: pulumi.Input<string> }[]> },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      providerByName("htpasswd"),
      name,
      // The passwords are a secret in the state's inputs whether or not the caller made them one.
      { users: pulumi.secret(pulumi.output(args.users)), content: undefined, usernames: undefined },
      pulumi.mergeOptions(gated(opts), { additionalSecretOutputs: ["content"] }),
      "dockyard",
      "Htpasswd",
    );
  }
}
