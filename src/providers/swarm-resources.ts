import * as pulumi from "@pulumi/pulumi";
import { DockyardResource } from "./dockyard-resource";
import type { ConnectionInputs, Credentials } from "./connection-inputs";
import type { SwarmMember, SwarmNodeSpec } from "./swarm";
import type { ServiceSpec } from "../model/service-spec";
import type { RegistryAuth } from "./image";

export class SwarmResource extends DockyardResource {
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
    super("Swarm", name, args, opts);
  }
}

export class ServiceResource extends DockyardResource {
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
    super("Service", name, args, opts);
  }
}
