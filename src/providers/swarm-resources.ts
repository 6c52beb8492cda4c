import * as pulumi from "@pulumi/pulumi";
import { providerByName } from "./by-name";
import { gated } from "./program-gate";
import { CREDENTIALS_PROPERTY, type ConnectionInputs, type Credentials } from "./connection-inputs";
import type { SwarmMember, SwarmNodeSpec } from "./swarm";
import type { ServiceSpec } from "./service";
import type { RegistryAuth } from "./image";

export class SwarmResource extends pulumi.dynamic.Resource {
  declare readonly clusterId: pulumi.Output<string>;
  declare readonly members: pulumi.Output<SwarmMember[]>;
  declare readonly joinTokens: pulumi.Output<{ worker: string; manager: string }>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: {
      nodes: pulumi.Input<SwarmNodeSpec[]>;
      credentials: pulumi.Input<Credentials[]>;
      defaultAddrPool?: string[];
      subnetSize?: number;
    },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      providerByName("swarm"),
      name,
      { ...args, clusterId: undefined, members: undefined, joinTokens: undefined, drift: undefined },
      // Join tokens let any machine into the cluster: stored as secrets, like the keys.
      pulumi.mergeOptions(gated(opts), { additionalSecretOutputs: [CREDENTIALS_PROPERTY, "joinTokens"] }),
      "dockyard",
      "Swarm",
    );
  }
}

export class ServiceResource extends pulumi.dynamic.Resource {
  declare readonly serviceId: pulumi.Output<string>;
  declare readonly runningTasks: pulumi.Output<number>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: {
      connection: pulumi.Input<ConnectionInputs>;
      credentials: pulumi.Input<Credentials>;
      spec: pulumi.Input<ServiceSpec>;
      env: pulumi.Input<Record<string, string>>;
      registryAuth?: pulumi.Input<RegistryAuth>;
    },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      providerByName("service"),
      name,
      { ...args, serviceId: undefined, runningTasks: undefined, drift: undefined },
      pulumi.mergeOptions(gated(opts), { additionalSecretOutputs: [CREDENTIALS_PROPERTY, "env", "registryAuth"] }),
      "dockyard",
      "Service",
    );
  }
}
