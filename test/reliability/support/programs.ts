import * as pulumi from "@pulumi/pulumi";
import {
  Container,
  type ContainerArgs,
  DaemonConfig,
  type DaemonConfigArgs,
  DockerEngine,
  type DockerEngineArgs,
  Host,
  type HostArgs,
  Image,
  type ImageArgs,
  Registry,
  type RegistryArgs,
} from "pulumi-dockyard";
import type { DockerPackages } from "../../rig/package-server";
import type { Rig, RigHost } from "../../rig/rig";

/** Host arguments for a rig host: pinned key, the rig's key as a secret. */
export function hostArgs(rig: Rig, h: RigHost): HostArgs {
  return { address: h.address, privateKey: pulumi.secret(rig.privateKey), hostKey: h.hostKey };
}

/** Changes to the arguments of the journey's components (a value of undefined removes the argument). */
export interface Mutation {
  host?: Record<string, unknown>;
  engine?: Record<string, unknown>;
  daemon?: Record<string, unknown>;
  image?: Record<string, unknown>;
  container?: Record<string, unknown>;
  /** Adds a Registry on the engine with these arguments. */
  registry?: Record<string, unknown>;
}

export interface Journey {
  host: Host;
  engine: DockerEngine;
  daemon: DaemonConfig;
  image: Image;
  container: Container;
}

/**
 * The whole journey of a Docker guide on one host, under the host's name: an offline engine (no
 * download), a registry mirror, nginx pulled through it, run as `web` on 8080 with a restart
 * policy. Accepted as it is, it changes the host (engine files, units, daemon.json, a container);
 * a mutation puts one bad argument in.
 */
export function journey(rig: Rig, h: RigHost, pkgs: DockerPackages, mirror: string, m: Mutation = {}): Journey {
  const host = new Host(h.name, { ...hostArgs(rig, h), ...m.host } as HostArgs);
  const engine = new DockerEngine(`${h.name}-docker`, {
    host,
    method: "offline",
    bundle: new pulumi.asset.FileAsset(pkgs.bundle),
    bundleSha256: pkgs.bundleSha256,
    ...m.engine,
  } as DockerEngineArgs);
  const daemon = new DaemonConfig(`${h.name}-daemon`, { engine, registryMirrors: [mirror], ...m.daemon } as DaemonConfigArgs);
  const image = new Image(`${h.name}-nginx`, { engine, ref: "nginx:latest", ...m.image } as ImageArgs, { dependsOn: [daemon] });
  const container = new Container(`${h.name}-web`, {
    engine,
    name: "web",
    image,
    ports: ["8080:80"],
    restartPolicy: "always",
    ...m.container,
  } as ContainerArgs);
  if (m.registry) new Registry(`${h.name}-registry`, { engine, ...m.registry } as RegistryArgs, { dependsOn: [daemon] });
  return { host, engine, daemon, image, container };
}

/** Changes an `up`/`refresh` summary reports, without `same`. */
export function changesOf(summary: { resourceChanges?: Record<string, number> }): Record<string, number> {
  const c = { ...(summary.resourceChanges ?? {}) };
  delete c.same;
  return c;
}

/** The resources of a stack's state (as exportStack returns it, secrets decrypted). */
export interface StateResource {
  urn: string;
  type: string;
  outputs?: Record<string, unknown>;
}

export async function stateResources(stack: {
  exportStack(): Promise<{ deployment: { resources?: StateResource[] } }>;
}): Promise<StateResource[]> {
  return (await stack.exportStack()).deployment.resources ?? [];
}
