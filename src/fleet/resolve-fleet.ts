// The checked fleet spec resolved into what each host gets and what runs where: per host its
// connection, engine, daemon.json, docker users and rollout batch; per registry, image, network,
// volume and container the host it lands on and its arguments; the swarm's members and services;
// the rollout's gates. Plain data naming hosts, registries, volumes and networks by name: the
// Fleet turns the names into components. No resource is created here.
import { isArchiveUrl } from "../model/image-archive";
import * as path from "node:path";
import type { EcrRegistryArgs } from "../aws/ecr-registry";
import type { RegistryArgs } from "../registry/registry";
import type { ServiceArgs } from "../swarm/service";
import type { SwarmNodeArgs } from "../swarm/swarm";
import type { ComposeProjectArgs } from "../workload/compose-project";
import type { ContainerArgs } from "../workload/container";
import type { NetworkArgs } from "../workload/network";
import type { VolumeArgs } from "../workload/volume";
import type { ImageSourceArgs } from "../workload/image";
import { DEFAULT_REGISTRY_IMAGE } from "../model/defaults";
import { gateName, rolloutBatches } from "../model/rollout-batches";
import {
  type ConfigLookup,
  fleetArgs,
  type FleetHostArgs,
  type FleetLogin,
  networkSettings,
  stackConfig,
  volumeSettings,
} from "./fleet-args";
import { targetHosts } from "./host-settings";
import { fleetSourceOf } from "./load-fleet";
import type { FleetSpec } from "./spec";

/** A host's own settings, and the batch of the rollout it changes in (0 without a rollout). */
export interface FleetHostPlan extends FleetHostArgs {
  batch: number;
}

export interface FleetRegistryPlan {
  name: string;
  host: string;
  args: Omit<RegistryArgs, "engine" | "trustedBy">;
  /** The hosts whose engines trust it, when `trustedBy` is set. */
  trustedBy?: string[];
}

/** An `images:` entry on one host; a host pulls each reference once, with its first entry's settings. */
export interface FleetImagePlan {
  host: string;
  ref: string;
  pullPolicy?: "ifMissing" | "always";
  keepOnDestroy?: boolean;
  /** Brought from an archive (its path resolved against the file's directory) or by the controller. */
  source?: ImageSourceArgs;
}

export interface FleetNetworkPlan {
  host: string;
  name: string;
  args: Omit<NetworkArgs, "engine">;
}

export interface FleetVolumePlan {
  host: string;
  name: string;
  args: Omit<VolumeArgs, "engine">;
}

/** A mount: of a fleet volume on the same host (by name), else the `source:target[:mode]` text as written. */
export type FleetMountPlan = string | { volume: string; target: string; readOnly: boolean };

/** A container on one host; its image pulled on that host (with the first `images:` entry's settings if any). */
export interface FleetContainerPlan {
  host: string;
  name: string;
  image: string;
  args: Omit<ContainerArgs, "engine" | "image" | "volumes" | "networks">;
  volumes?: FleetMountPlan[];
  /** A network of the same host, by name; `aliases` only where the entry gave the object form. */
  networks?: ({ network: string } | { network: string; aliases: string[] | undefined })[];
  /** As written, for the endpoints in the outputs. */
  ports: NonNullable<NonNullable<FleetSpec["containers"]>[number]["ports"]>;
}

/** A swarm node: the host, with its node settings where the entry gave the object form. */
export type FleetSwarmNodePlan = { host: string } & Partial<Omit<SwarmNodeArgs, "engine">>;

export interface FleetSwarmPlan {
  managers: FleetSwarmNodePlan[];
  workers?: FleetSwarmNodePlan[];
  defaultAddrPool?: string[];
  subnetSize?: number;
  /** Managers then workers: every node waits for each member's daemon.json. */
  members: string[];
  services: FleetServicePlan[];
}

/** A service; its image is pulled on `imageHost` (the first manager), where the swarm resolves its digest. */
export interface FleetServicePlan {
  name: string;
  image: string;
  imageHost: string;
  args: Omit<ServiceArgs, "swarm" | "image" | "credentials">;
}

/** The gate before a batch after the first: it waits for the hosts of the batch before. */
export interface FleetGatePlan {
  /** Appended to the fleet's name: `rollout-<k>-of-<n>`. */
  name: string;
  after: string[];
  label: string;
  pause?: number | string;
  timeout?: number | string;
}

/** One `compose` entry on one host. */
export interface FleetComposePlan {
  host: string;
  project: string;
  args: Omit<ComposeProjectArgs, "engine">;
}

export interface FleetPlan {
  hosts: FleetHostPlan[];
  /** Logins by registry server, for images and services. */
  credentials: (FleetLogin & { server: string })[];
  registries: FleetRegistryPlan[];
  ecr: { name: string; args: EcrRegistryArgs }[];
  images: FleetImagePlan[];
  networks: FleetNetworkPlan[];
  volumes: FleetVolumePlan[];
  containers: FleetContainerPlan[];
  compose: FleetComposePlan[];
  swarm?: FleetSwarmPlan;
  /** The host names of each batch (one batch, every host, without `rollout:`), and the gates between them. */
  rollout: { batches: string[][]; gates: FleetGatePlan[] };
}

/**
 * Resolves a checked fleet spec: every `{ config }` reference read (all missing ones reported at
 * once, as fleetArgs does), every `on:` list turned into hosts, in fleet order.
 */
export function resolveFleet(spec: FleetSpec, opts: { fleet: string; config?: ConfigLookup; baseDir?: string }): FleetPlan {
  const source = fleetSourceOf(spec);
  const baseDir = opts.baseDir ?? (source ? path.dirname(path.resolve(source.file)) : process.cwd());
  const resolved = fleetArgs(spec, {
    fleet: opts.fleet,
    config: opts.config ?? stackConfig,
    baseDir,
    file: source?.file,
    locate: source?.locate,
  });
  const rollout = rolloutOf(spec);
  const images = imagesOf(spec, baseDir);
  const batchOf = new Map(rollout.batches.flatMap((b, k) => b.map((h) => [h, k] as const)));
  const on = (entry: { on?: "all" | string[] }) => targetHosts(spec, entry.on);
  const volumes = (spec.volumes ?? []).flatMap((v) => on(v).map((host) => ({ host, name: v.name, args: volumeSettings(v) })));
  return {
    hosts: resolved.hosts.map((h) => ({ ...h, batch: batchOf.get(h.name) ?? 0 })),
    credentials: resolved.credentials,
    registries: (spec.registries ?? []).map((r, i) => ({
      name: r.name,
      host: r.host,
      args: withImageSource(resolved.registries[i], images, r.host, r.image ?? DEFAULT_REGISTRY_IMAGE),
      ...(r.trustedBy ? { trustedBy: targetHosts(spec, r.trustedBy) } : {}),
    })),
    ecr: (spec.ecr ?? []).map((e, i) => ({ name: e.name, args: resolved.ecr[i] })),
    // A registry's own image is its Registry's: an `images:` entry for it gives only its source.
    images: images.filter(
      (img) => !(spec.registries ?? []).some((r) => r.host === img.host && (r.image ?? DEFAULT_REGISTRY_IMAGE) === img.ref),
    ),
    networks: (spec.networks ?? []).flatMap((n) => on(n).map((host) => ({ host, name: n.name, args: networkSettings(n) }))),
    volumes,
    containers: (spec.containers ?? []).flatMap((c, i) =>
      on(c).map((host): FleetContainerPlan => ({
        host,
        name: c.name,
        image: c.image,
        args: resolved.containers[i],
        volumes: c.volumes?.map((m) => mountOn(host, m, volumes)),
        networks: c.networks?.map((e) => (typeof e === "string" ? { network: e } : { network: e.network, aliases: e.aliases })),
        ports: c.ports ?? [],
      })),
    ),
    compose: (spec.compose ?? []).flatMap((p, i) => on(p).map((host) => ({ host, project: p.project, args: resolved.compose[i] }))),
    swarm: swarmOf(spec, resolved.services),
    rollout,
  };
}

/** Each host's `images:` entries in order, a reference once per host (its first entry wins). */
function imagesOf(spec: FleetSpec, baseDir: string): FleetImagePlan[] {
  const seen = new Set<string>();
  return (spec.images ?? []).flatMap((img) => {
    // Paths are the file's, relative to it; an archive URL stays as it is.
    const source = img.source && {
      ...img.source,
      ...(img.source.archive && !isArchiveUrl(img.source.archive) ? { archive: path.resolve(baseDir, img.source.archive) } : {}),
      ...(img.source.directory ? { directory: path.resolve(baseDir, img.source.directory) } : {}),
    };
    return targetHosts(spec, img.on)
      .filter((host) => !seen.has(`${host}\n${img.ref}`) && seen.add(`${host}\n${img.ref}`))
      .map((host) => ({ host, ref: img.ref, pullPolicy: img.pullPolicy, keepOnDestroy: img.keepOnDestroy, ...(source ? { source } : {}) }));
  });
}

/** A registry's arguments with the source of the `images:` entry for its image on its host, if any. */
function withImageSource<T extends object>(args: T, images: FleetImagePlan[], host: string, ref: string): T {
  const source = images.find((img) => img.host === host && img.ref === ref)?.source;
  return source ? { ...args, imageSource: source } : args;
}

/** `source:target[:ro]`: a fleet volume when one of that name is on the host, else the text itself (a bind mount). */
function mountOn(host: string, m: string, volumes: FleetVolumePlan[]): FleetMountPlan {
  const [source, target, mode] = m.split(":");
  return volumes.some((v) => v.host === host && v.name === source) ? { volume: source, target, readOnly: mode === "ro" } : m;
}

function swarmOf(spec: FleetSpec, services: Omit<ServiceArgs, "swarm" | "image" | "credentials">[]): FleetSwarmPlan | undefined {
  const sw = spec.swarm;
  if (!sw) return undefined;
  const node = (n: (typeof sw.managers)[number]): FleetSwarmNodePlan =>
    typeof n === "string" ? { host: n } : { host: n.host, labels: n.labels, availability: n.availability, advertiseAddr: n.advertiseAddr };
  const members = [...sw.managers, ...(sw.workers ?? [])].map((n) => (typeof n === "string" ? n : n.host));
  return {
    managers: sw.managers.map(node),
    workers: sw.workers?.map(node),
    defaultAddrPool: sw.defaultAddrPool,
    subnetSize: sw.subnetSize,
    members,
    services: (sw.services ?? []).map((svc, i) => ({ name: svc.name, image: svc.image, imageHost: members[0], args: services[i] })),
  };
}

function rolloutOf(spec: FleetSpec): FleetPlan["rollout"] {
  const hostNames = spec.hosts.map((h) => h.name);
  const batches = spec.rollout ? rolloutBatches(hostNames, spec.rollout.batch) : [hostNames];
  const n = batches.length;
  const gates = batches.slice(1).map((_, k): FleetGatePlan => ({
    name: gateName(k + 2, n),
    after: batches[k],
    label: `batch ${k + 1} of ${n} (${batches[k].join(", ")})`,
    pause: spec.rollout?.pause,
    timeout: spec.rollout?.timeout,
  }));
  return { batches, gates };
}
