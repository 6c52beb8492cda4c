import type * as pulumi from "@pulumi/pulumi";
import { type Distro, detectDistro } from "../model/distro";
import {
  checkEngineSpec,
  checkSigningKey,
  chooseEngineVersion,
  type EngineFacts,
  type EnginePlan,
  type EngineSpec,
  type EngineStep,
  type InitialDaemon,
  withInitialDaemon,
  engineChange,
  engineDistro,
  engineDrift,
  engineSource,
  enginePlugins,
  engineSpecForHost,
  offlinePrerequisiteRefusal,
  onlineUndo,
  packagedEngines,
  planAdoptEngine,
  planEngineStart,
  planEngineRemoval,
  planMethodChange,
  planOfflineEngine,
  planOnlineEngine,
  planOnlinePrepare,
  planSigningKeyFetch,
  renderEngineStep,
} from "../plan/docker-engine";
import { isRefusal, type Refusal } from "../plan/refusal";
import { localBundle } from "../remote/bundle-cache";
import { targetOf } from "../remote/connection-spec";
import { RemoteError } from "../remote/errors";
import { runBatch } from "./run-batch";
import { SshSession } from "../remote/ssh-session";
import { uploadFile } from "../remote/upload";
import { bundlePathOnHost, composePluginPathOnHost } from "../scripts/engine-offline";
import {
  conflictingPackages,
  enginePackage,
  parseRemovalCheck,
  type RemovalCheck,
  renderListVersions,
  renderRemovalCheck,
} from "../scripts/engine-online";
import { parseEngineProbe } from "../scripts/engine-service";
import { parseServiceHealth } from "../scripts/engine-health";
import { parseSections, sectionMarker } from "../model/sections";
import { checkHostValue } from "../model/host-values";
import type { HostFacts } from "../model/host-facts";
import { type ConnectedInputs, containsUnknown, machineIdentity, toConnectionSpec } from "./connection-inputs";
import { engineProbe, knownDistro, readHostState } from "./host-probes";
import { notice } from "./notices";

export interface DockerEngineInputs extends ConnectedInputs {
  /** The host's facts (distribution), from its Host. */
  facts: HostFacts;
  spec: EngineSpec;
  /** The engine's DaemonConfig settings, written before a fresh engine first starts; not compared (install time only). */
  daemon?: InitialDaemon;
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
  /** `docker compose version --short` on the host; "" without the compose plugin. */
  composeVersion: string;
  /** Differences between what is declared and what the host has; filled by refresh. */
  drift: string[];
}

/** The initial daemon settings, when they came whole (an older state or a bad value has none). */
function daemonOf(inputs: DockerEngineInputs): InitialDaemon | undefined {
  const d = inputs.daemon;
  return d && typeof d === "object" && d.settings && typeof d.settings === "object" ? d : undefined;
}

function parseProbe(out: string): EngineFacts {
  return { ...parseEngineProbe(out), health: parseServiceHealth(parseSections(out)) };
}

/** The engine as it is now, for a converge. */
async function probe(session: SshSession, distro: Distro | undefined): Promise<EngineFacts> {
  const p = engineProbe(distro, session.bounds);
  return parseProbe((await session.exec(p.script, { what: p.what })).stdout);
}

/** The engine probe with the simulation of what removing the conflicting packages would take. */
function probeWithRemoval(distro: Distro, conflicts: string[], bounds: SshSession["bounds"]): { script: string; what: string } {
  const p = engineProbe(distro, bounds);
  return { script: `${p.script}\n${sectionMarker("removal")}\n${renderRemovalCheck(distro, conflicts)}`, what: p.what };
}

/** What probeWithRemoval printed. */
function parseBeforeInstall(out: string): { before: EngineFacts; removal: RemovalCheck } {
  return { before: parseProbe(out), removal: parseRemovalCheck(parseSections(out).removal ?? "") };
}

/**
 * The engine as it is now and what removing the packages that conflict with the install would
 * take with them (the package manager's simulation), in one command.
 */
async function probeBeforeInstall(
  session: SshSession,
  distro: Distro,
  conflicts: string[],
): Promise<{ before: EngineFacts; removal: RemovalCheck }> {
  const p = probeWithRemoval(distro, conflicts, session.bounds);
  return parseBeforeInstall((await session.exec(p.script, { what: p.what })).stdout);
}

/** The plan's steps and the engine probe that proves them, in one command. */
async function runPlan(session: SshSession, steps: EngineStep[], distro: Distro | undefined): Promise<EngineFacts> {
  const p = engineProbe(distro, session.bounds);
  const rendered = steps.map((s) => renderEngineStep(s, distro, session.bounds));
  return parseProbe(await runBatch(session, rendered, { section: "after", script: p.script, what: p.what }));
}

/** The engine from the run's shared read of the host, for a diff or refresh. */
async function sharedProbe(inputs: DockerEngineInputs): Promise<EngineFacts> {
  return parseProbe(await (await readHostState(inputs, inputs.facts)).engine);
}

async function run(session: SshSession, steps: EngineStep[], distro: Distro | undefined): Promise<void> {
  for (const step of steps) {
    const { script, what, stdin } = renderEngineStep(step, distro, session.bounds);
    await session.exec(script, { what, stdin });
  }
}

/** Puts back what the run changed (best effort: the refusal is what the user needs to read), then throws it. */
async function refused(session: SshSession, target: string, r: Refusal<EngineStep>, distro: Distro | undefined): Promise<never> {
  await run(session, r.undo, distro).catch(() => undefined);
  throw new RemoteError(target, r.message, r.code);
}

/**
 * Installs or repairs the engine as declared. `leaving` are the steps that take down another
 * install method's engine (an offline install the program moved to packages): they run only once
 * everything that can be checked before the install has passed (the mirror's key, its
 * repository, the version), so a mirror that fails leaves the running engine as it was.
 */
async function converge(inputs: DockerEngineInputs, leaving: EngineStep[] = []): Promise<DockerEngineOutputs> {
  const target = targetOf(inputs.connection);
  // The component's checks again: a config value or an older state reaches here without them.
  checkEngineSpec(inputs.spec);
  // The host's own bundle (per architecture) and what an offline install needs, before anything
  // is fetched, uploaded or changed.
  const spec = engineSpecForHost(inputs.spec, inputs.facts);
  if (isRefusal(spec)) throw new RemoteError(target, spec.message, spec.code);
  const missing = offlinePrerequisiteRefusal(spec, inputs.facts);
  if (missing) throw new RemoteError(target, missing.message, missing.code);
  // Local checks first: a wrong bundle checksum fails before any host is touched.
  const bundleFile = spec.method === "offline" && spec.bundle ? await localBundle(spec.bundle, spec.bundle.sha256) : undefined;
  const composeFile =
    spec.method === "offline" && spec.composePlugin
      ? await localBundle(spec.composePlugin, spec.composePlugin.sha256, { name: "composePlugin", sha: "composePluginSha256", ext: "" })
      : undefined;
  // Package names reach the install script: checked here too, whatever sent them.
  (spec.replacePackages ?? []).forEach((p, i) => checkHostValue("packageName", `replacePackages[${i}]`, p));
  const distro = engineDistro(spec, inputs.facts);
  if (isRefusal(distro)) throw new RemoteError(target, distro.message, distro.code);
  const session = await SshSession.for(toConnectionSpec(inputs));
  let bundleUploaded = false;
  let plan: EnginePlan;
  if (spec.method === "online" && distro) {
    const source = engineSource(spec);
    // A refusal below (no version matches, a downgrade not allowed, the prepare itself failing)
    // puts the repository files back: a refused install changes nothing on the host.
    // Without a method change, the probe before the install (and the removal simulation) rides
    // on the command that prepares the repository and lists its versions: it changes nothing.
    const probeNow = leaving.length === 0 ? probeWithRemoval(distro, conflictingPackages(distro, source), session.bounds) : undefined;
    let probed: { before: EngineFacts; removal: RemovalCheck } | undefined;
    const chosen = await (async () => {
      // The mirror's signing key is staged, then compared with its pin before anything trusts it:
      // the pin check is this controller's (an OpenPGP parser the hosts do not all have), so the
      // fetch is a command of its own and the prepare runs only once the key passed.
      let keySha256 = "";
      for (const step of planSigningKeyFetch(spec)) {
        const { script, what, stdin } = renderEngineStep(step, distro, session.bounds);
        const key = checkSigningKey(spec, distro, (await session.exec(script, { what, stdin })).stdout);
        if (isRefusal(key)) return key;
        keySha256 = key.keySha256;
      }
      const prepare = planOnlinePrepare(spec, keySha256).map((s) => renderEngineStep(s, distro, session.bounds));
      const list = { script: `${sectionMarker("versions")}\n${renderListVersions(distro, source)}`, what: "listing engine versions" };
      const out = await runBatch(session, [...prepare, list], probeNow && { section: "probe", ...probeNow });
      if (probeNow) probed = parseBeforeInstall(out);
      const available = (parseSections(out).versions ?? "")
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
      return chooseEngineVersion(spec, distro, available);
    })().catch(async (err: unknown) => {
      const undo: EngineStep[] = [...onlineUndo(distro, source), ...(source === "docker-ce" ? [{ kind: "dropSigningKey" as const }] : [])];
      await run(session, undo, distro).catch(() => undefined);
      throw err;
    });
    if (isRefusal(chosen)) return refused(session, target, chosen, distro);
    await run(session, leaving, distro);
    const { before, removal } = probed ?? (await probeBeforeInstall(session, distro, conflictingPackages(distro, source)));
    const online = planOnlineEngine(spec, distro, chosen, before, removal);
    if (isRefusal(online)) return refused(session, target, online, distro);
    plan = withInitialDaemon(online, daemonOf(inputs), before);
  } else if (spec.method === "offline" && spec.bundle && bundleFile) {
    await run(session, leaving, distro);
    bundleUploaded = (await uploadFile(session, bundleFile, bundlePathOnHost(spec.bundle.sha256), spec.bundle.sha256)).uploaded;
    // The compose plugin binary is kept beside the bundle the same way: uploaded once, checked on arrival.
    if (spec.composePlugin && composeFile)
      await uploadFile(session, composeFile, composePluginPathOnHost(spec.composePlugin.sha256), spec.composePlugin.sha256);
    const { before, removal } = distro
      ? await probeBeforeInstall(session, distro, packagedEngines(distro))
      : { before: await probe(session, distro), removal: undefined };
    const offline = planOfflineEngine({ ...spec, bundle: spec.bundle }, distro, before, removal);
    if (isRefusal(offline)) return refused(session, target, offline, distro);
    plan = withInitialDaemon(offline, daemonOf(inputs), before);
  } else if (spec.method === "adopt") {
    await run(session, leaving, distro);
    plan = planAdoptEngine();
  } else {
    await run(session, leaving, distro);
    plan = { steps: planEngineStart(spec, false), packageVersion: "" };
  }
  const after = await runPlan(session, plan.steps, distro);
  if (!after.running) throw new RemoteError(target, "docker does not answer after the install", "DOCKYARD_ENGINE_NOT_STARTED");
  // The compose plugin asked for must answer through the CLI, not only be a package.
  if (enginePlugins(spec).includes("compose") && !after.composeVersion)
    throw new RemoteError(
      target,
      `\`docker compose version\` does not answer after the install of ${spec.method === "offline" ? "the composePlugin binary" : "docker-compose-plugin"}`,
      "DOCKYARD_ENGINE_NOT_STARTED",
    );
  return {
    ...inputs,
    version: after.serverVersion ?? "",
    apiVersion: after.apiVersion ?? "",
    clientVersion: after.clientVersion ?? "",
    packageVersion: plan.packageVersion,
    bundleUploaded,
    composeVersion: after.composeVersion ?? "",
    drift: [],
  };
}

/** engineDrift for the bundle of the host's architecture; a host with none says so as drift. */
function hostDrift(spec: EngineSpec, facts: HostFacts, state: EngineFacts, distro: Distro | undefined, packageVersion: string): string[] {
  const onHost = engineSpecForHost(spec, facts);
  if (isRefusal(onHost)) return [...engineDrift({ ...spec, bundles: undefined }, state, distro, packageVersion), onHost.message];
  return engineDrift(onHost, state, distro, packageVersion);
}

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
    const distro = knownDistro(props.facts);
    const state = await sharedProbe(props);
    const pkg = distro && props.spec.method === "online" ? enginePackage(distro, engineSource(props.spec)) : undefined;
    return {
      id,
      props: {
        ...props,
        version: state.serverVersion ?? "",
        apiVersion: state.apiVersion ?? "",
        clientVersion: state.clientVersion ?? "",
        packageVersion: pkg ? (state.packages[pkg] ?? "") : props.packageVersion,
        composeVersion: state.composeVersion ?? "",
        drift: hostDrift(props.spec, props.facts, state, distro, props.packageVersion),
      },
    };
  },

  async diff(_id: string, olds: DockerEngineOutputs, news: DockerEngineInputs): Promise<pulumi.dynamic.DiffResult> {
    if (containsUnknown(news.connection) || containsUnknown(news.spec)) return { changes: true };
    const change = engineChange(olds, news, machineIdentity(olds.connection) === machineIdentity(news.connection));
    if (change !== "probe") return change;
    // The host itself: an engine removed, stopped or replaced by hand is a change to repair.
    const distro = knownDistro(news.facts);
    const drift = hostDrift(news.spec, news.facts, await sharedProbe(news), distro, olds.packageVersion);
    return { changes: drift.length > 0 || olds.drift.length > 0 };
  },

  async update(
    _id: string,
    olds: DockerEngineOutputs,
    news: DockerEngineInputs,
  ): Promise<pulumi.dynamic.UpdateResult<DockerEngineOutputs>> {
    checkEngineSpec(news.spec);
    // Leaving an offline install: its files and units go before a package takes over, once the
    // package's repository has been checked.
    return { outs: await converge(news, planMethodChange(olds.spec, news.spec)) };
  },

  async delete(_id: string, props: DockerEngineOutputs): Promise<void> {
    // Containers may depend on the engine: it stays unless the program asked otherwise, and
    // the command's output says so.
    const plan = planEngineRemoval(props.spec);
    if (plan.notice) {
      notice(`${targetOf(props.connection)}: ${plan.notice}`);
      return;
    }
    // A package removal needs the distribution.
    const d = props.spec.method === "offline" ? undefined : detectDistro(props.facts);
    if (typeof d === "string") throw new RemoteError(targetOf(props.connection), d, "DOCKYARD_UNSUPPORTED_OS");
    await run(await SshSession.for(toConnectionSpec(props)), plan.steps, d);
  },
};
