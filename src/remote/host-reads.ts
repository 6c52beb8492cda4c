import { createHash, randomBytes } from "node:crypto";
import type { ClientChannel } from "ssh2";
import { HostUnreachableError, RemoteCommandError, TimedOutError } from "./errors";
import { endChannel, type SshSession } from "./ssh-session";
import { boundSeconds } from "../model/time-bounds";
import { trace } from "./trace";
import { renderReadSetup } from "../scripts/docker-read";

/** A read-only probe of a host: its shell, and the step it is named as in errors and the trace. */
export interface Probe {
  /** Short name, part of the cache key (`facts`, `engine`, `daemon`). */
  name: string;
  script: string;
  what: string;
  /** Run after the others of its read: its output is the largest, and theirs are handed over first. */
  late?: boolean;
}

/**
 * How long a read serves the resources of one host. A provider process lives for one Pulumi
 * command, so in practice a read lasts the run; the limit keeps a long-lived process (a program
 * that calls providers itself) from trusting an old read.
 */
export const HOST_READ_TTL_MS = 60_000;

interface Cached {
  output: Promise<string>;
  at: number;
}

/** Reads by `<machine>|<probe name>|<script hash>`, and each machine's reads' keys. */
const cache = new Map<string, Cached>();
const byMachine = new Map<string, Set<string>>();

function keyOf(machine: string, probe: Probe): string {
  return `${machine}|${probe.name}|${createHash("sha256").update(probe.script).digest("hex").slice(0, 16)}`;
}

/**
 * Forgets every read of a machine: anything that changes a host calls this before and after it
 * runs, so no resource is compared with the host as it was before the change.
 */
export function forgetHost(machine: string): void {
  for (const key of byMachine.get(machine) ?? []) cache.delete(key);
  byMachine.delete(machine);
}

/** Forgets every host (tests). */
export function forgetAllHosts(): void {
  cache.clear();
  byMachine.clear();
}

/**
 * The outputs of the probes, each read once per run and shared by every resource of the host
 * that asks for the same probe. The probes not read yet run together as one command, one round
 * trip, together with the probes other resources of the session ask for in the same turn (`enqueue`); each output is handed over as soon as its part of the command has finished, so the first
 * probe's reader does not wait for the last. A probe that exits non-zero fails as a command would
 * (RemoteCommandError naming its step) and is not kept.
 *
 * `machine` names the machine whatever user reaches it (`address:port`), so a change made through
 * one login is seen through another.
 */
export function readHost(session: SshSession, machine: string, probes: Probe[]): Promise<string>[] {
  const now = Date.now();
  const out: (Promise<string> | undefined)[] = probes.map((p) => {
    const hit = cache.get(keyOf(machine, p));
    if (!hit || now - hit.at > HOST_READ_TTL_MS) return undefined;
    trace({ kind: "cache", host: session.target, what: p.what, start: now, ms: 0 });
    return hit.output;
  });
  const missing = probes.map((p, i) => ({ p, i })).filter(({ i }) => !out[i]);
  if (missing.length) {
    missing.forEach(({ p, i }) => {
      const key = keyOf(machine, p);
      const output = enqueue(session, p);
      const entry = { output, at: now };
      cache.set(key, entry);
      // The read serves for the TTL from when it finished: a slow read is not stale at once.
      output.then(
        () => (entry.at = Date.now()),
        () => undefined,
      );
      let keys = byMachine.get(machine);
      if (!keys) byMachine.set(machine, (keys = new Set()));
      keys.add(key);
      // A failed read is not kept: the next resource asks the host again.
      output.catch(() => {
        if (cache.get(key)?.output === output) cache.delete(key);
      });
      out[i] = output;
    });
  }
  return out as Promise<string>[];
}

/** The probes asked of a session in this turn of the event loop, not started yet. */
interface Batch {
  probes: Probe[];
  settle: { resolve: (s: string) => void; reject: (e: Error) => void }[];
}
const batches = new Map<SshSession, Batch>();

/**
 * Adds a probe to the session's next command. The command starts once the current turn is over,
 * with every probe asked in it: in a `refresh` every resource reads at once, and whichever asks
 * first (a Container for the workload, the Host for its facts) the host is still read in one
 * round trip.
 */
function enqueue(session: SshSession, probe: Probe): Promise<string> {
  let batch = batches.get(session);
  if (!batch) {
    const started: Batch = { probes: [], settle: [] };
    batches.set(session, started);
    setImmediate(() => {
      batches.delete(session);
      const order = started.probes.map((p, i) => ({ p, i })).sort((a, b) => Number(!!a.p.late) - Number(!!b.p.late));
      const outputs = runTogether(
        session,
        order.map(({ p }) => p),
      );
      order.forEach(({ i }, j) => void outputs[j].then(started.settle[i].resolve, started.settle[i].reject));
    });
    batch = started;
  }
  const queued = batch;
  return new Promise<string>((resolve, reject) => {
    queued.probes.push(probe);
    queued.settle.push({ resolve, reject });
  });
}

/**
 * One command running every probe in its own subshell (a probe that fails fails alone), each
 * followed by a marker line with its exit status (a random nonce, so no probe output can pass for
 * a marker). The probes share a private directory for what one found out for the next: a dockerd
 * that did not answer the first probe is not waited for again by the others, and the docker calls
 * they share are asked once, all of them at the read's start (src/scripts/docker-read.ts).
 */
function runTogether(session: SshSession, probes: Probe[]): Promise<string>[] {
  const nonce = randomBytes(8).toString("hex");
  const marker = `@@dockyard-read-${nonce}@@`;
  // The marker starts on a line of its own even after output without a final newline; that one
  // newline is taken off again below.
  const parts = probes.map((p, i) => `(\n${p.script}\n)\nprintf '\\n%s\\n' "${marker} ${i} $?"`);
  const script = [renderReadSetup(probes.map((p) => p.script).join("\n")), ...parts].join("\n");
  const settle: { resolve: (s: string) => void; reject: (e: Error) => void }[] = [];
  const outputs = probes.map(
    (_p, i) =>
      new Promise<string>((resolve, reject) => {
        settle[i] = { resolve, reject };
      }),
  );
  // Nobody may be listening to a later probe yet when an earlier one fails.
  for (const o of outputs) o.catch(() => undefined);
  const settled = new Set<number>();
  const fail = (e: Error) => {
    probes.forEach((_p, i) => {
      if (!settled.has(i)) settle[i].reject(e);
      settled.add(i);
    });
  };
  const what = `reading the host (${probes.map((p) => p.name).join(", ")})`;
  // Bounded as any command is (the host's commandTimeout): a probe that never ends (a docker
  // call on a stalled dockerd) fails the probes not read yet instead of the run hanging.
  const seconds = boundSeconds(session.bounds, "commandTimeout");
  let open: ClientChannel | undefined;
  const timer = setTimeout(() => {
    if (open) endChannel(open);
    fail(new TimedOutError(session.target, what, seconds, "commandTimeout"));
  }, seconds * 1000);
  const finish = () => clearTimeout(timer);
  session.stream(script, { what, traceAs: "exec" }).then(
    (channel: ClientChannel) => {
      open = channel;
      let buffer = "";
      let part = "";
      let stderr = "";
      channel.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      channel.on("data", (d: Buffer) => {
        buffer += d.toString();
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (!line.startsWith(marker + " ")) {
            part += line + "\n";
            continue;
          }
          const [index, status] = line
            .slice(marker.length + 1)
            .split(" ")
            .map(Number);
          const p = probes[index];
          if (p && !settled.has(index)) {
            settled.add(index);
            const output = part.slice(0, -1);
            if (status === 0) settle[index].resolve(output);
            else settle[index].reject(new RemoteCommandError(session.target, p.script, status, output, stderr, p.what));
          }
          part = "";
        }
      });
      channel.on("close", () => {
        finish();
        fail(new HostUnreachableError(session.target, "the connection closed while the host was being read"));
      });
      channel.end();
    },
    (e: Error) => {
      finish();
      fail(e);
    },
  );
  return outputs;
}
