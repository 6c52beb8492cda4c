import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DaemonConfig } from "../engine/daemon-config";
import { DockerEngine } from "../engine/docker-engine";
import { DockerUsers } from "../engine/docker-users";
import { Host, type HostArgs } from "../host/host";
import { AwsHost, type AwsHostArgs } from "../aws/aws-host";
import { EcrRegistry } from "../aws/ecr-registry";
import { publishedPortsOf } from "../aws/ingress-rules";
import { Registry, type RegistryArgs } from "../registry/registry";
import { Service } from "../swarm/service";
import { Swarm, type SwarmNodeArgs } from "../swarm/swarm";
import { Container } from "../workload/container";
import { Image, type RegistryCredentials } from "../workload/image";
import { Network } from "../workload/network";
import { Volume } from "../workload/volume";
import { parseImageRef } from "../workload/image-ref";
import { hostSettings, settingPath, targetHosts } from "./host-settings";
import { checkFleetSpec, fleetSourceOf, FleetFileError, formatPath, type FleetProblem } from "./load-fleet";
import { type ConfigRef, type DaemonSpec, FLEET_LOG_ROTATION, type FleetSpec, type SecretRef } from "./spec";

export interface FleetArgs {
  /**
   * The fleet: from `loadFleet` (errors then name file:line), or built in code (checked the same
   * way, before any resource is created).
   * @example loadFleet("stacks/prod.yaml")
   */
  spec: FleetSpec;
  /**
   * Directory that relative offline bundle paths are relative to.
   * @default the fleet file's directory, or the working directory for a spec built in code
   * @example "/srv/bundles"
   */
  baseDir?: string;
  /**
   * Reads `{ config: key }` references. Plain references are read as they are; secret references
   * (keys, passwords, env values) come back as Pulumi secrets.
   * @default the stack's Pulumi config (`key` in the project's namespace, or `namespace:key`)
   * @example (key, secret) => secret ? pulumi.secret(vault[key]) : vault[key]
   */
  config?: (key: string, secret: boolean) => pulumi.Input<string> | undefined;
}

/** What a fleet host ended up with, as the stack outputs show it. */
export interface FleetHostOutputs {
  address: string;
  os: string;
  kernel: string;
  docker: string;
  mirrors: string[];
  /** Per container: state and the host:port endpoints it publishes. */
  containers: Record<string, { state: string; endpoints: string[] }>;
  /** Per registry on this host: its endpoint. */
  registries: Record<string, string>;
}

/**
 * A whole fleet from a spec: per host a Host (preflight), a DockerEngine and a DaemonConfig; the
 * registries, images and containers placed by `on:`. The whole spec is checked, and every config
 * reference resolved, before the first resource is created, so bad input touches no machine.
 * Hosts do not wait for each other: one host that fails leaves the others to converge.
 *
 * @example
 * import { Fleet, loadFleet } from "pulumi-dockyard";
 * const fleet = new Fleet("prod", { spec: loadFleet("stacks/prod.yaml") });
 * export const hosts = fleet.outputs;
 */
export class Fleet extends pulumi.ComponentResource {
  readonly hosts: Record<string, Host> = {};
  readonly engines: Record<string, DockerEngine> = {};
  readonly daemonConfigs: Record<string, DaemonConfig> = {};
  /** The docker group members of hosts with `dockerUsers`. */
  readonly dockerUsers: Record<string, DockerUsers> = {};
  readonly registries: Record<string, Registry> = {};
  /** The EC2 instances of hosts declared with `aws:`. */
  readonly awsHosts: Record<string, AwsHost> = {};
  readonly ecr: Record<string, EcrRegistry> = {};
  /** Per host, per image reference. */
  readonly images: Record<string, Record<string, Image>> = {};
  /** Per host, per container name. */
  readonly containers: Record<string, Record<string, Container>> = {};
  /** Per host, per network name. */
  readonly networks: Record<string, Record<string, Network>> = {};
  /** Per host, per volume name. */
  readonly volumes: Record<string, Record<string, Volume>> = {};
  /** The swarm of the fleet file's `swarm:` section. */
  readonly swarm?: Swarm;
  /** Per service name. */
  readonly services: Record<string, Service> = {};
  /** Per host: address, OS, kernel, docker version, mirrors, containers and their endpoints. */
  readonly outputs: pulumi.Output<Record<string, FleetHostOutputs>>;

  constructor(name: string, args: FleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dockyard:fleet:Fleet", name, {}, opts);
    const spec = checkFleetSpec(args?.spec, `Fleet ${name}`);
    const source = fleetSourceOf(spec);
    const baseDir = args.baseDir ?? (source ? path.dirname(path.resolve(source.file)) : process.cwd());
    const refs = new ConfigReader(args.config ?? stackConfig, source?.file, source?.locate);
    // Resolve every reference first: missing config is reported all at once, before anything exists.
    const hostArgs = spec.hosts.map((h, i) => (h.aws ? awsHostArgs(spec, i, refs) : connectionArgs(spec, i, refs)));
    const engineArgs = spec.hosts.map((h, i) => engineSettings(spec, i, refs, baseDir));
    const daemonArgs = spec.hosts.map((h, i) => daemonSettings(spec, i, refs));
    const credentials = (spec.credentials ?? []).map((c, i) => ({
      server: c.server,
      username: refs.text(c.username, ["credentials", i, "username"]),
      password: refs.secret(c.password, ["credentials", i, "password"]),
    }));
    const registryArgs = (spec.registries ?? []).map((r, i) => registrySettings(r, i, refs));
    const containerEnv = (spec.containers ?? []).map((c, i) =>
      Object.fromEntries(Object.entries(c.env ?? {}).map(([k, v]) => [k, refs.text(v, ["containers", i, "env", k], true)])),
    );
    const serviceEnv = (spec.swarm?.services ?? []).map((svc, i) =>
      Object.fromEntries(Object.entries(svc.env ?? {}).map(([k, v]) => [k, refs.text(v, ["swarm", "services", i, "env", k], true)])),
    );
    refs.throwIfMissing(name);

    const child = { parent: this };
    spec.hosts.forEach((h, i) => {
      const a = hostArgs[i];
      let host: Host;
      if ("distro" in a) {
        this.awsHosts[h.name] = new AwsHost(h.name, a, child);
        host = this.awsHosts[h.name].host;
      } else {
        host = new Host(h.name, a, child);
      }
      const engine = new DockerEngine(`${h.name}-docker`, { host, ...engineArgs[i] }, child);
      this.hosts[h.name] = host;
      this.engines[h.name] = engine;
      if (daemonArgs[i]) this.daemonConfigs[h.name] = new DaemonConfig(`${h.name}-daemon`, { engine, ...daemonArgs[i]! }, child);
      const users = hostSettings(spec, h).dockerUsers;
      if (users?.length) this.dockerUsers[h.name] = new DockerUsers(`${h.name}-docker-users`, { engine, users }, child);
      this.images[h.name] = {};
      this.containers[h.name] = {};
      this.networks[h.name] = {};
      this.volumes[h.name] = {};
    });
    // Pulls and containers wait for the host's mirrors to be in place.
    const configured = (host: string) => {
      const d = this.daemonConfigs[host];
      return d ? [d.ready] : [];
    };

    (spec.registries ?? []).forEach((r, i) => {
      this.registries[r.name] = new Registry(
        r.name,
        { engine: this.engines[r.host], ...registryArgs[i], trustedBy: r.trustedBy ? targetHosts(spec, r.trustedBy).map((n) => this.engines[n]) : undefined },
        { ...child, dependsOn: configured(r.host) },
      );
    });
    for (const e of spec.ecr ?? []) {
      this.ecr[e.name] = new EcrRegistry(
        e.name,
        {
          repositoryName: e.repositoryName,
          imageTagMutability: e.imageTagMutability,
          scanOnPush: e.scanOnPush,
          forceDelete: e.forceDelete,
          keepLastImages: e.keepLastImages,
          expireUntaggedAfterDays: e.expireUntaggedAfterDays,
          tags: e.tags,
        },
        child,
      );
    }
    // One account's repositories share a registry and a token: any ECR reference pulls with it.
    const ecrLogin = Object.values(this.ecr)[0]?.credentials;
    // Images may come from a fleet registry, so pulls wait for the registries too.
    const registriesReady = Object.values(this.registries).map((r) => r.container);
    const loginFor = (ref: string) => {
      const server = parseImageRef(ref).registry;
      return (
        credentials.find((c) => c.server === server || (server === "docker.io" && /^(index\.)?docker\.io$/.test(c.server))) ??
        (ecrLogin && /\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(server) ? ecrLogin : undefined)
      );
    };
    const image = (host: string, ref: string, extra: { pullPolicy?: "ifMissing" | "always"; keepOnDestroy?: boolean } = {}): Image => {
      const existing = this.images[host][ref];
      if (existing) return existing;
      const login = loginFor(ref);
      const img = new Image(
        `${host}-${slug(ref)}`,
        { engine: this.engines[host], ref, ...extra, credentials: login as RegistryCredentials | undefined },
        { ...child, dependsOn: [...configured(host), ...registriesReady] },
      );
      this.images[host][ref] = img;
      return img;
    };
    for (const img of spec.images ?? []) {
      for (const host of targetHosts(spec, img.on)) image(host, img.ref, { pullPolicy: img.pullPolicy, keepOnDestroy: img.keepOnDestroy });
    }
    // --- networks and volumes (#18): made after the host's daemon.json (its restart would cut them off).
    for (const n of spec.networks ?? []) {
      for (const host of targetHosts(spec, n.on)) {
        this.networks[host][n.name] = new Network(
          `${host}-${n.name}-net`,
          { engine: this.engines[host], name: n.name, driver: n.driver, subnet: n.subnet, gateway: n.gateway, internal: n.internal, labels: n.labels },
          { ...child, dependsOn: configured(host) },
        );
      }
    }
    for (const v of spec.volumes ?? []) {
      for (const host of targetHosts(spec, v.on)) {
        this.volumes[host][v.name] = new Volume(
          `${host}-${v.name}-vol`,
          { engine: this.engines[host], name: v.name, driver: v.driver, driverOpts: v.driverOpts, labels: v.labels, deleteOnDestroy: v.deleteOnDestroy },
          { ...child, dependsOn: configured(host) },
        );
      }
    }
    const mountsOn = (host: string, mounts: string[] | undefined) =>
      mounts?.map((m) => {
        const [source, target, mode] = m.split(":");
        const volume = this.volumes[host][source];
        return volume ? { volume, target, readOnly: mode === "ro" } : m;
      });
    const networksOn = (host: string, entries: NonNullable<FleetSpec["containers"]>[number]["networks"]) =>
      entries?.map((e) => (typeof e === "string" ? { network: this.networks[host][e] } : { network: this.networks[host][e.network], aliases: e.aliases }));
    // --- end networks and volumes ---
    (spec.containers ?? []).forEach((c, i) => {
      for (const host of targetHosts(spec, c.on)) {
        this.containers[host][c.name] = new Container(
          `${host}-${c.name}`,
          {
            engine: this.engines[host],
            name: c.name,
            image: image(host, c.image),
            command: c.command,
            env: Object.keys(containerEnv[i]).length ? containerEnv[i] : undefined,
            ports: c.ports,
            volumes: mountsOn(host, c.volumes),
            networks: networksOn(host, c.networks),
            restartPolicy: c.restartPolicy,
            labels: c.labels,
            healthCheck: c.healthCheck,
            memory: c.memory,
            cpus: c.cpus,
            startTimeoutSeconds: c.startTimeoutSeconds,
          },
          { ...child, dependsOn: configured(host) },
        );
      }
    });

    const sw = spec.swarm;
    if (sw) {
      const node = (n: (typeof sw.managers)[number]): SwarmNodeArgs =>
        typeof n === "string" ? { engine: this.engines[n] } : { engine: this.engines[n.host], labels: n.labels, availability: n.availability, advertiseAddr: n.advertiseAddr };
      const members = [...sw.managers, ...(sw.workers ?? [])].map((n) => (typeof n === "string" ? n : n.host));
      // Tasks pull through each node's mirrors: the swarm waits for every node's daemon config.
      const swarm = new Swarm(
        name,
        { managers: sw.managers.map(node), workers: sw.workers?.map(node), defaultAddrPool: sw.defaultAddrPool, subnetSize: sw.subnetSize },
        { ...child, dependsOn: [...members.flatMap(configured), ...registriesReady] },
      );
      this.swarm = swarm;
      const firstManager = members[0];
      (sw.services ?? []).forEach((svc, i) => {
        this.services[svc.name] = new Service(
          `${name}-${svc.name}`,
          {
            swarm,
            name: svc.name,
            image: image(firstManager, svc.image),
            // Sent with the service too, so every node can pull from a private registry.
            credentials: loginFor(svc.image) as RegistryCredentials | undefined,
            mode: svc.mode,
            replicas: svc.replicas,
            command: svc.command,
            args: svc.args,
            env: Object.keys(serviceEnv[i]).length ? serviceEnv[i] : undefined,
            ports: svc.ports,
            constraints: svc.constraints,
            labels: svc.labels,
            networks: svc.networks,
            updateConfig: svc.updateConfig,
            rollbackConfig: svc.rollbackConfig,
            convergeTimeoutSeconds: svc.convergeTimeoutSeconds,
          },
          child,
        );
      });
    }

    this.outputs = pulumi.all(
      Object.fromEntries<pulumi.Output<FleetHostOutputs>>(
        spec.hosts.map((h) => {
          const host = this.hosts[h.name];
          const address = host.connection.apply((c) => c.host);
          const containers = Object.fromEntries(
            (spec.containers ?? [])
              .filter((c) => this.containers[h.name][c.name])
              .map((c) => [c.name, pulumi.all([this.containers[h.name][c.name].state, address]).apply(([state, a]) => ({ state, endpoints: publishedEndpoints(a, c.ports ?? []) }))]),
          );
          const registries = Object.fromEntries((spec.registries ?? []).filter((r) => r.host === h.name).map((r) => [r.name, this.registries[r.name].endpoint]));
          const out = pulumi.output({
              address,
              os: host.facts.apply((f) => f.osPrettyName),
              kernel: host.facts.apply((f) => f.kernel),
              docker: this.engines[h.name].version,
              mirrors: this.daemonConfigs[h.name]?.effectiveMirrors ?? pulumi.output([] as string[]),
              containers,
              registries,
            }) as unknown as pulumi.Output<FleetHostOutputs>;
          return [h.name, out];
        }),
      ),
    );
    this.registerOutputs({ outputs: this.outputs });
  }
}

/** Reads `{ config }` references, collecting every missing one with its place in the file. */
class ConfigReader {
  private readonly missing: FleetProblem[] = [];
  constructor(
    private readonly read: (key: string, secret: boolean) => pulumi.Input<string> | undefined,
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

function stackConfig(key: string, secret: boolean): pulumi.Input<string> | undefined {
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
    ...(spec.registries ?? []).filter((r) => r.host === h.name).map((r) => String(r.port ?? 5000)),
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
    preflight: s.preflight,
  };
  if (s.privateKey) args.privateKey = refs.secret(s.privateKey, settingPath(spec, i, "privateKey"));
  if (typeof h.user === "string") args.user = h.user; // not defaults.user: each distro has its own login user
  if (s.connectAttempts !== undefined) args.connectAttempts = s.connectAttempts;
  if (s.jump) args.jump = jumpArgs(s.jump, settingPath(spec, i, "jump"), refs);
  return args;
}

function jumpArgs(j: NonNullable<FleetSpec["defaults"]>["jump"] & object, at: (string | number)[], refs: ConfigReader): NonNullable<HostArgs["jump"]> {
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
  if (s.preflight) args.preflight = s.preflight;
  if (s.jump) args.jump = jumpArgs(s.jump, settingPath(spec, i, "jump"), refs);
  return args;
}

function engineSettings(spec: FleetSpec, i: number, refs: ConfigReader, baseDir: string): Omit<ConstructorParameters<typeof DockerEngine>[1], "host"> {
  const e = hostSettings(spec, spec.hosts[i]).engine;
  const at = (k: string) => settingPath(spec, i, "engine", k);
  const bundle = e.bundle;
  return {
    method: e.method,
    source: e.source,
    channel: e.channel,
    allowDowngrade: e.allowDowngrade,
    installDir: e.installDir,
    uninstallOnDelete: e.uninstallOnDelete,
    mirror: e.mirror === undefined ? undefined : refs.text(e.mirror, at("mirror")),
    version: e.version === undefined ? undefined : refs.text(e.version, at("version")),
    bundle: bundle === undefined || /^https?:\/\//.test(bundle) ? bundle : path.resolve(baseDir, bundle),
    bundleSha256: e.bundleSha256 === undefined ? undefined : refs.text(e.bundleSha256, at("bundleSha256")),
  };
}

function daemonSettings(spec: FleetSpec, i: number, refs: ConfigReader): Omit<ConstructorParameters<typeof DaemonConfig>[1], "engine"> | undefined {
  const h = spec.hosts[i];
  const d = hostSettings(spec, h).daemon ?? {};
  const at = (k: string) => settingPath(spec, i, "daemon", k);
  const { registryMirrors, insecureRegistries, proxy, logRotation, ...rest } = d;
  // Issue #18: log rotation on by default; the proxy's URLs are read as secrets.
  const rotation = logRotationSettings(d);
  if (!Object.keys(rest).length && !registryMirrors && !insecureRegistries && !proxy && !rotation) return undefined;
  return {
    ...rest,
    ...(rotation ? { logDriver: rotation.logDriver, logOpts: rotation.logOpts, refuseOverwriting: rotation.defaulted ? ["log-driver", "log-opts"] : undefined } : {}),
    registryMirrors: registryMirrors && pulumi.all(registryMirrors.map((m, j) => refs.text(m, [...at("registryMirrors"), j]))),
    insecureRegistries: insecureRegistries && pulumi.all(insecureRegistries.map((r, j) => refs.text(r, [...at("insecureRegistries"), j]))),
    proxy: proxy && pulumi.all({
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

function registrySettings(r: NonNullable<FleetSpec["registries"]>[number], i: number, refs: ConfigReader): Omit<RegistryArgs, "engine" | "trustedBy"> {
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
function slug(ref: string): string {
  return ref.replace(/[^A-Za-z0-9.-]+/g, "-").replace(/^-+|-+$/g, "");
}

function publishedEndpoints(address: string, ports: NonNullable<FleetSpec["containers"]>[number]["ports"] & object): string[] {
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
