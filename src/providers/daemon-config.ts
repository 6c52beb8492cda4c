import type * as pulumi from "@pulumi/pulumi";
import { isDeepStrictEqual } from "node:util";
import { type DaemonProxy, keysSetByFlags, maskCredentials, mergeDaemonJson, sortKeys } from "../model/daemon-settings";
import { targetOf } from "../remote/connection-spec";
import { RemoteCommandError, RemoteError } from "../remote/errors";
import { SshSession } from "../remote/ssh-session";
import {
  type DaemonProbe,
  type DockerInfo,
  parseDaemonProbe,
  parseDataRootProbe,
  type DataRootProbe,
  renderDataRootProbe,
  PROXY_DROP_IN,
  renderApplyDaemonSettings,
  renderDaemonProbe,
  renderProxyDropIn,
  renderReadOriginal,
  renderRemoveProxyDropIn,
  renderRestoreDaemonJson,
  renderValidate,
} from "../scripts/daemon-config";
import { type ConnectedInputs, containsUnknown, machineIdentity, toConnectionSpec } from "./connection-inputs";

export interface DaemonConfigInputs extends ConnectedInputs {
  /** The keys Dockyard owns, as they go into daemon.json. */
  settings: Record<string, unknown>;
  policy: "merge" | "replace";
  /** dockerd's proxy (a systemd drop-in); a secret in state, never in logs. */
  proxy?: DaemonProxy;
  /** Keys of ours that must not replace a different value already on the host (defaults). */
  refuseOverwriting?: string[];
}

export interface DaemonConfigOutputs extends DaemonConfigInputs {
  /** daemon.json as it is on the host after the last change (or refresh). */
  content: Record<string, unknown>;
  /** Mirrors as `docker info` reports them. */
  effectiveMirrors: string[];
  /** Where the host differs from the declaration; filled by refresh. */
  drift: string[];
}

const json = (o: Record<string, unknown>) => JSON.stringify(o, null, 2);
const slash = (u: string) => (u.endsWith("/") ? u : `${u}/`);

async function probe(session: SshSession): Promise<DaemonProbe> {
  return parseDaemonProbe((await session.exec(renderDaemonProbe(), { what: "reading daemon.json" })).stdout);
}

/** Proxy settings `docker info` does not show; it masks credentials, so both sides are masked. */
export function proxyNotInEffect(proxy: DaemonProxy | undefined, info: DockerInfo): string[] {
  if (!proxy) return [];
  const same = (want: string | undefined, got: string) => maskCredentials(want ?? "").replace(/\/$/, "") === maskCredentials(got).replace(/\/$/, "");
  const missing: string[] = [];
  // Masked again here: an older docker may show credentials as they are.
  const shown = (v: string) => ` (docker shows ${JSON.stringify(maskCredentials(v))})`;
  if (!same(proxy.http, info.httpProxy)) missing.push(`HTTP proxy ${maskCredentials(proxy.http ?? "(none)")}${shown(info.httpProxy)}`);
  if (!same(proxy.https, info.httpsProxy)) missing.push(`HTTPS proxy ${maskCredentials(proxy.https ?? "(none)")}${shown(info.httpsProxy)}`);
  if ((proxy.noProxy ?? []).join(",") !== info.noProxy) missing.push(`no-proxy ${(proxy.noProxy ?? []).join(",") || "(none)"}${shown(info.noProxy)}`);
  return missing;
}

/** Settings of ours that `docker info` does not show (empty when all took effect). */
export function notInEffect(settings: Record<string, unknown>, info: DockerInfo | undefined, proxy?: DaemonProxy): string[] {
  if (!info) return ["docker info does not answer"];
  const missing: string[] = [...proxyNotInEffect(proxy, info)];
  for (const m of (settings["registry-mirrors"] as string[] | undefined) ?? []) {
    if (!info.mirrors.map(slash).includes(slash(m))) missing.push(`registry mirror ${m}`);
  }
  for (const r of (settings["insecure-registries"] as string[] | undefined) ?? []) {
    if (!info.insecureRegistries.includes(r)) missing.push(`insecure registry ${r}`);
  }
  if ("live-restore" in settings && info.liveRestore !== settings["live-restore"]) missing.push(`live-restore ${settings["live-restore"]}`);
  if (typeof settings["log-driver"] === "string" && info.loggingDriver !== settings["log-driver"]) missing.push(`log driver ${settings["log-driver"]}`);
  if (typeof settings["storage-driver"] === "string" && info.storageDriver !== settings["storage-driver"]) missing.push(`storage driver ${settings["storage-driver"]}`);
  if (typeof settings["data-root"] === "string" && info.dockerRootDir !== settings["data-root"]) missing.push(`data-root ${settings["data-root"]}`);
  const cgroup = ((settings["exec-opts"] as string[] | undefined) ?? []).find((o) => o.startsWith("native.cgroupdriver="));
  if (cgroup && info.cgroupDriver !== cgroup.split("=")[1]) missing.push(`cgroup driver ${cgroup.split("=")[1]}`);
  return missing;
}

/** Where the file on the host differs from our keys, plus settings not in effect. */
export function driftOf(inputs: DaemonConfigInputs, p: DaemonProbe): string[] {
  if (p.unparsable !== undefined) return ["daemon.json is not valid JSON"];
  if (!p.file) return ["daemon.json is missing"];
  const reasons: string[] = [];
  for (const [k, v] of Object.entries(inputs.settings)) {
    if (!(k in p.file)) reasons.push(`${k} was removed`);
    else if (!isDeepStrictEqual(p.file[k], v)) reasons.push(`${k} is ${JSON.stringify(p.file[k])}, not ${JSON.stringify(v)}`);
  }
  if (inputs.policy === "replace") {
    for (const k of Object.keys(p.file)) if (!(k in inputs.settings)) reasons.push(`${k} was added`);
  }
  // The drop-in's text is never quoted: it may hold credentials.
  if (inputs.proxy && p.proxyDropIn === undefined) reasons.push(`the proxy drop-in ${PROXY_DROP_IN} is missing`);
  else if (inputs.proxy && p.proxyDropIn !== renderProxyDropIn(inputs.proxy)) reasons.push(`the proxy drop-in ${PROXY_DROP_IN} was changed`);
  if (!reasons.length) reasons.push(...notInEffect(inputs.settings, p.info, inputs.proxy).map((m) => `${m} is not in effect`));
  return reasons;
}

/**
 * The defaults (refuseOverwriting) that would replace a value the host's daemon.json has and
 * Dockyard did not write: the user's own setting is never replaced silently by a default.
 */
export function defaultsOverwriting(inputs: DaemonConfigInputs, file: Record<string, unknown> | undefined, previouslyOurs: string[]): string[] {
  const clashes = (inputs.refuseOverwriting ?? []).filter((k) => file && k in file && k in inputs.settings && !previouslyOurs.includes(k) && !isDeepStrictEqual(file[k], inputs.settings[k]));
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

/** What the run does with the proxy drop-in: ours is removed only when we had written one. */
export function proxyDropInAction(proxy: DaemonProxy | undefined, onHost: string | undefined, hadProxy: boolean): "keep" | "write" | "remove" {
  if (proxy) return onHost === renderProxyDropIn(proxy) ? "keep" : "write";
  return hadProxy && onHost !== undefined ? "remove" : "keep";
}

async function converge(inputs: DaemonConfigInputs, previouslyOurs: string[], hadProxy: boolean): Promise<DaemonConfigOutputs> {
  const target = targetOf(inputs.connection);
  const session = await SshSession.for(toConnectionSpec(inputs));
  const before = await probe(session);
  if (before.unparsable !== undefined && inputs.policy === "merge") {
    throw new RemoteError(target, "/etc/docker/daemon.json is not valid JSON, so it cannot be merged: fix it, or use policy 'replace'. Nothing was changed", "DOCKYARD_DAEMON_JSON_UNPARSABLE");
  }
  const overwritten = defaultsOverwriting(inputs, before.file, previouslyOurs);
  if (overwritten.length) throw new RemoteError(target, overwritten.join("; "), "DOCKYARD_DAEMON_SETTING_CONFLICT");
  const desired = mergeDaemonJson(before.file ?? {}, inputs.settings, previouslyOurs, inputs.policy);
  const flags = keysSetByFlags(before.execStart);
  const clashes = Object.keys(desired).filter((k) => flags.has(k));
  if (clashes.length) {
    throw new RemoteError(
      target,
      clashes
        .map((k) => `daemon.json sets '${k}' while docker.service starts dockerd with ${flags.get(k)} (dockerd refuses both)`)
        .join("; ") +
        ". Remove the setting, or override ExecStart in a drop-in (/etc/systemd/system/docker.service.d/override.conf: 'ExecStart=' then 'ExecStart=/usr/bin/dockerd --containerd=/run/containerd/containerd.sock'). Nothing was changed",
      "DOCKYARD_DAEMON_FLAG_CONFLICT",
    );
  }
  const newRoot = desired["data-root"];
  const oldRoot = before.info?.dockerRootDir;
  if (typeof newRoot === "string" && oldRoot && oldRoot.replace(/\/$/, "") !== newRoot.replace(/\/$/, "")) {
    const roots = parseDataRootProbe((await session.exec(renderDataRootProbe(newRoot), { what: "reading the data roots" })).stdout);
    const refusal = dataRootRefusal(target, oldRoot, newRoot, roots);
    if (refusal) throw new RemoteError(target, refusal, "DOCKYARD_DATA_ROOT_REFUSED");
  }
  const dropIn = proxyDropInAction(inputs.proxy, before.proxyDropIn, hadProxy);
  const jsonChanged = !isDeepStrictEqual(desired, before.file === undefined ? undefined : sortKeys(before.file));
  // One restart for both files: daemon.json and the drop-in are applied by one script.
  if (jsonChanged || dropIn !== "keep") {
    if (jsonChanged && before.canValidate) {
      const v = await session.exec(renderValidate(json(desired)), { allowFailure: true });
      if (v.exitCode !== 0) {
        throw new RemoteError(target, `dockerd --validate refused the new daemon.json: ${(v.stderr || v.stdout).trim()}. Nothing was changed`, "DOCKYARD_DAEMON_JSON_REJECTED");
      }
    }
    try {
      await session.exec(renderApplyDaemonSettings(json(desired), dropIn), {
        what: dropIn === "keep" ? "applying daemon.json" : "applying daemon.json and the proxy drop-in",
        stdin: dropIn === "write" ? renderProxyDropIn(inputs.proxy!) : undefined,
      });
    } catch (e) {
      if (e instanceof RemoteCommandError && e.exitCode === 3) {
        // From our own account of the rollback on: systemctl's generic lines before it say less.
        const account = e.stderr.slice(Math.max(0, e.stderr.indexOf("dockyard: "))).replace(/^dockyard: /, "");
        throw new RemoteError(target, account.trim(), "DOCKYARD_DAEMON_RESTART_FAILED");
      }
      throw e;
    }
  }
  const after = await probe(session);
  const missing = notInEffect(inputs.settings, after.info, inputs.proxy);
  if (missing.length) {
    throw new RemoteError(target, `daemon.json${inputs.proxy ? " and the proxy drop-in were" : " was"} written and docker restarted, but docker info does not show: ${missing.join(", ")}`, "DOCKYARD_DAEMON_SETTINGS_NOT_APPLIED");
  }
  return { ...inputs, content: after.file ?? {}, effectiveMirrors: after.info?.mirrors ?? [], drift: [] };
}

/**
 * /etc/docker/daemon.json of one host. create/update merge (or replace), validate, back up, write,
 * restart and verify in `docker info`, rolling back when docker does not come back. read shows
 * hand edits as drift; delete takes out only our keys (merge) or restores the first file (replace).
 */
export const daemonConfig = {
  async create(inputs: DaemonConfigInputs): Promise<pulumi.dynamic.CreateResult<DaemonConfigOutputs>> {
    return { id: `${targetOf(inputs.connection)}/etc/docker/daemon.json`, outs: await converge(inputs, [], false) };
  },

  async read(id: string, props: DaemonConfigOutputs): Promise<pulumi.dynamic.ReadResult<DaemonConfigOutputs>> {
    const p = await probe(await SshSession.for(toConnectionSpec(props)));
    return {
      id,
      props: { ...props, content: p.file ?? {}, effectiveMirrors: p.info?.mirrors ?? [], drift: driftOf(props, p) },
    };
  },

  async diff(_id: string, olds: DaemonConfigOutputs, news: DaemonConfigInputs): Promise<pulumi.dynamic.DiffResult> {
    if (containsUnknown(news.connection) || containsUnknown(news.settings)) return { changes: true };
    if (machineIdentity(olds.connection) !== machineIdentity(news.connection)) {
      return { changes: true, replaces: ["connection"], deleteBeforeReplace: false };
    }
    if (!isDeepStrictEqual(olds.settings, news.settings) || olds.policy !== news.policy || !isDeepStrictEqual(olds.proxy, news.proxy)) return { changes: true };
    if (!isDeepStrictEqual(olds.connection, news.connection) || !isDeepStrictEqual(olds.credentials, news.credentials)) {
      return { changes: true };
    }
    const p = await probe(await SshSession.for(toConnectionSpec(news)));
    return { changes: driftOf(news, p).length > 0 || olds.drift.length > 0 };
  },

  async update(_id: string, olds: DaemonConfigOutputs, news: DaemonConfigInputs): Promise<pulumi.dynamic.UpdateResult<DaemonConfigOutputs>> {
    return { outs: await converge(news, Object.keys(olds.settings), olds.proxy !== undefined) };
  },

  async delete(_id: string, props: DaemonConfigOutputs): Promise<void> {
    const session = await SshSession.for(toConnectionSpec(props));
    // The drop-in goes first; the daemon.json restore below restarts docker for both.
    if (props.proxy) await session.exec(renderRemoveProxyDropIn(false), { what: "removing the proxy drop-in" });
    const restartForProxy = async () => {
      if (props.proxy) await session.exec(renderRemoveProxyDropIn(true), { what: "restarting docker without the proxy" });
    };
    if (props.policy === "replace") {
      const original = (await session.exec(renderReadOriginal())).stdout.trim();
      if (original === "@@unknown@@") return restartForProxy();
      await session.exec(renderRestoreDaemonJson(original === "@@absent@@" ? undefined : original), { what: "restoring daemon.json" });
      return;
    }
    const p = await probe(session);
    if (!p.file) return restartForProxy();
    const rest = { ...p.file };
    for (const k of Object.keys(props.settings)) delete rest[k];
    const original = (await session.exec(renderReadOriginal())).stdout.trim();
    const removeFile = Object.keys(rest).length === 0 && original === "@@absent@@";
    await session.exec(renderRestoreDaemonJson(removeFile ? undefined : json(sortKeys(rest))), { what: "removing Dockyard's keys from daemon.json" });
  },
};
