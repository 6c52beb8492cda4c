import * as pulumi from "@pulumi/pulumi";
import { DockyardResource } from "./dockyard-resource";

/** An ed25519 key pair made once and kept in the state; `privateKey` is stored as a secret. */
export class SshKeyPairResource extends DockyardResource {
  declare readonly publicKey: pulumi.Output<string>;
  declare readonly privateKey: pulumi.Output<string>;

  constructor(name: string, args: { comment: string }, opts?: pulumi.CustomResourceOptions) {
    super("SshKeyPair", name, { algorithm: "ed25519", comment: args.comment }, opts);
  }
}
