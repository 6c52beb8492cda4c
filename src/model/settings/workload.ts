// Image, Container, Network and Volume on one engine.
// Declared once here: the plugin's schema, the reference docs and the agreement tests read it.
import { DEFAULT_RESTART_POLICY, DEFAULT_START_TIMEOUT_SECONDS } from "../defaults";
import { json } from "./json";
import type { ComponentSettings, ObjectType, Setting } from "./types";

/** A container's or a service's environment, declared once for both. */
export const ENV_SETTING = {
  type: { map: "string" },
  description: "Environment variables; stored as a secret as a whole, so secret values stay secret.",
  default: "none",
  example: '{ TZ: "UTC", DB_PASSWORD: config.requireSecret("dbPassword") }',
  secret: true,
} as const satisfies Setting;

export const imageComponent: ComponentSettings = {
  token: "dockyard:workload:Image",
  description:
    "An image on a host's engine, pulled by reference (through mirrors and private registries) and pinned to the digest it resolved to. Containers built from it run that digest.",
  args: { file: "src/workload/image.ts", name: "ImageArgs" },
  class: { file: "src/workload/image.ts", name: "Image" },
  example: { name: "nginx", properties: { engine: "${docker}", ref: "nginx:1.25" }, dependsOn: ["daemon"] },
  fleet: {
    section: "Image",
    keys: { engine: null, credentials: null, build: null },
    fleetOnly: ["on"],
    why: "Placed by `on`; logins come from the file's `credentials` list; a fleet file pulls, it does not build.",
  },
  inputs: {
    engine: {
      type: { resource: "dockyard:engine:DockerEngine" },
      required: true,
      description: "The engine to pull onto.",
      example: "engine",
    },
    ref: {
      type: "string",
      required: true,
      description: "Image reference. Docker Hub images come through the engine's registry mirrors.",
      example: '"nginx:1.25"',
    },
    pullPolicy: {
      type: { enum: ["always", "ifMissing"] },
      description:
        "`ifMissing`: pull only when the host does not have the image. `always`: check the registry on every `up` and refresh, and pull when the tag points at a new digest.",
      default: '"ifMissing"',
      example: '"always"',
    },
    credentials: {
      type: { ref: "RegistryCredentials" },
      description: "Credentials for a private registry.",
      default: "none",
      example: '{ server: "10.0.0.5:5000", username: "deploy", password: config.requireSecret("registryPassword") }',
      secret: true,
    },
    build: {
      type: { ref: "BuildArgs" },
      description:
        "Build the image on the host from a local context (and push it) instead of pulling it. A change to any file of the context rebuilds.",
      default: "none: pull `ref`",
      example: '{ context: "./app", push: true }',
    },
    source: {
      type: { ref: "ImageSourceArgs" },
      description:
        "Bring the image from an archive, or copied by this machine, instead of the host pulling it (hosts with no route to a registry). `credentials` are then this machine's, kept in memory.",
      default: "none: the host pulls `ref`",
      example: '{ archive: "./images/nginx-1.25.tar", sha256: "3f1c2a5e0b8d4c6e9a7b1d2f4e6a8c0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c" }',
    },
    keepOnDestroy: { type: "boolean", description: "Keep the image on the host on `pulumi destroy`.", default: "false", example: "true" },
  },
  outputs: {
    digest: { type: "string", description: "`sha256:...` the reference resolved to." },
    repoDigest: { type: "string", description: "`repository@sha256:...`, what a Container runs." },
    ref: { type: "string", description: "The reference as declared." },
    drift: { type: { array: "string" }, description: "" },
  },
};

export const containerComponent: ComponentSettings = {
  token: "dockyard:workload:Container",
  description:
    "A container on a host's engine, managed through the Docker Engine API over the host's SSH session. An unchanged `up` touches nothing; a new image digest or another immutable setting replaces it; restart policy and limits are updated in place; a container stopped or removed by hand is started or recreated. Success waits for health (or for the container to stay up); a container that exits at once fails with its last log lines, and a host port already taken fails naming host and port.",
  args: { file: "src/workload/container.ts", name: "ContainerArgs" },
  class: { file: "src/workload/container.ts", name: "Container" },
  example: {
    name: "web",
    properties: {
      engine: "${docker}",
      name: "nginx-container",
      image: "${nginx}",
      ports: ["80:80"],
      env: { TZ: "UTC" },
      restartPolicy: "unless-stopped",
    },
  },
  fleet: { section: "Container", keys: { engine: null }, fleetOnly: ["on"], why: "Placed by `on`." },
  inputs: {
    engine: { type: { resource: "dockyard:engine:DockerEngine" }, required: true, description: "The engine to run on.", example: "engine" },
    name: { type: "string", required: true, description: "Container name (unique per host).", example: '"nginx-container"' },
    image: {
      type: { oneOf: [{ resource: "dockyard:workload:Image" }, "string"] },
      required: true,
      description: "An Image (the container runs its digest, and is replaced when the digest changes) or a reference already on the host.",
      example: 'new Image("nginx", { engine, ref: "nginx:1.25" })',
    },
    command: {
      type: { array: "string" },
      description: "Command and arguments.",
      default: "the image's own",
      example: '["nginx", "-g", "daemon off;"]',
    },
    env: ENV_SETTING,
    ports: {
      type: { array: { oneOf: ["string", { ref: "PortArgs" }] } },
      description: 'Published ports: `"80:80"`, `"127.0.0.1:8080:80/tcp"`, or objects.',
      default: "none",
      example: '["80:80"]',
    },
    volumes: {
      type: { array: { oneOf: ["string", { ref: "VolumeSpec" }, { ref: "VolumeMountArgs" }] } },
      description:
        'Bind mounts (absolute host path) and named volumes: `"/srv/html:/usr/share/nginx/html:ro"`, or a Volume component mounted at a path (the container then waits for the volume).',
      default: "none",
      example: '["/etc/app:/etc/app:ro", { volume: data, target: "/var/lib/app" }]',
    },
    networks: {
      type: { array: { oneOf: [{ resource: "dockyard:workload:Network" }, "string", { ref: "ContainerNetworkArgs" }] } },
      description:
        "User-defined networks to join, with aliases other containers reach it by. A change of networks or aliases reconnects the running container in place (no replace).",
      default: "none (the engine's default bridge)",
      example: '[{ network: net, aliases: ["backend"] }, "monitoring"]',
    },
    restartPolicy: {
      type: { enum: ["no", "always", "unless-stopped", "on-failure"] },
      description: "",
      default: json(DEFAULT_RESTART_POLICY),
      example: '"always"',
    },
    labels: { type: { map: "string" }, description: "", default: "none", example: '{ team: "web" }' },
    healthCheck: {
      type: { ref: "HealthCheckArgs" },
      description: "Health check; `up` waits until the container is healthy.",
      default: "the image's own, else none (`up` waits until the container stays up)",
      example: '{ test: ["CMD", "wget", "-q", "-O-", "http://localhost/"] }',
    },
    memory: {
      type: { oneOf: ["number", "string"] },
      description: "Memory limit in bytes, or with a unit (`512m`, `2g`).",
      default: "no limit",
      example: '"512m"',
    },
    cpus: { type: "number", description: "CPU limit in cores.", default: "no limit", example: "1.5" },
    startTimeoutSeconds: {
      type: "integer",
      description: "Seconds to wait for health (or for the container to stay up).",
      default: json(DEFAULT_START_TIMEOUT_SECONDS),
      example: "120",
    },
    user: {
      type: "string",
      description: "User (name or uid, optionally `:group`) the container's process runs as, as `docker run --user`.",
      default: "the image's own",
      example: '"101:101"',
    },
    readOnlyRootFilesystem: {
      type: "boolean",
      description: "Mount the container's root filesystem read-only; give the paths its program writes to as `tmpfs` mounts or volumes.",
      default: "false",
      example: "true",
    },
    capAdd: {
      type: { array: "string" },
      description: "Linux capabilities to add, without `CAP_` (`ALL` is refused: see `insecurePrivileged`).",
      default: "none",
      example: '["NET_BIND_SERVICE"]',
    },
    capDrop: {
      type: { array: "string" },
      description: "Linux capabilities to drop; `ALL` drops every one, and `capAdd` gives back those needed.",
      default: "none",
      example: '["ALL"]',
    },
    noNewPrivileges: {
      type: "boolean",
      description:
        "The container's processes cannot gain privileges (through setuid binaries or file capabilities): the security option `no-new-privileges`. `false` overrides the daemon's `no-new-privileges` for this container.",
      default: "the daemon's (off unless its daemon.json sets no-new-privileges)",
      example: "true",
    },
    securityOpt: {
      type: { array: "string" },
      description:
        "Security options: an AppArmor profile loaded on the host (`apparmor=<profile>`), `seccomp=unconfined`, SELinux labels (`label=type:<type>`, `label=level:<level>`, `label=user:...`, `label=role:...`, `label=disable`). A seccomp profile of your own is the daemon's `seccomp-profile` (a file on the host).",
      default: "the engine's (its AppArmor profile where AppArmor is on, its seccomp profile)",
      example: '["apparmor=docker-default"]',
    },
    pidsLimit: {
      type: "integer",
      description: "Most processes (and threads) the container may run at once.",
      default: "no limit",
      example: "256",
    },
    tmpfs: {
      type: { map: "string" },
      description:
        "tmpfs mounts: an absolute path in the container and its mount options (empty: the engine's, `rw,noexec,nosuid,nodev`). With `readOnlyRootFilesystem`, the paths its program writes to.",
      default: "none",
      example: '{ "/tmp": "rw,noexec,nosuid,size=64m", "/var/run": "" }',
    },
    ulimits: {
      type: { array: { ref: "UlimitArgs" } },
      description: "Resource limits of the container's processes.",
      default: "the daemon's default-ulimits",
      example: '[{ name: "nofile", soft: 1024, hard: 2048 }]',
    },
    insecurePrivileged: {
      type: "boolean",
      description:
        "Run the container privileged: every capability and every device of the host, no AppArmor or seccomp confinement, so root in it is root on the host. Asked for by this name only (`privileged` is refused); every run warns while it is set. For system containers that manage the host.",
      default: "false",
      example: "true",
    },
  },
  outputs: {
    state: { type: "string", description: "`running`, `exited`, ... as the engine reported it last." },
    containerId: { type: "string", description: "" },
    drift: { type: { array: "string" }, description: "" },
  },
};

export const networkComponent: ComponentSettings = {
  token: "dockyard:workload:Network",
  description:
    "A user-defined network on a host's engine (bridge by default): containers on it reach each other by name and alias. Read back on refresh: removed or changed by hand is drift, and `up` makes it again. Every setting is fixed at creation, so a change replaces it. Removing it disconnects Dockyard's containers first and refuses, naming them, when containers Dockyard does not manage are attached.",
  args: { file: "src/workload/network.ts", name: "NetworkArgs" },
  class: { file: "src/workload/network.ts", name: "Network" },
  example: {
    name: "shopNet",
    properties: { engine: "${docker}", name: "shop", subnet: "172.30.0.0/24", gateway: "172.30.0.1" },
    dependsOn: ["daemon"],
  },
  fleet: { section: "Network", keys: { engine: null }, fleetOnly: ["on"], why: "Placed by `on`." },
  inputs: {
    engine: {
      type: { resource: "dockyard:engine:DockerEngine" },
      required: true,
      description: "The engine the network is made on.",
      example: "engine",
    },
    name: {
      type: "string",
      required: true,
      description: "Network name on the host; containers reach each other by name and alias on it.",
      example: '"shop"',
    },
    driver: { type: "string", description: "Network driver.", default: '"bridge"', example: '"macvlan"' },
    subnet: {
      type: "string",
      description: "IPv4 subnet in CIDR form.",
      default: "one the engine picks from its address pools",
      example: '"172.30.0.0/24"',
    },
    gateway: {
      type: "string",
      description: "Gateway address, inside `subnet` (which it needs).",
      default: "the first address of the subnet",
      example: '"172.30.0.1"',
    },
    labels: { type: { map: "string" }, description: "Labels on the network.", default: "none", example: '{ team: "shop" }' },
    internal: { type: "boolean", description: "No route out: containers on it reach each other only.", default: "false", example: "true" },
  },
  outputs: {
    networkId: { type: "string", description: "The id the engine gave it; a new one when the network was made again." },
    drift: { type: { array: "string" }, description: "" },
  },
};

export const volumeComponent: ComponentSettings = {
  token: "dockyard:workload:Volume",
  description:
    "A named volume on a host's engine, for data that outlives containers. Read back on refresh (removed or changed by hand is drift; `up` makes a removed one again, empty). Data is precious: destroy keeps it and says so unless `deleteOnDestroy: true`, and a volume with other settings already on the host is refused, never removed to make it match.",
  args: { file: "src/workload/volume.ts", name: "VolumeArgs" },
  class: { file: "src/workload/volume.ts", name: "Volume" },
  example: { name: "shopData", properties: { engine: "${docker}", name: "shop-data" }, dependsOn: ["daemon"] },
  fleet: { section: "Volume", keys: { engine: null }, fleetOnly: ["on"], why: "Placed by `on`." },
  inputs: {
    engine: {
      type: { resource: "dockyard:engine:DockerEngine" },
      required: true,
      description: "The engine the volume is made on.",
      example: "engine",
    },
    name: { type: "string", required: true, description: "Volume name on the host.", example: '"shop-data"' },
    driver: { type: "string", description: "Volume driver.", default: '"local"', example: '"local"' },
    driverOpts: {
      type: { map: "string" },
      description: "Driver options, as `docker volume create -o` takes them.",
      default: "none",
      example: '{ type: "tmpfs", device: "tmpfs", o: "size=100m" }',
    },
    labels: { type: { map: "string" }, description: "Labels on the volume.", default: "none", example: '{ team: "shop" }' },
    deleteOnDestroy: {
      type: "boolean",
      description: "Remove the volume, and the data in it, on destroy (or when it is replaced).",
      default: "false (the volume and its data stay, and destroy says so)",
      example: "true",
    },
  },
  outputs: {
    mountpoint: { type: "string", description: "Where the engine keeps its data on the host." },
    drift: { type: { array: "string" }, description: "" },
  },
};

/** The object types these components' settings refer to. */
export const WORKLOAD_TYPES: Readonly<Record<string, ObjectType>> = {
  RegistryCredentials: {
    description: "A login to the registry an image is pulled from.",
    source: { file: "src/workload/image.ts", name: "RegistryCredentials" },
    properties: {
      server: {
        type: "string",
        required: true,
        description: "Registry the credentials are for, as in `docker login <server>`.",
        example: '"10.0.0.5:5000"',
      },
      username: { type: "string", required: true, description: "", example: '"deploy"' },
      password: {
        type: "string",
        required: true,
        description: "Stored as a Pulumi secret; never logged.",
        example: 'config.requireSecret("registryPassword")',
        secret: true,
      },
    },
  },
  ImageSourceArgs: {
    description: "Where an image comes from when its host does not pull it: an archive here, or a copy this machine fetches.",
    source: { file: "src/workload/image.ts", name: "ImageSourceArgs" },
    fleet: { section: "ImageSource" },
    properties: {
      archive: {
        type: { oneOf: ["asset", "asset", "string"] },
        description:
          "An image archive (`docker save` or OCI): a path or `pulumi.asset.FileAsset` here, or an http(s) URL or `pulumi.asset.RemoteAsset` that this machine fetches (never the host) into its cache, once per checksum. Uploaded to the host once, kept there under its sha256 and `docker load`ed. It must hold `ref` among its tags.",
        default: "none",
        example: '"./images/nginx-1.25.tar"',
      },
      sha256: {
        type: "string",
        description: "sha256 of the archive (`sha256sum`), checked here before any host sees it and on the host on arrival.",
        default: "none (required with `archive`)",
        example: '"3f1c2a5e0b8d4c6e9a7b1d2f4e6a8c0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c"',
      },
      controller: {
        type: "boolean",
        description:
          "Fetch the image on the machine running Pulumi (once per run, for all hosts) from a registry it reaches, and copy it to the hosts as an archive: for hosts that reach no registry.",
        default: "false",
        example: "true",
      },
      from: {
        type: "string",
        description: "With `controller`: the reference this machine fetches (the hosts know the image as `ref`).",
        default: "`ref`",
        example: '"registry.example.com/mirror/nginx:1.25"',
      },
      directory: {
        type: "string",
        description:
          "With `controller`: a directory of image archives here (`*.tar`, `docker save` or OCI) to take the image from instead of a registry: the archive that names `ref` is copied to the hosts.",
        default: "none: a registry",
        example: '"/srv/image-depot"',
      },
      insecure: {
        type: "boolean",
        description:
          "INSECURE: with `controller`, the registry speaks plain HTTP; with an `archive` URL, an `http://` one is accepted (its sha256 is still checked).",
        default: "false",
        example: "true",
      },
    },
  },
  BuildArgs: {
    description: "An image built on the host from a build context here, instead of pulled.",
    source: { file: "src/workload/image.ts", name: "BuildArgs" },
    properties: {
      context: {
        type: "string",
        required: true,
        description: "Local directory with the Dockerfile; its files are sent to the host's engine.",
        example: '"./app"',
      },
      dockerfile: {
        type: "string",
        description: "Dockerfile path inside the context.",
        default: '"Dockerfile"',
        example: '"docker/Dockerfile.prod"',
      },
      args: { type: { map: "string" }, description: "Build arguments.", default: "none", example: '{ VERSION: "1.2.3" }' },
      push: {
        type: "boolean",
        description: "Push the built image to the registry `ref` names (with `credentials`).",
        default: "false",
        example: "true",
      },
    },
  },
  PortArgs: {
    description: "A port a container publishes on its host.",
    source: { file: "src/model/container-settings.ts", name: "PortArgs" },
    properties: {
      containerPort: { type: "integer", required: true, description: "", example: "80" },
      hostPort: { type: "integer", description: "", default: "the same as containerPort", example: "8080" },
      hostIp: { type: "string", description: "Host address to bind.", default: "all addresses", example: '"127.0.0.1"' },
      protocol: { type: { enum: ["tcp", "udp"] }, description: "", default: '"tcp"', example: '"udp"' },
    },
  },
  UlimitArgs: {
    description: "A resource limit of the container's processes, as `docker run --ulimit name=soft:hard`.",
    source: { file: "src/model/container-security.ts", name: "UlimitArgs" },
    properties: {
      name: {
        type: "string",
        required: true,
        description:
          "The limit: core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending or stack.",
        example: '"nofile"',
      },
      soft: { type: "integer", required: true, description: "Soft limit (-1: unlimited).", example: "1024" },
      hard: { type: "integer", description: "Hard limit (-1: unlimited).", default: "the same as soft", example: "2048" },
    },
  },
  VolumeSpec: {
    description: "A mount: a host path or a named volume, at an absolute path in the container.",
    source: { file: "src/model/container-settings.ts", name: "VolumeSpec" },
    properties: {
      source: { type: "string", required: true, description: "An absolute host path (bind mount) or a named volume." },
      target: { type: "string", required: true, description: "" },
      readOnly: { type: "boolean", description: "" },
    },
  },
  VolumeMountArgs: {
    description: "A Volume component mounted into a container at a path.",
    source: { file: "src/workload/container.ts", name: "VolumeMountArgs" },
    properties: {
      volume: {
        type: { resource: "dockyard:workload:Volume" },
        required: true,
        description: "A Volume of the same engine.",
        example: 'new Volume("data", { engine, name: "shop-data" })',
      },
      target: {
        type: "string",
        required: true,
        description: "Where it is mounted in the container (absolute).",
        example: '"/var/lib/data"',
      },
      readOnly: { type: "boolean", description: "", default: "false", example: "true" },
    },
  },
  ContainerNetworkArgs: {
    description: "A network a container joins, with the aliases other containers reach it by.",
    source: { file: "src/workload/container.ts", name: "ContainerNetworkArgs" },
    properties: {
      network: {
        type: { oneOf: [{ resource: "dockyard:workload:Network" }, "string"] },
        required: true,
        description: "A Network of the same engine, or the name of a network already on the host.",
        example: 'new Network("shop", { engine, name: "shop" })',
      },
      aliases: {
        type: { array: "string" },
        description: "Other names the container answers to on this network (its own name always does).",
        default: "none",
        example: '["backend"]',
      },
    },
  },
  HealthCheckArgs: {
    description: "A container's health check: the command and how often it runs.",
    source: { file: "src/workload/container.ts", name: "HealthCheckArgs" },
    properties: {
      test: {
        type: { array: "string" },
        required: true,
        description: "The check, as Docker takes it.",
        example: '["CMD", "wget", "-q", "-O-", "http://localhost/"]',
      },
      intervalSeconds: { type: "integer", description: "", default: "10", example: "5" },
      timeoutSeconds: { type: "integer", description: "", default: "5", example: "3" },
      retries: { type: "number", description: "", default: "3", example: "5" },
      startPeriodSeconds: { type: "integer", description: "", default: "0", example: "15" },
    },
  },
};
