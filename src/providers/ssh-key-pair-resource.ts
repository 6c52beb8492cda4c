import * as pulumi from "@pulumi/pulumi";
import { providerByName } from "./by-name";
import { gated } from "./program-gate";

/** An ed25519 key pair made once and kept in the state; `privateKey` is stored as a secret. */
export class SshKeyPairResource extends pulumi.dynamic.Resource {
  declare readonly publicKey: pulumi.Output<string>;
  declare readonly privateKey: pulumi.Output<string>;

  constructor(name: string, args: { comment: string }, opts?: pulumi.CustomResourceOptions) {
    super(
      providerByName("sshKeyPair"),
      name,
      { algorithm: "ed25519", comment: args.comment, publicKey: undefined, privateKey: undefined },
      pulumi.mergeOptions(gated(opts), { additionalSecretOutputs: ["privateKey"] }),
      "dockyard",
      "SshKeyPair",
    );
  }
}
