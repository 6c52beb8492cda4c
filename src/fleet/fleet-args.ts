// The fleet spec turned into the arguments of each component, with every `{ config }` reference
// resolved. Pure: it creates no resource, so bad input is refused before anything exists.
import { pickBounds } from "../model/time-bounds";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { AwsHostArgs } from "../aws/aws-host";
import type { EcrRegistryArgs } from "../aws/ecr-registry";
import { publishedPortsOf } from "../aws/ingress-rules";
import type { DaemonConfigArgs } from "../engine/daemon-config";
import type { DockerEngineArgs } from "../engine/docker-engine";
import type { HostArgs } from "../host/host";
import type { RegistryArgs } from "../registry/registry";
import type { ServiceArgs } from "../swarm/service";
import { type ComposeProjectArgs, composeProjectSpec } from "../workload/compose-project";
import type { ContainerArgs } from "../workload/container";
import type { NetworkArgs } from "../workload/network";
import type { VolumeArgs } from "../workload/volume";
import { DEFAULT_REGISTRY_PORT } from "../model/defaults";
import { InvalidArgumentError } from "../model/input-error";
import { containerSecurityArgs } from "./profile";
import { parseImageRef } from "../model/image-ref";
import { hostSettings, settingPath, targetHosts } from "./host-settings";
import { FleetFileError, formatPath, type FleetProblem } from "./load-fleet";
import { type ConfigRef, type DaemonSpec, FLEET_LOG_ROTATION, type FleetSpec, type SecretRef } from "./spec";

/** Reads a `{ config: key }` reference; secret ones come back as Pulumi secrets. */
export type ConfigLookup = (key: string, secret: boolean) => pulumi.Input<string> | undefined;

/** A registry login as images and services take it. */
export interface FleetLogin {
  server: pulumi.Input<string>;
  username: pulumi.Input<string>;
  password: pulumi.Input<string>;
}

/** One fleet host's arguments: its connection (or EC2 instance), engine, daemon.json, docker users. */
export interface FleetHostArgs {
  name: string;
  /** `aws` for a host declared with `aws:` (an AwsHost), else `ssh` (a Host). */
  host: { kind: "ssh"; args: HostArgs } | { kind: "aws"; args: AwsHostArgs };
  engine: Omit<DockerEngineArgs, "host">;
  /** Undefined when the host has no daemon settings (daemon.json is then left alone). */
  daemon?: Omit<DaemonConfigArgs, "engine">;
  dockerUsers?: string[];
}

/** Everything the Fleet needs from the spec, resolved. Component references are filled in by the Fleet. */
export interface FleetArgsResolved {
  hosts: FleetHostArgs[];
  credentials: (FleetLogin & { server: string })[];
  /** Per `registries` entry. */
  registries: Omit<RegistryArgs, "engine" | "trustedBy">[];
  ecr: EcrRegistryArgs[];
  /** Per `containers` entry: its settings, without engine, image, volumes and networks. */
  containers: Omit<ContainerArgs, "engine" | "image" | "volumes" | "networks">[];
  /** Per `swarm.services` entry: its settings, without swarm, image and credentials. */
  services: Omit<ServiceArgs, "swarm" | "image" | "credentials">[];
  /** Per `compose` entry: its settings, the file's path resolved against the fleet file's directory. */
  compose: Omit<ComposeProjectArgs, "engine">[];
}

/**
 * The arguments of every component of a checked fleet spec. Every missing config reference is
 * reported at once, with its place in the file, as one FleetFileError.
 */
export function fleetArgs(
  spec: FleetSpec,
  opts: {
    fleet: string;
    config: ConfigLookup;
    baseDir: string;
    file?: string;
    locate?: (p: (string | number)[]) => { line: number; col: number } | undefined;
  },
): FleetArgsResolved {
  const refs = new ConfigReader(opts.config, opts.file, opts.locate);
  const hosts = spec.hosts.map((h, i): FleetHostArgs => {
    const users = hostSettings(spec, h).dockerUsers;
    return {
      name: h.name,
      host: h.aws ? { kind: "aws", args: awsHostArgs(spec, i, refs) } : { kind: "ssh", args: connectionArgs(spec, i, refs) },
      engine: engineSettings(spec, i, refs, opts.baseDir),
      daemon: daemonSettings(spec, i, refs),
      dockerUsers: users?.length ? users : undefined,
    };
  });
  const credentials = (spec.credentials ?? []).map((c, i) => ({
    server: c.server,
    username: refs.text(c.username, ["credentials", i, "username"]),
    password: refs.secret(c.password, ["credentials", i, "password"]),
  }));
  const registries = (spec.registries ?? []).map((r, i) => registrySettings(r, i, refs));
  const ecr = (spec.ecr ?? []).map((e) => ({
    repositoryName: e.repositoryName,
    imageTagMutability: e.imageTagMutability,
    scanOnPush: e.scanOnPush,
    forceDelete: e.forceDelete,
    keepLastImages: e.keepLastImages,
    expireUntaggedAfterDays: e.expireUntaggedAfterDays,
    tags: e.tags,
  }));
  const containers = (spec.containers ?? []).map((c, i) => {
    const env = Object.fromEntries(Object.entries(c.env ?? {}).map(([k, v]) => [k, refs.text(v, ["containers", i, "env", k], true)]));
    return {
      name: c.name,
      command: c.command,
      env: Object.keys(env).length ? env : undefined,
      ports: c.ports,
      restartPolicy: c.restartPolicy,
      labels: c.labels,
      healthCheck: c.healthCheck,
      memory: c.memory,
      cpus: c.cpus,
      startTimeoutSeconds: c.startTimeoutSeconds,
      ...containerSecurityArgs(spec, c),
    };
  });
  const services = (spec.swarm?.services ?? []).map((svc, i) => {
    const env = Object.fromEntries(
      Object.entries(svc.env ?? {}).map(([k, v]) => [k, refs.text(v, ["swarm", "services", i, "env", k], true)]),
    );
    return {
      name: svc.name,
      mode: svc.mode,
      replicas: svc.replicas,
      command: svc.command,
      args: svc.args,
      env: Object.keys(env).length ? env : undefined,
      ports: svc.ports,
      constraints: svc.constraints,
      labels: svc.labels,
      networks: svc.networks,
      updateConfig: svc.updateConfig,
      rollbackConfig: svc.rollbackConfig,
      convergeTimeoutSeconds: svc.convergeTimeoutSeconds,
      convergeMonitorSeconds: svc.convergeMonitorSeconds,
    };
  });
  const compose = (spec.compose ?? []).map((p, i): Omit<ComposeProjectArgs, "engine"> => {
    const env = Object.fromEntries(Object.entries(p.env ?? {}).map(([k, v]) => [k, refs.text(v, ["compose", i, "env", k], true)]));
    const composeFile = path.resolve(opts.baseDir, p.file);
    // Read and checked here, so a missing or broken file is named at its line of the fleet file.
    try {
      composeProjectSpec({ projectName: p.project, composeFile });
    } catch (e) {
      const at = ["compose", i, "file"];
      if (!(e instanceof InvalidArgumentError)) throw e;
      const message = e.reason.replace(/^(composeFile|composeYaml) /, "");
      throw new FleetFileError([{ file: opts.file, ...opts.locate?.(at), path: formatPath(at), message }], `Fleet ${opts.fleet}`);
    }
    return {
      projectName: p.project,
      composeFile,
      // The component makes the whole .env a secret; a config reference among the values is one already.
      env: Object.keys(env).length ? pulumi.all(env) : undefined,
      removeVolumesOnDestroy: p.removeVolumesOnDestroy,
      waitTimeout: p.waitTimeout,
    };
  });
  refs.throwIfMissing(opts.fleet);
  return { hosts, credentials, registries, ecr, containers, services, compose };
}

/** A network's arguments on one host, without the engine. */
export function networkSettings(n: NonNullable<FleetSpec["networks"]>[number]): Omit<NetworkArgs, "engine"> {
  return { name: n.name, driver: n.driver, subnet: n.subnet, gateway: n.gateway, internal: n.internal, labels: n.labels };
}

/** A volume's arguments on one host, without the engine. */
export function volumeSettings(v: NonNullable<FleetSpec["volumes"]>[number]): Omit<VolumeArgs, "engine"> {
  return { name: v.name, driver: v.driver, driverOpts: v.driverOpts, labels: v.labels, deleteOnDestroy: v.deleteOnDestroy };
}

/**
 * The login an image reference pulls with: a `credentials` entry for its registry (Docker Hub by
 * any of its names), else the fleet's ECR login for an ECR reference.
 */
export function loginFor(
  credentials: (FleetLogin & { server: string })[],
  ecrLogin: FleetLogin | undefined,
  ref: string,
): FleetLogin | undefined {
  const server = parseImageRef(ref).registry;
  return (
    credentials.find((c) => c.server === server || (server === "docker.io" && /^(index\.)?docker\.io$/.test(c.server))) ??
    (ecrLogin && /\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(server) ? ecrLogin : undefined)
  );
}

/** Reads `{ config }` references, collecting every missing one with its place in the file. */
class ConfigReader {
  private readonly missing: FleetProblem[] = [];
  constructor(
    private readonly read: ConfigLookup,
    private readonly file?: string,
    private readonly locate?: (p: (string | number)[]) => { line: number; col: number } | undefined,
  ) {}

  text(v: string | ConfigRef, at: (string | number)[], secret = false): pulumi.Input<string> {
    if (typeof v === "string") return v;
    return this.secretOrPlain(v, at, secret);
  }

  secret(v: SecretRef, at: (string | number)[]): pulumi.Input<string> {
    return this.secretOrPlain(v, at, true);
  }

  private secretOrPlain(ref: ConfigRef, at: (string | number)[], secret: boolean): pulumi.Input<string> {
    const value = this.read(ref.config, secret);
    if (value === undefined) {
      this.missing.push({
        file: this.file,
        ...this.locate?.(at),
        path: formatPath(at),
        message: `config "${ref.config}" is not set: \`pulumi config set${secret ? " --secret" : ""} ${ref.config} <value>\``,
      });
      return "";
    }
    return secret ? pulumi.secret(value) : value;
  }

  throwIfMissing(fleet: string): void {
    this.missing.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    if (this.missing.length) throw new FleetFileError(this.missing, `Fleet ${fleet}`, "DOCKYARD_CONFIG_MISSING");
  }
}

/** The stack's Pulumi config: `key` in the project's namespace, or `namespace:key`. */
export function stackConfig(key: string, secret: boolean): pulumi.Input<string> | undefined {
  const i = key.indexOf(":");
  const config = i > 0 ? new pulumi.Config(key.slice(0, i)) : new pulumi.Config();
  const k = i > 0 ? key.slice(i + 1) : key;
  return secret ? config.getSecret(k) : config.get(k);
}

/** An EC2 instance for a host declared with `aws:`; it opens the ports the fleet publishes there. */
function awsHostArgs(spec: FleetSpec, i: number, refs: ConfigReader): AwsHostArgs {
  const h = spec.hosts[i];
  const s = hostSettings(spec, h);
  const aws = h.aws!;
  const ports = [
    ...(spec.containers ?? []).filter((c) => targetHosts(spec, c.on).includes(h.name)).flatMap((c) => c.ports ?? []),
    ...(spec.registries ?? []).filter((r) => r.host === h.name).map((r) => String(r.port ?? DEFAULT_REGISTRY_PORT)),
  ];
  const args: AwsHostArgs = {
    distro: aws.distro,
    sshCidrs: aws.sshCidrs,
    publishedPorts: publishedPortsOf(ports),
    instanceType: aws.instanceType,
    architecture: aws.architecture,
    ami: aws.ami,
    vpcId: aws.vpcId,
    subnetId: aws.subnetId,
    availabilityZone: aws.availabilityZone,
    publishedCidrs: aws.publishedCidrs,
    rootVolumeSize: aws.rootVolumeSize,
    tags: aws.tags,
    usePrivateIp: aws.usePrivateIp,
    keyName: aws.keyName,
    publicKey: aws.publicKey,
    hostKeyTimeoutSeconds: aws.hostKeyTimeoutSeconds,
    preflight: s.preflight,
  };
  if (s.privateKey) args.privateKey = refs.secret(s.privateKey, settingPath(spec, i, "privateKey"));
  if (typeof h.user === "string") args.user = h.user; // not defaults.user: each distro has its own login user
  if (s.connectAttempts !== undefined) args.connectAttempts = s.connectAttempts;
  if (s.jump) args.jump = jumpArgs(s.jump, settingPath(spec, i, "jump"), refs);
  return args;
}

function jumpArgs(
  j: NonNullable<FleetSpec["defaults"]>["jump"] & object,
  at: (string | number)[],
  refs: ConfigReader,
): NonNullable<HostArgs["jump"]> {
  return {
    address: refs.text(j.address, [...at, "address"]),
    port: j.port,
    user: j.user === undefined ? undefined : refs.text(j.user, [...at, "user"]),
    hostKey: j.hostKey === undefined ? undefined : refs.text(j.hostKey, [...at, "hostKey"]),
    privateKey: j.privateKey === undefined ? undefined : refs.secret(j.privateKey, [...at, "privateKey"]),
  };
}

function connectionArgs(spec: FleetSpec, i: number, refs: ConfigReader): HostArgs {
  const h = spec.hosts[i];
  const s = hostSettings(spec, h);
  // The key may come from defaults: a missing one was refused by the spec checks already.
  const args: HostArgs = {
    address: refs.text(h.address!, ["hosts", i, "address"]),
    privateKey: refs.secret(s.privateKey!, settingPath(spec, i, "privateKey")),
  };
  if (s.port !== undefined) args.port = s.port;
  if (s.user !== undefined) args.user = refs.text(s.user, settingPath(spec, i, "user"));
  if (s.sudo !== undefined) args.sudo = s.sudo;
  if (s.privateKeyPassphrase) args.privateKeyPassphrase = refs.secret(s.privateKeyPassphrase, ["hosts", i, "privateKeyPassphrase"]);
  if (h.hostKey !== undefined) args.hostKey = refs.text(h.hostKey, ["hosts", i, "hostKey"]);
  if (h.insecureSkipHostKeyCheck) args.insecureSkipHostKeyCheck = true;
  if (s.connectTimeout !== undefined) args.connectTimeout = s.connectTimeout;
  if (s.connectAttempts !== undefined) args.connectAttempts = s.connectAttempts;
  Object.assign(args, pickBounds(s));
  if (s.preflight) args.preflight = s.preflight;
  if (s.jump) args.jump = jumpArgs(s.jump, settingPath(spec, i, "jump"), refs);
  return args;
}

function engineSettings(spec: FleetSpec, i: number, refs: ConfigReader, baseDir: string): Omit<DockerEngineArgs, "host"> {
  const e = hostSettings(spec, spec.hosts[i]).engine;
  const at = (k: string) => settingPath(spec, i, "engine", k);
  // Relative paths are the fleet file's; URLs are left as they are.
  const file = (b: string) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(b) ? b : path.resolve(baseDir, b));
  const bundle = e.bundle;
  const bundles = e.bundles
    ? Object.fromEntries(
        Object.entries(e.bundles).map(([arch, b]) => [
          arch,
          { bundle: file(b.bundle), sha256: refs.text(b.sha256, settingPath(spec, i, "engine", "bundles", arch, "sha256")) },
        ]),
      )
    : undefined;
  return {
    method: e.method,
    source: e.source,
    channel: e.channel,
    allowDowngrade: e.allowDowngrade,
    installDir: e.installDir,
    uninstallOnDelete: e.uninstallOnDelete,
    // A mirror with credentials becomes a secret in the component (the file only has them from config).
    replacePackages: e.replacePackages,
    plugins: e.plugins,
    mirror: e.mirror === undefined ? undefined : refs.text(e.mirror, at("mirror")),
    mirrorKeyFingerprint: e.mirrorKeyFingerprint === undefined ? undefined : refs.text(e.mirrorKeyFingerprint, at("mirrorKeyFingerprint")),
    allowInsecureHttp: e.allowInsecureHttp,
    version: e.version === undefined ? undefined : refs.text(e.version, at("version")),
    bundle: bundle === undefined ? undefined : file(bundle),
    bundles,
    bundleSha256: e.bundleSha256 === undefined ? undefined : refs.text(e.bundleSha256, at("bundleSha256")),
    ...(e.composePlugin === undefined ? {} : { composePlugin: file(e.composePlugin) }),
    ...(e.composePluginSha256 === undefined ? {} : { composePluginSha256: refs.text(e.composePluginSha256, at("composePluginSha256")) }),
  };
}

function daemonSettings(spec: FleetSpec, i: number, refs: ConfigReader): Omit<DaemonConfigArgs, "engine"> | undefined {
  const h = spec.hosts[i];
  const own = hostSettings(spec, h).daemon ?? {};
  // The file's profile, unless the host's (or the defaults') daemon names its own.
  const d = spec.profile && own.profile === undefined ? { ...own, profile: spec.profile } : own;
  const at = (k: string) => settingPath(spec, i, "daemon", k);
  const { registryMirrors, insecureRegistries, proxy, logRotation: _logRotation, ...rest } = d;
  // Log rotation is on by default; the proxy's URLs are read as secrets.
  const rotation = logRotationSettings(d);
  if (!Object.keys(rest).length && !registryMirrors && !insecureRegistries && !proxy && !rotation) return undefined;
  return {
    ...rest,
    ...(rotation
      ? {
          logDriver: rotation.logDriver,
          logOpts: rotation.logOpts,
          refuseOverwriting: rotation.defaulted ? ["log-driver", "log-opts"] : undefined,
        }
      : {}),
    registryMirrors: registryMirrors && pulumi.all(registryMirrors.map((m, j) => refs.text(m, [...at("registryMirrors"), j]))),
    insecureRegistries: insecureRegistries && pulumi.all(insecureRegistries.map((r, j) => refs.text(r, [...at("insecureRegistries"), j]))),
    proxy:
      proxy &&
      pulumi.all({
        http: proxy.http === undefined ? undefined : refs.text(proxy.http, [...at("proxy"), "http"], true),
        https: proxy.https === undefined ? undefined : refs.text(proxy.https, [...at("proxy"), "https"], true),
        noProxy: proxy.noProxy,
      }),
  };
}

/**
 * The log-driver/log-opts a fleet host gets: none where the daemon settings give their own log
 * settings or `logRotation: false`; else json-file with FLEET_LOG_ROTATION (or the given values).
 * `defaulted` when nothing was asked: then a host's own log settings are not replaced silently.
 */
export function logRotationSettings(d: DaemonSpec): { logDriver: string; logOpts: Record<string, string>; defaulted: boolean } | undefined {
  if (d.logRotation === false || d.logDriver !== undefined || d.logOpts !== undefined) return undefined;
  if (d.settings && ("log-driver" in d.settings || "log-opts" in d.settings)) return undefined;
  const r = d.logRotation ?? {};
  return {
    logDriver: "json-file",
    logOpts: { "max-size": r.maxSize ?? FLEET_LOG_ROTATION.maxSize, "max-file": String(r.maxFile ?? FLEET_LOG_ROTATION.maxFile) },
    defaulted: d.logRotation === undefined,
  };
}

function registrySettings(
  r: NonNullable<FleetSpec["registries"]>[number],
  i: number,
  refs: ConfigReader,
): Omit<RegistryArgs, "engine" | "trustedBy"> {
  const at = (...k: (string | number)[]) => ["registries", i, ...k];
  const users = (r.users ?? []).map((u, j) => ({ username: u.username, password: refs.secret(u.password, at("users", j, "password")) }));
  return {
    port: r.port,
    image: r.image,
    storagePath: r.storagePath,
    users: users.length ? users : undefined,
    tls:
      r.tls === undefined || r.tls === "generate"
        ? r.tls
        : {
            certificate: refs.text(r.tls.certificate, at("tls", "certificate")),
            privateKey: refs.secret(r.tls.privateKey, at("tls", "privateKey")),
            caCertificate: r.tls.caCertificate === undefined ? undefined : refs.text(r.tls.caCertificate, at("tls", "caCertificate")),
          },
    proxy: r.proxy && {
      remoteUrl: r.proxy.remoteUrl,
      username: r.proxy.username === undefined ? undefined : refs.text(r.proxy.username, at("proxy", "username")),
      password: r.proxy.password === undefined ? undefined : refs.secret(r.proxy.password, at("proxy", "password")),
    },
  };
}

/** A resource-name-safe form of an image reference. */
export function slug(ref: string): string {
  return ref.replace(/[^A-Za-z0-9.-]+/g, "-").replace(/^-+|-+$/g, "");
}

export function publishedEndpoints(address: string, ports: NonNullable<FleetSpec["containers"]>[number]["ports"] & object): string[] {
  return ports.flatMap((p) => {
    if (typeof p === "string") {
      const parts = p.replace(/\/(tcp|udp)$/, "").split(":");
      const hostPort = parts.length >= 2 ? parts[parts.length - 2] : parts[0];
      const ip = parts.length === 3 ? parts[0] : undefined;
      return [`${ip && ip !== "0.0.0.0" ? ip : address}:${hostPort}`];
    }
    return [`${p.hostIp && p.hostIp !== "0.0.0.0" ? p.hostIp : address}:${p.hostPort ?? p.containerPort}`];
  });
}
