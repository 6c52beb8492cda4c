import * as pulumi from "@pulumi/pulumi";
import { DaemonConfig } from "../engine/daemon-config";
import { DockerEngine } from "../engine/docker-engine";
import { DockerUsers } from "../engine/docker-users";
import { Host } from "../host/host";
import { AwsHost } from "../aws/aws-host";
import { EcrRegistry } from "../aws/ecr-registry";
import { Registry } from "../registry/registry";
import { Service } from "../swarm/service";
import { Swarm, type SwarmNodeArgs } from "../swarm/swarm";
import { ComposeProject } from "../workload/compose-project";
import type { ComposeServiceState } from "../plan/compose";
import { Container } from "../workload/container";
import { Image, type ImageSourceArgs, type RegistryCredentials } from "../workload/image";
import { Network } from "../workload/network";
import { Volume } from "../workload/volume";
import { loginFor, publishedEndpoints, slug } from "./fleet-args";
import { DockyardComponent } from "../components/base";
import { fleetSpecFrom } from "./load-fleet";
import { type FleetPlan, type FleetSwarmNodePlan, resolveFleet } from "./resolve-fleet";
import { RolloutGate } from "../rollout/rollout-gate";
import type { FleetSpec } from "./spec";

export { logRotationSettings } from "./fleet-args";

export interface FleetArgs {
  /**
   * The fleet: from `loadFleet` (errors then name file:line), built in code (checked the same way,
   * before any resource is created), or a fleet file's text (YAML; errors name line:col). Give
   * this or `file`.
   * @default none: `file` names the fleet file
   * @example loadFleet("stacks/prod.yaml")
   */
  spec?: FleetSpec | string;
  /**
   * A fleet file's path, read as `loadFleet` reads it (errors name file:line:col); relative to the
   * working directory, which is the program's directory. Give this or `spec`.
   * @default none: `spec` holds the fleet
   * @example "stacks/prod.yaml"
   */
  file?: string;
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
  /** Per compose project on this host: per service, its state and published ports (`docker compose ps`). */
  compose: Record<string, Record<string, ComposeServiceState>>;
  /** What the docker CLI needs to reach this host's engine over SSH with the pinned host key (the DockerEngine's outputs). */
  dockerCli: { dockerHost: string; knownHostsLine: string; dockerContextCommand: string; sshConfig: string };
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
export class Fleet extends DockyardComponent {
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
  /** Per host, per compose project name. */
  readonly composeProjects: Record<string, Record<string, ComposeProject>> = {};
  /** The swarm of the fleet file's `swarm:` section. */
  readonly swarm?: Swarm;
  /** Per service name. */
  readonly services: Record<string, Service> = {};
  /** The host names of each batch of a `rollout:` (one batch, every host, without it). */
  readonly rolloutBatches: string[][];
  /** The gate before each batch after the first, named `<fleet>-rollout-<k>-of-<n>`. */
  readonly rolloutGates: RolloutGate[] = [];
  /** Per host: address, OS, kernel, docker version, mirrors, containers and their endpoints, compose projects' services. */
  readonly outputs: pulumi.Output<Record<string, FleetHostOutputs>>;

  constructor(name: string, args: FleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dockyard:fleet:Fleet", name, opts);
    const spec = this.checked(() => fleetSpecFrom(args, this.what));
    // Resolve every reference first: missing config is reported all at once, before anything exists.
    const plan = resolveFleet(spec, { fleet: name, config: args?.config, baseDir: args?.baseDir });
    const batches = (this.rolloutBatches = plan.rollout.batches);
    if (batches.length > 1) {
      this.notice("info", `rollout in ${batches.length} batches: ${batches.map((b, k) => `${k + 1}) ${b.join(", ")}`).join("; ")}`);
    }
    // The gate before a batch needs the containers of the batch before, made further down: the
    // disruptive resources of later batches wait on promises of the gates, kept (or failed) at the end.
    const opening = plan.rollout.gates.map(() => deferred<pulumi.Resource>());
    const batchOf = new Map(plan.hosts.map((h) => [h.name, h.batch]));
    const gate = (host: string): pulumi.Input<pulumi.Resource>[] => {
      const k = batchOf.get(host) ?? 0;
      return k > 0 ? [opening[k - 1].promise] : [];
    };
    // One section per kind, in order; each takes what the ones before it hand on.
    try {
      const configured = this.wireHosts(plan, gate);
      const registriesReady = this.wireRegistries(plan, configured);
      const login = this.wireEcr(plan);
      const image = this.puller({ configured, registriesReady, login });
      for (const img of plan.images)
        image(img.host, img.ref, {
          pullPolicy: img.pullPolicy,
          keepOnDestroy: img.keepOnDestroy,
          ...(img.source ? { source: img.source } : {}),
        });
      this.wireNetworksAndVolumes(plan, configured);
      this.wireContainers(plan, { image, configured, gate });
      this.wireCompose(plan, { configured, registriesReady, gate });
      this.swarm = this.wireSwarm(name, plan, { image, login, configured, registriesReady });
      this.wireRolloutGates(name, plan, opening);
    } catch (e) {
      // Resources already declared must not wait for gates that will never be.
      for (const open of opening) open.reject(e);
      throw e;
    }
    this.outputs = this.hostOutputs(plan);
    this.registerOutputs({ outputs: this.outputs });
  }

  /**
   * Per host: its Host (or EC2 instance), engine, daemon.json and docker users; engine and
   * daemon.json wait for the host's batch gate. Returns what a host's pulls, networks, volumes and
   * containers wait for: its daemon.json (mirrors, proxy) in place.
   */
  private wireHosts(plan: FleetPlan, gate: (host: string) => pulumi.Input<pulumi.Resource>[]): Configured {
    for (const h of plan.hosts) {
      let host: Host;
      if (h.host.kind === "aws") {
        this.awsHosts[h.name] = new AwsHost(h.name, h.host.args, this.childOptions());
        host = this.awsHosts[h.name].host;
      } else {
        host = new Host(h.name, h.host.args, this.childOptions());
      }
      const engine = new DockerEngine(`${h.name}-docker`, { host, ...h.engine }, this.childOptions(...gate(h.name)));
      this.hosts[h.name] = host;
      this.engines[h.name] = engine;
      if (h.daemon)
        this.daemonConfigs[h.name] = new DaemonConfig(`${h.name}-daemon`, { engine, ...h.daemon }, this.childOptions(...gate(h.name)));
      if (h.dockerUsers)
        this.dockerUsers[h.name] = new DockerUsers(`${h.name}-docker-users`, { engine, users: h.dockerUsers }, this.childOptions());
      this.images[h.name] = {};
      this.containers[h.name] = {};
      this.networks[h.name] = {};
      this.volumes[h.name] = {};
    }
    return (host) => {
      const d = this.daemonConfigs[host];
      return d ? [d.ready] : [];
    };
  }

  /** The fleet's registries, after their host's daemon.json; returns their containers, which pulls wait for. */
  private wireRegistries(plan: FleetPlan, configured: Configured): Container[] {
    for (const r of plan.registries) {
      this.registries[r.name] = new Registry(
        r.name,
        { engine: this.engines[r.host], ...r.args, trustedBy: r.trustedBy?.map((n) => this.engines[n]) },
        this.childOptions(...configured(r.host)),
      );
    }
    return Object.values(this.registries).map((r) => r.container);
  }

  /** The ECR repositories; returns the login an image reference pulls with. */
  private wireEcr(plan: FleetPlan): (ref: string) => RegistryCredentials | undefined {
    for (const e of plan.ecr) this.ecr[e.name] = new EcrRegistry(e.name, e.args, this.childOptions());
    // One account's repositories share a registry and a token: any ECR reference pulls with it.
    const ecrLogin = Object.values(this.ecr)[0]?.credentials;
    return (ref) => loginFor(plan.credentials, ecrLogin, ref) as RegistryCredentials | undefined;
  }

  /** Pulls a reference on a host once: the first to ask for it (an `images:` entry, a container, a service) gives its settings. */
  private puller(ready: { configured: Configured; registriesReady: Container[]; login: Login }): Puller {
    return (host, ref, extra = {}) => {
      const existing = this.images[host][ref];
      if (existing) return existing;
      const img = new Image(
        `${host}-${slug(ref)}`,
        // A controller copy logs in where this machine fetches from.
        {
          engine: this.engines[host],
          ref,
          ...extra,
          credentials: ready.login(extra.source?.controller ? (extra.source.from ?? ref) : ref),
        },
        this.childOptions(...ready.configured(host), ...ready.registriesReady),
      );
      this.images[host][ref] = img;
      return img;
    };
  }

  /** Networks and volumes: made after the host's daemon.json (its restart would cut them off). */
  private wireNetworksAndVolumes(plan: FleetPlan, configured: Configured): void {
    for (const n of plan.networks) {
      this.networks[n.host][n.name] = new Network(
        `${n.host}-${n.name}-net`,
        { engine: this.engines[n.host], ...n.args },
        this.childOptions(...configured(n.host)),
      );
    }
    for (const v of plan.volumes) {
      this.volumes[v.host][v.name] = new Volume(
        `${v.host}-${v.name}-vol`,
        { engine: this.engines[v.host], ...v.args },
        this.childOptions(...configured(v.host)),
      );
    }
  }

  /** Containers with their image, volumes and networks on the same host; replaced only past the host's batch gate. */
  private wireContainers(
    plan: FleetPlan,
    ready: { image: Puller; configured: Configured; gate: (host: string) => pulumi.Input<pulumi.Resource>[] },
  ): void {
    for (const c of plan.containers) {
      const volumes = this.volumes[c.host];
      const networks = this.networks[c.host];
      this.containers[c.host][c.name] = new Container(
        `${c.host}-${c.name}`,
        {
          engine: this.engines[c.host],
          ...c.args,
          image: ready.image(c.host, c.image),
          volumes: c.volumes?.map((m) => (typeof m === "string" ? m : { ...m, volume: volumes[m.volume] })),
          networks: c.networks?.map((e) => ({ ...e, network: networks[e.network] })),
        },
        this.childOptions(...ready.configured(c.host), ...ready.gate(c.host)),
      );
    }
  }

  /**
   * Compose projects, each after its host's daemon.json (its pulls go through the mirrors) and the
   * fleet's registries; a project is changed only past its host's batch gate.
   */
  private wireCompose(
    plan: FleetPlan,
    ready: { configured: Configured; registriesReady: Container[]; gate: (host: string) => pulumi.Input<pulumi.Resource>[] },
  ): void {
    for (const p of plan.compose) {
      (this.composeProjects[p.host] ??= {})[p.project] = new ComposeProject(
        `${p.host}-${p.project}-compose`,
        { engine: this.engines[p.host], ...p.args },
        this.childOptions(...ready.configured(p.host), ...ready.registriesReady, ...ready.gate(p.host)),
      );
    }
  }

  /** The swarm of the declared engines and its services, each on the image the first manager pulled. */
  private wireSwarm(
    name: string,
    plan: FleetPlan,
    ready: { image: Puller; login: Login; configured: Configured; registriesReady: Container[] },
  ): Swarm | undefined {
    const sw = plan.swarm;
    if (!sw) return undefined;
    const node = ({ host, ...settings }: FleetSwarmNodePlan): SwarmNodeArgs => ({ engine: this.engines[host], ...settings });
    // Tasks pull through each node's mirrors: the swarm waits for every node's daemon config.
    const swarm = new Swarm(
      name,
      { managers: sw.managers.map(node), workers: sw.workers?.map(node), defaultAddrPool: sw.defaultAddrPool, subnetSize: sw.subnetSize },
      this.childOptions(...sw.members.flatMap(ready.configured), ...ready.registriesReady),
    );
    for (const svc of sw.services) {
      this.services[svc.name] = new Service(
        `${name}-${svc.name}`,
        // Credentials sent with the service too, so every node can pull from a private registry.
        { swarm, ...svc.args, image: ready.image(svc.imageHost, svc.image), credentials: ready.login(svc.image) },
        this.childOptions(),
      );
    }
    return swarm;
  }

  /** Each gate waits for the batch before it: its engines, daemon configs and containers (registries' too); then opens its batch. */
  private wireRolloutGates(name: string, plan: FleetPlan, opening: Deferred<pulumi.Resource>[]): void {
    plan.rollout.gates.forEach((g, k) => {
      const after = g.after.flatMap((h) => [
        this.engines[h],
        ...(this.daemonConfigs[h] ? [this.daemonConfigs[h]] : []),
        ...Object.values(this.containers[h]),
        ...plan.registries.filter((r) => r.host === h).map((r) => this.registries[r.name].container),
      ]);
      const gate = new RolloutGate(`${name}-${g.name}`, { after, pause: g.pause, timeout: g.timeout, label: g.label }, this.childOptions());
      this.rolloutGates.push(gate);
      opening[k].resolve(gate.ready);
    });
  }

  /** Per host: address, OS, kernel, docker version, mirrors, its containers' state and endpoints, its registries' endpoints, its compose projects' services. */
  private hostOutputs(plan: FleetPlan): pulumi.Output<Record<string, FleetHostOutputs>> {
    return pulumi.all(
      Object.fromEntries<pulumi.Output<FleetHostOutputs>>(
        plan.hosts.map((h) => {
          const host = this.hosts[h.name];
          const address = host.connection.apply((c) => c.host);
          const containers = Object.fromEntries(
            plan.containers
              .filter((c) => c.host === h.name)
              .map((c) => [
                c.name,
                pulumi
                  .all([this.containers[h.name][c.name].state, address])
                  .apply(([state, a]) => ({ state, endpoints: publishedEndpoints(a, c.ports) })),
              ]),
          );
          const registries = Object.fromEntries(
            plan.registries.filter((r) => r.host === h.name).map((r) => [r.name, this.registries[r.name].endpoint]),
          );
          const compose = Object.fromEntries(Object.entries(this.composeProjects[h.name] ?? {}).map(([p, c]) => [p, c.services]));
          const out = pulumi.output({
            address,
            os: host.facts.apply((f) => f.osPrettyName),
            kernel: host.facts.apply((f) => f.kernel),
            docker: this.engines[h.name].version,
            mirrors: this.daemonConfigs[h.name]?.effectiveMirrors ?? pulumi.output([] as string[]),
            containers,
            registries,
            compose,
            dockerCli: {
              dockerHost: this.engines[h.name].dockerHost,
              knownHostsLine: this.engines[h.name].knownHostsLine,
              dockerContextCommand: this.engines[h.name].dockerContextCommand,
              sshConfig: this.engines[h.name].sshConfig,
            },
          }) as unknown as pulumi.Output<FleetHostOutputs>;
          return [h.name, out];
        }),
      ),
    );
  }
}

/** What a host's resources wait for before they start: its daemon.json in place. */
type Configured = (host: string) => pulumi.Resource[];
/** The login an image reference pulls with. */
type Login = (ref: string) => RegistryCredentials | undefined;
/** Pulls a reference on a host, once. */
type Puller = (
  host: string,
  ref: string,
  extra?: { pullPolicy?: "ifMissing" | "always"; keepOnDestroy?: boolean; source?: ImageSourceArgs },
) => Image;

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

/** A promise with its resolve and reject, for a resource declared later in the same constructor. */
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Rejected only when the program failed: its own error is what gets reported.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
