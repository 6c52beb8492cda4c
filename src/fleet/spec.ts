// The fleet file's schema: one zod schema is the validator, the TypeScript types and (through
// z.toJSONSchema) schema/fleet.schema.json and the fleet file reference (docs/fleet-files.md).
// Defaults are applied by Fleet, not here, so a parsed spec is exactly what the file says.
import { MAX_BOUND_SECONDS, TIME_BOUND_NAMES, TIME_BOUNDS, type TimeBoundName } from "../model/time-bounds";
import { z } from "zod";
import { HOST_VALUES, isHostValue, type HostValueKindName } from "../model/host-values";
import { hasUrlCredentials } from "../model/url-credentials";
import { BUNDLE_ARCHITECTURES } from "../model/bundle-arch";
import { AWS_DISTROS } from "../aws/distro-images";
import {
  DEFAULT_ARCHITECTURES,
  DEFAULT_CHANNEL,
  DEFAULT_DOCKER_CE_KEY_FINGERPRINT,
  DEFAULT_DOCKER_CE_MIRROR,
  DEFAULT_HOST_KEY_REPORT_TIMEOUT_SECONDS,
  DEFAULT_MIN_KERNEL,
  DEFAULT_PACKAGE_SOURCE,
  DEFAULT_REGISTRY_IMAGE,
  DEFAULT_REGISTRY_PORT,
  DEFAULT_RESTART_POLICY,
  DEFAULT_SERVICE_CONVERGE_MONITOR_SECONDS,
  DEFAULT_SSH_PORT,
  DEFAULT_SSH_USER,
  DEFAULT_START_TIMEOUT_SECONDS,
  HARDENED_CONTAINER_DEFAULTS,
} from "../model/defaults";
import {
  BATCH_SIZE_MESSAGE,
  batchSizeProblem,
  DEFAULT_GATE_PAUSE,
  DEFAULT_GATE_TIMEOUT,
  DURATION_MESSAGE,
  durationProblem,
  durationSeconds,
} from "../model/rollout-batches";

/** `{ config: key }`: a value read from the stack's Pulumi config (`key` or `namespace:key`). */
export const ConfigRef = z
  .strictObject({
    config: z
      .string()
      .regex(/^([A-Za-z0-9_.-]+:)?[A-Za-z0-9_.-]+$/, "must be a config key like sshPrivateKey or aws:region")
      .meta({
        description: "The config key: `key` (in the project's namespace) or `namespace:key`.",
      }),
  })
  .meta({
    id: "ConfigRef",
    description: "A value read from the stack's Pulumi config: `{ config: key }`.",
    examples: [{ config: "webAddress" }],
  });
export type ConfigRef = z.infer<typeof ConfigRef>;

export const SECRET_MESSAGE =
  "must be a reference to a Pulumi config secret like { config: registryPassword }, never the secret in plain text";

/** A secret: only ever a reference to a Pulumi config secret, so it never sits in git. */
export const SecretRef = z
  .strictObject({ config: ConfigRef.shape.config }, { error: (iss) => (iss.code === "invalid_type" ? SECRET_MESSAGE : undefined) })
  .meta({
    id: "SecretRef",
    description: "A secret, always a reference to a Pulumi config secret (`pulumi config set --secret key`), never plain text.",
    examples: [{ config: "sshPrivateKey" }],
  });
export type SecretRef = z.infer<typeof SecretRef>;

/** A string written in the file, or read from config. */
function text(description: string, example: string, base: z.ZodString = z.string().min(1, "must not be empty")) {
  return z
    .union([base, ConfigRef], { error: (iss) => (iss.code === "invalid_union" ? "must be a string or { config: <key> }" : undefined) })
    .meta({ description, examples: [example] });
}

const port = (description: string, example: number) =>
  z
    .int("must be an integer 1-65535")
    .min(1, "must be an integer 1-65535")
    .max(65535, "must be an integer 1-65535")
    .meta({ description, examples: [example] });

/**
 * A string of one kind of value that reaches a host (src/model/host-values.ts): the fleet file
 * refuses what the component and the provider refuse, with the same pattern.
 */
const hostValue = (kind: HostValueKindName, message = `must be ${HOST_VALUES[kind].says}`) =>
  z.string().regex(HOST_VALUES[kind].pattern, message);

// The message is kept short: the URL pattern's own rules show in the schema's docs.
const httpUrl = hostValue("url", "must be an http:// or https:// URL");

const labelKey = hostValue("labelKey");
const labelValue = hostValue("text");

/** A mount `source:/target[:ro|rw]`: an absolute host path or a volume name, then an absolute path in the container. */
function isMount(m: string): boolean {
  const [source, target, mode, ...rest] = m.split(":");
  return (
    rest.length === 0 &&
    (mode === undefined || mode === "ro" || mode === "rw") &&
    (isHostValue("absolutePath", source) || isHostValue("name", source)) &&
    isHostValue("absolutePath", target)
  );
}
const name = z
  .string()
  .regex(
    /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/,
    "must be letters, digits, dot, dash or underscore, starting and ending with a letter or digit",
  )
  .regex(HOST_VALUES.name.pattern, `must be ${HOST_VALUES.name.says}, at most 128 long`);
const absolutePath = hostValue("absolutePath");
const duration = z.union([z.number().min(0, DURATION_MESSAGE), z.string().regex(/^\s*\d+(\.\d+)?\s*(ms|s|m|h)\s*$/, DURATION_MESSAGE)], {
  error: () => DURATION_MESSAGE,
});

export const Preflight = z
  .strictObject({
    minKernel: z
      .string()
      .regex(/^[0-9]+(\.[0-9]+)*$/, 'must be a dotted version like "3.10"')
      .optional()
      .meta({ description: `Oldest kernel accepted. Default: ${DEFAULT_MIN_KERNEL}.`, examples: ["4.18"] }),
    requireSupportedOs: z
      .boolean()
      .optional()
      .meta({ description: "Refuse OS releases Dockyard does not know. Default: true.", examples: [false] }),
    requireSystemd: z
      .boolean()
      .optional()
      .meta({ description: "Require systemd as PID 1. Default: true.", examples: [true] }),
    architectures: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .meta({ description: `Accepted \`uname -m\` values. Default: ${DEFAULT_ARCHITECTURES.join(", ")}.`, examples: [["x86_64"]] }),
  })
  .meta({ id: "Preflight", description: "What a host must be before anything is changed on it." });

export const Jump = z
  .strictObject({
    address: text("Jump host address.", "bastion.example.com"),
    port: port(`SSH port of the jump host. Default: ${DEFAULT_SSH_PORT}.`, 22).optional(),
    user: text(`Login user on the jump host. Default: ${DEFAULT_SSH_USER}.`, "ops").optional(),
    hostKey: text(
      "The jump host's public host key (`ssh-keyscan -t ed25519 <host>`, without the address).",
      "ssh-ed25519 AAAAC3Nza...",
    ).optional(),
    privateKey: SecretRef.optional().meta({ description: "Key for the jump host. Default: the host's own key." }),
  })
  .meta({ id: "Jump", description: "A bastion the SSH connection goes through." });

// The engine's URLs reach hosts: the strict URL pattern the component and provider use, and no
// credentials in plain text in the file (a { config: key } secret carries them).
const engineUrl = z
  .string()
  .regex(HOST_VALUES.url.pattern, `must be ${HOST_VALUES.url.says}`)
  .refine(
    (u) => !hasUrlCredentials(u),
    "carries credentials: give it as { config: <key> } of a Pulumi config secret, never in plain text in the file",
  );

const bundleFile = z
  .string()
  .min(1)
  .refine((b) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(b) || HOST_VALUES.url.pattern.test(b), `must be a path or ${HOST_VALUES.url.says}`)
  .refine((b) => !hasUrlCredentials(b), "carries credentials: a bundle URL in the fleet file cannot hold a secret");

export const EngineBundle = z
  .strictObject({
    bundle: bundleFile.meta({
      description:
        "The docker-<version>.tgz for this architecture: a path on the machine running Pulumi (relative to the fleet file) or an http(s) URL that machine downloads from.",
      examples: ["bundles/aarch64/docker-24.0.7.tgz"],
    }),
    sha256: text(
      "sha256 of the bundle (checked before anything is unpacked).",
      "3c1f...e9",
      z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex digits"),
    ),
  })
  .meta({ id: "EngineBundle", description: "One architecture's offline bundle and its checksum." });

export const Engine = z
  .strictObject({
    method: z
      .enum(["online", "offline", "adopt"])
      .optional()
      .meta({
        description:
          "online: from a package repository; offline: a static docker-<v>.tgz bundle; adopt: an engine already there, checked and not changed. Default: online.",
        examples: ["offline"],
      }),
    source: z
      .enum(["docker-ce", "distro"])
      .optional()
      .meta({
        description: `online: the docker-ce repository (or \`mirror\`), or the distro's own packages. Default: ${DEFAULT_PACKAGE_SOURCE}.`,
        examples: ["distro"],
      }),
    mirror: text(
      `online: base URL of a docker-ce mirror (the packages come from it, not only the repo file). https:// unless allowInsecureHttp; one with credentials must be a { config: key } secret. Default: ${DEFAULT_DOCKER_CE_MIRROR}.`,
      "https://mirrors.aliyun.com/docker-ce",
      engineUrl,
    ).optional(),
    mirrorKeyFingerprint: text(
      `online: OpenPGP fingerprint the mirror's signing key must have before any host trusts it (a mirror that re-signs). Default: ${DEFAULT_DOCKER_CE_KEY_FINGERPRINT} (Docker's key).`,
      "1A2B 3C4D 5E6F 7081 92A3  B4C5 D6E7 F809 1A2B 3C4D",
      z.string().regex(HOST_VALUES.pgpFingerprint.pattern, `must be ${HOST_VALUES.pgpFingerprint.says}`),
    ).optional(),
    allowInsecureHttp: z
      .boolean()
      .optional()
      .meta({
        description:
          "INSECURE: accept a plain http:// mirror or bundle URL (anyone on the path can serve other packages). Warned on every run. Default: false.",
        examples: [true],
      }),
    channel: z
      .enum(["stable", "test"])
      .optional()
      .meta({ description: `online docker-ce channel. Default: ${DEFAULT_CHANNEL}.`, examples: ["stable"] }),
    version: text(
      'Exact version to pin ("24.0.7") or a series ("24.0" = newest 24.0.x). Default: newest.',
      "24.0.7",
      z.string().regex(/^[0-9]+(\.[0-9]+){0,2}$/, 'must be a version like "24.0.7" or "24.0"'),
    ).optional(),
    allowDowngrade: z
      .boolean()
      .optional()
      .meta({ description: "Allow installing an older version than the one present. Default: false.", examples: [true] }),
    bundle: bundleFile.optional().meta({
      description:
        "offline: the docker-<version>.tgz: a path on the machine running Pulumi (relative to the fleet file) or an http(s) URL that machine downloads from. Hosts never download it.",
      examples: ["bundles/docker-24.0.7.tgz"],
    }),
    bundleSha256: text(
      "offline: sha256 of the bundle (checked before anything is unpacked).",
      "3c1f...e9",
      z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex digits"),
    ).optional(),
    bundles: z
      .partialRecord(z.enum(BUNDLE_ARCHITECTURES), EngineBundle)
      .optional()
      .meta({
        description:
          "offline: a bundle per architecture, keyed by Docker's folder names (x86_64, aarch64, armhf, armel, ppc64le, s390x); each host gets the one for its uname -m (armv7l runs armhf). A host whose architecture has none is refused before anything changes. Instead of bundle, which stays one bundle for whatever architecture the host is.",
        examples: [{ x86_64: { bundle: "bundles/x86_64/docker-24.0.7.tgz", sha256: "3c1f...e9" } }],
      }),
    installDir: absolutePath
      .optional()
      .meta({ description: "offline: where the binaries go. Default: /usr/bin.", examples: ["/usr/local/bin"] }),
    uninstallOnDelete: z
      .boolean()
      .optional()
      .meta({ description: "Remove the engine on destroy. Default: false (the engine stays and destroy says so).", examples: [true] }),
    replacePackages: z
      .array(z.string().regex(HOST_VALUES.packageName.pattern, `must be ${HOST_VALUES.packageName.says}`))
      .optional()
      .meta({
        description:
          'Packages the install may remove though they run an engine with containers (docker.io, podman-docker, moby-engine, ...) or depend on a conflicting package (podman, cri-o, ...). Default: none: such an install is refused, naming them; use method "adopt" to keep that engine.',
        examples: [["docker.io", "containerd", "runc"]],
      }),
    plugins: z
      .array(z.enum(["compose", "buildx"]))
      .optional()
      .meta({
        description:
          'Docker CLI plugins installed with a docker-ce engine (docker-compose-plugin, docker-buildx-plugin); `docker compose version` is checked after the install. Default: ["compose", "buildx"] with method online and source docker-ce; [] otherwise.',
        examples: [["compose"]],
      }),
    composePlugin: bundleFile.optional().meta({
      description:
        'offline: the compose CLI plugin binary (Docker\'s docker-compose-linux-<arch>): a path on the machine running Pulumi (relative to the fleet file) or an http(s) URL that machine downloads from. Uploaded like the bundle, installed as /usr/local/lib/docker/cli-plugins/docker-compose; plugins then defaults to ["compose"]. Default: none (plugins: ["compose"] on an offline engine is refused without it).',
      examples: ["bundles/docker-compose-linux-x86_64"],
    }),
    composePluginSha256: text(
      "offline: sha256 of the compose plugin binary (checked before upload and on the host).",
      "3c1f...e9",
      z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex digits"),
    ).optional(),
  })
  .meta({ id: "Engine", description: "How Docker is installed on a host. Host settings override the defaults key by key." });
export type EngineSpec = z.infer<typeof Engine>;

// --- Engine settings (proxy, log rotation) ---

/**
 * The log rotation every fleet host gets unless its daemon settings say otherwise: the one place
 * this default is stated (kubespray's json-file 50m x 5).
 */
export const FLEET_LOG_ROTATION = { maxSize: "50m", maxFile: 5 } as const;

// The proxy's values by the shared patterns of model/host-values (the component and the provider use them too).
const proxyUrl = (description: string) =>
  text(
    `${description} An http(s) URL; one with credentials must be a { config: key } secret.`,
    "http://proxy.corp:3128",
    z.string().regex(HOST_VALUES.url.pattern, "must be an http:// or https:// URL"),
  ).optional();

export const DaemonProxy = z
  .strictObject({
    http: proxyUrl("HTTP_PROXY: proxy for plain-http registries and mirrors."),
    https: proxyUrl("HTTPS_PROXY: proxy for https registries, Docker Hub included."),
    noProxy: z
      .array(z.string().regex(HOST_VALUES.noProxyEntry.pattern, `must be ${HOST_VALUES.noProxyEntry.says}`))
      .optional()
      .meta({
        description: "NO_PROXY: hosts, domains (leading dot), addresses or CIDRs reached directly.",
        examples: [["localhost", ".corp", "10.0.0.0/8"]],
      }),
  })
  .meta({
    id: "DaemonProxy",
    description:
      "dockerd behind an HTTP(S) proxy: a root-only (0600) environment file /etc/docker/dockyard-proxy.env named by a systemd drop-in (docker.service.d/http-proxy.conf, `EnvironmentFile=`), applied with daemon.json in one restart. Kept as a secret.",
  });

export const LogRotation = z
  .union(
    [
      z.literal(false),
      z.strictObject({
        maxSize: z
          .string()
          .regex(/^[0-9]+[kmg]$/, 'must be a size like "50m" (k, m or g)')
          .optional()
          .meta({ description: `log-opts max-size. Default: ${FLEET_LOG_ROTATION.maxSize}.`, examples: ["100m"] }),
        maxFile: z
          .int()
          .min(1)
          .max(1000)
          .optional()
          .meta({ description: `log-opts max-file. Default: ${FLEET_LOG_ROTATION.maxFile}.`, examples: [3] }),
      }),
    ],
    { error: (iss) => (iss.code === "invalid_union" ? "must be false or { maxSize, maxFile }" : undefined) },
  )
  .meta({
    id: "LogRotation",
    description: `Container log rotation (json-file, max-size ${FLEET_LOG_ROTATION.maxSize}, max-file ${FLEET_LOG_ROTATION.maxFile}): on by default in fleet files; false turns it off. Not applied where logDriver or logOpts are given.`,
    examples: [false, { maxSize: "100m", maxFile: 3 }],
  });

const engineSettings = {
  proxy: DaemonProxy.optional(),
  logRotation: LogRotation.optional(),
};

/** Engine settings of a host (beside `daemon`). */
const engineHostSettings = {
  dockerUsers: z
    .array(z.string().regex(HOST_VALUES.userName.pattern, `must be ${HOST_VALUES.userName.says}`))
    .optional()
    .meta({
      description:
        "Existing users put in the docker group (root-equivalent: trusted users only). A missing user is refused by name before anything changes; destroy takes out only the users Dockyard added. A host's list replaces the defaults' list.",
      examples: [["deploy", "ci"]],
    }),
};

// --- end of engine settings ---

export const Daemon = z
  .strictObject({
    registryMirrors: z
      .array(text("A registry mirror URL.", "https://mirror.ccs.tencentyun.com", httpUrl))
      .optional()
      .meta({ description: "daemon.json registry-mirrors.", examples: [["https://mirror.ccs.tencentyun.com"]] }),
    insecureRegistries: z
      .array(text("host:port of a registry reached without TLS.", "10.0.0.5:5000"))
      .optional()
      .meta({ description: "daemon.json insecure-registries.", examples: [["10.0.0.5:5000"]] }),
    logDriver: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "daemon.json log-driver.", examples: ["json-file"] }),
    logOpts: z
      .record(z.string(), z.string())
      .optional()
      .meta({ description: "daemon.json log-opts.", examples: [{ "max-size": "10m", "max-file": "3" }] }),
    storageDriver: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "daemon.json storage-driver.", examples: ["overlay2"] }),
    execOpts: z
      .array(z.string().min(1))
      .optional()
      .meta({ description: "daemon.json exec-opts.", examples: [["native.cgroupdriver=systemd"]] }),
    dataRoot: absolutePath.optional().meta({ description: "daemon.json data-root. Default: /var/lib/docker.", examples: ["/data/docker"] }),
    liveRestore: z
      .boolean()
      .optional()
      .meta({ description: "daemon.json live-restore. Default: false.", examples: [true] }),
    bip: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "daemon.json bip.", examples: ["172.26.0.1/16"] }),
    defaultAddressPools: z
      .array(z.strictObject({ base: z.string().min(1), size: z.int().min(1).max(32) }))
      .optional()
      .meta({ description: "daemon.json default-address-pools.", examples: [[{ base: "172.80.0.0/16", size: 24 }]] }),
    maxConcurrentDownloads: z
      .int()
      .min(1)
      .optional()
      .meta({ description: "daemon.json max-concurrent-downloads. Default: 3.", examples: [6] }),
    profile: z
      .enum(["hardened", "none"])
      .optional()
      .meta({
        description:
          "hardened: icc false, no-new-privileges, live-restore, userland-proxy false and log rotation, each overridden by a key given here (docs/hardening.md). Default: none (or the file's top-level profile).",
        examples: ["hardened"],
      }),
    usernsRemap: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}(?::[a-z_][a-z0-9_-]{0,31})?$/, "must be default or a user name, optionally :group")
      .optional()
      .meta({ description: "daemon.json userns-remap: default, or user[:group] with subordinate id ranges.", examples: ["default"] }),
    authorizationPlugins: z
      .array(hostValue("driver"))
      .optional()
      .meta({ description: "daemon.json authorization-plugins (installed and running first).", examples: [["opa-docker-authz"]] }),
    settings: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({
        description: "Any other daemon.json keys, as dockerd spells them (checked against the keys dockerd knows).",
        examples: [{ debug: true }],
      }),
    policy: z
      .enum(["merge", "replace"])
      .optional()
      .meta({ description: "merge with the daemon.json already there, or replace it. Default: merge.", examples: ["replace"] }),
    ...engineSettings,
  })
  .meta({ id: "Daemon", description: "/etc/docker/daemon.json settings. Host settings override the defaults key by key." });
export type DaemonSpec = z.infer<typeof Daemon>;

const cidr = z
  .string()
  .regex(/^[0-9]{1,3}(\.[0-9]{1,3}){3}\/[0-9]{1,2}$|^[0-9a-fA-F:]+\/[0-9]{1,3}$/, 'must be a CIDR like "203.0.113.0/24"');

export const AwsInstance = z
  .strictObject({
    distro: z
      .enum(AWS_DISTROS)
      .meta({ description: "The distribution; its official AMI is looked up by owner and name pattern.", examples: ["ubuntu-24.04"] }),
    sshCidrs: z
      .array(cidr)
      .min(1, "must list at least one CIDR allowed to reach SSH")
      .meta({ description: "Who may reach SSH (port 22). No default: 0.0.0.0/0 must be written out.", examples: [["203.0.113.0/24"]] }),
    instanceType: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "Default: t3.small (t4g.small on arm64).", examples: ["t3.medium"] }),
    architecture: z
      .enum(["x86_64", "arm64"])
      .optional()
      .meta({ description: "Default: x86_64, or arm64 for Graviton instance types.", examples: ["arm64"] }),
    ami: z
      .string()
      .regex(/^ami-[0-9a-f]+$/, "must be an AMI id like ami-0abcdef1234567890")
      .optional()
      .meta({ description: "An explicit AMI instead of the lookup.", examples: ["ami-0abcdef1234567890"] }),
    vpcId: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "Default: the default VPC.", examples: ["vpc-0abc"] }),
    subnetId: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "Default: a default subnet of the VPC.", examples: ["subnet-0abc"] }),
    availabilityZone: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "Default: any.", examples: ["eu-central-1a"] }),
    publishedCidrs: z
      .array(cidr)
      .optional()
      .meta({
        description: "Who may reach the ports the fleet's containers publish on this host. Default: 0.0.0.0/0.",
        examples: [["10.0.0.0/8"]],
      }),
    rootVolumeSize: z
      .int()
      .min(8)
      .max(16384)
      .optional()
      .meta({ description: "Root volume in GiB. Default: 20.", examples: [40] }),
    tags: z
      .record(z.string(), z.string())
      .optional()
      .meta({ description: "Tags on the instance and its security group.", examples: [{ team: "web" }] }),
    usePrivateIp: z
      .boolean()
      .optional()
      .meta({ description: "Connect to the private address (from inside the VPC or through `jump`). Default: false.", examples: [true] }),
    keyName: z
      .string()
      .min(1)
      .optional()
      .meta({
        description:
          "An existing EC2 key pair (then `privateKey` is its private half). Default: a key pair generated and kept as a secret.",
        examples: ["ops"],
      }),
    publicKey: z
      .string()
      .regex(/^ssh-(ed25519|rsa) /, "must be an OpenSSH public key")
      .optional()
      .meta({ description: "Login public key to import (then `privateKey` is its private half).", examples: ["ssh-ed25519 AAAAC3Nza..."] }),
    hostKeyTimeoutSeconds: z
      .int("must be a whole number of seconds from 30 to 3600")
      .min(30, "must be a whole number of seconds from 30 to 3600")
      .max(3600, "must be a whole number of seconds from 30 to 3600")
      .optional()
      .meta({
        description: `Seconds to wait for the new instance to print its SSH host key on its serial console (read with ec2:GetConsoleOutput). Default: ${DEFAULT_HOST_KEY_REPORT_TIMEOUT_SECONDS}.`,
        examples: [900],
      }),
  })
  .meta({
    id: "AwsInstance",
    description:
      "An EC2 instance created for this host; it makes its own SSH host key and prints the public half on its serial console, where it is read and pinned before the first connection (no private key in the user data).",
  });

/** Settings a host takes from `defaults` unless it sets them itself. */
const hostSettings = {
  port: port(`SSH port. Default: ${DEFAULT_SSH_PORT}.`, 22).optional(),
  user: text(`Login user. Default: ${DEFAULT_SSH_USER}.`, "ops").optional(),
  sudo: z
    .boolean()
    .optional()
    .meta({ description: "Run commands through sudo (for a non-root user). Default: false.", examples: [true] }),
  privateKey: SecretRef.optional().meta({ description: "The SSH private key, as a Pulumi config secret." }),
  privateKeyPassphrase: SecretRef.optional().meta({ description: "Passphrase of an encrypted private key." }),
  connectTimeout: z
    .int()
    .min(1)
    .max(600)
    .optional()
    .meta({ description: "Seconds to wait for one SSH connection attempt. Default: 20.", examples: [30] }),
  connectAttempts: z
    .int()
    .min(1)
    .max(20)
    .optional()
    .meta({
      description: "Connection attempts (backoff 1 s doubling to 15 s) before the host counts as unreachable. Default: 5.",
      examples: [5],
    }),
  ...(Object.fromEntries(
    TIME_BOUND_NAMES.map((name) => [
      name,
      z
        .int()
        .min(1)
        .max(MAX_BOUND_SECONDS)
        .optional()
        .meta({
          description: `${TIME_BOUNDS[name].says}; past it the step is ended and the run fails naming the host, the step and this bound. Default: ${TIME_BOUNDS[name].defaultSeconds}.`,
          examples: [TIME_BOUNDS[name].defaultSeconds * 2],
        }),
    ]),
  ) as Record<TimeBoundName, z.ZodOptional<z.ZodInt>>),
  jump: Jump.optional(),
  preflight: Preflight.optional(),
  engine: Engine.optional(),
  daemon: Daemon.optional(),
  ...engineHostSettings,
};

export const Defaults = z
  .strictObject(hostSettings)
  .meta({ id: "Defaults", description: "Settings every host takes unless it sets them itself." });

export const FleetHost = z
  .strictObject({
    name: name.meta({ description: "The host's name in this fleet (resource names, outputs, `on:` lists).", examples: ["web1"] }),
    address: text("IP address or DNS name. Not with `aws`.", "10.0.0.12").optional(),
    aws: AwsInstance.optional(),
    hostKey: text(
      "The public host key, pinned: `ssh-keyscan -t ed25519 <address>` without the address.",
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI...",
    ).optional(),
    insecureSkipHostKeyCheck: z
      .boolean()
      .optional()
      .meta({
        description: "Accept ANY host key (a man in the middle can take the connection). Warns on every run. Default: false.",
        examples: [false],
      }),
    groups: z
      .array(name)
      .optional()
      .meta({ description: "Groups this host belongs to, for `on:` lists.", examples: [["web"]] }),
    ...hostSettings,
  })
  .meta({ id: "Host", description: "A machine reached over SSH: one you have (`address`) or an EC2 instance created for it (`aws`)." });
export type FleetHostSpec = z.infer<typeof FleetHost>;

/** Where something runs: `all`, or names of hosts and groups. */
const Targets = z
  .union([z.literal("all"), z.array(name).min(1, "must name at least one host or group")], {
    error: (iss) => (iss.code === "invalid_union" ? 'must be "all" or a list of host and group names' : undefined),
  })
  .meta({ id: "Targets", description: '"all", or a list of host names and group names.', examples: [["web"], "all"] });

export const FleetRegistry = z
  .strictObject({
    name: name.meta({ description: "Resource name of the registry.", examples: ["private"] }),
    host: name.meta({ description: "The host it runs on.", examples: ["web1"] }),
    port: port(`Published port. Default: ${DEFAULT_REGISTRY_PORT}.`, 5000).optional(),
    image: z
      .string()
      .min(1)
      .regex(HOST_VALUES.imageRef.pattern, `must be ${HOST_VALUES.imageRef.says}`)
      .optional()
      .meta({ description: `The registry image. Default: ${DEFAULT_REGISTRY_IMAGE}.`, examples: ["registry:2.8.3"] }),
    storagePath: absolutePath.optional().meta({
      description: "Where images are stored on the host. Default: /var/lib/dockyard/registry/<name>.",
      examples: ["/data/registry"],
    }),
    users: z
      .array(z.strictObject({ username: name, password: SecretRef }))
      .optional()
      .meta({ description: "htpasswd users (passwords are config secrets)." }),
    tls: z
      .union([
        z.literal("generate"),
        z.strictObject({
          certificate: text("PEM certificate.", "-----BEGIN CERTIFICATE-----..."),
          privateKey: SecretRef,
          caCertificate: text("PEM CA certificate.", "-----BEGIN CERTIFICATE-----...").optional(),
        }),
      ])
      .optional()
      .meta({ description: '"generate" (a CA and certificate kept in state) or a given certificate.', examples: ["generate"] }),
    trustedBy: Targets.optional().meta({ description: "Engines that trust its CA (certs.d). Default: none." }),
    proxy: z
      .strictObject({ remoteUrl: httpUrl, username: text("Upstream user.", "me").optional(), password: SecretRef.optional() })
      .optional()
      .meta({ description: "Run as a pull-through mirror of this upstream." }),
  })
  .meta({ id: "Registry", description: "A private registry (or pull-through mirror) Dockyard runs on one of the hosts." });

export const Credential = z
  .strictObject({
    server: z
      .string()
      .min(1)
      .meta({ description: "Registry host[:port] the login is for.", examples: ["registry.example.com:5000"] }),
    username: text("User name.", "ci"),
    password: SecretRef,
  })
  .meta({ id: "Credential", description: "A registry login used for pulls from that server." });

export const FleetEcr = z
  .strictObject({
    name: name.meta({ description: "Resource name; also the repository name unless `repositoryName` is set.", examples: ["shop"] }),
    repositoryName: z
      .string()
      .regex(/^[a-z0-9]+([._/-][a-z0-9]+)*$/, "must be an ECR repository name like team/app")
      .optional()
      .meta({ examples: ["shop/web"] }),
    imageTagMutability: z
      .enum(["MUTABLE", "IMMUTABLE"])
      .optional()
      .meta({ description: "Default: MUTABLE.", examples: ["IMMUTABLE"] }),
    scanOnPush: z
      .boolean()
      .optional()
      .meta({ description: "Default: true.", examples: [true] }),
    forceDelete: z
      .boolean()
      .optional()
      .meta({ description: "Delete the repository with its images on destroy. Default: false.", examples: [true] }),
    keepLastImages: z
      .int()
      .min(1)
      .optional()
      .meta({ description: "Lifecycle: keep this many newest images. Default: 30.", examples: [50] }),
    expireUntaggedAfterDays: z
      .int()
      .min(1)
      .optional()
      .meta({ description: "Lifecycle: expire untagged images after this many days. Default: 14.", examples: [7] }),
    tags: z.record(z.string(), z.string()).optional(),
  })
  .meta({ id: "Ecr", description: "An ECR repository. Images from ECR are pulled with credentials fetched fresh on every run." });

export const FleetImageSource = z
  .strictObject({
    archive: z
      .string()
      .min(1)
      .optional()
      .meta({
        description:
          "An image archive (`docker save` or OCI) on the machine running Pulumi, relative to this file, or an http(s) URL that machine fetches (never the hosts); uploaded to each host once, kept there and loaded. It must hold `ref` among its tags.",
        examples: ["../images/registry-2.8.3.tar"],
      }),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits")
      .optional()
      .meta({
        description: "sha256 of the archive (`sha256sum`); required with archive.",
        examples: ["3f1c2a5e0b8d4c6e9a7b1d2f4e6a8c0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c"],
      }),
    controller: z
      .boolean()
      .optional()
      .meta({
        description:
          "Fetch the image on the machine running Pulumi (once per run, for all hosts) from a registry it reaches, with the file's `credentials`, and copy it to the hosts. Default: false.",
        examples: [true],
      }),
    from: z
      .string()
      .min(1)
      .regex(HOST_VALUES.imageRef.pattern, `must be ${HOST_VALUES.imageRef.says}`)
      .optional()
      .meta({
        description: "With controller: the reference this machine fetches. Default: ref.",
        examples: ["registry.example.com/mirror/nginx:1.25"],
      }),
    directory: z
      .string()
      .min(1)
      .optional()
      .meta({
        description:
          "With controller: a directory of image archives (`*.tar`) on the machine running Pulumi, relative to this file, to take the image from instead of a registry: the archive that names `ref` is copied. Default: a registry.",
        examples: ["../images"],
      }),
    insecure: z
      .boolean()
      .optional()
      .meta({
        description:
          "INSECURE: with controller, the registry speaks plain HTTP; with an archive URL, http:// is accepted (the sha256 is still checked). Default: false.",
        examples: [true],
      }),
  })
  .meta({
    id: "ImageSource",
    description:
      "Where an image comes from when its hosts do not pull it: an archive here (archive + sha256), or a copy this machine fetches (controller: true).",
  });

export const FleetImage = z
  .strictObject({
    ref: z
      .string()
      .min(1)
      .regex(HOST_VALUES.imageRef.pattern, `must be ${HOST_VALUES.imageRef.says}`)
      .meta({ description: "Image reference.", examples: ["nginx:1.25"] }),
    on: Targets,
    pullPolicy: z
      .enum(["ifMissing", "always"])
      .optional()
      .meta({
        description: "ifMissing: pull once, then keep the digest; always: re-pull on every up. Default: ifMissing.",
        examples: ["always"],
      }),
    keepOnDestroy: z
      .boolean()
      .optional()
      .meta({ description: "Leave the image on the host on destroy. Default: false.", examples: [true] }),
    source: FleetImageSource.optional().meta({
      description:
        "Bring the image from an archive, or copied by the machine running Pulumi, instead of the hosts pulling it. Containers and registries of the same reference on these hosts run this image. Default: pulled.",
    }),
  })
  .meta({ id: "Image", description: "An image pulled onto hosts ahead of use. Images of containers are pulled anyway." });

const Port = z.union(
  [
    z
      .string()
      .regex(/^(\[?[0-9a-fA-F.:]+\]?:)?([0-9]{1,5}:)?[0-9]{1,5}(\/(tcp|udp))?$/, 'must be like "80", "8080:80" or "127.0.0.1:8080:80/tcp"'),
    z.strictObject({
      containerPort: port("Port inside the container.", 80),
      hostPort: port("Port on the host.", 8080).optional(),
      hostIp: hostValue("ipAddress").optional(),
      protocol: z.enum(["tcp", "udp"]).optional(),
    }),
  ],
  { error: (iss) => (iss.code === "invalid_union" ? 'must be like "8080:80" or { containerPort, hostPort }' : undefined) },
);

// --- networks and volumes ---
export const FleetNetwork = z
  .strictObject({
    name: name.meta({ description: "Network name on each host; containers list it under `networks`.", examples: ["shop"] }),
    on: Targets,
    driver: z
      .string()
      .min(1)
      .regex(HOST_VALUES.driver.pattern, `must be ${HOST_VALUES.driver.says}`)
      .optional()
      .meta({ description: "Network driver. Default: bridge.", examples: ["bridge"] }),
    subnet: z
      .string()
      .min(1)
      .regex(HOST_VALUES.cidr.pattern, `must be ${HOST_VALUES.cidr.says}`)
      .optional()
      .meta({
        description: "IPv4 subnet (CIDR). Must not overlap another network's on the same host. Default: one the engine picks.",
        examples: ["172.30.0.0/24"],
      }),
    gateway: z
      .string()
      .min(1)
      .regex(HOST_VALUES.ipAddress.pattern, `must be ${HOST_VALUES.ipAddress.says}`)
      .optional()
      .meta({ description: "Gateway address inside `subnet`. Default: the subnet's first address.", examples: ["172.30.0.1"] }),
    internal: z
      .boolean()
      .optional()
      .meta({ description: "No route out of the network. Default: false.", examples: [true] }),
    labels: z
      .record(labelKey, labelValue)
      .optional()
      .meta({ description: "Network labels.", examples: [{ team: "shop" }] }),
  })
  .meta({
    id: "Network",
    description:
      "A user-defined network on hosts' engines; containers on it reach each other by name and alias. Settings are fixed: a change replaces it.",
  });
export type FleetNetworkSpec = z.infer<typeof FleetNetwork>;

export const FleetVolume = z
  .strictObject({
    name: name.meta({ description: "Volume name on each host; containers mount it as `name:/path`.", examples: ["shop-data"] }),
    on: Targets,
    driver: z
      .string()
      .min(1)
      .regex(HOST_VALUES.driver.pattern, `must be ${HOST_VALUES.driver.says}`)
      .optional()
      .meta({ description: "Volume driver. Default: local.", examples: ["local"] }),
    driverOpts: z
      .record(labelKey, labelValue)
      .optional()
      .meta({ description: "Driver options (`docker volume create -o`).", examples: [{ type: "tmpfs", device: "tmpfs" }] }),
    labels: z
      .record(labelKey, labelValue)
      .optional()
      .meta({ description: "Volume labels.", examples: [{ team: "shop" }] }),
    deleteOnDestroy: z
      .boolean()
      .optional()
      .meta({ description: "Remove the volume and its data on destroy. Default: false (kept, and destroy says so).", examples: [true] }),
  })
  .meta({ id: "Volume", description: "A named volume on hosts' engines, for data that outlives containers." });
export type FleetVolumeSpec = z.infer<typeof FleetVolume>;

export const FleetCompose = z
  .strictObject({
    project: z
      .string()
      .regex(HOST_VALUES.composeProject.pattern, `must be ${HOST_VALUES.composeProject.says}`)
      .meta({
        description: "The compose project name on each host (`docker compose -p`): it prefixes the containers and volumes.",
        examples: ["shop"],
      }),
    on: Targets,
    file: z
      .string()
      .min(1)
      .meta({
        description:
          "The compose file, a path on this machine (relative to the fleet file). Read and checked here (YAML, service names) before any host changes; `docker compose config -q` checks it again on the host before `up`.",
        examples: ["compose/shop.yaml"],
      }),
    env: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"),
        z.union([hostValue("text"), ConfigRef], { error: () => "must be a string or { config: <key> }" }),
      )
      .optional()
      .meta({
        description:
          "The project's `.env` (variables the compose file interpolates): written root-only (0600) beside it, kept as a secret; values may be config references.",
        examples: [{ TAG: "1.25", DB_PASSWORD: { config: "dbPassword" } }],
      }),
    removeVolumesOnDestroy: z
      .boolean()
      .optional()
      .meta({ description: "`down --volumes` on destroy. Default: false (named volumes and their data are kept).", examples: [true] }),
    waitTimeout: z
      .number()
      .int()
      .min(1)
      .max(MAX_BOUND_SECONDS)
      .optional()
      .meta({
        description: "Seconds `up --wait` may take for every service to be running (healthy, if it has a check). Default: 300.",
        examples: [120],
      }),
  })
  .meta({
    id: "ComposeProject",
    description:
      "A compose project on hosts' engines (the compose plugin): `up -d --wait`, drift of its services and files repaired by `up`, `down` on destroy.",
  });
export type FleetComposeSpec = z.infer<typeof FleetCompose>;

const ContainerNetwork = z
  .union(
    [
      name,
      z.strictObject({
        network: name.meta({ description: "A network of `networks:` on the same host.", examples: ["shop"] }),
        aliases: z
          .array(name)
          .optional()
          .meta({ description: "Other names the container answers to on it.", examples: [["backend"]] }),
      }),
    ],
    {
      error: (iss) => (iss.code === "invalid_union" ? "must be a network name or { network, aliases }" : undefined),
    },
  )
  .meta({
    id: "ContainerNetwork",
    description: "A network to join: its name, or { network, aliases }.",
    examples: ["shop", { network: "shop", aliases: ["backend"] }],
  });
// --- end networks and volumes ---

/** A container's security settings; under the file's `profile: hardened` the unset ones take its defaults. */
const containerSecurity = {
  user: hostValue("containerUser")
    .optional()
    .meta({ description: "User (name or uid, optionally :group) the process runs as. Default: the image's own.", examples: ["101:101"] }),
  readOnlyRootFilesystem: z
    .boolean()
    .optional()
    .meta({ description: "Read-only root filesystem (writable paths as tmpfs or volumes). Default: false.", examples: [true] }),
  capAdd: z
    .array(hostValue("capability"))
    .optional()
    .meta({
      description: `Capabilities to add, without CAP_. Default: none (profile hardened: ${HARDENED_CONTAINER_DEFAULTS.capAdd.join(", ")}).`,
      examples: [["NET_BIND_SERVICE"]],
    }),
  capDrop: z
    .array(hostValue("capability"))
    .optional()
    .meta({ description: "Capabilities to drop; ALL drops every one. Default: none (profile hardened: ALL).", examples: [["ALL"]] }),
  noNewPrivileges: z
    .boolean()
    .optional()
    .meta({
      description: "no-new-privileges: no privilege gain through setuid binaries. Default: the daemon's (profile hardened: true).",
      examples: [true],
    }),
  securityOpt: z
    .array(hostValue("securityOpt"))
    .optional()
    .meta({
      description: "Security options: apparmor=<profile>, seccomp=unconfined, label=<type|level|user|role>:<value>, label=disable.",
      examples: [["apparmor=docker-default"]],
    }),
  pidsLimit: z
    .int()
    .min(1)
    .max(4194304)
    .optional()
    .meta({
      description: `Most processes the container may run. Default: no limit (profile hardened: ${HARDENED_CONTAINER_DEFAULTS.pidsLimit}).`,
      examples: [256],
    }),
  tmpfs: z
    .record(absolutePath, hostValue("mountOptions"))
    .optional()
    .meta({
      description: "tmpfs mounts: path -> mount options (empty: the engine's).",
      examples: [{ "/tmp": "rw,noexec,nosuid,size=64m" }],
    }),
  ulimits: z
    .array(z.strictObject({ name: hostValue("ulimitName"), soft: z.int().min(-1), hard: z.int().min(-1).optional() }))
    .optional()
    .meta({ description: "Resource limits of the processes (-1: unlimited).", examples: [[{ name: "nofile", soft: 1024, hard: 2048 }]] }),
  insecurePrivileged: z
    .boolean()
    .optional()
    .meta({
      description: "Run privileged: every capability and device of the host (root on the host). Warns on every run. Default: false.",
      examples: [true],
    }),
};

export const FleetContainer = z
  .strictObject({
    name: name.meta({ description: "Container name on each host.", examples: ["nginx-container"] }),
    image: z
      .string()
      .min(1)
      .regex(HOST_VALUES.imageRef.pattern, `must be ${HOST_VALUES.imageRef.says}`)
      .meta({
        description: "Image reference (pulled through the host's mirrors and credentials, pinned to its digest).",
        examples: ["nginx:1.25"],
      }),
    on: Targets,
    command: z
      .array(hostValue("text"))
      .optional()
      .meta({ description: "Command and arguments.", examples: [["nginx", "-g", "daemon off;"]] }),
    env: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"),
        z.union([hostValue("text"), ConfigRef], { error: () => "must be a string or { config: <key> }" }),
      )
      .optional()
      .meta({ description: "Environment; values may be config references (secrets stay secret).", examples: [{ TZ: "UTC" }] }),
    ports: z
      .array(Port)
      .optional()
      .meta({ description: 'Published ports, "hostPort:containerPort".', examples: [["80:80"]] }),
    volumes: z
      .array(
        z
          .string()
          .refine(
            isMount,
            'must be like "/srv/html:/usr/share/nginx/html:ro" or "data:/var/lib/data" (an absolute path or a volume name, then an absolute path)',
          ),
      )
      .optional()
      .meta({
        description: "Bind mounts (absolute host path) and volumes of `volumes:` on the same host (`name:/path`).",
        examples: [["/srv/html:/usr/share/nginx/html:ro", "shop-data:/var/lib/data"]],
      }),
    networks: z
      .array(ContainerNetwork)
      .optional()
      .meta({ description: "Networks of `networks:` to join (on the same host), with aliases. Default: the engine's default bridge." }),
    restartPolicy: z
      .enum(["no", "always", "unless-stopped", "on-failure"])
      .optional()
      .meta({ description: `Default: ${DEFAULT_RESTART_POLICY}.`, examples: ["always"] }),
    labels: z
      .record(labelKey, labelValue)
      .optional()
      .meta({ description: "Container labels.", examples: [{ team: "web" }] }),
    healthCheck: z
      .strictObject({
        test: z
          .array(z.string())
          .min(1)
          .meta({ examples: [["CMD", "curl", "-f", "http://localhost/"]] }),
        intervalSeconds: z.int().min(1).optional(),
        timeoutSeconds: z.int().min(1).optional(),
        retries: z.int().min(1).optional(),
        startPeriodSeconds: z.int().min(0).optional(),
      })
      .optional()
      .meta({ description: "Health check; up waits until healthy." }),
    memory: z
      .union([z.int().min(4194304), z.string().regex(/^[0-9]+(\.[0-9]+)?[bkmgBKMG]?$/, 'must be like "512m"')])
      .optional()
      .meta({ description: "Memory limit.", examples: ["512m"] }),
    cpus: z
      .number()
      .positive()
      .optional()
      .meta({ description: "CPU limit in cores.", examples: [1.5] }),
    startTimeoutSeconds: z
      .int()
      .min(1)
      .optional()
      .meta({
        description: `How long up waits for the container to run (and be healthy). Default: ${DEFAULT_START_TIMEOUT_SECONDS}.`,
        examples: [120],
      }),
    ...containerSecurity,
  })
  .meta({ id: "Container", description: "A container run on hosts." });
export type FleetContainerSpec = z.infer<typeof FleetContainer>;

const UpdatePolicy = z
  .strictObject({
    parallelism: z
      .int()
      .min(0)
      .optional()
      .meta({ description: "Tasks changed at once (0: all). Default: 1.", examples: [2] }),
    delaySeconds: z
      .number()
      .min(0)
      .optional()
      .meta({ description: "Seconds between batches. Default: 0.", examples: [10] }),
    failureAction: z
      .enum(["pause", "continue", "rollback"])
      .optional()
      .meta({ description: "What a failed batch does. Default: pause.", examples: ["rollback"] }),
    order: z
      .enum(["stop-first", "start-first"])
      .optional()
      .meta({ description: "Stop the old task first, or start the new one first. Default: stop-first.", examples: ["start-first"] }),
    monitorSeconds: z
      .number()
      .min(0)
      .optional()
      .meta({ description: "Seconds a new task is watched for failure. Default: 5.", examples: [15] }),
  })
  .meta({ id: "UpdatePolicy", description: "How a service change (or its rollback) rolls out." });

export const SwarmNode = z
  .union(
    [
      name.meta({ description: "A host of this fleet.", examples: ["w1"] }),
      z.strictObject({
        host: name.meta({ description: "A host of this fleet.", examples: ["w1"] }),
        labels: z
          .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be a label name"), z.string())
          .optional()
          .meta({
            description: "Node labels, for placement constraints. Dockyard owns the node's whole label set.",
            examples: [{ zone: "a" }],
          }),
        availability: z
          .enum(["active", "pause", "drain"])
          .optional()
          .meta({ description: "Default: active.", examples: ["drain"] }),
        advertiseAddr: z
          .string()
          .min(1)
          .regex(HOST_VALUES.address.pattern, `must be ${HOST_VALUES.address.says}`)
          .optional()
          .meta({ description: "Address other nodes reach this one on. Default: the host's address.", examples: ["10.0.1.12"] }),
      }),
    ],
    { error: (iss) => (iss.code === "invalid_union" ? "must be a host name or { host, labels?, availability? }" : undefined) },
  )
  .meta({ id: "SwarmNode", description: "A swarm node: a host name, or the host with its labels and availability." });

export const FleetService = z
  .strictObject({
    name: name.meta({ description: "Service name in the swarm.", examples: ["web"] }),
    image: z
      .string()
      .min(1)
      .regex(HOST_VALUES.imageRef.pattern, `must be ${HOST_VALUES.imageRef.says}`)
      .meta({
        description: "Image reference, resolved on the first manager (its mirrors and credentials) and run by digest.",
        examples: ["nginx:1.25"],
      }),
    mode: z
      .enum(["replicated", "global"])
      .optional()
      .meta({ description: "Default: replicated.", examples: ["global"] }),
    replicas: z
      .int()
      .min(0)
      .optional()
      .meta({ description: "Tasks of a replicated service. Default: 1.", examples: [3] }),
    command: z
      .array(hostValue("text"))
      .optional()
      .meta({ description: "Overrides the image's entrypoint.", examples: [["nginx"]] }),
    args: z
      .array(hostValue("text"))
      .optional()
      .meta({ description: "Arguments to the command.", examples: [["-g", "daemon off;"]] }),
    env: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"),
        z.union([hostValue("text"), ConfigRef], { error: () => "must be a string or { config: <key> }" }),
      )
      .optional()
      .meta({ description: "Environment; values may be config references (secrets stay secret).", examples: [{ TZ: "UTC" }] }),
    ports: z
      .array(z.string().regex(/^[0-9]{1,5}:[0-9]{1,5}(\/(tcp|udp))?$/, 'must be like "8080:80" or "53:53/udp"'))
      .optional()
      .meta({ description: 'Ports published in host mode on each node that runs a task, "published:target".', examples: [["8080:80"]] }),
    constraints: z
      .array(
        z
          .string()
          .regex(/^\s*[A-Za-z0-9_.-]+\s*(==|!=)\s*\S.*$/, 'must look like "node.role == worker"')
          .regex(HOST_VALUES.text.pattern),
      )
      .optional()
      .meta({ description: "Placement constraints.", examples: [["node.labels.zone == a"]] }),
    labels: z
      .record(labelKey, labelValue)
      .optional()
      .meta({ description: "Service labels.", examples: [{ team: "web" }] }),
    networks: z
      .array(name)
      .optional()
      .meta({
        description: "Overlay networks to attach; missing ones are created (attachable) and go with the service.",
        examples: [["backend"]],
      }),
    updateConfig: UpdatePolicy.optional(),
    rollbackConfig: UpdatePolicy.optional(),
    convergeTimeoutSeconds: z
      .int()
      .min(1)
      .optional()
      .meta({ description: "Seconds up waits for every task to run. Default: 120.", examples: [300] }),
    convergeMonitorSeconds: z
      .int()
      .min(0)
      .optional()
      .meta({
        description: `Seconds every task must stay running before up counts the service as converged. Default: ${DEFAULT_SERVICE_CONVERGE_MONITOR_SECONDS}.`,
        examples: [15],
      }),
  })
  .meta({ id: "Service", description: "A swarm service, run across the swarm's nodes." });

export const FleetSwarm = z
  .strictObject({
    managers: z
      .array(SwarmNode)
      .min(1, "must list at least one manager")
      .meta({ description: "Manager nodes; the first one inits the swarm. Use an odd number.", examples: [["m1"]] }),
    workers: z
      .array(SwarmNode)
      .optional()
      .meta({
        description: "Worker nodes. A node taken out is drained, leaves and is removed.",
        examples: [["w1", { host: "w2", labels: { zone: "b" } }]],
      }),
    defaultAddrPool: z
      .array(
        z
          .string()
          .regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, "must be an IPv4 CIDR like 10.20.0.0/16")
          .regex(HOST_VALUES.cidr.pattern),
      )
      .optional()
      .meta({ description: "Address pools for overlay networks, set at init. Default: Docker's.", examples: [["10.20.0.0/16"]] }),
    subnetSize: z
      .int()
      .min(16)
      .max(28)
      .optional()
      .meta({ description: "Prefix length of each overlay subnet. Default: 24.", examples: [26] }),
    services: z.array(FleetService).optional().meta({ description: "Services run on the swarm." }),
  })
  .meta({
    id: "Swarm",
    description:
      "Docker Swarm mode across fleet hosts, and the services it runs. The ingress routing mesh is not exercised by Dockyard's tests: publish in host mode.",
  });
export type FleetSwarmSpec = z.infer<typeof FleetSwarm>;

export const Rollout = z
  .strictObject({
    batch: z
      .union(
        [
          z.int(BATCH_SIZE_MESSAGE).min(1, BATCH_SIZE_MESSAGE),
          z.string().regex(/^(100(\.0+)?|[0-9]{1,2}(\.[0-9]+)?)%$/, BATCH_SIZE_MESSAGE),
        ],
        { error: () => BATCH_SIZE_MESSAGE },
      )
      .refine((b) => batchSizeProblem(b) === undefined, BATCH_SIZE_MESSAGE)
      .meta({
        description: "Hosts per batch, in the order of `hosts`: a count, or a percentage of the hosts (rounded down, at least 1).",
        examples: [2, "25%"],
      }),
    pause: duration.optional().meta({
      description: `Wait after a batch is healthy before the next one starts. Default: ${DEFAULT_GATE_PAUSE}.`,
      examples: ["30s"],
    }),
    timeout: duration
      .refine((d) => durationProblem(d) !== undefined || durationSeconds(d) > 0, "must be longer than 0")
      .optional()
      .meta({
        description: `How long a batch's containers may take to be running and healthy again; past it the rollout stops and later batches are left untouched. Default: ${DEFAULT_GATE_TIMEOUT}.`,
        examples: ["10m"],
      }),
  })
  .meta({
    id: "Rollout",
    description:
      "Rolling changes: the hosts change in batches. A batch's disruptive steps (engine install, upgrade or downgrade; a daemon.json change; a container replaced) start only once the previous batch's containers are running and healthy again (health check, else running and published TCP ports answering). A failure stops the later batches. Unset: every host changes at once.",
  });

export const FleetSpecSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: "Path or URL of this schema, for editors." }),
    profile: z
      .enum(["hardened"])
      .optional()
      .meta({
        description:
          "hardened: every host's daemon.json takes the hardened profile (unless its daemon sets profile), and every container takes no-new-privileges, capDrop ALL with the capAdd nginx needs and a PIDs limit, for each of them it does not set itself (docs/hardening.md).",
        examples: ["hardened"],
      }),
    defaults: Defaults.optional(),
    hosts: z.array(FleetHost).min(1, "must list at least one host").meta({ description: "The machines of the fleet." }),
    registries: z.array(FleetRegistry).optional().meta({ description: "Registries Dockyard runs on fleet hosts." }),
    ecr: z.array(FleetEcr).optional().meta({ description: "ECR repositories (AWS)." }),
    credentials: z.array(Credential).optional().meta({ description: "Logins for pulling from private registries." }),
    images: z.array(FleetImage).optional().meta({ description: "Images pulled onto hosts ahead of use." }),
    containers: z.array(FleetContainer).optional().meta({ description: "Containers run on hosts." }),
    networks: z.array(FleetNetwork).optional().meta({ description: "User-defined networks on hosts, for containers to join." }),
    volumes: z.array(FleetVolume).optional().meta({ description: "Named volumes on hosts, for containers to mount." }),
    compose: z.array(FleetCompose).optional().meta({ description: "Compose projects run on hosts." }),
    swarm: FleetSwarm.optional(),
    rollout: Rollout.optional(),
  })
  .meta({
    title: "Dockyard fleet file",
    description:
      "A whole fleet: hosts, their Docker engine, daemon settings, registries, images, containers, networks, volumes, compose projects and a swarm. Deployed by `pulumi up`.",
  });

export type FleetSpec = z.infer<typeof FleetSpecSchema>;
