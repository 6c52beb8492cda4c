import type * as pulumi from "@pulumi/pulumi";
import { isDeepStrictEqual } from "node:util";
import { keysSetByFlags, mergeDaemonJson, sortKeys } from "../engine/daemon-settings";
import { targetOf } from "../remote/connection-spec";
import { RemoteCommandError, RemoteError } from "../remote/errors";
import { SshSession } from "../remote/ssh-session";
import {
  type DaemonProbe,
  type DockerInfo,
  parseDaemonProbe,
  renderApplyDaemonJson,
  renderDaemonProbe,
  renderReadOriginal,
  renderRestoreDaemonJson,
  renderValidate,
} from "../scripts/daemon-config";
import { type ConnectedInputs, containsUnknown, machineIdentity, toConnectionSpec } from "./connection-inputs";

export interface DaemonConfigInputs extends ConnectedInputs {
  /** The keys Dockyard owns, as they go into daemon.json. */
  settings: Record<string, unknown>;
  policy: "merge" | "replace";
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

/** Settings of ours that `docker info` does not show (empty when all took effect). */
export function notInEffect(settings: Record<string, unknown>, info: DockerInfo | undefined): string[] {
  if (!info) return ["docker info does not answer"];
  const missing: string[] = [];
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
  if (!reasons.length) reasons.push(...notInEffect(inputs.settings, p.info).map((m) => `${m} is not in effect`));
  return reasons;
}

async function converge(inputs: DaemonConfigInputs, previouslyOurs: string[]): Promise<DaemonConfigOutputs> {
  const target = targetOf(inputs.connection);
  const session = await SshSession.for(toConnectionSpec(inputs));
  const before = await probe(session);
  if (before.unparsable !== undefined && inputs.policy === "merge") {
    throw new RemoteError(target, "/etc/docker/daemon.json is not valid JSON, so it cannot be merged: fix it, or use policy 'replace'. Nothing was changed");
  }
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
    );
  }
  if (!isDeepStrictEqual(desired, before.file === undefined ? undefined : sortKeys(before.file))) {
    if (before.canValidate) {
      const v = await session.exec(renderValidate(json(desired)), { allowFailure: true });
      if (v.exitCode !== 0) {
        throw new RemoteError(target, `dockerd --validate refused the new daemon.json: ${(v.stderr || v.stdout).trim()}. Nothing was changed`);
      }
    }
    try {
      await session.exec(renderApplyDaemonJson(json(desired)), { what: "applying daemon.json" });
    } catch (e) {
      if (e instanceof RemoteCommandError && e.exitCode === 3) {
        // From our own account of the rollback on: systemctl's generic lines before it say less.
        const account = e.stderr.slice(Math.max(0, e.stderr.indexOf("dockyard: "))).replace(/^dockyard: /, "");
        throw new RemoteError(target, account.trim());
      }
      throw e;
    }
  }
  const after = await probe(session);
  const missing = notInEffect(inputs.settings, after.info);
  if (missing.length) {
    throw new RemoteError(target, `daemon.json was written and docker restarted, but docker info does not show: ${missing.join(", ")}`);
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
    return { id: `${targetOf(inputs.connection)}/etc/docker/daemon.json`, outs: await converge(inputs, []) };
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
    if (!isDeepStrictEqual(olds.settings, news.settings) || olds.policy !== news.policy) return { changes: true };
    if (!isDeepStrictEqual(olds.connection, news.connection) || !isDeepStrictEqual(olds.credentials, news.credentials)) {
      return { changes: true };
    }
    const p = await probe(await SshSession.for(toConnectionSpec(news)));
    return { changes: driftOf(news, p).length > 0 || olds.drift.length > 0 };
  },

  async update(_id: string, olds: DaemonConfigOutputs, news: DaemonConfigInputs): Promise<pulumi.dynamic.UpdateResult<DaemonConfigOutputs>> {
    return { outs: await converge(news, Object.keys(olds.settings)) };
  },

  async delete(_id: string, props: DaemonConfigOutputs): Promise<void> {
    const session = await SshSession.for(toConnectionSpec(props));
    if (props.policy === "replace") {
      const original = (await session.exec(renderReadOriginal())).stdout.trim();
      if (original === "@@unknown@@") return;
      await session.exec(renderRestoreDaemonJson(original === "@@absent@@" ? undefined : original), { what: "restoring daemon.json" });
      return;
    }
    const p = await probe(session);
    if (!p.file) return;
    const rest = { ...p.file };
    for (const k of Object.keys(props.settings)) delete rest[k];
    const original = (await session.exec(renderReadOriginal())).stdout.trim();
    const removeFile = Object.keys(rest).length === 0 && original === "@@absent@@";
    await session.exec(renderRestoreDaemonJson(removeFile ? undefined : json(sortKeys(rest))), { what: "removing Dockyard's keys from daemon.json" });
  },
};
