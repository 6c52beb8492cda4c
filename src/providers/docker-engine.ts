import type * as pulumi from "@pulumi/pulumi";
import { isDeepStrictEqual } from "node:util";
import { type Distro, detectDistro } from "../model/distro";
import { localBundle } from "../remote/bundle-cache";
import { targetOf } from "../remote/connection-spec";
import { RemoteError } from "../remote/errors";
import { SshSession } from "../remote/ssh-session";
import { uploadFile } from "../remote/upload";
import { bundlePathOnHost, renderOfflineInstall, renderOfflineUninstall } from "../scripts/engine-offline";
import {
  conflictingPackages,
  enginePackage,
  type PackageSource,
  pickVersion,
  renderListVersions,
  renderOnlineInstall,
  renderOnlinePrepare,
  renderRepositoryCommit,
  renderRepositoryRestore,
  repositoryFiles,
  renderOnlineUninstall,
  renderRemovePackages,
  upstreamVersion,
} from "../scripts/engine-online";
import { type EngineState, parseEngineProbe, renderAdoptCheck, renderEngineProbe, renderServiceStart } from "../scripts/engine-service";
import { parseServiceHealth, renderServiceHealthProbe, renderUnmaskEngine, type ServiceHealth } from "../scripts/engine-health";
import { parseSections } from "../model/sections";
import type { HostFacts } from "../model/host-facts";
import { compareVersions as compareNumeric } from "../model/version";
import { type ConnectedInputs, containsUnknown, machineIdentity, toConnectionSpec } from "./connection-inputs";

export type EngineMethod = "online" | "offline" | "adopt";

/** What the engine should be; plain data, compared field by field in diff. */
export interface EngineSpec {
  method: EngineMethod;
  source?: PackageSource;
  mirror?: string;
  channel?: string;
  version?: string;
  allowDowngrade?: boolean;
  bundle?: { path?: string; url?: string; sha256: string };
  installDir?: string;
  uninstallOnDelete?: boolean;
}

export interface DockerEngineInputs extends ConnectedInputs {
  /** The host's facts (distribution), from its Host. */
  facts: HostFacts;
  spec: EngineSpec;
}

export interface DockerEngineOutputs extends DockerEngineInputs {
  /** Server version the daemon reports. */
  version: string;
  apiVersion: string;
  clientVersion: string;
  /** Installed engine package version (online), e.g. `5:24.0.7-1~debian.12~bookworm`. */
  packageVersion: string;
  /** True when the last `up` uploaded the offline bundle (false: the host had it already). */
  bundleUploaded: boolean;
  /** Differences between what is declared and what the host has; filled by refresh. */
  drift: string[];
}

function distroOf(inputs: DockerEngineInputs): Distro {
  const d = detectDistro(inputs.facts);
  if (typeof d === "string") throw new RemoteError(targetOf(inputs.connection), d, "DOCKYARD_UNSUPPORTED_OS");
  return d;
}

async function probe(session: SshSession, distro: Distro | undefined): Promise<EngineState & { health: ServiceHealth }> {
  // One round trip: the probe and the service health sections (containerd, masks) together.
  const out = (await session.exec(renderEngineProbe(distro) + renderServiceHealthProbe(), { what: "reading the engine's state" })).stdout;
  return { ...parseEngineProbe(out), health: parseServiceHealth(parseSections(out)) };
}

/** Every way the host differs from the spec (empty when it matches). */
export function driftOf(spec: EngineSpec, state: EngineState & { health?: ServiceHealth }, distro: Distro | undefined, packageVersion?: string): string[] {
  const reasons: string[] = [];
  if (!state.running) reasons.push(state.clientVersion || state.active !== "unknown" ? `docker is not running (${state.active})` : "docker is not installed");
  if (state.enabled !== "enabled" && spec.method !== "adopt") reasons.push(`docker.service is not enabled on boot (${state.enabled})`);
  // dockerd answers for a while with containerd stopped, but starts no container.
  if (spec.method !== "adopt" && state.health) {
    if (state.health.containerd && state.health.containerd !== "active") reasons.push(`containerd.service is not running (${state.health.containerd})`);
    for (const u of state.health.masked) reasons.push(`${u} is masked`);
  }
  if (spec.method === "online" && distro) {
    const pkg = enginePackage(distro, spec.source ?? "docker-ce");
    const have = state.packages[pkg];
    if (!have) reasons.push(`package ${pkg} is not installed`);
    else if (packageVersion && have !== packageVersion) reasons.push(`package ${pkg} is ${have}, not ${packageVersion}`);
    if (state.missingPackagedFiles.length) reasons.push(`files of the installed packages are missing: ${state.missingPackagedFiles.join(", ")}`);
  }
  if (spec.method === "offline" && spec.bundle) {
    if (!state.offline) reasons.push("the offline install record is missing");
    else if (state.offline.sha256 !== spec.bundle.sha256) reasons.push("the installed bundle is another one");
    if (state.missingFiles.length) reasons.push(`installed files are missing: ${state.missingFiles.join(", ")}`);
  }
  return reasons;
}

async function converge(inputs: DockerEngineInputs): Promise<DockerEngineOutputs> {
  const target = targetOf(inputs.connection);
  const spec = inputs.spec;
  // Local checks first: a wrong bundle checksum fails before any host is touched.
  const bundleFile = spec.method === "offline" && spec.bundle ? await localBundle(spec.bundle, spec.bundle.sha256) : undefined;
  const distro = spec.method === "online" ? distroOf(inputs) : (() => {
    const d = detectDistro(inputs.facts);
    return typeof d === "string" ? undefined : d;
  })();
  if (spec.method === "online" && distro && (spec.source ?? "docker-ce") === "distro" && !distro.distroPackage) {
    // EL8/9 ship podman, not docker: say so before the host is touched, not "no version matches".
    throw new RemoteError(target, `${inputs.facts.osPrettyName || distro.id} has no Docker engine package of its own; use source "docker-ce" (or a mirror of it). Nothing was changed`, "DOCKYARD_ENGINE_SOURCE_UNAVAILABLE");
  }
  const session = await SshSession.for(toConnectionSpec(inputs));
  // A fresh package install leaves the engine started by the package itself: no restart then.
  // Binaries replaced under a running daemon (offline, or a package upgrade/downgrade) do need one.
  let restart = false;
  let packageVersion = "";
  let bundleUploaded = false;

  if (spec.method === "adopt") {
    await session.exec(renderAdoptCheck(), { what: "checking the engine to adopt" });
  } else if (spec.method === "online" && distro) {
    const source = spec.source ?? "docker-ce";
    // A refusal below (no version matches, a downgrade not allowed, the prepare itself failing)
    // puts the repository files back: a refused install changes nothing on the host.
    const refused = async (err: unknown): Promise<never> => {
      if (repositoryFiles(distro, source).length) await session.exec(renderRepositoryRestore(distro, source), { what: "restoring the package repository" }).catch(() => undefined);
      throw err;
    };
    const chosen = await (async () => {
      await session.exec(renderOnlinePrepare(distro, source, { mirror: spec.mirror ?? "https://download.docker.com", channel: spec.channel ?? "stable" }), {
        what: "preparing the package repository",
      });
      const available = (await session.exec(renderListVersions(distro, source), { what: "listing engine versions" })).stdout
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
      const version = pickVersion(available, spec.version);
      if (!version) {
        throw new RemoteError(
          target,
          `no ${enginePackage(distro, source)} version matches ${spec.version ? `'${spec.version}'` : "any"} in ${source === "docker-ce" ? spec.mirror : "the distribution's repositories"}` +
            ` (available: ${[...new Set(available.map(upstreamVersion))].join(", ") || "none"}). Nothing was installed`,
          "DOCKYARD_ENGINE_VERSION_NOT_FOUND",
        );
      }
      return version;
    })().catch(refused);
    const pkg = enginePackage(distro, source);
    const before = await probe(session, distro);
    const installed = before.packages[pkg];
    // A package can count as installed with its files deleted by hand: installed again then.
    const reinstall = installed === chosen && before.missingPackagedFiles.length > 0;
    if (installed !== chosen || reinstall || !conflictsAbsent(before, distro, source)) {
      const downgrade = !!installed && compareNumeric(upstreamVersion(installed), upstreamVersion(chosen)) > 0;
      if (downgrade && !spec.allowDowngrade) {
        await refused(
          new RemoteError(
            target,
            `${pkg} ${installed} is installed and the pin '${spec.version}' resolves to the older ${chosen}: set allowDowngrade to downgrade. Nothing was changed`,
            "DOCKYARD_DOWNGRADE_REFUSED",
          ),
        );
      }
      await session.exec(renderOnlineInstall(distro, { source, version: chosen, downgrade, reinstall, hold: !!spec.version }), {
        what: `${reinstall ? "reinstalling" : "installing"} ${pkg} ${chosen}`,
      });
      restart = !!installed;
    }
    // Only a docker-ce prepare keeps a backup of the files it replaces.
    if (repositoryFiles(distro, source).length) await session.exec(renderRepositoryCommit(), { what: "dropping the repository backup" });
    packageVersion = chosen;
  } else if (spec.method === "offline" && spec.bundle && bundleFile) {
    const remote = bundlePathOnHost(spec.bundle.sha256);
    bundleUploaded = (await uploadFile(session, bundleFile, remote, spec.bundle.sha256)).uploaded;
    const before = await probe(session, distro);
    const installDir = spec.installDir ?? "/usr/bin";
    // A masked unit of ours is a /dev/null link where the install puts the unit: installing again
    // puts the unit back.
    if (before.offline?.sha256 !== spec.bundle.sha256 || before.offline.installDir !== installDir || before.missingFiles.length || !before.clientVersion || before.health.masked.length) {
      if (distro) {
        // Package-managed engines own the same files and units; they go first.
        const pkgs = [...new Set([...conflictingPackages(distro, "distro"), ...conflictingPackages(distro, "docker-ce")])];
        await session.exec(renderRemovePackages(distro, pkgs), { what: "removing packaged engines" });
      }
      await session.exec(renderOfflineInstall({ bundlePath: remote, sha256: spec.bundle.sha256, installDir }), {
        what: "installing the offline bundle",
      });
      restart = true;
    }
  }
  if (spec.method !== "adopt") {
    // A masked docker.socket (or service) would keep docker down whatever the install did.
    await session.exec(renderUnmaskEngine(), { what: "unmasking docker's units" });
    await session.exec(renderServiceStart({ restart }), { what: "starting docker" });
  }
  const after = await probe(session, distro);
  if (!after.running) throw new RemoteError(target, "docker does not answer after the install", "DOCKYARD_ENGINE_NOT_STARTED");
  return {
    ...inputs,
    version: after.serverVersion ?? "",
    apiVersion: after.apiVersion ?? "",
    clientVersion: after.clientVersion ?? "",
    packageVersion,
    bundleUploaded,
    drift: [],
  };
}

function conflictsAbsent(state: EngineState, d: Distro, source: PackageSource): boolean {
  return !conflictingPackages(d, source).some((p) => p in state.packages);
}

const specKeys = (s: EngineSpec) => ({ ...s, uninstallOnDelete: undefined });

/**
 * The Docker engine of one host. create/update converge it (idempotent: an engine already as
 * declared is left alone), read reports what is really there (drift), diff probes the host so a
 * plain `up` repairs drift too, delete leaves the engine unless uninstallOnDelete.
 */
export const dockerEngine = {
  async create(inputs: DockerEngineInputs): Promise<pulumi.dynamic.CreateResult<DockerEngineOutputs>> {
    return { id: `${targetOf(inputs.connection)}/docker`, outs: await converge(inputs) };
  },

  async read(id: string, props: DockerEngineOutputs): Promise<pulumi.dynamic.ReadResult<DockerEngineOutputs>> {
    const session = await SshSession.for(toConnectionSpec(props));
    const d = detectDistro(props.facts);
    const distro = typeof d === "string" ? undefined : d;
    const state = await probe(session, distro);
    const pkg = distro && props.spec.method === "online" ? enginePackage(distro, props.spec.source ?? "docker-ce") : undefined;
    return {
      id,
      props: {
        ...props,
        version: state.serverVersion ?? "",
        apiVersion: state.apiVersion ?? "",
        clientVersion: state.clientVersion ?? "",
        packageVersion: pkg ? state.packages[pkg] ?? "" : props.packageVersion,
        drift: driftOf(props.spec, state, distro, props.packageVersion),
      },
    };
  },

  async diff(_id: string, olds: DockerEngineOutputs, news: DockerEngineInputs): Promise<pulumi.dynamic.DiffResult> {
    if (containsUnknown(news.connection) || containsUnknown(news.spec)) return { changes: true };
    if (machineIdentity(olds.connection) !== machineIdentity(news.connection)) {
      return { changes: true, replaces: ["connection"], deleteBeforeReplace: false };
    }
    if (!isDeepStrictEqual(specKeys(olds.spec), specKeys(news.spec))) return { changes: true };
    if (!isDeepStrictEqual(olds.connection, news.connection) || !isDeepStrictEqual(olds.credentials, news.credentials)) {
      return { changes: true };
    }
    if (olds.spec.uninstallOnDelete !== news.spec.uninstallOnDelete) return { changes: true };
    // The host itself: an engine removed, stopped or replaced by hand is a change to repair.
    const session = await SshSession.for(toConnectionSpec(news));
    const d = detectDistro(news.facts);
    const distro = typeof d === "string" ? undefined : d;
    const drift = driftOf(news.spec, await probe(session, distro), distro, olds.packageVersion);
    return { changes: drift.length > 0 || olds.drift.length > 0 };
  },

  async update(_id: string, olds: DockerEngineOutputs, news: DockerEngineInputs): Promise<pulumi.dynamic.UpdateResult<DockerEngineOutputs>> {
    if (olds.spec.method === "offline" && news.spec.method !== "offline") {
      // Leaving an offline install: its files and units go before a package takes over.
      const session = await SshSession.for(toConnectionSpec(news));
      if (news.spec.method === "online") await session.exec(renderOfflineUninstall(), { what: "removing the offline install" });
    }
    return { outs: await converge(news) };
  },

  async delete(_id: string, props: DockerEngineOutputs): Promise<void> {
    // Containers may depend on the engine: it stays unless the program asked otherwise. The
    // engine shows this provider's stderr in the command's output.
    if (!props.spec.uninstallOnDelete || props.spec.method === "adopt") {
      const why = props.spec.method === "adopt" ? "it was adopted, not installed by Dockyard" : "uninstallOnDelete is not set";
      console.error(`dockyard: ${targetOf(props.connection)}: the Docker engine was left in place (${why})`);
      return;
    }
    const session = await SshSession.for(toConnectionSpec(props));
    if (props.spec.method === "offline") {
      await session.exec(renderOfflineUninstall(), { what: "removing the offline install" });
    } else {
      await session.exec(renderOnlineUninstall(distroOf(props), props.spec.source ?? "docker-ce"), { what: "removing the engine" });
    }
  },
};
