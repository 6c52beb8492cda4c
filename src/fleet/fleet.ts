import * as path from "node:path";
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
import { Container } from "../workload/container";
import { Image, type RegistryCredentials } from "../workload/image";
import { Network } from "../workload/network";
import { Volume } from "../workload/volume";
import { fleetArgs, loginFor, networkSettings, publishedEndpoints, slug, stackConfig, volumeSettings } from "./fleet-args";
import { DockyardComponent } from "../components/base";
import { targetHosts } from "./host-settings";
import { checkFleetSpec, fleetSourceOf } from "./load-fleet";
import { gateName, rolloutBatches } from "../model/rollout-batches";
import { RolloutGate } from "../rollout/rollout-gate";
import type { FleetSpec } from "./spec";

export { logRotationSettings } from "./fleet-args";

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
  /** The swarm of the fleet file's `swarm:` section. */
  readonly swarm?: Swarm;
  /** Per service name. */
  readonly services: Record<string, Service> = {};
  /** The host names of each batch of a `rollout:` (one batch, every host, without it). */
  readonly rolloutBatches: string[][];
  /** The gate before each batch after the first, named `<fleet>-rollout-<k>-of-<n>`. */
  readonly rolloutGates: RolloutGate[] = [];
  /** Per host: address, OS, kernel, docker version, mirrors, containers and their endpoints. */
  readonly outputs: pulumi.Output<Record<string, FleetHostOutputs>>;

  constructor(name: string, args: FleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dockyard:fleet:Fleet", name, opts);
    const spec = checkFleetSpec(args?.spec, this.what);
    const source = fleetSourceOf(spec);
    const baseDir = args.baseDir ?? (source ? path.dirname(path.resolve(source.file)) : process.cwd());
    // Resolve every reference first: missing config is reported all at once, before anything exists.
    const resolved = fleetArgs(spec, {
      fleet: name,
      config: args.config ?? stackConfig,
      baseDir,
      file: source?.file,
      locate: source?.locate,
    });
    const hostNames = spec.hosts.map((h) => h.name);
    this.rolloutBatches = spec.rollout ? rolloutBatches(hostNames, spec.rollout.batch) : [hostNames];
    const batchOf = new Map(this.rolloutBatches.flatMap((b, k) => b.map((h) => [h, k] as const)));
    // The gates need the containers of the batch before, made further down: the disruptive
    // resources of later batches wait on promises of them, kept (or failed) at the end.
    const opening = this.rolloutBatches.slice(1).map(() => deferred<pulumi.Resource>());
    const gate = (host: string): pulumi.Input<pulumi.Resource>[] => {
      const k = batchOf.get(host) ?? 0;
      return k > 0 ? [opening[k - 1].promise] : [];
    };
    if (this.rolloutBatches.length > 1) {
      this.notice(
        "info",
        `rollout in ${this.rolloutBatches.length} batches: ${this.rolloutBatches.map((b, k) => `${k + 1}) ${b.join(", ")}`).join("; ")}`,
      );
    }
    try {
      for (const h of resolved.hosts) {
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
      // Pulls and containers wait for the host's mirrors to be in place.
      const configured = (host: string) => {
        const d = this.daemonConfigs[host];
        return d ? [d.ready] : [];
      };

      (spec.registries ?? []).forEach((r, i) => {
        this.registries[r.name] = new Registry(
          r.name,
          {
            engine: this.engines[r.host],
            ...resolved.registries[i],
            trustedBy: r.trustedBy ? targetHosts(spec, r.trustedBy).map((n) => this.engines[n]) : undefined,
          },
          this.childOptions(...configured(r.host)),
        );
      });
      (spec.ecr ?? []).forEach((e, i) => {
        this.ecr[e.name] = new EcrRegistry(e.name, resolved.ecr[i], this.childOptions());
      });
      // One account's repositories share a registry and a token: any ECR reference pulls with it.
      const ecrLogin = Object.values(this.ecr)[0]?.credentials;
      // Images may come from a fleet registry, so pulls wait for the registries too.
      const registriesReady = Object.values(this.registries).map((r) => r.container);
      const login = (ref: string) => loginFor(resolved.credentials, ecrLogin, ref) as RegistryCredentials | undefined;
      const image = (host: string, ref: string, extra: { pullPolicy?: "ifMissing" | "always"; keepOnDestroy?: boolean } = {}): Image => {
        const existing = this.images[host][ref];
        if (existing) return existing;
        const img = new Image(
          `${host}-${slug(ref)}`,
          { engine: this.engines[host], ref, ...extra, credentials: login(ref) },
          this.childOptions(...configured(host), ...registriesReady),
        );
        this.images[host][ref] = img;
        return img;
      };
      for (const img of spec.images ?? []) {
        for (const host of targetHosts(spec, img.on))
          image(host, img.ref, { pullPolicy: img.pullPolicy, keepOnDestroy: img.keepOnDestroy });
      }
      // --- networks and volumes: made after the host's daemon.json (its restart would cut them off).
      for (const n of spec.networks ?? []) {
        for (const host of targetHosts(spec, n.on)) {
          this.networks[host][n.name] = new Network(
            `${host}-${n.name}-net`,
            { engine: this.engines[host], ...networkSettings(n) },
            this.childOptions(...configured(host)),
          );
        }
      }
      for (const v of spec.volumes ?? []) {
        for (const host of targetHosts(spec, v.on)) {
          this.volumes[host][v.name] = new Volume(
            `${host}-${v.name}-vol`,
            { engine: this.engines[host], ...volumeSettings(v) },
            this.childOptions(...configured(host)),
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
        entries?.map((e) =>
          typeof e === "string" ? { network: this.networks[host][e] } : { network: this.networks[host][e.network], aliases: e.aliases },
        );
      // --- end networks and volumes ---
      (spec.containers ?? []).forEach((c, i) => {
        for (const host of targetHosts(spec, c.on)) {
          this.containers[host][c.name] = new Container(
            `${host}-${c.name}`,
            {
              engine: this.engines[host],
              ...resolved.containers[i],
              image: image(host, c.image),
              volumes: mountsOn(host, c.volumes),
              networks: networksOn(host, c.networks),
            },
            this.childOptions(...configured(host), ...gate(host)),
          );
        }
      });

      const sw = spec.swarm;
      if (sw) {
        const node = (n: (typeof sw.managers)[number]): SwarmNodeArgs =>
          typeof n === "string"
            ? { engine: this.engines[n] }
            : { engine: this.engines[n.host], labels: n.labels, availability: n.availability, advertiseAddr: n.advertiseAddr };
        const members = [...sw.managers, ...(sw.workers ?? [])].map((n) => (typeof n === "string" ? n : n.host));
        // Tasks pull through each node's mirrors: the swarm waits for every node's daemon config.
        const swarm = new Swarm(
          name,
          {
            managers: sw.managers.map(node),
            workers: sw.workers?.map(node),
            defaultAddrPool: sw.defaultAddrPool,
            subnetSize: sw.subnetSize,
          },
          this.childOptions(...members.flatMap(configured), ...registriesReady),
        );
        this.swarm = swarm;
        const firstManager = members[0];
        (sw.services ?? []).forEach((svc, i) => {
          this.services[svc.name] = new Service(
            `${name}-${svc.name}`,
            // Credentials sent with the service too, so every node can pull from a private registry.
            { swarm, ...resolved.services[i], image: image(firstManager, svc.image), credentials: login(svc.image) },
            this.childOptions(),
          );
        });
      }

      // The gate before batch k+1 waits for batch k's engines, daemon configs and containers (registries' too).
      const n = this.rolloutBatches.length;
      opening.forEach((open, k) => {
        const before = this.rolloutBatches[k];
        const registriesOn = (h: string) =>
          (spec.registries ?? []).filter((r) => r.host === h).map((r) => this.registries[r.name].container);
        const after = before.flatMap((h) => [
          this.engines[h],
          ...(this.daemonConfigs[h] ? [this.daemonConfigs[h]] : []),
          ...Object.values(this.containers[h]),
          ...registriesOn(h),
        ]);
        const g = new RolloutGate(
          `${name}-${gateName(k + 2, n)}`,
          { after, pause: spec.rollout?.pause, timeout: spec.rollout?.timeout, label: `batch ${k + 1} of ${n} (${before.join(", ")})` },
          this.childOptions(),
        );
        this.rolloutGates.push(g);
        open.resolve(g.ready);
      });
    } catch (e) {
      // Resources already declared must not wait for gates that will never be.
      for (const open of opening) open.reject(e);
      throw e;
    }

    this.outputs = pulumi.all(
      Object.fromEntries<pulumi.Output<FleetHostOutputs>>(
        spec.hosts.map((h) => {
          const host = this.hosts[h.name];
          const address = host.connection.apply((c) => c.host);
          const containers = Object.fromEntries(
            (spec.containers ?? [])
              .filter((c) => this.containers[h.name][c.name])
              .map((c) => [
                c.name,
                pulumi
                  .all([this.containers[h.name][c.name].state, address])
                  .apply(([state, a]) => ({ state, endpoints: publishedEndpoints(a, c.ports ?? []) })),
              ]),
          );
          const registries = Object.fromEntries(
            (spec.registries ?? []).filter((r) => r.host === h.name).map((r) => [r.name, this.registries[r.name].endpoint]),
          );
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

/** A promise with its resolve and reject, for a resource declared later in the same constructor. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
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
