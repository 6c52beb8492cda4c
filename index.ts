// The Pulumi program of this repository (Pulumi.yaml's `main`): deploys the fleet file of the
// selected stack, stacks/<stack>.yaml, or the file that the stack's `dockyard:fleetFile` config
// names (relative to this directory). `npm run up` runs it on the `local` stack (sandbox hosts
// started here); with your own stack, `pulumi up -s prod` deploys stacks/prod.yaml.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Fleet, loadFleet } from "pulumi-dockyard";

export = async () => {
  const stack = pulumi.getStack();
  const file = new pulumi.Config("dockyard").get("fleetFile") ?? path.join("stacks", `${stack}.yaml`);
  const spec = loadFleet(path.resolve(__dirname, file));
  const fleet = new Fleet(stack, { spec });
  return { hosts: fleet.outputs };
};
