import * as pulumi from "@pulumi/pulumi";
import { DockyardResource } from "./dockyard-resource";

/** The SSH host key an EC2 instance reported on its serial console at first boot (see ./reported-host-key). */
export class ReportedHostKeyResource extends DockyardResource {
  declare readonly publicKey: pulumi.Output<string>;

  constructor(
    name: string,
    args: { instanceId: pulumi.Input<string>; region: pulumi.Input<string>; profile?: pulumi.Input<string>; timeoutSeconds: number },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super("ReportedHostKey", name, args, opts);
  }
}
