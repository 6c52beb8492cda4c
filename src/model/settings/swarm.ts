// Swarm and Service: a swarm of engines and the services it runs.
// Declared once here: the plugin's schema, the reference docs and the agreement tests read it.
import { DEFAULT_SERVICE_CONVERGE_MONITOR_SECONDS } from "../defaults";
import { json } from "./json";
import type { ComponentSettings, ObjectType } from "./types";
import { ENV_SETTING } from "./workload";

export const swarmComponent: ComponentSettings = {
  token: "dockyard:swarm:Swarm",
  description:
    "Docker Swarm mode across hosts that have engines. The first manager inits the swarm (advertising the host's address unless told otherwise); the other managers and the workers join with their token, read from the first manager and kept as secrets; labels and availability are set on each node. A node taken out of the args is drained, leaves and is removed. `pulumi refresh` reads membership, roles, labels and availability back, so a node that left or was changed by hand shows as drift and `up` repairs it. `pulumi destroy` makes every node leave the swarm and leaves the engines running.",
  args: { file: "src/swarm/swarm.ts", name: "SwarmArgs" },
  class: { file: "src/swarm/swarm.ts", name: "Swarm" },
  example: { name: "swarm", properties: { managers: [{ engine: "${docker}" }] }, dependsOn: ["daemon"] },
  fleet: { section: "Swarm", fleetOnly: ["services"], why: "A fleet file lists the swarm's services inside it." },
  inputs: {
    managers: {
      type: { array: { ref: "SwarmNodeArgs" } },
      required: true,
      description:
        "Manager nodes. The first one inits the swarm; the others join with the manager token. Use an odd number (1, 3, 5) so the managers keep a quorum. Another first manager is another swarm.",
      example: "[{ engine: manager1 }]",
    },
    workers: {
      type: { array: { ref: "SwarmNodeArgs" } },
      description:
        "Worker nodes, joined with the worker token. A node taken out of this list is drained, leaves the swarm and is removed from `docker node ls`.",
      default: "none",
      example: '[{ engine: worker1, labels: { zone: "a" } }]',
    },
    defaultAddrPool: {
      type: { array: "string" },
      description:
        "Address pools overlay networks take their subnets from (`docker swarm init --default-addr-pool`). Set once, at init: changing it makes a new swarm.",
      default: "Docker's (10.0.0.0/8)",
      example: '["10.20.0.0/16"]',
    },
    subnetSize: {
      type: "integer",
      description: "Prefix length of each overlay network's subnet from the pool.",
      default: "24",
      example: "26",
    },
  },
  outputs: {
    managers: {
      type: { array: { ref: "SwarmMember" } },
      description: "Manager nodes as the swarm lists them: name, node id, hostname, address.",
    },
    workers: { type: { array: { ref: "SwarmMember" } }, description: "Worker nodes as the swarm lists them." },
    joinTokens: { type: { ref: "SwarmJoinTokens" }, description: "The worker and manager join tokens, as a secret.", secret: true },
    clusterId: { type: "string", description: "" },
    drift: { type: { array: "string" }, description: "What refresh found different from the declaration (empty after `up`)." },
  },
};

export const serviceComponent: ComponentSettings = {
  token: "dockyard:swarm:Service",
  description:
    "A Docker Swarm service: replicated or global, the image pinned by the digest the first manager resolved (through its mirrors and private registries), env (secrets stay secrets), host-mode published ports, placement constraints, update and rollback settings. `up` waits until every task runs, or fails naming the service and the node of a failed task. A service scaled or updated by hand shows on refresh and `up` puts it back; only a new name or mode replaces it.",
  args: { file: "src/swarm/service.ts", name: "ServiceArgs" },
  class: { file: "src/swarm/service.ts", name: "Service" },
  example: {
    name: "webService",
    properties: { swarm: "${swarm}", name: "web", image: "nginx:1.25", replicas: 2, ports: ["8080:80"] },
  },
  fleet: {
    section: "Service",
    keys: { swarm: null, credentials: null },
    why: "The service is in its swarm's section; logins come from the file's `credentials` list.",
  },
  inputs: {
    swarm: {
      type: { resource: "dockyard:swarm:Swarm" },
      required: true,
      description: "The swarm to run on; the service is managed through its first manager.",
      example: "swarm",
    },
    name: {
      type: "string",
      required: true,
      description: "Service name (unique in the swarm). Changing it replaces the service.",
      example: '"web"',
    },
    image: {
      type: { oneOf: [{ resource: "dockyard:workload:Image" }, "string"] },
      required: true,
      description:
        "An Image on the first manager, or a reference that the first manager pulls (through its mirrors, with `credentials`): the service runs the digest it resolved to, so a moved tag never changes it silently.",
      example: '"nginx:1.25"',
    },
    credentials: {
      type: { ref: "RegistryCredentials" },
      description: "Credentials for a private registry: used to resolve the digest, and sent with the service so every node can pull.",
      default: "none",
      example: '{ server: "10.0.0.5:5000", username: "deploy", password: config.requireSecret("registryPassword") }',
      secret: true,
    },
    mode: {
      type: { enum: ["replicated", "global"] },
      description: "`replicated` runs `replicas` tasks; `global` one task on every eligible node. Changing it replaces the service.",
      default: '"replicated"',
      example: '"global"',
    },
    replicas: { type: "integer", description: "Tasks of a replicated service.", default: "1", example: "3" },
    command: {
      type: { array: "string" },
      description: "Overrides the image's entrypoint.",
      default: "the image's own",
      example: '["nginx"]',
    },
    args: {
      type: { array: "string" },
      description: "Arguments to the command.",
      default: "the image's own",
      example: '["-g", "daemon off;"]',
    },
    env: ENV_SETTING,
    ports: {
      type: { array: { oneOf: ["string", { ref: "ServicePort" }] } },
      description:
        'Published ports, `"published:target[/udp]"` or objects; published in host mode unless an object says `publishMode: "ingress"`.',
      default: "none",
      example: '["8080:80"]',
    },
    constraints: {
      type: { array: "string" },
      description: "Placement constraints, as `docker service create --constraint` takes them.",
      default: "none",
      example: '["node.role == worker", "node.labels.zone == a"]',
    },
    labels: { type: { map: "string" }, description: "Service labels.", default: "none", example: '{ team: "web" }' },
    networks: {
      type: { array: "string" },
      description:
        "Overlay networks to attach. One that does not exist is created (attachable overlay) and belongs to this service: it goes when the service goes.",
      default: "none",
      example: '["backend"]',
    },
    updateConfig: {
      type: { ref: "UpdatePolicyArgs" },
      description: "How a change rolls out.",
      default: '{ parallelism: 1, delaySeconds: 0, failureAction: "pause", order: "stop-first", monitorSeconds: 5 }',
      example: '{ parallelism: 1, delaySeconds: 10, failureAction: "rollback" }',
    },
    rollbackConfig: {
      type: { ref: "UpdatePolicyArgs" },
      description: "How a rollback rolls out.",
      default: '{ parallelism: 1, delaySeconds: 0, failureAction: "pause", order: "stop-first", monitorSeconds: 5 }',
      example: "{ parallelism: 2 }",
    },
    convergeTimeoutSeconds: {
      type: "integer",
      description: "Seconds `up` waits for every task to run before it fails naming the service and a failed task's node.",
      default: "120",
      example: "300",
    },
    convergeMonitorSeconds: {
      type: "integer",
      description:
        "Seconds every task must stay running before `up` counts the service as converged, like docker's own CLI: a task that crashes and restarts is not counted while it briefly runs. 0 counts a task as soon as it is seen running. Counted within `convergeTimeoutSeconds`.",
      default: json(DEFAULT_SERVICE_CONVERGE_MONITOR_SECONDS),
      example: "15",
    },
  },
  outputs: {
    serviceId: { type: "string", description: "" },
    replicas: { type: "integer", description: "Tasks running when last read." },
    image: { type: "string", description: "The image the service runs, `repo@sha256:...`." },
    drift: { type: { array: "string" }, description: "" },
  },
};

/** The object types these components' settings refer to. */
export const SWARM_TYPES: Readonly<Record<string, ObjectType>> = {
  SwarmNodeArgs: {
    description: "An engine in a swarm, its role, labels and availability.",
    source: { file: "src/swarm/swarm.ts", name: "SwarmNodeArgs" },
    properties: {
      engine: {
        type: { resource: "dockyard:engine:DockerEngine" },
        required: true,
        description: "The engine of the machine that is this node.",
        example: "engine",
      },
      labels: {
        type: { map: "string" },
        description:
          "Node labels (`docker node update --label-add`), for placement constraints. Dockyard owns the node's whole label set: labels added by hand show as drift.",
        default: "none",
        example: '{ zone: "a", disk: "ssd" }',
      },
      availability: {
        type: { enum: ["active", "pause", "drain"] },
        description: "`active` takes tasks, `pause` keeps its tasks but takes no new ones, `drain` moves its tasks away.",
        default: '"active"',
        example: '"drain"',
      },
      advertiseAddr: {
        type: "string",
        description: "The address other nodes reach this one on (swarm port 2377, gossip 7946, overlay 4789).",
        default: "the host's SSH address",
        example: '"10.0.1.12"',
      },
    },
  },
  SwarmMember: {
    description: "A node of the swarm as the cluster lists it.",
    source: { file: "src/providers/swarm.ts", name: "SwarmMember" },
    properties: {
      name: { type: "string", required: true, description: "" },
      nodeId: { type: "string", required: true, description: "" },
      hostname: { type: "string", required: true, description: "" },
      address: { type: "string", required: true, description: "" },
      role: { type: { enum: ["manager", "worker"] }, required: true, description: "" },
    },
  },
  SwarmJoinTokens: {
    description: "The tokens that let an engine join the swarm.",
    properties: {
      worker: { type: "string", required: true, description: "" },
      manager: { type: "string", required: true, description: "" },
    },
  },
  ServicePort: {
    description: "A port a service publishes.",
    source: { file: "src/swarm/service.ts", name: "ServicePort" },
    properties: {
      targetPort: { type: "integer", required: true, description: "", example: "80" },
      publishedPort: { type: "integer", description: "Port published on the node.", default: "the same as targetPort", example: "8080" },
      protocol: { type: { enum: ["tcp", "udp"] }, description: "", default: '"tcp"', example: '"udp"' },
      publishMode: {
        type: { enum: ["host", "ingress"] },
        description:
          "`host`: the port is opened on each node that runs a task (at most one task per node for that port). `ingress`: Docker's routing mesh answers on every node.",
        default: '"host"',
        example: '"ingress"',
      },
    },
  },
  UpdatePolicyArgs: {
    description: "How a service's tasks are changed (or rolled back): how many at once, the wait between, what a failure does.",
    source: { file: "src/swarm/service.ts", name: "UpdatePolicyArgs" },
    fleet: { section: "UpdatePolicy" },
    properties: {
      parallelism: { type: "integer", description: "Tasks changed at once (0: all at once).", default: "1", example: "2" },
      delaySeconds: { type: "integer", description: "Seconds between batches.", default: "0", example: "10" },
      failureAction: {
        type: { enum: ["pause", "continue", "rollback"] },
        description: "What a failed batch does. For `rollback` this applies to a failing rollback.",
        default: '"pause"',
        example: '"rollback"',
      },
      order: {
        type: { enum: ["stop-first", "start-first"] },
        description:
          "`stop-first` stops the old task before its replacement starts; `start-first` overlaps them (not with host-mode ports: both would need the port).",
        default: '"stop-first"',
        example: '"start-first"',
      },
      monitorSeconds: {
        type: "integer",
        description: "Seconds each new task is watched for failure after it starts.",
        default: "5",
        example: "15",
      },
    },
  },
};
