import { HOST_VALUES, isHostValue } from "../model/host-values";
import * as pulumi from "@pulumi/pulumi";
import { DockyardComponent } from "../components/base";
import type { DockerEngine } from "../engine/docker-engine";
import { invalid } from "../model/input-error";
import type { Credentials } from "../providers/connection-inputs";
import type { SwarmMember, SwarmNodeSpec } from "../providers/swarm";
import { SwarmResource } from "../providers/swarm-resources";
import type { NodeAvailability } from "../plan/swarm";

export interface SwarmNodeArgs {
  /**
   * The engine of the machine that is this node.
   * @example engine
   */
  engine: DockerEngine;
  /**
   * Node labels (`docker node update --label-add`), for placement constraints. Dockyard owns the
   * node's whole label set: labels added by hand show as drift.
   * @default none
   * @example { zone: "a", disk: "ssd" }
   */
  labels?: Record<string, string>;
  /**
   * `active` takes tasks, `pause` keeps its tasks but takes no new ones, `drain` moves its tasks
   * away.
   * @default "active"
   * @example "drain"
   */
  availability?: NodeAvailability;
  /**
   * The address other nodes reach this one on (swarm port 2377, gossip 7946, overlay 4789).
   * @default the host's SSH address
   * @example "10.0.1.12"
   */
  advertiseAddr?: string;
}

export interface SwarmArgs {
  /**
   * Manager nodes. The first one inits the swarm; the others join with the manager token. Use an
   * odd number (1, 3, 5) so the managers keep a quorum. Another first manager is another swarm.
   * @example [{ engine: manager1 }]
   */
  managers: SwarmNodeArgs[];
  /**
   * Worker nodes, joined with the worker token. A node taken out of this list is drained, leaves
   * the swarm and is removed from `docker node ls`.
   * @default none
   * @example [{ engine: worker1, labels: { zone: "a" } }]
   */
  workers?: SwarmNodeArgs[];
  /**
   * Address pools overlay networks take their subnets from (`docker swarm init
   * --default-addr-pool`). Set once, at init: changing it makes a new swarm.
   * @default Docker's (10.0.0.0/8)
   * @example ["10.20.0.0/16"]
   */
  defaultAddrPool?: string[];
  /**
   * Prefix length of each overlay network's subnet from the pool.
   * @default 24
   * @example 26
   */
  subnetSize?: number;
}

function checkNodes(list: SwarmNodeArgs[] | undefined, path: string): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) invalid(path, "must be a list of { engine, labels?, availability? }");
  list.forEach((n, i) => {
    if (!n?.engine) invalid(`${path}[${i}].engine`, "is required");
    if (n.availability !== undefined && !["active", "pause", "drain"].includes(n.availability)) {
      invalid(`${path}[${i}].availability`, `must be active, pause or drain (got ${JSON.stringify(n.availability)})`);
    }
    for (const [k, v] of Object.entries(n.labels ?? {})) {
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(k) || !isHostValue("labelKey", k))
        invalid(`${path}[${i}].labels`, `has a bad label name ${JSON.stringify(k)}`);
      if (typeof v !== "string" || !isHostValue("text", v)) invalid(`${path}[${i}].labels.${k}`, `must be ${HOST_VALUES.text.says}`);
    }
    // An interface name (eth0) or an address.
    if (n.advertiseAddr !== undefined && !isHostValue("address", n.advertiseAddr) && !isHostValue("name", n.advertiseAddr))
      invalid(`${path}[${i}].advertiseAddr`, "must be an address or interface name");
  });
}

/**
 * Docker Swarm mode across hosts that have engines. The first manager inits the swarm (advertising
 * the host's address unless told otherwise); the other managers and the workers join with their
 * token, read from the first manager and kept as secrets; labels and availability are set on each
 * node. A node taken out of the args is drained, leaves and is removed. `pulumi refresh` reads
 * membership, roles, labels and availability back, so a node that left or was changed by hand
 * shows as drift and `up` repairs it. `pulumi destroy` makes every node leave the swarm and leaves
 * the engines running.
 *
 * @example
 * const swarm = new Swarm("prod", {
 *   managers: [{ engine: manager1 }],
 *   workers: [{ engine: worker1, labels: { zone: "a" } }, { engine: worker2, labels: { zone: "b" } }],
 * });
 * export const workers = swarm.workers;
 */
export class Swarm extends DockyardComponent {
  /** Manager nodes as the swarm lists them: name, node id, hostname, address. */
  readonly managers: pulumi.Output<SwarmMember[]>;
  /** Worker nodes as the swarm lists them. */
  readonly workers: pulumi.Output<SwarmMember[]>;
  /** The worker and manager join tokens, as a secret. */
  readonly joinTokens: pulumi.Output<{ worker: string; manager: string }>;
  readonly clusterId: pulumi.Output<string>;
  /** What refresh found different from the declaration (empty after `up`). */
  readonly drift: pulumi.Output<string[]>;
  /** The manager engines, the first one first: services are managed through it. */
  readonly managerEngines: DockerEngine[];
  /** The resource that services on this swarm depend on. */
  readonly ready: pulumi.Resource;

  constructor(name: string, args: SwarmArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dockyard:swarm:Swarm", name, opts);
    this.checked(() => {
      if (!args) invalid("managers", "is required");
      if (!Array.isArray(args.managers) || args.managers.length === 0) invalid("managers", "must list at least one manager");
      checkNodes(args.managers, "managers");
      checkNodes(args.workers, "workers");
      const engines = [...args.managers, ...(args.workers ?? [])].map((n) => n.engine);
      engines.forEach((e, i) => {
        if (engines.indexOf(e) !== i)
          invalid(
            i < args.managers.length ? `managers[${i}]` : `workers[${i - args.managers.length}]`,
            "is an engine already listed in this swarm",
          );
      });
      for (const p of args.defaultAddrPool ?? []) {
        if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(p))
          invalid("defaultAddrPool", `must be IPv4 CIDRs like 10.20.0.0/16 (got ${JSON.stringify(p)})`);
      }
      if (args.subnetSize !== undefined && (!Number.isInteger(args.subnetSize) || args.subnetSize < 16 || args.subnetSize > 28)) {
        invalid("subnetSize", `must be an integer 16-28 (got ${JSON.stringify(args.subnetSize)})`);
      }
    });
    const declared = [
      ...args.managers.map((n) => ({ n, role: "manager" as const })),
      ...(args.workers ?? []).map((n) => ({ n, role: "worker" as const })),
    ];
    const nodes = pulumi.all(declared.map(({ n }) => n.engine.host.connection)).apply((conns) =>
      conns.map((connection, i): SwarmNodeSpec => {
        const { n, role } = declared[i];
        const spec: SwarmNodeSpec = {
          // Unique per machine, so a former node is found again by it.
          name: connection.port === 22 ? connection.host : `${connection.host}:${connection.port}`,
          connection,
          role,
          labels: n.labels ?? {},
          availability: n.availability ?? "active",
        };
        if (n.advertiseAddr) spec.advertiseAddr = n.advertiseAddr;
        return spec;
      }),
    );
    const credentials = pulumi.secret(pulumi.all(declared.map(({ n }) => n.engine.host.credentials)) as pulumi.Output<Credentials[]>);
    const res = new SwarmResource(
      `${name}-swarm`,
      {
        nodes,
        credentials,
        ...(args.defaultAddrPool?.length ? { defaultAddrPool: args.defaultAddrPool } : {}),
        ...(args.subnetSize ? { subnetSize: args.subnetSize } : {}),
      },
      this.childOptions(...declared.map(({ n }) => n.engine.ready)),
    );
    this.managers = res.members.apply((m) => m.filter((x) => x.role === "manager"));
    this.workers = res.members.apply((m) => m.filter((x) => x.role === "worker"));
    this.joinTokens = pulumi.secret(res.joinTokens);
    this.clusterId = res.clusterId;
    this.drift = res.drift;
    this.managerEngines = args.managers.map((n) => n.engine);
    this.ready = res;
    this.registerOutputs({ managers: this.managers, workers: this.workers, joinTokens: this.joinTokens });
  }
}
