import type * as pulumi from "@pulumi/pulumi";
import {
  type DaemonConfigSpec,
  type DaemonStep,
  daemonChange,
  daemonDrift,
  daemonNotApplied,
  planDaemonConfig,
  planDaemonRemoval,
  renderDaemonStep,
  validationRefusal,
} from "../plan/daemon-config";
import { isRefusal } from "../plan/refusal";
import { daemonSpecProblems } from "../model/daemon-settings";
import { maskCredentialsIn } from "../model/url-credentials";
import { targetOf } from "../remote/connection-spec";
import { RemoteCommandError, RemoteError } from "../remote/errors";
import { SshSession } from "../remote/ssh-session";
import { type DaemonProbe, parseDaemonProbe, parseDataRootProbe, renderDataRootProbe, renderReadOriginal } from "../scripts/daemon-config";
import { type ConnectedInputs, containsUnknown, machineIdentity, toConnectionSpec } from "./connection-inputs";
import { daemonProbe, readHostState } from "./host-probes";
import { BatchStepError, runBatch } from "./run-batch";

export interface DaemonConfigInputs extends ConnectedInputs, DaemonConfigSpec {}

export interface DaemonConfigOutputs extends DaemonConfigInputs {
  /** daemon.json as it is on the host after the last change (or refresh). */
  content: Record<string, unknown>;
  /** Mirrors as `docker info` reports them. */
  effectiveMirrors: string[];
  /** Where the host differs from the declaration; filled by refresh. */
  drift: string[];
}

/** daemon.json and docker info as they are now, for a change. */
async function probe(session: SshSession): Promise<DaemonProbe> {
  const p = daemonProbe(session.bounds);
  return parseDaemonProbe((await session.exec(p.script, { what: p.what })).stdout);
}

/** The same from the run's shared read of the host, for a diff or refresh. */
async function sharedProbe(inputs: DaemonConfigInputs): Promise<DaemonProbe> {
  return parseDaemonProbe(await (await readHostState(inputs, undefined)).daemon);
}

/**
 * The provider's own check of what reaches the host, by the component's rules (model): refused
 * before any connection, whatever the inputs came from. Never quotes a credential.
 */
function refuseBadInputs(inputs: DaemonConfigInputs): void {
  const problems = daemonSpecProblems(inputs);
  if (!problems.length) return;
  throw new RemoteError(
    targetOf(inputs.connection),
    `DaemonConfig refused before touching the host: ${problems.map(([path, reason]) => `${path} ${reason}`).join("; ")}`,
    "DOCKYARD_INVALID_ARGUMENT",
  );
}

/**
 * The plan's steps (validate, apply) and the probe that proves them, as one command; the probe
 * before it stands for the one after when there is nothing to change (the file already as
 * declared, as a fresh engine's first start leaves it).
 */
async function runPlan(session: SshSession, target: string, steps: DaemonStep[], before: DaemonProbe): Promise<DaemonProbe> {
  if (!steps.length) return before;
  const p = daemonProbe(session.bounds);
  const rendered = steps.map((s) => renderDaemonStep(s, session.bounds));
  try {
    return parseDaemonProbe(await runBatch(session, rendered, { section: "after", script: p.script, what: p.what }));
  } catch (e) {
    if (!(e instanceof BatchStepError)) throw e;
    const step = steps[e.step];
    if (step?.kind === "validate")
      throw new RemoteError(target, maskCredentialsIn(validationRefusal(e.stderr || e.stdout).message), "DOCKYARD_DAEMON_JSON_REJECTED");
    if (step?.kind === "apply" && e.exitCode === 3) throw restartFailed(target, e.stderr);
    throw e;
  }
}

/** The apply's own account of its rollback (exit 3), from its first `dockyard:` line on. */
function restartFailed(target: string, stderr: string): RemoteError {
  // From our own account of the rollback on: systemctl's generic lines before it say less.
  // Masked: dockerd's own lines may quote a proxy URL.
  const account = maskCredentialsIn(stderr.slice(Math.max(0, stderr.indexOf("dockyard: "))).replace(/^dockyard: /, ""));
  return new RemoteError(target, account.trim(), "DOCKYARD_DAEMON_RESTART_FAILED");
}

async function run(session: SshSession, target: string, steps: DaemonStep[]): Promise<void> {
  for (const step of steps) {
    const { script, what, stdin } = renderDaemonStep(step, session.bounds);
    if (step.kind === "validate") {
      const v = await session.exec(script, { allowFailure: true });
      if (v.exitCode !== 0)
        throw new RemoteError(target, maskCredentialsIn(validationRefusal(v.stderr || v.stdout).message), "DOCKYARD_DAEMON_JSON_REJECTED");
      continue;
    }
    try {
      await session.exec(script, { what, stdin });
    } catch (e) {
      if (step.kind === "apply" && e instanceof RemoteCommandError && e.exitCode === 3) throw restartFailed(target, e.stderr);
      throw e;
    }
  }
}

async function converge(inputs: DaemonConfigInputs, previouslyOurs: string[], hadProxy: boolean): Promise<DaemonConfigOutputs> {
  refuseBadInputs(inputs);
  const target = targetOf(inputs.connection);
  const session = await SshSession.for(toConnectionSpec(inputs));
  const before = await probe(session);
  let plan = planDaemonConfig(target, inputs, { before }, previouslyOurs, hadProxy);
  if (!isRefusal(plan) && plan.kind === "readDataRoots") {
    const roots = parseDataRootProbe((await session.exec(renderDataRootProbe(plan.newRoot), { what: "reading the data roots" })).stdout);
    plan = planDaemonConfig(target, inputs, { before, roots }, previouslyOurs, hadProxy);
  }
  if (isRefusal(plan)) throw new RemoteError(target, plan.message, plan.code);
  if (plan.kind !== "plan") throw new Error(`daemon.json plan for ${target} still asks for ${plan.kind}`);
  const after = await runPlan(session, target, plan.steps, before);
  const notApplied = daemonNotApplied(inputs, after);
  if (notApplied) throw new RemoteError(target, notApplied, "DOCKYARD_DAEMON_SETTINGS_NOT_APPLIED");
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
    const p = await sharedProbe(props);
    return {
      id,
      props: { ...props, content: p.file ?? {}, effectiveMirrors: p.info?.mirrors ?? [], drift: daemonDrift(props, p) },
    };
  },

  async diff(_id: string, olds: DaemonConfigOutputs, news: DaemonConfigInputs): Promise<pulumi.dynamic.DiffResult> {
    if (containsUnknown(news.connection) || containsUnknown(news.settings) || containsUnknown(news.proxy)) return { changes: true };
    refuseBadInputs(news);
    const change = daemonChange(olds, news, machineIdentity(olds.connection) === machineIdentity(news.connection));
    if (change !== "probe") return change;
    const p = await sharedProbe(news);
    return { changes: daemonDrift(news, p).length > 0 || olds.drift.length > 0 };
  },

  async update(
    _id: string,
    olds: DaemonConfigOutputs,
    news: DaemonConfigInputs,
  ): Promise<pulumi.dynamic.UpdateResult<DaemonConfigOutputs>> {
    return { outs: await converge(news, Object.keys(olds.settings), olds.proxy !== undefined) };
  },

  async delete(_id: string, props: DaemonConfigOutputs): Promise<void> {
    const target = targetOf(props.connection);
    const session = await SshSession.for(toConnectionSpec(props));
    // Read first, all of it: the plan takes the drop-in out before daemon.json is put back.
    const file = props.policy === "merge" ? (await probe(session)).file : undefined;
    const original = (await session.exec(renderReadOriginal())).stdout.trim();
    await run(session, target, planDaemonRemoval(props, { original, file }));
  },
};
