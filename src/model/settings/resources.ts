// The resource kinds the plugin serves (src/providers/kinds.ts names them, their inputs, outputs
// and secrets): each property's type and meaning, and what forces a replacement.
import { ON_WEB1 } from "./examples";
import { composeProjectResource } from "./compose";
import type { ObjectType, ResourceSettings, Settings } from "./types";

/** The machine a connected resource works on and the secrets that reach it: the same on every kind. */
const CONNECTED = {
  connection: {
    type: { ref: "ConnectionInputs" },
    required: true,
    description: "",
    replacesWhen:
      "it names another machine (another `host` or `port`; another user, key, host key, jump host or timeout is an update in place)",
  },
  credentials: { type: { ref: "Credentials" }, required: true, description: "" },
} as const satisfies Settings;

export const RESOURCE_SETTINGS: Readonly<Record<string, ResourceSettings>> = {
  HostFacts: {
    description:
      "What a machine reports over SSH (OS, kernel, architecture, init system, docker), read on every `up` and `refresh`, and the preflight policy checked against it.",
    inputsSource: { file: "src/providers/host-facts.ts", name: "HostFactsInputs" },
    example: { name: "web1Facts", properties: { ...ON_WEB1, preflight: { minKernel: "4.18", architectures: ["x86_64"] } } },
    outputsSource: { file: "src/providers/host-facts.ts", name: "HostFactsOutputs" },
    inputs: {
      preflight: { type: { ref: "PreflightPolicy" }, description: "Checked on create, update and every diff; a refresh only reads." },
      ...CONNECTED,
    },
    outputs: {
      facts: { type: { ref: "HostFacts" }, description: "" },
    },
  },
  DockerEngine: {
    description: "The Docker engine on a host: installed online, offline from a bundle, or adopted; started, enabled and checked.",
    inputsSource: { file: "src/providers/docker-engine.ts", name: "DockerEngineInputs" },
    example: { name: "adoptedEngine", properties: { ...ON_WEB1, facts: "${web1.facts}", spec: { method: "adopt" } } },
    outputsSource: { file: "src/providers/docker-engine.ts", name: "DockerEngineOutputs" },
    inputs: {
      facts: { type: { ref: "HostFacts" }, required: true, description: "The host's facts (distribution), from its Host." },
      spec: { type: { ref: "EngineSpec" }, required: true, description: "" },
      daemon: {
        type: { ref: "InitialDaemon" },
        description: "The engine's DaemonConfig settings, written before a fresh engine first starts; not compared (install time only).",
      },
      connection: { type: { ref: "ConnectionInputs" }, required: true, description: "" },
      credentials: { type: { ref: "Credentials" }, required: true, description: "" },
    },
    outputs: {
      version: { type: "string", description: "Server version the daemon reports." },
      apiVersion: { type: "string", description: "" },
      clientVersion: { type: "string", description: "" },
      packageVersion: { type: "string", description: "Installed engine package version (online), e.g. `5:24.0.7-1~debian.12~bookworm`." },
      bundleUploaded: {
        type: "boolean",
        description: "True when the last `up` uploaded the offline bundle (false: the host had it already).",
      },
      composeVersion: { type: "string", description: '`docker compose version --short` on the host; "" without the compose plugin.' },
      drift: { type: { array: "string" }, description: "Differences between what is declared and what the host has; filled by refresh." },
    },
  },
  DaemonConfig: {
    description:
      "/etc/docker/daemon.json (and dockerd's proxy) on a host: merged or replaced, validated, backed up, applied with one restart, rolled back when dockerd does not come back.",
    inputsSource: { file: "src/providers/daemon-config.ts", name: "DaemonConfigInputs" },
    example: {
      name: "daemonJson",
      properties: { ...ON_WEB1, settings: { "registry-mirrors": ["https://mirror.gcr.io"], "live-restore": true }, policy: "merge" },
    },
    outputsSource: { file: "src/providers/daemon-config.ts", name: "DaemonConfigOutputs" },
    inputs: {
      connection: { type: { ref: "ConnectionInputs" }, required: true, description: "" },
      credentials: { type: { ref: "Credentials" }, required: true, description: "" },
      settings: { type: { map: "any" }, required: true, description: "The keys Dockyard owns, as they go into daemon.json." },
      policy: { type: { enum: ["merge", "replace"] }, required: true, description: "" },
      proxy: {
        type: { ref: "DaemonProxy" },
        description: "dockerd's proxy (a root-only environment file named by a systemd drop-in); a secret in state, never in logs.",
      },
      refuseOverwriting: {
        type: { array: "string" },
        description: "Keys of ours that must not replace a different value already on the host (defaults).",
      },
    },
    outputs: {
      content: { type: { map: "any" }, description: "daemon.json as it is on the host after the last change (or refresh)." },
      effectiveMirrors: { type: { array: "string" }, description: "Mirrors as `docker info` reports them." },
      drift: { type: { array: "string" }, description: "Where the host differs from the declaration; filled by refresh." },
    },
  },
  DockerUsers: {
    description: "Existing users put in the docker group; destroy takes out only the ones added.",
    inputsSource: { file: "src/providers/docker-users.ts", name: "DockerUsersInputs" },
    example: { name: "dockerGroup", properties: { ...ON_WEB1, users: ["deploy"] } },
    outputsSource: { file: "src/providers/docker-users.ts", name: "DockerUsersOutputs" },
    inputs: {
      users: { type: { array: "string" }, required: true, description: "" },
      connection: { type: { ref: "ConnectionInputs" }, required: true, description: "" },
      credentials: { type: { ref: "Credentials" }, required: true, description: "" },
    },
    outputs: {
      added: { type: { array: "string" }, description: "Users Dockyard put into the group (the only ones destroy takes out)." },
      drift: { type: { array: "string" }, description: "Where the host differs from the declaration; filled by refresh." },
    },
  },
  Image: {
    description: "An image pulled (or built) on a host's engine, by reference; its digest is what containers run.",
    inputsSource: { file: "src/providers/image.ts", name: "ImageInputs" },
    example: { name: "busybox", properties: { ...ON_WEB1, spec: { ref: "busybox:1.36", pullPolicy: "ifMissing" } } },
    outputsSource: { file: "src/providers/image.ts", name: "ImageOutputs" },
    inputs: {
      spec: { type: { ref: "ImageSpec" }, required: true, description: "" },
      registryAuth: { type: { ref: "RegistryAuth" }, description: "Registry credentials (secret), when the registry needs them." },
      ...CONNECTED,
    },
    outputs: {
      digest: { type: "string", description: "`sha256:...` the reference resolved to when it was pulled." },
      repoDigest: {
        type: "string",
        description: "`repository@sha256:...`: what containers run, so a moved tag never swaps their image silently.",
      },
      imageId: { type: "string", description: "" },
      archiveSha256: {
        type: "string",
        description: "sha256 of the archive the image was loaded from (kept on the host), for an image with a `source`.",
      },
      drift: { type: { array: "string" }, description: "" },
    },
  },
  Container: {
    description: "A container on a host's engine, with the settings Dockyard owns on it.",
    inputsSource: { file: "src/providers/container.ts", name: "ContainerInputs" },
    example: {
      name: "hello",
      properties: {
        ...ON_WEB1,
        spec: {
          name: "hello",
          image: "${nginx.repoDigest}",
          ports: [{ containerPort: 80, hostPort: 8081, protocol: "tcp" }],
          volumes: [],
          restartPolicy: "unless-stopped",
          labels: { team: "web" },
          startTimeoutSeconds: 60,
        },
        env: { TZ: "UTC" },
      },
    },
    outputsSource: { file: "src/providers/container.ts", name: "ContainerOutputs" },
    inputs: {
      spec: {
        type: { ref: "ContainerSpec" },
        required: true,
        description: "",
        replacesWhen:
          "a setting the Engine API cannot change in place changed (image, command, ports, volumes, labels, health check); restart policy, limits and networks are updated in place",
      },
      env: {
        type: { map: "string" },
        required: true,
        description: "Environment, kept apart so the whole of it is stored as a secret.",
        replaceOnChange: true,
      },
      ...CONNECTED,
    },
    outputs: {
      containerId: { type: "string", description: "" },
      state: { type: "string", description: "`running`, `exited`, `missing`... as the engine reports it (refresh)." },
      drift: { type: { array: "string" }, description: "" },
    },
  },
  RemoteFile: {
    description: "A file written on a host (mode and content), read back for drift.",
    inputsSource: { file: "src/providers/remote-file.ts", name: "RemoteFileInputs" },
    example: {
      name: "motd",
      properties: { ...ON_WEB1, path: "/etc/motd", content: "Managed by Pulumi: changes by hand are undone.\n", mode: "0644" },
    },
    outputsSource: { file: "src/providers/remote-file.ts", name: "RemoteFileOutputs" },
    inputs: {
      path: { type: "string", required: true, description: "", replaceOnChange: true },
      content: { type: "string", required: true, description: "The file's text; stored as a secret (keys, password hashes)." },
      mode: { type: "string", required: true, description: "Octal mode, e.g. `0600`." },
      ...CONNECTED,
    },
    outputs: {
      sha256: { type: "string", description: "" },
      drift: { type: { array: "string" }, description: "" },
    },
  },
  Certificate: {
    description: "A private CA and a certificate for the given names, generated once and kept in the state.",
    inputsSource: { file: "src/providers/certificate.ts", name: "CertificateInputs" },
    example: { name: "registryCert", properties: { names: ["registry.internal", "10.0.0.12"], days: 825 } },
    outputsSource: { file: "src/providers/certificate.ts", name: "CertificateOutputs" },
    inputs: {
      names: {
        type: { array: "string" },
        required: true,
        description: "Names and addresses the server certificate is valid for.",
        replaceOnChange: true,
      },
      days: { type: "integer", required: true, description: "Validity in days.", replaceOnChange: true },
    },
    outputs: {
      caCertificate: { type: "string", description: "" },
      certificate: { type: "string", description: "" },
      privateKey: { type: "string", description: "The server's private key (secret)." },
    },
  },
  Htpasswd: {
    description: "An htpasswd file's content (bcrypt) for registry users.",
    inputsSource: { file: "src/providers/htpasswd.ts", name: "HtpasswdInputs" },
    example: { name: "registryUsers", properties: { users: [{ username: "deploy", password: "${registryPassword}" }] } },
    outputsSource: { file: "src/providers/htpasswd.ts", name: "HtpasswdOutputs" },
    inputs: {
      users: { type: { array: { ref: "HtpasswdUser" } }, required: true, description: "" },
    },
    outputs: {
      usernames: { type: { array: "string" }, description: "The user names, in order (not secret)." },
      content: {
        type: "string",
        description: "The htpasswd file: one `user:bcrypt` line each. A secret output: the hashes are never in plain state.",
      },
    },
  },
  SshKeyPair: {
    description: "An SSH key pair generated once and kept in the state.",
    inputsSource: { file: "src/providers/ssh-key-pair.ts", name: "SshKeyPairInputs" },
    example: { name: "deployKey", properties: { algorithm: "ed25519", comment: "deploy@fleet" } },
    outputsSource: { file: "src/providers/ssh-key-pair.ts", name: "SshKeyPairOutputs" },
    inputs: {
      algorithm: { type: { enum: ["ed25519"] }, required: true, description: "Key type. Only ed25519 is made.", replaceOnChange: true },
      comment: { type: "string", required: true, description: "Comment at the end of the public key line." },
    },
    outputs: {
      publicKey: { type: "string", description: "`ssh-ed25519 AAAA... comment`" },
      privateKey: { type: "string", description: "OpenSSH private key, no passphrase (secret)." },
    },
  },
  ReportedHostKey: {
    description: "The SSH host key a new EC2 instance prints on its serial console, read through ec2:GetConsoleOutput.",
    inputsSource: { file: "src/providers/reported-host-key.ts", name: "ReportedHostKeyInputs" },
    example: {
      name: "instanceHostKey",
      properties: { instanceId: "i-0123456789abcdef0", timeoutSeconds: 600, region: "eu-central-1" },
    },
    outputsSource: { file: "src/providers/reported-host-key.ts", name: "ReportedHostKeyOutputs" },
    inputs: {
      instanceId: { type: "string", required: true, description: "", replaceOnChange: true },
      timeoutSeconds: { type: "integer", required: true, description: "How long to wait for the key on the console." },
      region: { type: "string", required: true, description: "" },
      profile: { type: "string", description: "" },
    },
    outputs: {
      publicKey: { type: "string", description: "`ssh-ed25519 AAAA...`, as the instance printed it at first boot." },
    },
  },
  Network: {
    description: "A user-defined network on a host's engine.",
    inputsSource: { file: "src/providers/network.ts", name: "NetworkInputs" },
    example: {
      name: "backNet",
      properties: {
        ...ON_WEB1,
        spec: { name: "back", driver: "bridge", subnet: "172.31.0.0/24", gateway: "172.31.0.1", internal: false, labels: {} },
      },
    },
    outputsSource: { file: "src/providers/network.ts", name: "NetworkOutputs" },
    inputs: {
      spec: { type: { ref: "NetworkSpec" }, required: true, description: "", replaceOnChange: true },
      ...CONNECTED,
    },
    outputs: {
      networkId: { type: "string", description: "" },
      drift: { type: { array: "string" }, description: "" },
    },
  },
  Volume: {
    description: "A named volume on a host's engine.",
    inputsSource: { file: "src/providers/volume.ts", name: "VolumeInputs" },
    example: {
      name: "cache",
      properties: { ...ON_WEB1, spec: { name: "cache", driver: "local", driverOpts: {}, labels: {} }, deleteOnDestroy: true },
    },
    outputsSource: { file: "src/providers/volume.ts", name: "VolumeOutputs" },
    inputs: {
      spec: { type: { ref: "NamedVolumeSpec" }, required: true, description: "", replaceOnChange: true },
      deleteOnDestroy: {
        type: "boolean",
        required: true,
        description: "Remove the volume (and its data) on destroy; otherwise it stays and destroy says so.",
      },
      ...CONNECTED,
    },
    outputs: {
      mountpoint: { type: "string", description: "" },
      drift: { type: { array: "string" }, description: "" },
    },
  },
  ComposeProject: composeProjectResource,
  Swarm: {
    description: "A swarm of engines: the first node initialises it, the others join as managers or workers.",
    inputsSource: { file: "src/providers/swarm.ts", name: "SwarmInputs" },
    example: {
      name: "cluster",
      properties: {
        nodes: [{ name: "web1", connection: "${web1.connection}", role: "manager", labels: { zone: "a" }, availability: "active" }],
        credentials: ["${web1.credentials}"],
      },
    },
    outputsSource: { file: "src/providers/swarm.ts", name: "SwarmOutputs" },
    inputs: {
      nodes: {
        type: { array: { ref: "SwarmNodeSpec" } },
        required: true,
        description: "Managers first; the first one inits the swarm.",
        replacesWhen: "the first node (the one the swarm was initialised on) is another machine",
      },
      credentials: {
        type: { array: { ref: "Credentials" } },
        required: true,
        description: "Key material, index for index with `nodes`, in one property so it is stored as a secret.",
      },
      defaultAddrPool: { type: { array: "string" }, description: "", replaceOnChange: true },
      subnetSize: { type: "integer", description: "", replaceOnChange: true },
    },
    outputs: {
      clusterId: { type: "string", description: "" },
      members: { type: { array: { ref: "SwarmMember" } }, description: "" },
      joinTokens: {
        type: { ref: "SwarmJoinTokens" },
        description: "Secret: the tokens that let a machine join. Never logged.",
      },
      drift: { type: { array: "string" }, description: "" },
    },
  },
  Service: {
    description: "A swarm service, converged when every task has stayed running.",
    inputsSource: { file: "src/providers/service.ts", name: "ServiceInputs" },
    example: {
      name: "helloService",
      properties: {
        ...ON_WEB1,
        spec: {
          name: "hello",
          image: "${nginx.repoDigest}",
          mode: "replicated",
          replicas: 1,
          ports: [{ targetPort: 80, publishedPort: 8081, protocol: "tcp", publishMode: "host" }],
          constraints: [],
          labels: {},
          networks: [],
          update: { parallelism: 1, delaySeconds: 0, failureAction: "pause", order: "stop-first", monitorSeconds: 5 },
          rollback: { parallelism: 1, delaySeconds: 0, failureAction: "pause", order: "stop-first", monitorSeconds: 5 },
          convergeTimeoutSeconds: 120,
        },
        env: {},
      },
      dependsOn: ["cluster"],
    },
    outputsSource: { file: "src/providers/service.ts", name: "ServiceOutputs" },
    inputs: {
      spec: { type: { ref: "ServiceSpec" }, required: true, description: "" },
      env: { type: { map: "string" }, required: true, description: "Kept apart so the whole of it is stored as a secret." },
      registryAuth: { type: { ref: "RegistryAuth" }, description: "Sent with the spec so every node can pull from a private registry." },
      connection: { type: { ref: "ConnectionInputs" }, required: true, description: "" },
      credentials: { type: { ref: "Credentials" }, required: true, description: "" },
    },
    outputs: {
      serviceId: { type: "string", description: "" },
      runningTasks: { type: "number", description: "Tasks running when last read." },
      drift: { type: { array: "string" }, description: "" },
    },
  },
  RolloutGate: {
    description: "A pause between rollout batches: waits, then checks that the batch's targets are healthy before the next batch starts.",
    inputsSource: { file: "src/providers/rollout-gate.ts", name: "RolloutGateInputs" },
    example: {
      name: "batchGate",
      properties: {
        label: "batch 1 of 2 (web1)",
        changes: ["${docker.version}", "${daemon.content}"],
        targets: [{ connection: "${web1.connection}", containers: ["nginx-container"] }],
        credentials: ["${web1.credentials}"],
        pauseSeconds: 30,
        timeoutSeconds: 300,
      },
    },
    inputs: {
      label: { type: "string", required: true, description: "For messages: `batch 1 of 2 (web1, web2)`." },
      changes: {
        type: { array: "any" },
        required: true,
        description:
          "The batch's disruptive outputs (engine versions, daemon.json contents, container ids): the gate waits only when they changed, so a run that changed nothing there passes at once.",
      },
      targets: { type: { array: { ref: "GateTarget" } }, required: true, description: "" },
      credentials: {
        type: { array: { ref: "Credentials" } },
        required: true,
        description: "Per target, its key material (one top-level property, kept secret as a whole).",
      },
      pauseSeconds: { type: "integer", required: true, description: "" },
      timeoutSeconds: { type: "integer", required: true, description: "" },
    },
    outputs: {},
  },
};

/** The object types the resources' properties refer to. */
export const RESOURCE_TYPES: Readonly<Record<string, ObjectType>> = {
  Credentials: {
    description:
      "Key material, kept in one top-level property so the resource can mark it secret as a whole (`additionalSecretOutputs` only names top-level properties).",
    source: { file: "src/providers/connection-inputs.ts", name: "Credentials" },
    properties: {
      privateKey: { type: "string", required: true, description: "", secret: true },
      privateKeyPassphrase: { type: "string", description: "", secret: true },
      jumpPrivateKey: { type: "string", description: "The jump host's key; the host's own key when absent." },
    },
  },
  EngineSpec: {
    description: "What the engine should be; plain data, compared field by field in diff.",
    source: { file: "src/plan/docker-engine.ts", name: "EngineSpec" },
    properties: {
      method: { type: { enum: ["online", "offline", "adopt"] }, required: true, description: "" },
      source: { type: { enum: ["docker-ce", "distro"] }, description: "" },
      mirror: { type: "string", description: "" },
      mirrorKeyFingerprint: { type: "string", description: "Fingerprint the mirror's signing key must have (absent: Docker's own)." },
      allowInsecureHttp: { type: "boolean", description: "Plain http:// mirror or bundle URL allowed (absent: refused)." },
      channel: { type: "string", description: "" },
      version: { type: "string", description: "" },
      allowDowngrade: { type: "boolean", description: "" },
      bundle: {
        type: { ref: "EngineSpecBundle" },
        description: "Offline, one bundle for whatever architecture the host is (the single-bundle form).",
      },
      bundles: {
        type: { map: { ref: "EngineSpecBundle" } },
        description: "Offline, a bundle per architecture (Docker's folder names: `x86_64`, `aarch64`, `armhf`, ...).",
      },
      installDir: { type: "string", description: "" },
      uninstallOnDelete: { type: "boolean", description: "" },
      replacePackages: {
        type: { array: "string" },
        description: "Packages the install may remove though they run an engine with containers, or depend on a conflict.",
      },
      plugins: {
        type: { array: { enum: ["compose", "buildx"] } },
        description: "CLI plugins installed with a docker-ce engine (absent: compose and buildx, as Docker's guide installs them).",
      },
      composePlugin: {
        type: { ref: "EngineSpecBundle" },
        description: "Offline: the compose CLI plugin binary (Docker's `docker-compose-linux-<arch>`) and its checksum.",
      },
    },
  },
  InitialDaemon: {
    description:
      "The daemon settings a fresh engine starts with: its DaemonConfig's, handed over so that dockerd starts once. The proxy may hold credentials: a secret.",
    source: { file: "src/plan/docker-engine.ts", name: "InitialDaemon" },
    properties: {
      settings: { type: { map: "any" }, required: true, description: "" },
      policy: { type: { enum: ["merge", "replace"] }, required: true, description: "" },
      proxy: { type: { ref: "DaemonProxy" }, description: "" },
    },
  },
  DaemonProxy: {
    description: "dockerd's proxy, as the systemd drop-in sets it. URLs may hold credentials: treat as secrets.",
    source: { file: "src/model/daemon-settings.ts", name: "DaemonProxy" },
    properties: {
      http: { type: "string", description: "" },
      https: { type: "string", description: "" },
      noProxy: { type: { array: "string" }, description: "" },
    },
  },
  ImageSpec: {
    description: "The image a host's engine should have: its reference, when to pull, whether to build.",
    source: { file: "src/plan/image.ts", name: "ImageSpec" },
    properties: {
      ref: { type: "string", required: true, description: "" },
      pullPolicy: { type: { enum: ["always", "ifMissing"] }, required: true, description: "" },
      keep: { type: "boolean", description: "Keep the image on destroy." },
      build: { type: { ref: "BuildSpec" }, description: "Build on the host from a local context instead of pulling." },
      source: {
        type: { ref: "ImageSourceSpec" },
        description: "Load from an archive (a local one, or one the controller fetched) instead of pulling.",
      },
    },
  },
  ImageSourceSpec: {
    description: "Where an image comes from when the host does not pull it: an archive here, or a copy the controller fetches.",
    source: { file: "src/model/image-archive.ts", name: "ImageSourceSpec" },
    properties: {
      kind: { type: { enum: ["archive", "controller"] }, required: true, description: "" },
      path: { type: "string", description: "The archive on the machine running Pulumi (archive)." },
      url: { type: "string", description: "The archive's http(s) URL, fetched by the machine running Pulumi (archive)." },
      sha256: { type: "string", description: "The archive's sha256 (archive)." },
      from: { type: "string", description: "The reference the controller fetches (controller); default the image's." },
      directory: { type: "string", description: "A directory of image archives the controller takes the image from (controller)." },
      insecure: { type: "boolean", description: "The registry, or the archive URL, speaks plain HTTP." },
    },
  },
  RegistryAuth: {
    description: "A registry login as the Engine API takes it.",
    source: { file: "src/providers/image.ts", name: "RegistryAuth" },
    properties: {
      serveraddress: { type: "string", required: true, description: "" },
      username: { type: "string", required: true, description: "" },
      password: { type: "string", required: true, description: "", secret: true },
    },
  },
  ContainerSpec: {
    description: "The settings Dockyard owns on a container.",
    source: { file: "src/plan/container.ts", name: "ContainerSpec" },
    properties: {
      name: { type: "string", required: true, description: "" },
      image: {
        type: "string",
        required: true,
        description: "What to run: `repo@sha256:...` when it comes from an Image, so the digest decides.",
      },
      command: { type: { array: "string" }, description: "" },
      ports: { type: { array: { ref: "PortSpec" } }, required: true, description: "" },
      volumes: { type: { array: { ref: "VolumeSpec" } }, required: true, description: "" },
      networks: {
        type: { array: { ref: "ContainerNetworkSpec" } },
        description: "Absent when the container joins none (the engine's default bridge).",
      },
      restartPolicy: { type: { enum: ["no", "always", "unless-stopped", "on-failure"] }, required: true, description: "" },
      labels: { type: { map: "string" }, required: true, description: "" },
      healthcheck: { type: { ref: "HealthSpec" }, description: "" },
      memoryBytes: { type: "number", description: "" },
      cpus: { type: "number", description: "" },
      startTimeoutSeconds: {
        type: "integer",
        required: true,
        description: "Seconds to wait for health (or for the container to stay up) after a start.",
      },
      user: { type: "string", description: "`Config.User`: name or uid[:group]." },
      readOnlyRootFilesystem: { type: "boolean", description: "" },
      capAdd: { type: { array: "string" }, description: "Capabilities without the CAP_ prefix." },
      capDrop: { type: { array: "string" }, description: "" },
      noNewPrivileges: {
        type: "boolean",
        description: "Sent as the security option `no-new-privileges:true|false` (false overrides the daemon's default).",
      },
      securityOpt: { type: { array: "string" }, description: "" },
      pidsLimit: { type: "integer", description: "" },
      tmpfs: { type: { map: "string" }, description: "Mount point -> tmpfs options." },
      ulimits: { type: { array: { ref: "UlimitSpec" } }, description: "" },
      privileged: { type: "boolean", description: "Only from `insecurePrivileged: true`." },
    },
  },
  UlimitSpec: {
    description: "A ulimit with its hard limit filled in.",
    source: { file: "src/model/container-security.ts", name: "UlimitSpec" },
    properties: {
      name: { type: "string", required: true, description: "" },
      soft: { type: "integer", required: true, description: "" },
      hard: { type: "integer", required: true, description: "" },
    },
  },
  HtpasswdUser: {
    description: "A user name and password of an htpasswd file.",
    source: { file: "src/providers/htpasswd.ts", name: "HtpasswdUser" },
    properties: {
      username: { type: "string", required: true, description: "" },
      password: {
        type: "string",
        required: true,
        description: "A secret: given as one by the component, so it is encrypted in the state's inputs.",
        secret: true,
      },
    },
  },
  NetworkSpec: {
    description: "The settings Dockyard owns on a user-defined network. The Engine API changes none in place.",
    source: { file: "src/plan/network.ts", name: "NetworkSpec" },
    properties: {
      name: { type: "string", required: true, description: "" },
      driver: { type: "string", required: true, description: "" },
      subnet: { type: "string", description: "" },
      gateway: { type: "string", description: "" },
      internal: { type: "boolean", required: true, description: "" },
      labels: { type: { map: "string" }, required: true, description: "" },
    },
  },
  NamedVolumeSpec: {
    description: "The settings Dockyard owns on a named volume; the Engine API changes none in place.",
    source: { file: "src/plan/volume.ts", name: "NamedVolumeSpec" },
    properties: {
      name: { type: "string", required: true, description: "" },
      driver: { type: "string", required: true, description: "" },
      driverOpts: { type: { map: "string" }, required: true, description: "" },
      labels: { type: { map: "string" }, required: true, description: "" },
    },
  },
  SwarmNodeSpec: {
    description: "A node of the swarm as the Swarm resource converges it.",
    source: { file: "src/providers/swarm.ts", name: "SwarmNodeSpec" },
    properties: {
      name: { type: "string", required: true, description: "The node's name in messages (the engine component's name)." },
      connection: { type: { ref: "ConnectionInputs" }, required: true, description: "" },
      role: { type: { enum: ["manager", "worker"] }, required: true, description: "" },
      labels: { type: { map: "string" }, required: true, description: "" },
      availability: { type: { enum: ["active", "pause", "drain"] }, required: true, description: "" },
      advertiseAddr: { type: "string", description: "Address other nodes reach this one on; the SSH address when absent." },
    },
  },
  ServiceSpec: {
    description: "The settings Dockyard owns on a service.",
    source: { file: "src/model/service-spec.ts", name: "ServiceSpec" },
    properties: {
      name: { type: "string", required: true, description: "" },
      image: { type: "string", required: true, description: "`repo@sha256:...`: the digest the first manager resolved." },
      mode: { type: { enum: ["replicated", "global"] }, required: true, description: "" },
      replicas: { type: "integer", description: "Replicated services only." },
      command: { type: { array: "string" }, description: "" },
      args: { type: { array: "string" }, description: "" },
      ports: { type: { array: { ref: "ServicePortSpec" } }, required: true, description: "" },
      constraints: { type: { array: "string" }, required: true, description: "" },
      labels: { type: { map: "string" }, required: true, description: "" },
      networks: { type: { array: "string" }, required: true, description: "Overlay network names the tasks attach to." },
      update: { type: { ref: "UpdatePolicySpec" }, required: true, description: "" },
      rollback: { type: { ref: "UpdatePolicySpec" }, required: true, description: "" },
      convergeTimeoutSeconds: { type: "integer", required: true, description: "Seconds `up` waits for every task to run." },
      convergeMonitorSeconds: {
        type: "integer",
        description: "Seconds every task must stay running before the service counts as converged (absent: the default).",
      },
    },
  },
  GateTarget: {
    description: "A host of the batch before the gate, and the containers on it that must be healthy.",
    source: { file: "src/providers/rollout-gate.ts", name: "GateTarget" },
    properties: {
      connection: { type: { ref: "ConnectionInputs" }, required: true, description: "" },
      containers: { type: { array: "string" }, required: true, description: "" },
    },
  },
  EngineSpecBundle: {
    description: "Where the offline bundle comes from (a file here or a URL this machine fetches) and its checksum.",
    source: { file: "src/plan/docker-engine.ts", name: "EngineSpecBundle" },
    properties: {
      path: { type: "string", description: "" },
      url: { type: "string", description: "" },
      sha256: { type: "string", required: true, description: "" },
    },
  },
  BuildSpec: {
    description: "An image build on the host: the uploaded context, the Dockerfile and build arguments.",
    source: { file: "src/plan/image.ts", name: "BuildSpec" },
    properties: {
      context: { type: "string", required: true, description: "Local directory sent to the host's engine as the build context." },
      files: {
        type: { array: "string" },
        required: true,
        description: "The files of the context, relative to it (the engine receives exactly these).",
      },
      contextHash: { type: "string", required: true, description: "sha256 over the context's files: a change rebuilds." },
      dockerfile: { type: "string", required: true, description: "" },
      args: { type: { map: "string" }, required: true, description: "" },
      push: { type: "boolean", required: true, description: "Push the built image to the registry its reference names." },
    },
  },
  PortSpec: {
    description: "A published port, with its defaults filled in.",
    source: { file: "src/model/container-settings.ts", name: "PortSpec" },
    properties: {
      containerPort: { type: "integer", required: true, description: "" },
      hostPort: { type: "integer", required: true, description: "" },
      hostIp: { type: "string", description: "" },
      protocol: { type: { enum: ["tcp", "udp"] }, required: true, description: "" },
    },
  },
  ContainerNetworkSpec: {
    description: "A user-defined network the container joins.",
    source: { file: "src/plan/container.ts", name: "ContainerNetworkSpec" },
    properties: {
      name: { type: "string", required: true, description: "" },
      aliases: { type: { array: "string" }, required: true, description: "" },
      id: { type: "string", description: "The id of a Dockyard Network, so a network made again is joined again." },
    },
  },
  HealthSpec: {
    description: "A container's health check as the Engine API takes it.",
    source: { file: "src/plan/container.ts", name: "HealthSpec" },
    properties: {
      test: { type: { array: "string" }, required: true, description: "" },
      intervalSeconds: { type: "integer", required: true, description: "" },
      timeoutSeconds: { type: "integer", required: true, description: "" },
      retries: { type: "number", required: true, description: "" },
      startPeriodSeconds: { type: "integer", required: true, description: "" },
    },
  },
  ServicePortSpec: {
    description:
      "Pure parts of a swarm service: the Engine API spec Dockyard sends, and the comparison of the settings Dockyard owns against a spec the manager reports (drift).",
    source: { file: "src/model/service-spec.ts", name: "ServicePortSpec" },
    properties: {
      targetPort: { type: "integer", required: true, description: "" },
      publishedPort: { type: "integer", required: true, description: "" },
      protocol: { type: { enum: ["tcp", "udp"] }, required: true, description: "" },
      publishMode: { type: { enum: ["host", "ingress"] }, required: true, description: "" },
    },
  },
  UpdatePolicySpec: {
    description: "A service's update or rollback policy as the Engine API takes it.",
    source: { file: "src/model/service-spec.ts", name: "UpdatePolicySpec" },
    properties: {
      parallelism: { type: "integer", required: true, description: "" },
      delaySeconds: { type: "integer", required: true, description: "" },
      failureAction: { type: { enum: ["pause", "continue", "rollback"] }, required: true, description: "" },
      order: { type: { enum: ["stop-first", "start-first"] }, required: true, description: "" },
      monitorSeconds: { type: "integer", required: true, description: "" },
    },
  },
};
