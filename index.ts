// The Pulumi program of this repository: deploys the fleet file of the selected stack,
// stacks/<stack>.yaml. `npm run up` runs it on the `local` stack (sandbox hosts started here);
// with your own stack, `pulumi up -s prod` deploys stacks/prod.yaml.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Fleet, loadFleet } from "pulumi-dockyard";

export = async () => {
  const stack = pulumi.getStack();
  const spec = loadFleet(path.join(__dirname, "stacks", `${stack}.yaml`));
  const fleet = new Fleet(stack, { spec });
  return { hosts: fleet.outputs };
};
