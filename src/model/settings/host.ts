// Host: the arguments of a machine reached over SSH, what it reports, and the connection
// every resource on it carries.
// Declared once here: the plugin's schema, the reference docs and the agreement tests read it.
import {
  DEFAULT_ARCHITECTURES,
  DEFAULT_CONNECT_ATTEMPTS,
  DEFAULT_CONNECT_TIMEOUT_SECONDS,
  DEFAULT_MIN_KERNEL,
  DEFAULT_SSH_PORT,
  DEFAULT_SSH_USER,
} from "../defaults";
import { TIME_BOUND_NAMES, TIME_BOUNDS } from "../time-bounds";
import { json, jsonList } from "./json";
import type { ComponentSettings, ObjectType, Setting, Settings } from "./types";
import { EXAMPLE_HOST_KEY } from "./examples";

export const hostComponent: ComponentSettings = {
  token: "dockyard:host:Host",
  description: "A Linux machine reached over SSH, and the facts read from it on every `up` and `refresh`.",
  args: { file: "src/host/host.ts", name: "HostArgs" },
  class: { file: "src/host/host.ts", name: "Host" },
  example: {
    name: "web1",
    properties: { address: "10.0.0.12", user: "root", privateKey: "${sshPrivateKey}", hostKey: EXAMPLE_HOST_KEY },
  },
  fleet: {
    section: "Host",
    alsoIn: ["Defaults"],
    fleetOnly: ["name", "aws", "groups", "engine", "daemon", "dockerUsers"],
    why: "A fleet host also carries its engine, daemon settings and docker users, and may be an EC2 instance (`aws`).",
  },
  inputs: {
    address: { type: "string", required: true, description: "DNS name or IP address the machine answers SSH on.", example: '"10.0.0.12"' },
    port: { type: "integer", description: "SSH port.", default: json(DEFAULT_SSH_PORT), example: "2222" },
    user: {
      type: "string",
      description: "Login user. A user other than root needs passwordless sudo and `sudo: true`.",
      default: json(DEFAULT_SSH_USER),
      example: '"ubuntu"',
    },
    privateKey: {
      type: "string",
      required: true,
      description: "Private key (OpenSSH or PEM text). Always stored as a Pulumi secret.",
      example: 'config.requireSecret("sshKey")',
      secret: true,
    },
    privateKeyPassphrase: {
      type: "string",
      description: "Passphrase of the private key, if it has one. Stored as a Pulumi secret.",
      default: "none",
      example: 'config.requireSecret("sshKeyPassphrase")',
      secret: true,
    },
    hostKey: {
      type: "string",
      description:
        "The machine's public host key (a line of `ssh-keyscan` or `/etc/ssh/ssh_host_ed25519_key.pub`) or its `SHA256:` fingerprint (`ssh-keygen -lf`). The connection is refused when the machine presents another key.",
      default: "none: required unless `insecureSkipHostKeyCheck`",
      example: '"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI..."',
    },
    insecureSkipHostKeyCheck: {
      type: "boolean",
      description:
        "Accept whatever host key the machine presents. This turns off the only protection against a man in the middle; every run warns while it is set. For throwaway lab machines only.",
      default: "false",
      example: "true",
    },
    sudo: { type: "boolean", description: "Run commands through `sudo -n` (for a non-root `user`).", default: "false", example: "true" },
    jump: {
      type: { ref: "JumpHostArgs" },
      description: "A bastion to reach the machine through.",
      default: "none: direct connection",
      example: '{ address: "bastion.example.com", hostKey: "ssh-ed25519 AAAA..." }',
    },
    connectTimeout: {
      type: "integer",
      description: "Seconds to wait for one connection attempt.",
      default: json(DEFAULT_CONNECT_TIMEOUT_SECONDS),
      example: "60",
    },
    connectAttempts: {
      type: "integer",
      description:
        "Connection attempts before an unreachable machine fails the run (exponential backoff, 1 s doubling up to 15 s). Authentication and host-key failures are never retried.",
      default: json(DEFAULT_CONNECT_ATTEMPTS),
      example: "10",
    },
    commandTimeout: {
      type: "integer",
      description:
        "Seconds one command on the machine (an install, a restart, a read) may run. A command that runs longer is ended (its channel closed, its process signalled) and the step fails with one line naming the host, the step and this bound.",
      default: json(TIME_BOUNDS.commandTimeout.defaultSeconds),
      example: "1800",
    },
    engineApiTimeout: {
      type: "integer",
      description:
        "Seconds one Docker Engine API call (reading or changing an image, container, network, volume, swarm) may go without an answer, and each `docker version`/`docker info` of a read. A dockerd that is stopped or stalled fails the step within this bound instead of hanging the run.",
      default: json(TIME_BOUNDS.engineApiTimeout.defaultSeconds),
      example: "60",
    },
    pullTimeout: {
      type: "integer",
      description:
        "Seconds one image pull (or build) may take. A registry or mirror that accepts connections and never answers ends the pull at this bound; dockerd cancels it, so nothing half-pulled is tagged.",
      default: json(TIME_BOUNDS.pullTimeout.defaultSeconds),
      example: "1800",
    },
    downloadTimeout: {
      type: "integer",
      description:
        "Seconds a download on the machine (apt, yum/dnf and curl fetching from a docker-ce mirror) may go without data. A mirror that accepts connections and never answers fails the step within this bound (apt retries it 3 times), with the package manager's own words.",
      default: json(TIME_BOUNDS.downloadTimeout.defaultSeconds),
      example: "300",
    },
    engineStartTimeout: {
      type: "integer",
      description: "Seconds dockerd has to start or restart and answer (after an install, a repair, a changed daemon.json).",
      default: json(TIME_BOUNDS.engineStartTimeout.defaultSeconds),
      example: "120",
    },
    swarmWaitTimeout: {
      type: "integer",
      description:
        "Seconds a swarm step waits for the cluster: a joined node listed as ready, a drained node emptied, a removed service's networks let go.",
      default: json(TIME_BOUNDS.swarmWaitTimeout.defaultSeconds),
      example: "180",
    },
    preflight: {
      type: { ref: "PreflightPolicy" },
      description:
        "What the machine must satisfy before anything is changed on it: kernel, OS family and release (detected by os-release ID_LIKE, not ID alone), systemd, architecture. Checked on every `up`; a failure names the host and every reason.",
      default: '{ minKernel: "3.10", requireSupportedOs: true, requireSystemd: true }',
      example: '{ minKernel: "4.18" }',
    },
  },
  outputs: {
    facts: { type: { ref: "HostFacts" }, description: "What the machine reported: OS, kernel, arch, init system, docker." },
    connection: {
      type: { ref: "ConnectionInputs" },
      description: "The connection (no key material), for components that act on this host.",
    },
    credentials: {
      type: { ref: "Credentials" },
      description: "The private key material, as a secret, for components that act on this host.",
      secret: true,
    },
  },
};

// A connection's fields mean what the Host arguments they come from mean (`host` is `address`).
const like = (arg: string, required = false): Setting => ({
  type: hostComponent.inputs[arg].type,
  description: hostComponent.inputs[arg].description,
  ...(required ? { required } : {}),
});
const connectionProperties: Settings = {
  host: like("address", true),
  port: like("port", true),
  user: like("user", true),
  hostKey: like("hostKey"),
  insecureSkipHostKeyCheck: like("insecureSkipHostKeyCheck"),
  sudo: like("sudo"),
  connectTimeout: like("connectTimeout"),
  connectAttempts: like("connectAttempts"),
};
// The time bounds the host set, described as the time-bounds record says them.
const timeBoundProperties: Settings = Object.fromEntries(
  TIME_BOUND_NAMES.map((name) => [name, { type: "integer", description: TIME_BOUNDS[name].says }]),
);

/** The object types these components' settings refer to. */
export const HOST_TYPES: Readonly<Record<string, ObjectType>> = {
  JumpHostArgs: {
    description: "A bastion the host is reached through.",
    source: { file: "src/host/host.ts", name: "JumpHostArgs" },
    fleet: { section: "Jump", keys: { insecureSkipHostKeyCheck: null }, why: "A jump host in a fleet file always has its key pinned." },
    properties: {
      address: { type: "string", required: true, description: "Address of the jump host.", example: '"bastion.example.com"' },
      port: { type: "integer", description: "SSH port of the jump host.", default: json(DEFAULT_SSH_PORT), example: "2222" },
      user: { type: "string", description: "Login user on the jump host.", default: json(DEFAULT_SSH_USER), example: '"ops"' },
      privateKey: {
        type: "string",
        description: "Private key for the jump host; stored as a Pulumi secret.",
        default: "the host's own `privateKey`",
        example: 'config.requireSecret("bastionKey")',
        secret: true,
      },
      hostKey: {
        type: "string",
        description: "The jump host's public host key or its `SHA256:` fingerprint.",
        default: "none: required unless `insecureSkipHostKeyCheck`",
        example: '"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI..."',
      },
      insecureSkipHostKeyCheck: {
        type: "boolean",
        description: "Accept any host key from the jump host. Insecure; see `HostArgs.insecureSkipHostKeyCheck`.",
        default: "false",
        example: "true",
      },
    },
  },
  PreflightPolicy: {
    description: "What a host must satisfy before Dockyard changes anything on it.",
    source: { file: "src/model/preflight.ts", name: "PreflightPolicy" },
    fleet: { section: "Preflight" },
    properties: {
      minKernel: {
        type: "string",
        description: "Lowest kernel release accepted (Docker needs 3.10 or later).",
        default: json(DEFAULT_MIN_KERNEL),
        example: '"4.18"',
      },
      requireSupportedOs: {
        type: "boolean",
        description: "Require a supported distribution family and release (see the support matrix).",
        default: "true",
        example: "false",
      },
      requireSystemd: {
        type: "boolean",
        description: "Require systemd as PID 1 (engine installs manage docker.service).",
        default: "true",
        example: "false",
      },
      architectures: {
        type: { array: "string" },
        description: "CPU architectures accepted (`uname -m`).",
        default: jsonList(DEFAULT_ARCHITECTURES),
        example: '["x86_64"]',
      },
    },
  },
  HostFacts: {
    description: "What Dockyard knows about a machine, read from the machine itself.",
    source: { file: "src/model/host-facts.ts", name: "HostFacts" },
    properties: {
      osId: { type: "string", required: true, description: "os-release `ID`, e.g. `rocky`." },
      osIdLike: {
        type: { array: "string" },
        required: true,
        description: 'os-release `ID_LIKE`, split, e.g. `["rhel", "centos", "fedora"]`.',
      },
      osVersionId: { type: "string", required: true, description: "os-release `VERSION_ID`, e.g. `9.3`; empty on rolling distributions." },
      osVersionCodename: {
        type: "string",
        required: true,
        description: "os-release `VERSION_CODENAME` (or `UBUNTU_CODENAME` on Ubuntu derivatives); empty when absent.",
      },
      osPrettyName: { type: "string", required: true, description: "os-release `PRETTY_NAME`." },
      kernel: { type: "string", required: true, description: "`uname -r`." },
      arch: { type: "string", required: true, description: "`uname -m`, e.g. `x86_64`." },
      init: { type: "string", required: true, description: "Name of PID 1 (`systemd`, `init`, ...)." },
      systemd: { type: "boolean", required: true, description: "True when systemd is PID 1 and running (`/run/systemd/system` exists)." },
      cgroup: {
        type: { enum: ["v2", "v1", "none"] },
        description:
          "The cgroup hierarchy mounted at /sys/fs/cgroup: `v2` (unified), `v1` (legacy or hybrid), or `none` (no cgroup filesystem: no container can start). Absent in facts read before it was read.",
      },
      iptables: {
        type: { enum: ["nft", "legacy", "none"] },
        description:
          "The backend of the `iptables` command dockerd programs its networks with: `nft` (iptables-nft), `legacy` (x_tables), or `none` (no iptables command). Absent in facts read before it was read.",
      },
      dockerClientVersion: { type: "string", description: "`docker --version` of the client on PATH, when one is installed." },
      dockerServerVersion: { type: "string", description: "The engine's version as the running daemon reports it, when one answers." },
    },
  },
  ConnectionInputs: {
    description:
      "The connection as it travels in a dynamic resource's inputs and state, with the host's time bounds (only those the user set; the others take their defaults where they are used).",
    source: { file: "src/providers/connection-inputs.ts", name: "ConnectionInputs" },
    properties: {
      ...connectionProperties,
      jump: { type: { ref: "ConnectionJump" }, description: hostComponent.inputs.jump.description },
      ...timeBoundProperties,
    },
  },
  ConnectionJump: {
    description: "The jump host of a connection, without key material.",
    properties: connectionProperties,
  },
};
