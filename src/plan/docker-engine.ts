import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { type Distro, detectDistro } from "../model/distro";
import { compareVersions } from "../model/version";
import {
  DEFAULT_CHANNEL,
  DEFAULT_DOCKER_CE_KEY_FINGERPRINT,
  DEFAULT_DOCKER_CE_MIRROR,
  DEFAULT_OFFLINE_INSTALL_DIR,
  DEFAULT_PACKAGE_SOURCE,
} from "../model/defaults";
import { checkHostValue, checkHttpUrl } from "../model/host-values";
import { invalid } from "../model/input-error";
import { signingKeyProblem } from "../model/pgp-key";
import { checkUrlCredentials, maskUrl } from "../model/url-credentials";
import { bundleArchOf, checkBundleArchitecture } from "../model/bundle-arch";
import { bundlePathOnHost, composePluginPathOnHost, renderOfflineInstall, renderOfflineUninstall } from "../scripts/engine-offline";
import {
  CLI_PLUGINS,
  type CliPlugin,
  PLUGIN_PACKAGES,
  renderPluginInstall,
  conflictingPackages,
  enginePackage,
  type PackageSource,
  pickVersion,
  renderOnlineInstall,
  renderOnlinePrepare,
  prepareInput,
  renderDropSigningKey,
  renderFetchSigningKey,
  renderOnlineUninstall,
  renderRemovePackages,
  repositoryRoot,
  stagedKeyOf,
  renderRepositoryCommit,
  renderRepositoryRestore,
  type RemovalCheck,
  repositoryFiles,
  upstreamVersion,
} from "../scripts/engine-online";
import { boundSeconds, type TimeBounds } from "../model/time-bounds";
import { renderAdoptCheck, renderServiceStart, type EngineState } from "../scripts/engine-service";
import { renderUnmaskEngine, type ServiceHealth } from "../scripts/engine-health";
import { withDownloadBound } from "../scripts/package-managers";
import type { HostFacts } from "../model/host-facts";
import { type Refusal, refuse } from "./refusal";
import { type DaemonProxy, daemonSpecProblems, mergeDaemonJson } from "../model/daemon-settings";
import { renderInitialDaemonSettings, renderProxyEnvFile } from "../scripts/daemon-config";
import { daemonJsonText } from "./daemon-config";

export type EngineMethod = "online" | "offline" | "adopt";

/** Where an offline bundle comes from (a file here or a URL this machine fetches) and its checksum. */
export interface EngineSpecBundle {
  path?: string;
  url?: string;
  sha256: string;
}

/** What the engine should be; plain data, compared field by field in diff. */
export interface EngineSpec {
  method: EngineMethod;
  source?: PackageSource;
  mirror?: string;
  /** Fingerprint the mirror's signing key must have (absent: Docker's own). */
  mirrorKeyFingerprint?: string;
  /** Plain http:// mirror or bundle URL allowed (absent: refused). */
  allowInsecureHttp?: boolean;
  channel?: string;
  version?: string;
  allowDowngrade?: boolean;
  /** Offline, one bundle for whatever architecture the host is (the single-bundle form). */
  bundle?: EngineSpecBundle;
  /** Offline, a bundle per architecture (Docker's folder names: `x86_64`, `aarch64`, `armhf`, ...). */
  bundles?: Record<string, EngineSpecBundle>;
  installDir?: string;
  uninstallOnDelete?: boolean;
  /** Packages the install may remove though they run an engine with containers, or depend on a conflict. */
  replacePackages?: string[];
  /** CLI plugins installed with a docker-ce engine (absent: compose and buildx, as Docker's guide installs them). */
  plugins?: CliPlugin[];
  /** Offline: the compose CLI plugin binary (Docker's `docker-compose-linux-<arch>`) and its checksum. */
  composePlugin?: EngineSpecBundle;
}

/** The engine as the probe reads it: packages, the offline record, the service and its units. */
export type EngineFacts = EngineState & { health: ServiceHealth };

/** One script the provider runs on the host, in plan order. */
export type EngineStep =
  | { kind: "adoptCheck" }
  | { kind: "fetchSigningKey"; mirror: string; allowInsecureHttp: boolean }
  | { kind: "dropSigningKey" }
  | { kind: "prepareRepository"; source: PackageSource; mirror: string; channel: string; keySha256: string }
  | { kind: "restoreRepository"; source: PackageSource }
  | {
      kind: "install";
      source: PackageSource;
      version: string;
      downgrade: boolean;
      reinstall: boolean;
      hold: boolean;
      replace?: string[];
      plugins?: string[];
      /** The package's own start held back (Debian): dockerd first starts in the plan's start step. */
      deferStart?: true;
    }
  | { kind: "installPlugins"; packages: string[] }
  | { kind: "commitRepository" }
  | { kind: "removePackages"; packages: string[]; replace?: string[] }
  | { kind: "offlineInstall"; sha256: string; installDir: string; composeSha256?: string }
  | { kind: "offlineUninstall" }
  | { kind: "onlineUninstall"; source: PackageSource }
  | { kind: "unmask" }
  /** A fresh engine's daemon.json (and proxy files), written and validated before its first start. */
  | { kind: "initialDaemon"; content: string; proxy?: DaemonProxy }
  /** `initialDaemon`: the files of that step are taken out again when dockerd does not start on them. */
  | { kind: "start"; restart: boolean; initialDaemon?: true };

/**
 * The daemon settings of the engine's DaemonConfig, given to the engine so that a fresh engine
 * starts with them (one start of dockerd): only used at install time, when there is no engine yet.
 */
export interface InitialDaemon {
  settings: Record<string, unknown>;
  policy: "merge" | "replace";
  proxy?: DaemonProxy;
}

export interface EnginePlan {
  steps: EngineStep[];
  /** The package version the engine is at once the steps ran (online; "" otherwise). */
  packageVersion: string;
}

// The component states these defaults; a state written without them falls back to the same.
/** The package source the spec installs from. */
export const engineSource = (spec: EngineSpec): PackageSource => spec.source ?? DEFAULT_PACKAGE_SOURCE;

/**
 * The CLI plugins the engine comes with: those given, or compose and buildx for a docker-ce
 * install (Docker's install guide installs both with the engine); none from the distribution's
 * packages (they name and version them their own way) nor offline or adopted.
 */
export function enginePlugins(spec: EngineSpec): CliPlugin[] {
  if (spec.plugins) return [...spec.plugins];
  if (spec.method === "offline") return spec.composePlugin ? ["compose"] : [];
  return spec.method === "online" && engineSource(spec) === "docker-ce" ? [...CLI_PLUGINS] : [];
}

/** The packages of the spec's CLI plugins (online docker-ce). */
export const pluginPackages = (spec: EngineSpec): string[] => enginePlugins(spec).map((p) => PLUGIN_PACKAGES[p]);

/**
 * The distribution the engine is installed for, decided from the host's facts before any host is
 * touched. Online needs one; offline and adopt go on without (undefined).
 */
export function engineDistro(spec: EngineSpec, facts: HostFacts): Distro | undefined | Refusal {
  const d = detectDistro(facts);
  if (spec.method !== "online") return typeof d === "string" ? undefined : d;
  if (typeof d === "string") return refuse("DOCKYARD_UNSUPPORTED_OS", d);
  if (engineSource(spec) === "distro" && !d.distroPackage) {
    // EL8/9 ship podman, not docker: say so before the host is touched, not "no version matches".
    return refuse(
      "DOCKYARD_ENGINE_SOURCE_UNAVAILABLE",
      `${facts.osPrettyName || d.id} has no Docker engine package of its own; use source "docker-ce" (or a mirror of it). Nothing was changed`,
    );
  }
  return d;
}

/**
 * Refuses a spec the component would have refused, before any host is touched: a state or a
 * config value reaches the provider without the component's check. Names the field.
 */
export function checkEngineSpec(spec: EngineSpec): void {
  if (!["online", "offline", "adopt"].includes(spec.method)) invalid("method", "must be online, offline or adopt");
  if (spec.source !== undefined && !["docker-ce", "distro"].includes(spec.source)) invalid("source", "must be docker-ce or distro");
  if (spec.channel !== undefined && !["stable", "test"].includes(spec.channel)) invalid("channel", "must be stable or test");
  const http = { allowInsecureHttp: spec.allowInsecureHttp === true };
  if (spec.mirror !== undefined) {
    checkHttpUrl("mirror", spec.mirror, http);
    checkUrlCredentials("mirror", spec.mirror);
  }
  if (spec.mirrorKeyFingerprint !== undefined) checkHostValue("pgpFingerprint", "mirrorKeyFingerprint", spec.mirrorKeyFingerprint);
  if (spec.version !== undefined) checkHostValue("releasePin", "version", spec.version);
  if (spec.bundle && spec.bundles) invalid("bundles", "cannot be given with bundle: give one bundle, or one per architecture");
  const checkBundle = (b: EngineSpecBundle, path: string, shaPath: string) => {
    checkHostValue("sha256", shaPath, b.sha256);
    if (b.url !== undefined) {
      checkHttpUrl(path, b.url, http);
      checkUrlCredentials(path, b.url);
    }
  };
  if (spec.bundle) checkBundle(spec.bundle, "bundle", "bundleSha256");
  for (const [arch, b] of Object.entries(spec.bundles ?? {})) {
    checkBundleArchitecture(`bundles.${arch}`, arch);
    checkBundle(b, `bundles.${arch}.bundle`, `bundles.${arch}.sha256`);
  }
  if (spec.composePlugin) checkBundle(spec.composePlugin, "composePlugin", "composePluginSha256");
  if (spec.installDir !== undefined) checkHostValue("absolutePath", "installDir", spec.installDir);
  checkEnginePlugins(spec);
}

/** The plugins are known names, and come from docker-ce's repository (where they are packaged as Docker names them). */
function checkEnginePlugins(spec: EngineSpec): void {
  if (spec.composePlugin && spec.method !== "offline")
    invalid(
      "composePlugin",
      `only applies to method offline (method is ${spec.method}): online docker-ce engines install docker-compose-plugin`,
    );
  if (spec.plugins === undefined) return;
  if (!Array.isArray(spec.plugins)) invalid("plugins", `must be a list of ${CLI_PLUGINS.join(", ")}`);
  spec.plugins.forEach((p, i) => {
    if (!CLI_PLUGINS.includes(p)) invalid(`plugins[${i}]`, `must be one of ${CLI_PLUGINS.join(", ")} (got ${JSON.stringify(p)})`);
  });
  if (new Set(spec.plugins).size !== spec.plugins.length) invalid("plugins", "names a plugin twice");
  if (spec.method === "offline") {
    // The static bundle brings no plugin: compose comes from its own binary, buildx not at all (yet).
    if (spec.plugins.includes("buildx"))
      invalid(
        "plugins",
        'buildx comes only with method "online" (docker-buildx-plugin); method "offline" installs compose alone, from composePlugin: give ["compose"] or []',
      );
    if (spec.plugins.includes("compose") && !spec.composePlugin)
      invalid(
        "composePlugin",
        'is required for plugins ["compose"] with method "offline": the compose plugin binary (docker-compose-linux-<arch>) and composePluginSha256',
      );
    if (!spec.plugins.includes("compose") && spec.composePlugin)
      invalid("plugins", 'leaves compose out while composePlugin is given: add "compose"');
    return;
  }
  if (spec.plugins.length && (spec.method !== "online" || engineSource(spec) !== "docker-ce")) {
    invalid(
      "plugins",
      `come from docker-ce's repository (docker-compose-plugin, docker-buildx-plugin): they need method "online" with source "docker-ce" (here: ${spec.method}${spec.method === "online" ? `, source ${engineSource(spec)}` : ""}); give [] otherwise`,
    );
  }
}

/**
 * The spec as this host installs it: with bundles per architecture, the one for the host's
 * (`uname -m` from its facts) becomes `bundle`; a host whose architecture has none is refused
 * before anything is fetched, uploaded or changed. The single-bundle form is taken as it is, for
 * whatever architecture the host is.
 */
export function engineSpecForHost(spec: EngineSpec, facts: Pick<HostFacts, "arch">): EngineSpec | Refusal {
  if (spec.method !== "offline" || !spec.bundles) return spec;
  const { bundles, ...rest } = spec;
  const arch = bundleArchOf(facts.arch);
  const chosen = arch === undefined ? undefined : bundles[arch];
  if (chosen) return { ...rest, bundle: chosen };
  const given = Object.keys(bundles).sort();
  const named = arch && arch !== facts.arch ? `${facts.arch} (Docker's ${arch} bundles)` : facts.arch || "(unknown)";
  return refuse(
    "DOCKYARD_BUNDLE_ARCH_MISSING",
    `this host's architecture is ${named} and the offline bundles given are for ${given.join(", ") || "none"}: ` +
      (arch ? `add bundles.${arch}` : `Docker publishes no static bundle for ${facts.arch || "it"}; install it online`) +
      ". Nothing was changed",
  );
}

/**
 * What an offline install needs from the host that the static bundle does not bring: dockerd
 * programs its bridge network with iptables and fails to start without the command (docker-ce's
 * and the distributions' packages depend on it, so online installs bring it). Facts read before
 * iptables was read (absent) are not refused.
 */
export function offlinePrerequisiteRefusal(spec: EngineSpec, facts: Pick<HostFacts, "iptables">): Refusal | undefined {
  if (spec.method !== "offline" || facts.iptables !== "none") return undefined;
  return refuse(
    "DOCKYARD_ENGINE_PREREQUISITE_MISSING",
    "this host has no iptables command, which dockerd needs to start and the static bundle does not bring: " +
      "install it (apt-get install iptables; dnf install iptables-nft), or use method online. Nothing was changed",
  );
}

/** The mirror an online docker-ce install uses. */
const mirrorOf = (spec: EngineSpec) => spec.mirror ?? DEFAULT_DOCKER_CE_MIRROR;

/**
 * The first step of a docker-ce install: the mirror's signing key fetched into a staging file
 * (nothing trusted yet). None for the distribution's packages (their keys are the system's).
 */
export function planSigningKeyFetch(spec: EngineSpec): EngineStep[] {
  if (engineSource(spec) !== "docker-ce") return [];
  return [{ kind: "fetchSigningKey", mirror: mirrorOf(spec), allowInsecureHttp: spec.allowInsecureHttp === true }];
}

/**
 * The staged key (the fetch's output) against its pin: its sha256, which the prepare checks
 * again on the host, or a refusal that removes it and says which fingerprint was found.
 */
export function checkSigningKey(spec: EngineSpec, distro: Distro, fetchOutput: string): { keySha256: string } | Refusal<EngineStep> {
  const key = stagedKeyOf(fetchOutput);
  const pinned = spec.mirrorKeyFingerprint ?? DEFAULT_DOCKER_CE_KEY_FINGERPRINT;
  const problem = signingKeyProblem(key, pinned);
  if (!problem) return { keySha256: createHash("sha256").update(key).digest("hex") };
  return refuse(
    "DOCKYARD_SIGNING_KEY_MISMATCH",
    `the docker-ce signing key at ${maskUrl(`${repositoryRoot(distro, mirrorOf(spec))}/gpg`)} is refused: ${problem}` +
      ` (${spec.mirrorKeyFingerprint ? "mirrorKeyFingerprint" : "Docker's published key; a mirror that re-signs needs mirrorKeyFingerprint"}).` +
      " Nothing was trusted or changed",
    [{ kind: "dropSigningKey" }],
  );
}

/** The repository an online install lists its versions from (the first thing it changes). */
export function planOnlinePrepare(spec: EngineSpec, keySha256 = ""): EngineStep[] {
  return [
    {
      kind: "prepareRepository",
      source: engineSource(spec),
      mirror: mirrorOf(spec),
      channel: spec.channel ?? DEFAULT_CHANNEL,
      keySha256,
    },
  ];
}

/** What puts the repository files back after a refusal; only a docker-ce prepare keeps a backup. */
export function onlineUndo(distro: Distro, source: PackageSource): EngineStep[] {
  return repositoryFiles(distro, source).length ? [{ kind: "restoreRepository", source }] : [];
}

/** The package version to install among those the repository lists, or why none fits. */
export function chooseEngineVersion(spec: EngineSpec, distro: Distro, available: string[]): string | Refusal<EngineStep> {
  const source = engineSource(spec);
  const version = pickVersion(available, spec.version);
  if (version) return version;
  return refuse(
    "DOCKYARD_ENGINE_VERSION_NOT_FOUND",
    `no ${enginePackage(distro, source)} version matches ${spec.version ? `'${spec.version}'` : "any"} in ${source === "docker-ce" ? maskUrl(mirrorOf(spec)) : "the distribution's repositories"}` +
      ` (available: ${[...new Set(available.map(upstreamVersion))].join(", ") || "none"}). Nothing was installed`,
    onlineUndo(distro, source),
  );
}

/**
 * Whether the conflicting packages about to be removed may go: never, unless the user named them
 * in replacePackages, when they run an engine that has containers (the removal would stop them),
 * nor when their removal would take installed packages that depend on them (podman, cri-o, ...)
 * that the user did not name. `removal` is the package manager's own answer (a simulation);
 * without one, the packages the probe saw installed.
 */
export function conflictRemovalRefusal(
  spec: EngineSpec,
  conflicts: string[],
  before: EngineState,
  removal: RemovalCheck | undefined,
  undo: EngineStep[],
): Refusal<EngineStep> | undefined {
  const named = new Set(spec.replacePackages ?? []);
  const installed = [...new Set([...conflicts.filter((p) => p in before.packages), ...(removal?.installed ?? [])])];
  if (!installed.length) return undefined;
  const containers = before.containers ?? 0;
  const unnamed = installed.filter((p) => !named.has(p));
  if (before.running && containers > 0 && unnamed.length) {
    return refuse(
      "DOCKYARD_ENGINE_IN_USE",
      `the installed ${list(installed)} conflict${installed.length === 1 ? "s" : ""} with the engine to install and would be removed, but the engine running here has ${containers} container${containers === 1 ? "" : "s"} that the removal would stop: ` +
        `use method "adopt" to keep this engine, or replacePackages: ${JSON.stringify(installed)} to replace it. Nothing was changed`,
      undo,
    );
  }
  const extra = (removal?.takes ?? []).filter((p) => !conflicts.includes(p) && !named.has(p));
  if (extra.length) {
    return refuse(
      "DOCKYARD_CONFLICT_DEPENDENTS",
      `removing the conflicting ${list(installed)} would also remove ${list(extra)}, which depend${extra.length === 1 ? "s" : ""} on them: ` +
        `name ${extra.length === 1 ? "it" : "them"} in replacePackages too (${JSON.stringify([...named, ...extra])}) to remove ${extra.length === 1 ? "it" : "them"}, or use method "adopt". Nothing was changed`,
      undo,
    );
  }
  return undefined;
}

/** `a`, `a and b`, `a, b and c` (package names). */
function list(names: string[]): string {
  const [last, ...rest] = [...names].reverse();
  return rest.length ? `${rest.reverse().join(", ")} and ${last}` : (last ?? "");
}

/** The packages the user named to be removed, on a step only when there are any. */
const replaceOf = (spec: EngineSpec) => (spec.replacePackages?.length ? { replace: [...spec.replacePackages] } : {});

/** The engine started (and unmasked), restarted when binaries were replaced under a running one. */
export function planEngineStart(spec: EngineSpec, restart: boolean): EngineStep[] {
  return spec.method === "adopt" ? [] : [{ kind: "unmask" }, { kind: "start", restart }];
}

/**
 * An online install once the version is chosen and the host probed: nothing when the package is
 * at that version with its files and no conflicting package; a reinstall when files are missing;
 * a downgrade only with allowDowngrade. A fresh install leaves the engine started by the package
 * itself, so only an upgrade, downgrade or reinstall restarts it.
 */
export function planOnlineEngine(
  spec: EngineSpec,
  distro: Distro,
  chosen: string,
  before: EngineState,
  removal?: RemovalCheck,
): EnginePlan | Refusal<EngineStep> {
  const source = engineSource(spec);
  const pkg = enginePackage(distro, source);
  const installed = before.packages[pkg];
  // A package can count as installed with its files deleted by hand: installed again then.
  const reinstall = installed === chosen && before.missingPackagedFiles.length > 0;
  const conflicts = conflictingPackages(distro, source).some((p) => p in before.packages) || !!removal?.installed.length;
  const steps: EngineStep[] = [];
  let restart = false;
  if (installed !== chosen || reinstall || conflicts) {
    const downgrade = !!installed && compareVersions(upstreamVersion(installed), upstreamVersion(chosen)) > 0;
    if (downgrade && !spec.allowDowngrade) {
      return refuse(
        "DOCKYARD_DOWNGRADE_REFUSED",
        `${pkg} ${installed} is installed and the pin '${spec.version}' resolves to the older ${chosen}: set allowDowngrade to downgrade. Nothing was changed`,
        onlineUndo(distro, source),
      );
    }
    const refused = conflictRemovalRefusal(spec, conflictingPackages(distro, source), before, removal, onlineUndo(distro, source));
    if (refused) return refused;
    const plugins = pluginPackages(spec);
    steps.push({
      kind: "install",
      source,
      version: chosen,
      downgrade,
      reinstall,
      hold: !!spec.version,
      ...replaceOf(spec),
      ...(plugins.length ? { plugins } : {}),
    });
    restart = !!installed;
  } else {
    // The engine is as pinned; a CLI plugin removed by hand (or newly asked for) comes on its own.
    const missing = missingPlugins(spec, before);
    if (missing.length) steps.push({ kind: "installPlugins", packages: missing });
  }
  if (repositoryFiles(distro, source).length) steps.push({ kind: "commitRepository" });
  return { steps: [...steps, ...planEngineStart(spec, restart)], packageVersion: chosen };
}

/**
 * An offline install once the bundle is on the host and the host probed: installed again when
 * another bundle, another directory, missing files, no client, or a masked unit (a /dev/null link
 * where the install puts the unit) says so; packaged engines own the same files and go first.
 */
export function planOfflineEngine(
  spec: EngineSpec & { bundle: { sha256: string } },
  distro: Distro | undefined,
  before: EngineFacts,
  removal?: RemovalCheck,
): EnginePlan | Refusal<EngineStep> {
  const sha256 = spec.bundle.sha256;
  const installDir = spec.installDir ?? DEFAULT_OFFLINE_INSTALL_DIR;
  const composeSha256 = spec.composePlugin?.sha256;
  const steps: EngineStep[] = [];
  let restart = false;
  if (
    before.offline?.sha256 !== sha256 ||
    before.offline.installDir !== installDir ||
    before.missingFiles.length ||
    !before.clientVersion ||
    before.health.masked.length ||
    // Only a plugin given is compared: a record without one is what an install without it left.
    (composeSha256 !== undefined && before.offline.composeSha256 !== composeSha256)
  ) {
    if (distro) {
      const packages = packagedEngines(distro);
      const refused = conflictRemovalRefusal(spec, packages, before, removal, []);
      if (refused) return refused;
      steps.push({ kind: "removePackages", packages, ...replaceOf(spec) });
    }
    steps.push({ kind: "offlineInstall", sha256, installDir, ...(composeSha256 ? { composeSha256 } : {}) });
    restart = true;
  }
  return { steps: [...steps, ...planEngineStart(spec, restart)], packageVersion: "" };
}

/** No engine at all: no dockerd answering, no docker CLI, no engine package, no offline record. */
export function freshHost(before: EngineState): boolean {
  return !before.running && !before.clientVersion && !before.offline && Object.keys(before.packages).length === 0;
}

/**
 * A plan with the DaemonConfig's settings written before the first start, when the host has no
 * engine yet and the settings pass the DaemonConfig's own checks: dockerd then starts once, on
 * them, and the DaemonConfig finds its file as declared (no restart, no reload). On a host with
 * an engine, or settings that do not pass, the plan is as it was: the DaemonConfig applies them
 * itself, with its validation, restart and rollback.
 */
export function withInitialDaemon(plan: EnginePlan, daemon: InitialDaemon | undefined, before: EngineState): EnginePlan {
  if (!daemon || !freshHost(before) || daemonSpecProblems(daemon).length) return plan;
  const at = plan.steps.findIndex((s) => s.kind === "start");
  if (at < 0) return plan;
  const content = daemonJsonText(mergeDaemonJson({}, daemon.settings, [], daemon.policy));
  const steps = plan.steps.map((s): EngineStep => {
    if (s.kind === "install") return { ...s, deferStart: true };
    if (s.kind === "start") return { ...s, initialDaemon: true };
    return s;
  });
  steps.splice(at, 0, { kind: "initialDaemon", content, ...(daemon.proxy ? { proxy: daemon.proxy } : {}) });
  return { ...plan, steps };
}

/**
 * The spec's plugin packages that are not installed. (A plugin's files removed by hand are the
 * engine's missing packaged files: the whole install is run again with --reinstall.)
 */
export function missingPlugins(spec: EngineSpec, state: Pick<EngineState, "packages">): string[] {
  return pluginPackages(spec).filter((p) => !(p in state.packages));
}

/** The packaged engines an offline install removes first: they own the same files. */
export function packagedEngines(distro: Distro): string[] {
  return [...new Set([...conflictingPackages(distro, "distro"), ...conflictingPackages(distro, "docker-ce")])];
}

/** An adopted engine is only checked: Dockyard neither installs nor starts it. */
export function planAdoptEngine(): EnginePlan {
  return { steps: [{ kind: "adoptCheck" }], packageVersion: "" };
}

/** Before an update converges: leaving an offline install for a package removes its files and units. */
export function planMethodChange(olds: EngineSpec, news: EngineSpec): EngineStep[] {
  return olds.method === "offline" && news.method === "online" ? [{ kind: "offlineUninstall" }] : [];
}

/** What destroy does: the engine stays (a notice says why) unless uninstallOnDelete on an install of ours. */
export function planEngineRemoval(spec: EngineSpec): { steps: EngineStep[]; notice?: string } {
  // Containers may depend on the engine: it stays unless the program asked otherwise.
  if (!spec.uninstallOnDelete || spec.method === "adopt") {
    const why = spec.method === "adopt" ? "it was adopted, not installed by Dockyard" : "uninstallOnDelete is not set";
    return { steps: [], notice: `the Docker engine was left in place (${why})` };
  }
  return { steps: [spec.method === "offline" ? { kind: "offlineUninstall" } : { kind: "onlineUninstall", source: engineSource(spec) }] };
}

/** Every way the host differs from the spec (empty when it matches). */
export function engineDrift(
  spec: EngineSpec,
  state: EngineState & { health?: ServiceHealth },
  distro: Distro | undefined,
  packageVersion?: string,
): string[] {
  const reasons: string[] = [];
  if (!state.running)
    reasons.push(state.clientVersion || state.active !== "unknown" ? `docker is not running (${state.active})` : "docker is not installed");
  if (state.enabled !== "enabled" && spec.method !== "adopt") reasons.push(`docker.service is not enabled on boot (${state.enabled})`);
  // dockerd answers for a while with containerd stopped, but starts no container.
  if (spec.method !== "adopt" && state.health) {
    if (state.health.containerd && state.health.containerd !== "active")
      reasons.push(`containerd.service is not running (${state.health.containerd})`);
    for (const u of state.health.masked) reasons.push(`${u} is masked`);
  }
  if (spec.method === "online" && distro) {
    const pkg = enginePackage(distro, engineSource(spec));
    const have = state.packages[pkg];
    if (!have) reasons.push(`package ${pkg} is not installed`);
    else if (packageVersion && have !== packageVersion) reasons.push(`package ${pkg} is ${have}, not ${packageVersion}`);
    if (state.missingPackagedFiles.length)
      reasons.push(`files of the installed packages are missing: ${state.missingPackagedFiles.join(", ")}`);
    for (const p of pluginPackages(spec)) if (!(p in state.packages)) reasons.push(`package ${p} is not installed`);
  }
  if (spec.method === "offline" && spec.bundle) {
    if (!state.offline) reasons.push("the offline install record is missing");
    else if (state.offline.sha256 !== spec.bundle.sha256) reasons.push("the installed bundle is another one");
    else if (spec.composePlugin && state.offline.composeSha256 !== spec.composePlugin.sha256)
      reasons.push(state.offline.composeSha256 ? "the installed compose plugin is another one" : "the compose plugin is not installed");
    if (state.missingFiles.length) reasons.push(`installed files are missing: ${state.missingFiles.join(", ")}`);
  }
  return reasons;
}

/** The script of a step and what its failure message says it was doing. */
export function renderEngineStep(
  step: EngineStep,
  distro: Distro | undefined,
  bounds: TimeBounds = {},
): { script: string; what: string; stdin?: string } {
  const rendered = renderEngineStepScript(step, distro, bounds);
  // Every package manager and curl call of the step waits at most the host's download bound.
  return { ...rendered, script: withDownloadBound(rendered.script, boundSeconds(bounds, "downloadTimeout")) };
}

function renderEngineStepScript(
  step: EngineStep,
  distro: Distro | undefined,
  bounds: TimeBounds,
): { script: string; what: string; stdin?: string } {
  const d = () => {
    if (!distro) throw new Error(`engine step ${step.kind} needs the host's distribution`);
    return distro;
  };
  switch (step.kind) {
    case "adoptCheck":
      return { script: renderAdoptCheck(boundSeconds(bounds, "engineApiTimeout")), what: "checking the engine to adopt" };
    case "fetchSigningKey": {
      const { script, stdin } = renderFetchSigningKey(d(), step.mirror, { allowInsecureHttp: step.allowInsecureHttp });
      return { script, what: "fetching the repository's signing key", ...(stdin === undefined ? {} : { stdin }) };
    }
    case "dropSigningKey":
      return { script: renderDropSigningKey(), what: "removing the refused signing key" };
    case "prepareRepository": {
      const stdin = prepareInput(d(), step.source, { mirror: step.mirror });
      return {
        script: renderOnlinePrepare(d(), step.source, { mirror: step.mirror, channel: step.channel, keySha256: step.keySha256 }),
        what: "preparing the package repository",
        ...(stdin === undefined ? {} : { stdin }),
      };
    }
    case "restoreRepository":
      return { script: renderRepositoryRestore(d(), step.source), what: "restoring the package repository" };
    case "install": {
      const { source, version, downgrade, reinstall, hold, replace, plugins, deferStart } = step;
      return {
        script: renderOnlineInstall(d(), { source, version, downgrade, reinstall, hold, replace, plugins, deferStart }),
        what: `${reinstall ? "reinstalling" : "installing"} ${enginePackage(d(), source)} ${version}`,
      };
    }
    case "installPlugins":
      return { script: renderPluginInstall(d(), step.packages), what: `installing ${step.packages.join(", ")}` };
    case "commitRepository":
      return { script: renderRepositoryCommit(), what: "dropping the repository backup" };
    case "removePackages":
      return { script: renderRemovePackages(d(), step.packages, step.replace), what: "removing packaged engines" };
    case "offlineInstall":
      return {
        script: renderOfflineInstall({
          bundlePath: bundlePathOnHost(step.sha256),
          sha256: step.sha256,
          installDir: step.installDir,
          ...(step.composeSha256 ? { compose: { path: composePluginPathOnHost(step.composeSha256), sha256: step.composeSha256 } } : {}),
        }),
        what: "installing the offline bundle",
      };
    case "offlineUninstall":
      return { script: renderOfflineUninstall(), what: "removing the offline install" };
    case "onlineUninstall":
      return { script: renderOnlineUninstall(d(), step.source), what: "removing the engine" };
    case "unmask":
      // A masked docker.socket (or service) would keep docker down whatever the install did.
      return { script: renderUnmaskEngine(), what: "unmasking docker's units" };
    case "initialDaemon":
      return {
        script: renderInitialDaemonSettings(step.content, step.proxy !== undefined),
        what: "writing daemon.json before docker's first start",
        // The environment file goes over stdin, never in the command: it may hold credentials.
        ...(step.proxy ? { stdin: renderProxyEnvFile(step.proxy) } : {}),
      };
    case "start":
      return {
        script: renderServiceStart({
          restart: step.restart,
          startTimeout: boundSeconds(bounds, "engineStartTimeout"),
          ...(step.initialDaemon ? { initialDaemon: true } : {}),
        }),
        what: "starting docker",
      };
  }
}

/**
 * The diff before any probe: another machine replaces (the new engine made first); another spec,
 * connection or credentials is an update; otherwise only the host can tell (drift: `probe`).
 */
export function engineChange(
  olds: { spec: EngineSpec; connection: unknown; credentials: unknown },
  news: { spec: EngineSpec; connection: unknown; credentials: unknown },
  sameMachine: boolean,
): { changes: true; replaces?: string[]; deleteBeforeReplace?: boolean } | "probe" {
  if (!sameMachine) return { changes: true, replaces: ["connection"], deleteBeforeReplace: false };
  // uninstallOnDelete compared on its own: absent and undefined are the same setting.
  const install = (s: EngineSpec) => ({ ...s, uninstallOnDelete: undefined });
  if (!isDeepStrictEqual(install(olds.spec), install(news.spec))) return { changes: true };
  if (!isDeepStrictEqual(olds.connection, news.connection) || !isDeepStrictEqual(olds.credentials, news.credentials))
    return { changes: true };
  if (olds.spec.uninstallOnDelete !== news.spec.uninstallOnDelete) return { changes: true };
  return "probe";
}
