import type * as pulumi from "@pulumi/pulumi";
import { isDeepStrictEqual } from "node:util";
import type Docker from "dockerode";
import { targetOf } from "../remote/connection-spec";
import { withEngine } from "../remote/docker-api";
import { EngineUnavailableError, HostUnreachableError, RemoteError, TimedOutError } from "../remote/errors";
import { SshSession } from "../remote/ssh-session";
import { closedPorts, renderPortProbe, type ProbedPort } from "../scripts/port-probe";
import { type ConnectionInputs, type Credentials, containsUnknown, toConnectionSpec } from "./connection-inputs";

/** A host of the batch before the gate, and the containers on it that must be healthy. */
export interface GateTarget {
  connection: ConnectionInputs;
  containers: string[];
}

export interface RolloutGateInputs {
  /** For messages: `batch 1 of 2 (web1, web2)`. */
  label: string;
  /**
   * The batch's disruptive outputs (engine versions, daemon.json contents, container ids): the
   * gate waits only when they changed, so a run that changed nothing there passes at once.
   */
  changes: unknown[];
  targets: GateTarget[];
  /** Per target, its key material (one top-level property, kept secret as a whole). */
  credentials: Credentials[];
  pauseSeconds: number;
  timeoutSeconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Why a container is not ready yet, or undefined when it is running and healthy. */
async function notReady(session: SshSession, docker: Docker, name: string): Promise<string | undefined> {
  const info = await docker
    .getContainer(name)
    .inspect()
    .catch((e: Error & { statusCode?: number }) => (e.statusCode === 404 ? undefined : Promise.reject(e)));
  if (!info) return `container ${name} is missing`;
  const st = info.State;
  if (!st.Running || st.Restarting) return `container ${name} is ${st.Status}`;
  // With a health check, docker's verdict; else the published TCP ports must answer.
  if (st.Health) return st.Health.Status === "healthy" ? undefined : `container ${name} is ${st.Health.Status}`;
  const ports: ProbedPort[] = [];
  for (const [key, bindings] of Object.entries(info.NetworkSettings?.Ports ?? {})) {
    if (!key.endsWith("/tcp")) continue;
    for (const b of bindings ?? []) {
      const p = { hostIp: b.HostIp, hostPort: Number(b.HostPort) };
      if (Number.isInteger(p.hostPort) && !ports.some((o) => o.hostIp === p.hostIp && o.hostPort === p.hostPort)) ports.push(p);
    }
  }
  if (!ports.length) return undefined;
  const closed = closedPorts(
    (await session.exec(renderPortProbe(ports), { allowFailure: true, what: `probing the ports of container ${name}` })).stdout,
  );
  return closed.length ? `container ${name} does not answer on ${closed.join(", ")}` : undefined;
}

/** Why the target is not ready yet (the first container that is not), or undefined. */
async function targetNotReady(target: GateTarget, credentials: Credentials): Promise<string | undefined> {
  const spec = toConnectionSpec({ connection: target.connection, credentials });
  try {
    const session = await SshSession.for(spec);
    return await withEngine(spec, "checking the batch's containers", async (docker) => {
      for (const name of target.containers) {
        const why = await notReady(session, docker, name);
        if (why) return why;
      }
      return undefined;
    });
  } catch (e) {
    // A restarting engine or a rebooting host is what a batch looks like mid-change: wait on.
    if (e instanceof EngineUnavailableError) return `the Docker engine does not answer (${e.reasons.join("; ")})`;
    if (e instanceof HostUnreachableError) return `the host does not answer: ${e.message}`;
    // A stalled engine or a slow probe: one poll that ran out of its bound, not the gate's end.
    if (e instanceof TimedOutError) return `the Docker engine did not answer within ${e.seconds} s (bound: ${e.bound})`;
    throw e;
  }
}

/** Waits until every target's containers are healthy (or the timeout), then the pause. */
export async function passGate(inputs: RolloutGateInputs, pollMs = 1000): Promise<void> {
  const deadline = Date.now() + inputs.timeoutSeconds * 1000;
  await Promise.all(
    inputs.targets.map(async (t, i) => {
      for (;;) {
        // A poll never outlasts the gate: at the deadline, what the last poll said stands.
        let timer: NodeJS.Timeout | undefined;
        const left = Math.max(0, deadline - Date.now());
        const why = await Promise.race([
          targetNotReady(t, inputs.credentials[i]),
          new Promise<string>(
            (resolve) =>
              (timer = setTimeout(() => resolve(`no answer from the host within the gate's ${inputs.timeoutSeconds} s`), left + 1000)),
          ),
        ]).finally(() => clearTimeout(timer));
        if (!why) return;
        if (Date.now() >= deadline) {
          throw new RemoteError(
            targetOf(t.connection),
            `rollout stopped after ${inputs.label}: ${why} after ${inputs.timeoutSeconds} s of waiting. The later batches were not changed`,
            "DOCKYARD_ROLLOUT_STOPPED",
          );
        }
        await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
      }
    }),
  );
  if (inputs.pauseSeconds > 0) await sleep(inputs.pauseSeconds * 1000);
}

/**
 * The boundary between two batches of a rolling change. Creating it, or updating it because the
 * batch before changed, waits until that batch's containers are running and healthy again and
 * then the pause; the next batch's resources depend on it. Nothing on a host is changed or removed.
 */
export const rolloutGate = {
  async create(inputs: RolloutGateInputs): Promise<pulumi.dynamic.CreateResult<RolloutGateInputs>> {
    await passGate(inputs);
    return { id: inputs.label, outs: inputs };
  },

  async read(id: string, props: RolloutGateInputs): Promise<pulumi.dynamic.ReadResult<RolloutGateInputs>> {
    return { id, props };
  },

  async diff(_id: string, olds: RolloutGateInputs, news: RolloutGateInputs): Promise<pulumi.dynamic.DiffResult> {
    if (containsUnknown(news)) return { changes: true };
    return { changes: !isDeepStrictEqual(olds, news) };
  },

  async update(_id: string, olds: RolloutGateInputs, news: RolloutGateInputs): Promise<pulumi.dynamic.UpdateResult<RolloutGateInputs>> {
    // Only a change of the batch before makes the next one wait; new keys or timeouts are recorded.
    if (!isDeepStrictEqual(olds.changes, news.changes)) await passGate(news);
    return { outs: news };
  },

  async delete(): Promise<void> {
    // Nothing on any host belongs to a gate.
  },
};
