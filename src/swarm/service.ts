import * as pulumi from "@pulumi/pulumi";
import { DockyardComponent } from "../components/base";
import { invalid } from "../model/input-error";
import { ServiceResource } from "../providers/swarm-resources";
import { Image, type RegistryCredentials } from "../workload/image";
import { imageRefProblem } from "../model/image-ref";
import { type ServicePortSpec, type ServiceSpec, type UpdatePolicySpec, parseServicePort } from "../model/service-spec";
import type { Swarm } from "./swarm";

export interface ServicePort {
  /** @example 80 */
  targetPort: number;
  /**
   * Port published on the node.
   * @default the same as targetPort
   * @example 8080
   */
  publishedPort?: number;
  /**
   * @default "tcp"
   * @example "udp"
   */
  protocol?: "tcp" | "udp";
  /**
   * `host`: the port is opened on each node that runs a task (at most one task per node for that
   * port). `ingress`: Docker's routing mesh answers on every node.
   * @default "host"
   * @example "ingress"
   */
  publishMode?: "host" | "ingress";
}

export interface UpdatePolicyArgs {
  /**
   * Tasks changed at once (0: all at once).
   * @default 1
   * @example 2
   */
  parallelism?: number;
  /**
   * Seconds between batches.
   * @default 0
   * @example 10
   */
  delaySeconds?: number;
  /**
   * What a failed batch does. For `rollback` this applies to a failing rollback.
   * @default "pause"
   * @example "rollback"
   */
  failureAction?: "pause" | "continue" | "rollback";
  /**
   * `stop-first` stops the old task before its replacement starts; `start-first` overlaps them
   * (not with host-mode ports: both would need the port).
   * @default "stop-first"
   * @example "start-first"
   */
  order?: "stop-first" | "start-first";
  /**
   * Seconds each new task is watched for failure after it starts.
   * @default 5
   * @example 15
   */
  monitorSeconds?: number;
}

export interface ServiceArgs {
  /**
   * The swarm to run on; the service is managed through its first manager.
   * @example swarm
   */
  swarm: Swarm;
  /**
   * Service name (unique in the swarm). Changing it replaces the service.
   * @example "web"
   */
  name: string;
  /**
   * An Image on the first manager, or a reference that the first manager pulls (through its
   * mirrors, with `credentials`): the service runs the digest it resolved to, so a moved tag never
   * changes it silently.
   * @example "nginx:1.25"
   */
  image: Image | pulumi.Input<string>;
  /**
   * Credentials for a private registry: used to resolve the digest, and sent with the service so
   * every node can pull.
   * @default none
   * @example { server: "10.0.0.5:5000", username: "deploy", password: config.requireSecret("registryPassword") }
   */
  credentials?: RegistryCredentials;
  /**
   * `replicated` runs `replicas` tasks; `global` one task on every eligible node. Changing it
   * replaces the service.
   * @default "replicated"
   * @example "global"
   */
  mode?: "replicated" | "global";
  /**
   * Tasks of a replicated service.
   * @default 1
   * @example 3
   */
  replicas?: number;
  /**
   * Overrides the image's entrypoint.
   * @default the image's own
   * @example ["nginx"]
   */
  command?: string[];
  /**
   * Arguments to the command.
   * @default the image's own
   * @example ["-g", "daemon off;"]
   */
  args?: string[];
  /**
   * Environment variables; stored as a secret as a whole, so secret values stay secret.
   * @default none
   * @example { TZ: "UTC", DB_PASSWORD: config.requireSecret("dbPassword") }
   */
  env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Published ports, `"published:target[/udp]"` or objects; published in host mode unless an
   * object says `publishMode: "ingress"`.
   * @default none
   * @example ["8080:80"]
   */
  ports?: (string | ServicePort)[];
  /**
   * Placement constraints, as `docker service create --constraint` takes them.
   * @default none
   * @example ["node.role == worker", "node.labels.zone == a"]
   */
  constraints?: string[];
  /**
   * Service labels.
   * @default none
   * @example { team: "web" }
   */
  labels?: Record<string, string>;
  /**
   * Overlay networks to attach. One that does not exist is created (attachable overlay) and
   * belongs to this service: it goes when the service goes.
   * @default none
   * @example ["backend"]
   */
  networks?: string[];
  /**
   * How a change rolls out.
   * @default { parallelism: 1, delaySeconds: 0, failureAction: "pause", order: "stop-first", monitorSeconds: 5 }
   * @example { parallelism: 1, delaySeconds: 10, failureAction: "rollback" }
   */
  updateConfig?: UpdatePolicyArgs;
  /**
   * How a rollback rolls out.
   * @default { parallelism: 1, delaySeconds: 0, failureAction: "pause", order: "stop-first", monitorSeconds: 5 }
   * @example { parallelism: 2 }
   */
  rollbackConfig?: UpdatePolicyArgs;
  /**
   * Seconds `up` waits for every task to run before it fails naming the service and a failed task's node.
   * @default 120
   * @example 300
   */
  convergeTimeoutSeconds?: number;
  /**
   * Seconds every task must stay running before `up` counts the service as converged, like
   * docker's own CLI: a task that crashes and restarts is not counted while it briefly runs. 0
   * counts a task as soon as it is seen running. Counted within `convergeTimeoutSeconds`.
   * @default 5
   * @example 15
   */
  convergeMonitorSeconds?: number;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

function checkPolicy(p: UpdatePolicyArgs | undefined, path: string): UpdatePolicySpec {
  const r: UpdatePolicySpec = {
    parallelism: p?.parallelism ?? 1,
    delaySeconds: p?.delaySeconds ?? 0,
    failureAction: p?.failureAction ?? "pause",
    order: p?.order ?? "stop-first",
    monitorSeconds: p?.monitorSeconds ?? 5,
  };
  if (!Number.isInteger(r.parallelism) || r.parallelism < 0)
    invalid(`${path}.parallelism`, `must be an integer >= 0 (got ${JSON.stringify(r.parallelism)})`);
  if (!(r.delaySeconds >= 0)) invalid(`${path}.delaySeconds`, `must be >= 0 (got ${JSON.stringify(r.delaySeconds)})`);
  if (!(r.monitorSeconds >= 0)) invalid(`${path}.monitorSeconds`, `must be >= 0 (got ${JSON.stringify(r.monitorSeconds)})`);
  if (!["pause", "continue", "rollback"].includes(r.failureAction))
    invalid(`${path}.failureAction`, `must be pause, continue or rollback (got ${JSON.stringify(r.failureAction)})`);
  if (!["stop-first", "start-first"].includes(r.order))
    invalid(`${path}.order`, `must be stop-first or start-first (got ${JSON.stringify(r.order)})`);
  return r;
}

/** Checks the arguments that need no host; returns the fixed parts of the spec. */
export function checkServiceArgs(args: ServiceArgs): Omit<ServiceSpec, "image" | "labels"> & { labels: Record<string, string> } {
  if (!args?.swarm) invalid("swarm", "is required");
  if (!Array.isArray(args.swarm.managerEngines) || args.swarm.managerEngines.length === 0)
    invalid("swarm", "has no managers: a service is managed through a manager");
  if (typeof args.name !== "string" || !NAME.test(args.name))
    invalid("name", `must be a service name like web (got ${JSON.stringify(args.name)})`);
  if (args.image === undefined) invalid("image", "is required");
  if (typeof args.image === "string" && imageRefProblem(args.image)) invalid("image", imageRefProblem(args.image));
  const mode = args.mode ?? "replicated";
  if (mode !== "replicated" && mode !== "global") invalid("mode", `must be replicated or global (got ${JSON.stringify(mode)})`);
  if (mode === "global" && args.replicas !== undefined) invalid("replicas", "only applies to mode replicated");
  const replicas = args.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 0) invalid("replicas", `must be an integer >= 0 (got ${JSON.stringify(args.replicas)})`);
  const ports: ServicePortSpec[] = (args.ports ?? []).map((p, i) => {
    const r = parseServicePort(p);
    if (typeof r === "string") invalid(`ports[${i}]`, r);
    return r;
  });
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${p.publishedPort}/${p.protocol}`;
    if (seen.has(key)) invalid(`ports[${i}]`, `publishes port ${key} twice`);
    seen.add(key);
  });
  (args.constraints ?? []).forEach((c, i) => {
    if (typeof c !== "string" || !/^\s*[A-Za-z0-9_.-]+\s*(==|!=)\s*\S.*$/.test(c))
      invalid(`constraints[${i}]`, `must look like "node.role == worker" (got ${JSON.stringify(c)})`);
  });
  (args.networks ?? []).forEach((n, i) => {
    if (typeof n !== "string" || !NAME.test(n)) invalid(`networks[${i}]`, `must be a network name (got ${JSON.stringify(n)})`);
  });
  const timeout = args.convergeTimeoutSeconds ?? 120;
  if (!Number.isInteger(timeout) || timeout < 1)
    invalid("convergeTimeoutSeconds", `must be a positive integer (got ${JSON.stringify(timeout)})`);
  const monitor = args.convergeMonitorSeconds;
  if (monitor !== undefined && (!Number.isInteger(monitor) || monitor < 0))
    invalid("convergeMonitorSeconds", `must be an integer >= 0 (got ${JSON.stringify(monitor)})`);
  const update = checkPolicy(args.updateConfig, "updateConfig");
  const rollback = checkPolicy(args.rollbackConfig, "rollbackConfig");
  const fixed: Omit<ServiceSpec, "image" | "labels"> & { labels: Record<string, string> } = {
    name: args.name,
    mode,
    ports,
    constraints: args.constraints ?? [],
    labels: args.labels ?? {},
    networks: args.networks ?? [],
    update,
    rollback,
    convergeTimeoutSeconds: timeout,
  };
  if (mode === "replicated") fixed.replicas = replicas;
  // Only when set: the state of a service declared without it stays as it was.
  if (monitor !== undefined) fixed.convergeMonitorSeconds = monitor;
  if (args.command) fixed.command = args.command;
  if (args.args) fixed.args = args.args;
  return fixed;
}

/**
 * A Docker Swarm service: replicated or global, the image pinned by the digest the first manager
 * resolved (through its mirrors and private registries), env (secrets stay secrets), host-mode
 * published ports, placement constraints, update and rollback settings. `up` waits until every
 * task runs, or fails naming the service and the node of a failed task. A service scaled or
 * updated by hand shows on refresh and `up` puts it back; only a new name or mode replaces it.
 *
 * @example
 * new Service("web", { swarm, name: "web", image: "nginx:1.25", replicas: 3, ports: ["8080:80"] });
 */
export class Service extends DockyardComponent {
  readonly serviceId: pulumi.Output<string>;
  /** Tasks running when last read. */
  readonly replicas: pulumi.Output<number>;
  /** The image the service runs, `repo@sha256:...`. */
  readonly image: pulumi.Output<string>;
  readonly drift: pulumi.Output<string[]>;

  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dockyard:swarm:Service", name, opts);
    const fixed = this.checked(() => checkServiceArgs(args));
    const manager = args.swarm.managerEngines[0];
    // The digest is resolved on the first manager the way any Image is: through its mirrors,
    // with the credentials.
    const image =
      args.image instanceof Image
        ? args.image
        : new Image(
            `${name}-image`,
            { engine: manager, ref: args.image, credentials: args.credentials, keepOnDestroy: true },
            this.childOptions(args.swarm.ready),
          );
    const spec = image.repoDigest.apply((img): ServiceSpec => ({ ...fixed, image: img }));
    const env = pulumi.output(args.env ?? {}).apply((e) => e as Record<string, string>);
    const c = args.credentials;
    const registryAuth = c
      ? pulumi.secret(
          pulumi
            .all([c.server, c.username, c.password])
            .apply(([serveraddress, username, password]) => ({ serveraddress, username, password })),
        )
      : undefined;
    const res = new ServiceResource(
      `${name}-service`,
      { connection: manager.host.connection, credentials: manager.host.credentials, spec, env, ...(registryAuth ? { registryAuth } : {}) },
      this.childOptions(args.swarm.ready, image.ready),
    );
    this.serviceId = res.serviceId;
    this.replicas = res.runningTasks;
    this.image = image.repoDigest;
    this.drift = res.drift;
    this.registerOutputs({ replicas: this.replicas, image: this.image });
  }
}
