import { isDeepStrictEqual } from "node:util";
import { type DaemonProxy, keysSetByFlags, mergeDaemonJson, sortKeys } from "../model/daemon-settings";
import { reloadSuffices } from "../model/daemon-reload";
import { maskCredentials, maskCredentialsIn } from "../model/url-credentials";
import {
  type DaemonProbe,
  type DataRootProbe,
  type DockerInfo,
  PROXY_DROP_IN,
  PROXY_ENV_FILE,
  renderApplyDaemonSettings,
  renderProxyDropIn,
  renderProxyEnvFile,
  renderRemoveProxyDropIn,
  renderRestoreDaemonJson,
  renderValidate,
} from "../scripts/daemon-config";
import { type Refusal, refuse } from "./refusal";
import { boundSeconds, type TimeBounds } from "../model/time-bounds";

export interface DaemonConfigSpec {
  /** The keys Dockyard owns, as they go into daemon.json. */
  settings: Record<string, unknown>;
  policy: "merge" | "replace";
  /** dockerd's proxy (a root-only environment file named by a systemd drop-in); a secret in state, never in logs. */
  proxy?: DaemonProxy;
  /** Keys of ours that must not replace a different value already on the host (defaults). */
  refuseOverwriting?: string[];
}

/** One script the provider runs on the host, in plan order. */
export type DaemonStep =
  /** `dockerd --validate` on the new file; its refusal is the run's (see validationRefusal). */
  | { kind: "validate"; content: string }
  /**
   * daemon.json and the proxy files written by one script, with one restart, rolled back when
   * docker does not come back. `reload`: only keys dockerd reloads changed, so dockerd is sent
   * SIGHUP instead (containers keep running); the restart with its rollback follows only when
   * dockerd does not take the file.
   */
  | { kind: "apply"; content: string; dropIn: "keep" | "write" | "remove"; proxy?: DaemonProxy; reload?: true }
  | { kind: "removeProxyDropIn"; restart: boolean }
  /** daemon.json put back: the first file (replace), or the file without our keys (merge); undefined removes it. */
  | { kind: "restore"; content: string | undefined; ours: "file" | "keys" };

export const daemonJsonText = (o: Record<string, unknown>) => JSON.stringify(o, null, 2);
const slash = (u: string) => (u.endsWith("/") ? u : `${u}/`);

/** Proxy settings `docker info` does not show; it masks credentials, so both sides are masked. */
export function proxyNotInEffect(proxy: DaemonProxy | undefined, info: DockerInfo): string[] {
  if (!proxy) return [];
  const same = (want: string | undefined, got: string) =>
    maskCredentials(want ?? "").replace(/\/$/, "") === maskCredentials(got).replace(/\/$/, "");
  const missing: string[] = [];
  // Masked again here: an older docker may show credentials as they are.
  const shown = (v: string) => ` (docker shows ${JSON.stringify(maskCredentials(v))})`;
  if (!same(proxy.http, info.httpProxy)) missing.push(`HTTP proxy ${maskCredentials(proxy.http ?? "(none)")}${shown(info.httpProxy)}`);
  if (!same(proxy.https, info.httpsProxy)) missing.push(`HTTPS proxy ${maskCredentials(proxy.https ?? "(none)")}${shown(info.httpsProxy)}`);
  if ((proxy.noProxy ?? []).join(",") !== info.noProxy)
    missing.push(`no-proxy ${(proxy.noProxy ?? []).join(",") || "(none)"}${shown(info.noProxy)}`);
  return missing;
}

/** Settings of ours that `docker info` does not show (empty when all took effect). */
export function notInEffect(settings: Record<string, unknown>, info: DockerInfo | undefined, proxy?: DaemonProxy): string[] {
  if (!info) return ["docker info does not answer"];
  const missing: string[] = [...proxyNotInEffect(proxy, info)];
  for (const m of (settings["registry-mirrors"] as string[] | undefined) ?? []) {
    if (!info.mirrors.map(slash).includes(slash(m))) missing.push(`registry mirror ${maskCredentials(m)}`);
  }
  for (const r of (settings["insecure-registries"] as string[] | undefined) ?? []) {
    if (!info.insecureRegistries.includes(r)) missing.push(`insecure registry ${r}`);
  }
  if ("live-restore" in settings && info.liveRestore !== settings["live-restore"])
    missing.push(`live-restore ${JSON.stringify(settings["live-restore"])}`);
  if (typeof settings["log-driver"] === "string" && info.loggingDriver !== settings["log-driver"])
    missing.push(`log driver ${settings["log-driver"]}`);
  if (typeof settings["storage-driver"] === "string" && info.storageDriver !== settings["storage-driver"])
    missing.push(`storage driver ${settings["storage-driver"]}`);
  if (typeof settings["data-root"] === "string" && info.dockerRootDir !== settings["data-root"])
    missing.push(`data-root ${settings["data-root"]}`);
  const cgroup = ((settings["exec-opts"] as string[] | undefined) ?? []).find((o) => o.startsWith("native.cgroupdriver="));
  if (cgroup && info.cgroupDriver !== cgroup.split("=")[1]) missing.push(`cgroup driver ${cgroup.split("=")[1]}`);
  return missing;
}

/** Where the file on the host differs from our keys, plus settings not in effect. */
export function daemonDrift(inputs: DaemonConfigSpec, p: DaemonProbe): string[] {
  if (p.unparsable !== undefined) return ["daemon.json is not valid JSON"];
  if (!p.file) return ["daemon.json is missing"];
  const reasons: string[] = [];
  for (const [k, v] of Object.entries(inputs.settings)) {
    if (!(k in p.file)) reasons.push(`${k} was removed`);
    // Masked: a hand edit may have put a URL with credentials in the file.
    else if (!isDeepStrictEqual(p.file[k], v))
      reasons.push(maskCredentialsIn(`${k} is ${JSON.stringify(p.file[k])}, not ${JSON.stringify(v)}`));
  }
  if (inputs.policy === "replace") {
    for (const k of Object.keys(p.file)) if (!(k in inputs.settings)) reasons.push(`${k} was added`);
  }
  if (inputs.proxy) reasons.push(...proxyDrift(inputs.proxy, p));
  if (!reasons.length) reasons.push(...notInEffect(inputs.settings, p.info, inputs.proxy).map((m) => `${m} is not in effect`));
  return reasons;
}

/**
 * The defaults (refuseOverwriting) that would replace a value the host's daemon.json has and
 * Dockyard did not write: the user's own setting is never replaced silently by a default.
 */
export function defaultsOverwriting(
  inputs: DaemonConfigSpec,
  file: Record<string, unknown> | undefined,
  previouslyOurs: string[],
): string[] {
  const clashes = (inputs.refuseOverwriting ?? []).filter(
    (k) => file && k in file && k in inputs.settings && !previouslyOurs.includes(k) && !isDeepStrictEqual(file[k], inputs.settings[k]),
  );
  if (!clashes.length) return [];
  const list = clashes.map((k) => `${k} ${JSON.stringify(file![k])} (the default is ${JSON.stringify(inputs.settings[k])})`).join(", ");
  return [
    `daemon.json already sets ${list}, not written by Dockyard: a default does not replace it. Keep the host's own with daemon.logRotation: false (or logDriver/logOpts in the fleet file), or write the values you want in the fleet file. Nothing was changed`,
  ];
}

/**
 * A data-root change is refused while the old root holds containers, images or volumes and the
 * new one is empty: switching would hide them from docker. Dockyard does not move them itself.
 */
export function dataRootRefusal(target: string, oldRoot: string, newRoot: string, p: DataRootProbe): string | undefined {
  if (p.newRootUsed || p.containers + p.images + p.volumes === 0) return undefined;
  return (
    `data-root would change from ${oldRoot} to ${newRoot} on ${target}, but ${oldRoot} holds ${p.containers} container(s), ${p.images} image(s) and ${p.volumes} volume(s), which docker would no longer see. ` +
    `Dockyard does not move them. To keep them: systemctl stop docker docker.socket; rsync -aHAX ${oldRoot}/ ${newRoot}/; then run up again (a new data-root that is not empty is used as it is). ` +
    `To drop them: docker system prune -a --volumes, then up. Nothing was changed`
  );
}

/** The proxy files as the probe read them. */
export type ProxyOnHost = Pick<DaemonProbe, "proxyDropIn" | "proxyEnv" | "proxyEnvMode">;

/** A file's text as read, compared with what we write (a probe's section loses its last newline). */
const sameText = (onHost: string | undefined, ours: string) =>
  onHost !== undefined && onHost.replace(/\n+$/, "") === ours.replace(/\n+$/, "");

/**
 * Where the proxy files differ from ours. Their text is never quoted: an environment file (or a
 * drop-in of an older Dockyard, with `Environment=` lines) holds credentials.
 */
export function proxyDrift(proxy: DaemonProxy, p: ProxyOnHost): string[] {
  const reasons: string[] = [];
  if (p.proxyDropIn === undefined) reasons.push(`the proxy drop-in ${PROXY_DROP_IN} is missing`);
  else if (!sameText(p.proxyDropIn, renderProxyDropIn())) reasons.push(`the proxy drop-in ${PROXY_DROP_IN} was changed`);
  if (p.proxyEnv === undefined) reasons.push(`the proxy environment file ${PROXY_ENV_FILE} is missing`);
  else {
    if (!sameText(p.proxyEnv, renderProxyEnvFile(proxy))) reasons.push(`the proxy environment file ${PROXY_ENV_FILE} was changed`);
    if (p.proxyEnvMode !== undefined && p.proxyEnvMode !== "600 root")
      reasons.push(`the proxy environment file ${PROXY_ENV_FILE} is ${p.proxyEnvMode || "unreadable"}, not 600 root`);
  }
  return reasons;
}

/**
 * What the run does with the proxy files: written when either differs from ours (an older
 * Dockyard's drop-in with `Environment=` lines included); removed only when we had written them.
 */
export function proxyDropInAction(proxy: DaemonProxy | undefined, onHost: ProxyOnHost, hadProxy: boolean): "keep" | "write" | "remove" {
  if (proxy) return proxyDrift(proxy, onHost).length ? "write" : "keep";
  return hadProxy && (onHost.proxyDropIn !== undefined || onHost.proxyEnv !== undefined) ? "remove" : "keep";
}

/** What a run needs to read before it can decide: the data roots, when data-root would move. */
export interface DaemonFacts {
  before: DaemonProbe;
  /** Read (for this new root) only when the plan asked for it. */
  roots?: DataRootProbe;
}

export type DaemonPlan =
  { kind: "plan"; desired: Record<string, unknown>; steps: DaemonStep[] } | { kind: "readDataRoots"; newRoot: string };

/**
 * The run's change to daemon.json and the proxy drop-in. Refused, with nothing changed, when a
 * merge meets a file that is not JSON, a default would replace the host's own value, a key is
 * also set by a dockerd flag, or data-root would move away from data docker then no longer
 * sees. One apply (one restart, or a reload when only keys dockerd reloads changed) for both
 * files, none when neither changes.
 */
export function planDaemonConfig(
  target: string,
  spec: DaemonConfigSpec,
  facts: DaemonFacts,
  previouslyOurs: string[],
  hadProxy: boolean,
): DaemonPlan | Refusal {
  const { before } = facts;
  if (before.unparsable !== undefined && spec.policy === "merge") {
    return refuse(
      "DOCKYARD_DAEMON_JSON_UNPARSABLE",
      "/etc/docker/daemon.json is not valid JSON, so it cannot be merged: fix it, or use policy 'replace'. Nothing was changed",
    );
  }
  const overwritten = defaultsOverwriting(spec, before.file, previouslyOurs);
  if (overwritten.length) return refuse("DOCKYARD_DAEMON_SETTING_CONFLICT", overwritten.join("; "));
  const desired = mergeDaemonJson(before.file ?? {}, spec.settings, previouslyOurs, spec.policy);
  const flags = keysSetByFlags(before.execStart);
  const clashes = Object.keys(desired).filter((k) => flags.has(k));
  if (clashes.length) {
    return refuse(
      "DOCKYARD_DAEMON_FLAG_CONFLICT",
      clashes
        .map((k) => `daemon.json sets '${k}' while docker.service starts dockerd with ${flags.get(k)} (dockerd refuses both)`)
        .join("; ") +
        ". Remove the setting, or override ExecStart in a drop-in (/etc/systemd/system/docker.service.d/override.conf: 'ExecStart=' then 'ExecStart=/usr/bin/dockerd --containerd=/run/containerd/containerd.sock'). Nothing was changed",
    );
  }
  const newRoot = desired["data-root"];
  const oldRoot = before.info?.dockerRootDir;
  if (typeof newRoot === "string" && oldRoot && oldRoot.replace(/\/$/, "") !== newRoot.replace(/\/$/, "")) {
    if (!facts.roots) return { kind: "readDataRoots", newRoot };
    const refusal = dataRootRefusal(target, oldRoot, newRoot, facts.roots);
    if (refusal) return refuse("DOCKYARD_DATA_ROOT_REFUSED", refusal);
  }
  const dropIn = proxyDropInAction(spec.proxy, before, hadProxy);
  const jsonChanged = !isDeepStrictEqual(desired, before.file === undefined ? undefined : sortKeys(before.file));
  const steps: DaemonStep[] = [];
  if (jsonChanged || dropIn !== "keep") {
    const content = daemonJsonText(desired);
    if (jsonChanged) steps.push({ kind: "validate", content });
    // A reload needs a running dockerd and a file it can read (none yet is fine: dockerd started
    // without one reads it on reload); the proxy lives in dockerd's environment, which only a
    // restart changes. On a first converge this keeps dockerd to its one start.
    const reload =
      dropIn === "keep" &&
      before.info !== undefined &&
      before.unparsable === undefined &&
      reloadSuffices(sortKeys(before.file ?? {}), desired);
    steps.push({
      kind: "apply",
      content,
      dropIn,
      ...(dropIn === "write" ? { proxy: spec.proxy } : {}),
      ...(reload ? { reload: true as const } : {}),
    });
  }
  return { kind: "plan", desired, steps };
}

/** The refusal when `dockerd --validate` rejects the new file (what it said, trimmed). */
export function validationRefusal(output: string): Refusal {
  return refuse("DOCKYARD_DAEMON_JSON_REJECTED", `dockerd --validate refused the new daemon.json: ${output.trim()}. Nothing was changed`);
}

/** After the apply: why the settings are not in effect, or undefined when they all are. */
export function daemonNotApplied(spec: DaemonConfigSpec, after: DaemonProbe): string | undefined {
  const missing = notInEffect(spec.settings, after.info, spec.proxy);
  if (!missing.length) return undefined;
  return `daemon.json${spec.proxy ? " and the proxy settings were" : " was"} written and docker reloaded or restarted, but docker info does not show: ${missing.join(", ")}`;
}

/** What destroy reads: the first daemon.json Dockyard saved (`@@absent@@`, `@@unknown@@`) and the file now. */
export interface DaemonRemovalFacts {
  original: string;
  file?: Record<string, unknown>;
}

/**
 * Destroy: the drop-in goes first (ours only); then replace puts the first file back, merge takes
 * out only our keys (the file goes when nothing else is left and there was none before). The
 * daemon.json restore restarts docker for both; without one, a proxy removal restarts it.
 */
export function planDaemonRemoval(spec: DaemonConfigSpec, facts: DaemonRemovalFacts): DaemonStep[] {
  const steps: DaemonStep[] = spec.proxy ? [{ kind: "removeProxyDropIn", restart: false }] : [];
  const restartForProxy: DaemonStep[] = spec.proxy ? [{ kind: "removeProxyDropIn", restart: true }] : [];
  if (spec.policy === "replace") {
    if (facts.original === "@@unknown@@") return [...steps, ...restartForProxy];
    return [...steps, { kind: "restore", content: facts.original === "@@absent@@" ? undefined : facts.original, ours: "file" }];
  }
  if (!facts.file) return [...steps, ...restartForProxy];
  const rest = { ...facts.file };
  for (const k of Object.keys(spec.settings)) delete rest[k];
  const removeFile = Object.keys(rest).length === 0 && facts.original === "@@absent@@";
  return [...steps, { kind: "restore", content: removeFile ? undefined : daemonJsonText(sortKeys(rest)), ours: "keys" }];
}

/** The script of a step, what its failure message says it was doing, and its stdin (the proxy environment file, a secret). */
export function renderDaemonStep(step: DaemonStep, bounds: TimeBounds = {}): { script: string; what: string; stdin?: string } {
  const startTimeout = boundSeconds(bounds, "engineStartTimeout");
  switch (step.kind) {
    case "validate":
      return { script: renderValidate(step.content), what: "validating daemon.json" };
    case "apply":
      return {
        script: renderApplyDaemonSettings(step.content, step.dropIn, startTimeout, step.reload === true),
        what: step.dropIn === "keep" ? "applying daemon.json" : "applying daemon.json and the proxy settings",
        // The environment file goes over stdin, never in the command: it may hold credentials.
        ...(step.dropIn === "write" && step.proxy ? { stdin: renderProxyEnvFile(step.proxy) } : {}),
      };
    case "removeProxyDropIn":
      return {
        script: renderRemoveProxyDropIn(step.restart, startTimeout),
        what: step.restart ? "restarting docker without the proxy" : "removing the proxy drop-in and environment file",
      };
    case "restore":
      return {
        script: renderRestoreDaemonJson(step.content, startTimeout),
        what: step.ours === "file" ? "restoring daemon.json" : "removing Dockyard's keys from daemon.json",
      };
  }
}

/**
 * The diff before any probe: another machine replaces; other settings, policy, proxy, connection
 * or credentials are an update; otherwise only the host can tell (drift: `probe`). A change of
 * refuseOverwriting alone is none: it only guards the next write.
 */
export function daemonChange(
  olds: DaemonConfigSpec & { connection: unknown; credentials: unknown },
  news: DaemonConfigSpec & { connection: unknown; credentials: unknown },
  sameMachine: boolean,
): { changes: true; replaces?: string[]; deleteBeforeReplace?: boolean } | "probe" {
  if (!sameMachine) return { changes: true, replaces: ["connection"], deleteBeforeReplace: false };
  if (!isDeepStrictEqual(olds.settings, news.settings) || olds.policy !== news.policy || !isDeepStrictEqual(olds.proxy, news.proxy))
    return { changes: true };
  if (!isDeepStrictEqual(olds.connection, news.connection) || !isDeepStrictEqual(olds.credentials, news.credentials))
    return { changes: true };
  return "probe";
}
