import { isHostValue } from "../model/host-values";
import { checkPlainMap } from "../model/map-values";
import * as pulumi from "@pulumi/pulumi";
import { noticeOn, resourceComponentOptions, type ResourceComponentType } from "../components/resource-component";
import type { DockerEngine } from "../engine/docker-engine";
import { checked, invalid } from "../model/input-error";
import { parseMemory, parsePort, parseVolume, type PortArgs, type VolumeSpec } from "../model/container-settings";
import { parseContainerSecurity, type UlimitArgs } from "../model/container-security";
import { DEFAULT_RESTART_POLICY, DEFAULT_START_TIMEOUT_SECONDS } from "../model/defaults";
import type { ContainerNetworkSpec, ContainerSpec, HealthSpec } from "../plan/container";
import { DockyardResource } from "../providers/dockyard-resource";
import type { ContainerResourceArgs } from "../providers/workload-resources";
import { Image } from "./image";
import { imageRefProblem } from "../model/image-ref";
import { Network } from "./network";
import { Volume } from "./volume";

export interface HealthCheckArgs {
  /**
   * The check, as Docker takes it.
   * @example ["CMD", "wget", "-q", "-O-", "http://localhost/"]
   */
  test: string[];
  /**
   * @default 10
   * @example 5
   */
  intervalSeconds?: number;
  /**
   * @default 5
   * @example 3
   */
  timeoutSeconds?: number;
  /**
   * @default 3
   * @example 5
   */
  retries?: number;
  /**
   * @default 0
   * @example 15
   */
  startPeriodSeconds?: number;
}

export interface ContainerNetworkArgs {
  /**
   * A Network of the same engine, or the name of a network already on the host.
   * @example new Network("shop", { engine, name: "shop" })
   */
  network: Network | string;
  /**
   * Other names the container answers to on this network (its own name always does).
   * @default none
   * @example ["backend"]
   */
  aliases?: string[];
}

export interface VolumeMountArgs {
  /**
   * A Volume of the same engine.
   * @example new Volume("data", { engine, name: "shop-data" })
   */
  volume: Volume;
  /**
   * Where it is mounted in the container (absolute).
   * @example "/var/lib/data"
   */
  target: string;
  /**
   * @default false
   * @example true
   */
  readOnly?: boolean;
}

export interface ContainerArgs {
  /**
   * The engine to run on.
   * @example engine
   */
  engine: DockerEngine;
  /**
   * Container name (unique per host).
   * @example "nginx-container"
   */
  name: string;
  /**
   * An Image (the container runs its digest, and is replaced when the digest changes) or a
   * reference already on the host.
   * @example new Image("nginx", { engine, ref: "nginx:1.25" })
   */
  image: Image | pulumi.Input<string>;
  /**
   * Command and arguments.
   * @default the image's own
   * @example ["nginx", "-g", "daemon off;"]
   */
  command?: pulumi.Input<string[]>;
  /**
   * Environment variables; stored as a secret as a whole, so secret values stay secret.
   * @default none
   * @example { TZ: "UTC", DB_PASSWORD: config.requireSecret("dbPassword") }
   */
  env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Published ports: `"80:80"`, `"127.0.0.1:8080:80/tcp"`, or objects.
   * @default none
   * @example ["80:80"]
   */
  ports?: (string | PortArgs)[];
  /**
   * Bind mounts (absolute host path) and named volumes: `"/srv/html:/usr/share/nginx/html:ro"`,
   * or a Volume component mounted at a path (the container then waits for the volume).
   * @default none
   * @example ["/etc/app:/etc/app:ro", { volume: data, target: "/var/lib/app" }]
   */
  volumes?: (string | VolumeSpec | VolumeMountArgs)[];
  /**
   * User-defined networks to join, with aliases other containers reach it by. A change of
   * networks or aliases reconnects the running container in place (no replace).
   * @default none (the engine's default bridge)
   * @example [{ network: net, aliases: ["backend"] }, "monitoring"]
   */
  networks?: (Network | string | ContainerNetworkArgs)[];
  /**
   * @default "unless-stopped"
   * @example "always"
   */
  restartPolicy?: "no" | "always" | "unless-stopped" | "on-failure";
  /**
   * @default none
   * @example { team: "web" }
   */
  labels?: pulumi.Input<Record<string, string>>;
  /**
   * Health check; `up` waits until the container is healthy.
   * @default the image's own, else none (`up` waits until the container stays up)
   * @example { test: ["CMD", "wget", "-q", "-O-", "http://localhost/"] }
   */
  healthCheck?: HealthCheckArgs;
  /**
   * Memory limit in bytes, or with a unit (`512m`, `2g`).
   * @default no limit
   * @example "512m"
   */
  memory?: number | string;
  /**
   * CPU limit in cores.
   * @default no limit
   * @example 1.5
   */
  cpus?: number;
  /**
   * Seconds to wait for health (or for the container to stay up).
   * @default 60
   * @example 120
   */
  startTimeoutSeconds?: number;
  /**
   * User (name or uid, optionally `:group`) the container's process runs as, as `docker run --user`.
   * @default the image's own
   * @example "101:101"
   */
  user?: string;
  /**
   * Mount the container's root filesystem read-only; give the paths its program writes to as
   * `tmpfs` mounts or volumes.
   * @default false
   * @example true
   */
  readOnlyRootFilesystem?: boolean;
  /**
   * Linux capabilities to add, without `CAP_` (`ALL` is refused: see `insecurePrivileged`).
   * @default none
   * @example ["NET_BIND_SERVICE"]
   */
  capAdd?: string[];
  /**
   * Linux capabilities to drop; `ALL` drops every one, and `capAdd` gives back those needed.
   * @default none
   * @example ["ALL"]
   */
  capDrop?: string[];
  /**
   * The container's processes cannot gain privileges (through setuid binaries or file
   * capabilities): the security option `no-new-privileges`. `false` overrides the daemon's
   * `no-new-privileges` for this container.
   * @default the daemon's (off unless its daemon.json sets no-new-privileges)
   * @example true
   */
  noNewPrivileges?: boolean;
  /**
   * Security options: an AppArmor profile loaded on the host (`apparmor=<profile>`),
   * `seccomp=unconfined`, SELinux labels (`label=type:<type>`, `label=level:<level>`, `label=user:...`,
   * `label=role:...`, `label=disable`). A seccomp profile of your own is the daemon's
   * `seccomp-profile` (a file on the host).
   * @default the engine's (its AppArmor profile where AppArmor is on, its seccomp profile)
   * @example ["apparmor=docker-default"]
   */
  securityOpt?: string[];
  /**
   * Most processes (and threads) the container may run at once.
   * @default no limit
   * @example 256
   */
  pidsLimit?: number;
  /**
   * tmpfs mounts: an absolute path in the container and its mount options (empty: the engine's,
   * `rw,noexec,nosuid,nodev`). With `readOnlyRootFilesystem`, the paths its program writes to.
   * @default none
   * @example { "/tmp": "rw,noexec,nosuid,size=64m", "/var/run": "" }
   */
  tmpfs?: Record<string, string>;
  /**
   * Resource limits of the container's processes.
   * @default the daemon's default-ulimits
   * @example [{ name: "nofile", soft: 1024, hard: 2048 }]
   */
  ulimits?: UlimitArgs[];
  /**
   * Run the container privileged: every capability and every device of the host, no AppArmor or
   * seccomp confinement, so root in it is root on the host. Asked for by this name only
   * (`privileged` is refused); every run warns while it is set. For system containers that manage
   * the host.
   * @default false
   * @example true
   */
  insecurePrivileged?: boolean;
}

/** A volume entry, checked: a Volume component is resolved to its name (it must be of the same engine). */
export function resolveVolume(v: string | VolumeSpec | VolumeMountArgs, i: number, engine?: DockerEngine): VolumeSpec {
  if (typeof v === "object" && v !== null && "volume" in v) {
    if (!(v.volume instanceof Volume)) invalid(`volumes[${i}].volume`, "must be a Volume");
    if (engine && v.volume.engine !== engine) invalid(`volumes[${i}].volume`, `is a volume of another engine (${v.volume.volumeName})`);
    v = { source: v.volume.volumeName, target: v.target, ...(v.readOnly ? { readOnly: true } : {}) };
  }
  return parseVolume(v, i);
}

/** A network to join, checked: its name, aliases and the Network it comes from (if any). */
export function parseNetwork(
  n: Network | string | ContainerNetworkArgs,
  i: number,
  engine?: DockerEngine,
): { name: string; aliases: string[]; network?: Network } {
  const entry: ContainerNetworkArgs = typeof n === "string" || n instanceof Network ? { network: n } : n;
  const net = entry?.network;
  if (!(net instanceof Network) && (typeof net !== "string" || !isHostValue("name", net))) {
    invalid(`networks[${i}].network`, `must be a Network or a network name (got ${JSON.stringify(net)})`);
  }
  if (net instanceof Network && engine && net.engine !== engine)
    invalid(`networks[${i}].network`, `is a network of another engine (${net.networkName})`);
  const aliases = entry.aliases ?? [];
  aliases.forEach((a, j) => {
    if (typeof a !== "string" || !/^[a-zA-Z0-9]([a-zA-Z0-9_.-]*[a-zA-Z0-9])?$/.test(a) || !isHostValue("name", a))
      invalid(`networks[${i}].aliases[${j}]`, `must be a host name like backend (got ${JSON.stringify(a)})`);
  });
  const name = net instanceof Network ? net.networkName : net;
  return net instanceof Network ? { name, aliases, network: net } : { name, aliases };
}

/** The schema's component type, and where a stack made before 0.4.0 keeps a Container. */
const CONTAINER_TYPE: ResourceComponentType = { token: "dockyard:workload:Container", kind: "Container", legacySuffix: "-container" };

/**
 * A container on a host's engine, managed through the Docker Engine API over the host's SSH
 * session. An unchanged `up` touches nothing; a new image digest or another immutable setting
 * replaces it; restart policy and limits are updated in place; a container stopped or removed by
 * hand is started or recreated. Success waits for health (or for the container to stay up); a
 * container that exits at once fails with its last log lines, and a host port already taken
 * fails naming host and port. It is the one resource it manages (served by the plugin), not a
 * component around it.
 *
 * @example
 * new Container("nginx", { engine, name: "nginx-container", image: nginx, ports: ["80:80"] });
 */
export class Container extends DockyardResource {
  /** The schema's component type it is served as in other languages. */
  static readonly schemaType = CONTAINER_TYPE;
  /** `running`, `exited`, ... as the engine reported it last. */
  declare readonly state: pulumi.Output<string>;
  declare readonly containerId: pulumi.Output<string>;
  declare readonly drift: pulumi.Output<string[]>;
  /** The engine it runs on. */
  readonly engine: DockerEngine;
  /** The container's name on the engine. */
  readonly containerName: string;
  /** What dependents wait for: the container itself. */
  readonly ready: pulumi.Resource;

  constructor(name: string, args: ContainerArgs, opts?: pulumi.ComponentResourceOptions) {
    const what = `Container ${name}`;
    const fixed = checked(what, () => {
      if (!args?.engine) invalid("engine", "is required");
      if (!isHostValue("name", args.name))
        invalid("name", `must be a container name like nginx-container (got ${JSON.stringify(args.name)})`);
      if (typeof args.image === "string" && imageRefProblem(args.image)) invalid("image", imageRefProblem(args.image));
      const restartPolicy = args.restartPolicy ?? DEFAULT_RESTART_POLICY;
      if (!["no", "always", "unless-stopped", "on-failure"].includes(restartPolicy))
        invalid("restartPolicy", "must be no, always, unless-stopped or on-failure");
      const ports = (args.ports ?? []).map(parsePort);
      const seen = new Set<string>();
      ports.forEach((p, i) => {
        const key = `${p.hostIp ?? "*"}:${p.hostPort}/${p.protocol}`;
        if (seen.has(key)) invalid(`ports[${i}]`, `publishes host port ${p.hostPort}/${p.protocol} twice`);
        seen.add(key);
      });
      const volumes = (args.volumes ?? []).map((v, i) => resolveVolume(v, i, args.engine));
      const networks = (args.networks ?? []).map((n, i) => parseNetwork(n, i, args.engine));
      networks.forEach((n, i) => {
        if (networks.findIndex((o) => o.name === n.name) !== i) invalid(`networks[${i}]`, `joins network ${n.name} twice`);
      });
      checkPlainMap("labels", "labelKey", args.labels);
      checkPlainMap("env", "envName", args.env);
      const memoryBytes = args.memory === undefined ? undefined : parseMemory(args.memory);
      if (args.cpus !== undefined && !(args.cpus > 0)) invalid("cpus", "must be a positive number of cores");
      const hc = args.healthCheck;
      let healthcheck: HealthSpec | undefined;
      if (hc) {
        if (!Array.isArray(hc.test) || hc.test.length === 0)
          invalid("healthCheck.test", 'must be a command like ["CMD", "curl", "-f", "http://localhost/"]');
        healthcheck = {
          test: hc.test,
          intervalSeconds: hc.intervalSeconds ?? 10,
          timeoutSeconds: hc.timeoutSeconds ?? 5,
          retries: hc.retries ?? 3,
          startPeriodSeconds: hc.startPeriodSeconds ?? 0,
        };
      }
      const security = parseContainerSecurity(
        args,
        volumes.map((v) => v.target),
      );
      return {
        restartPolicy: restartPolicy as ContainerSpec["restartPolicy"],
        ports,
        volumes,
        networks,
        memoryBytes,
        healthcheck,
        security,
      };
    });
    const image = args.image instanceof Image ? args.image.repoDigest : pulumi.output(args.image);
    // A Network's id is part of the spec: a network made again is joined again.
    const networkIds = pulumi.all(fixed.networks.map((n) => n.network?.networkId ?? ""));
    const spec = pulumi.all([image, args.command, args.labels ?? {}, networkIds]).apply(([img, command, labels, ids]) => {
      const s: ContainerSpec = {
        name: args.name,
        image: img,
        ports: fixed.ports,
        volumes: fixed.volumes,
        restartPolicy: fixed.restartPolicy,
        labels,
        startTimeoutSeconds: args.startTimeoutSeconds ?? DEFAULT_START_TIMEOUT_SECONDS,
        ...fixed.security,
      };
      if (command) s.command = command;
      // Only set when there are networks, so containers declared before networks existed keep their state.
      if (fixed.networks.length)
        s.networks = fixed.networks.map((n, i): ContainerNetworkSpec => ({
          name: n.name,
          aliases: n.aliases,
          ...(ids[i] ? { id: ids[i] } : {}),
        }));
      if (fixed.healthcheck) s.healthcheck = fixed.healthcheck;
      if (fixed.memoryBytes !== undefined) s.memoryBytes = fixed.memoryBytes;
      if (args.cpus !== undefined) s.cpus = args.cpus;
      return s;
    });
    const env = pulumi.output(args.env ?? {}).apply((e) => e as Record<string, string>);
    const host = args.engine.host;
    const deps: pulumi.Resource[] = [args.engine.ready];
    if (args.image instanceof Image) deps.push(args.image.ready);
    for (const n of fixed.networks) if (n.network) deps.push(n.network.ready);
    for (const v of args.volumes ?? []) if (typeof v === "object" && "volume" in v) deps.push(v.volume.ready);
    super(
      "Container",
      name,
      { connection: host.connection, credentials: host.credentials, spec, env } satisfies ContainerResourceArgs,
      resourceComponentOptions(CONTAINER_TYPE, name, opts, deps),
    );
    this.engine = args.engine;
    this.containerName = args.name;
    this.ready = this;
    if (fixed.security.privileged) {
      noticeOn(
        this,
        "warn",
        `${what}: insecurePrivileged is set: the container has every capability and device of the host (root on the host).`,
      );
    }
  }
}
