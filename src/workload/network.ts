import { isHostValue } from "../model/host-values";
import { checkPlainMap } from "../model/map-values";
import * as pulumi from "@pulumi/pulumi";
import { DockyardComponent } from "../components/base";
import type { DockerEngine } from "../engine/docker-engine";
import { invalid } from "../model/input-error";
import type { NetworkSpec } from "../plan/network";
import { NetworkResource } from "../providers/workload-resources";
import { cidrProblem, gatewayProblem } from "../model/cidr";

export interface NetworkArgs {
  /**
   * The engine the network is made on.
   * @example engine
   */
  engine: DockerEngine;
  /**
   * Network name on the host; containers reach each other by name and alias on it.
   * @example "shop"
   */
  name: string;
  /**
   * Network driver.
   * @default "bridge"
   * @example "macvlan"
   */
  driver?: string;
  /**
   * IPv4 subnet in CIDR form.
   * @default one the engine picks from its address pools
   * @example "172.30.0.0/24"
   */
  subnet?: string;
  /**
   * Gateway address, inside `subnet` (which it needs).
   * @default the first address of the subnet
   * @example "172.30.0.1"
   */
  gateway?: string;
  /**
   * Labels on the network.
   * @default none
   * @example { team: "shop" }
   */
  labels?: Record<string, string>;
  /**
   * No route out: containers on it reach each other only.
   * @default false
   * @example true
   */
  internal?: boolean;
}

/** The network spec from the arguments, or a bad-argument error naming the field. */
export function networkSpec(args: Omit<NetworkArgs, "engine">): NetworkSpec {
  if (!args.name || !isHostValue("name", args.name))
    invalid("name", `must be a network name like shop-net (got ${JSON.stringify(args.name)})`);
  const driver = args.driver ?? "bridge";
  if (!isHostValue("driver", driver)) invalid("driver", `must be a driver name like bridge (got ${JSON.stringify(driver)})`);
  if (args.subnet !== undefined && cidrProblem(args.subnet)) invalid("subnet", cidrProblem(args.subnet));
  if (args.gateway !== undefined) {
    if (args.subnet === undefined) invalid("gateway", "needs a subnet to lie in: set subnet too");
    const problem = gatewayProblem(args.subnet, args.gateway);
    if (problem) invalid("gateway", problem);
  }
  checkPlainMap("labels", "labelKey", args.labels);
  const spec: NetworkSpec = { name: args.name, driver, internal: args.internal ?? false, labels: args.labels ?? {} };
  if (args.subnet) spec.subnet = args.subnet;
  if (args.gateway) spec.gateway = args.gateway;
  return spec;
}

/**
 * A user-defined network on a host's engine (bridge by default): containers on it reach each
 * other by name and alias. Read back on refresh: removed or changed by hand is drift, and `up`
 * makes it again. Every setting is fixed at creation, so a change replaces it. Removing it
 * disconnects Dockyard's containers first and refuses, naming them, when containers Dockyard does
 * not manage are attached.
 *
 * @example
 * const net = new Network("shop", { engine, name: "shop", subnet: "172.30.0.0/24" });
 * new Container("api", { engine, name: "api", image, networks: [{ network: net, aliases: ["backend"] }] });
 */
export class Network extends DockyardComponent {
  /** The network's name on the host (known when declared, for containers that join it). */
  readonly networkName: string;
  /** The id the engine gave it; a new one when the network was made again. */
  readonly networkId: pulumi.Output<string>;
  readonly drift: pulumi.Output<string[]>;
  readonly engine: DockerEngine;
  readonly ready: pulumi.Resource;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dockyard:workload:Network", name, opts);
    const spec = this.checked(() => {
      if (!args?.engine) invalid("engine", "is required");
      return networkSpec(args);
    });
    const host = args.engine.host;
    const res = new NetworkResource(
      `${name}-network`,
      { connection: host.connection, credentials: host.credentials, spec },
      this.childOptions(args.engine.ready),
    );
    this.networkName = spec.name;
    this.engine = args.engine;
    this.networkId = res.networkId;
    this.drift = res.drift;
    this.ready = res;
    this.registerOutputs({ networkId: this.networkId });
  }
}
