import * as pulumi from "@pulumi/pulumi";
import { providerByName } from "./by-name";
import { gated } from "./program-gate";

/** The SSH host key an EC2 instance reported on its serial console at first boot (see ./reported-host-key). */
export class ReportedHostKeyResource extends pulumi.dynamic.Resource {
  declare readonly publicKey: pulumi.Output<string>;

  constructor(
    name: string,
    args: { instanceId: pulumi.Input<string>; region: pulumi.Input<string>; profile?: pulumi.Input<string>; timeoutSeconds: number },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(providerByName("reportedHostKey"), name, { ...args, publicKey: undefined }, gated(opts), "dockyard", "ReportedHostKey");
  }
}
