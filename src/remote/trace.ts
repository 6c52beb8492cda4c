import { appendFileSync } from "node:fs";

/**
 * One line of the remote trace: what a provider process did on the network and how long it took.
 * `op` is one provider call (`dockerEngine.diff`) as the Pulumi engine waits for it;
 * `connect` is an SSH connection set-up (handshake and authentication); `exec` a command, from
 * asking for a channel to its close (`waitMs` of that spent waiting for a free channel); `stream`
 * an Engine API channel (`docker system dial-stdio`), open to close; `cache` a host read served
 * from the provider process's memory instead of the host.
 */
export interface TraceEvent {
  kind: "op" | "connect" | "exec" | "stream" | "cache";
  /** `user@host:port` of the machine. */
  host: string;
  /** The step, as the command's `what` names it. */
  what?: string;
  /** Milliseconds since the epoch when it started. */
  start: number;
  ms: number;
  waitMs?: number;
  exitCode?: number | null;
  /** The provider process (one per Pulumi command). */
  pid?: number;
}

/**
 * The file named by `DOCKYARD_TRACE`, or undefined when tracing is off (the default: a line per
 * command costs a write). Read on every call, so a test can switch it on in-process.
 */
function traceFile(): string | undefined {
  const file = process.env.DOCKYARD_TRACE;
  return file ? file : undefined;
}

/** True when a trace is being written. */
export function tracing(): boolean {
  return traceFile() !== undefined;
}

/**
 * Appends one event as a JSON line. The names of steps and hosts go in, never a command's text,
 * input or output, so secrets given on stdin or in scripts cannot reach the trace.
 */
export function trace(event: TraceEvent): void {
  const file = traceFile();
  if (!file) return;
  try {
    appendFileSync(file, JSON.stringify({ ...event, pid: process.pid }) + "\n");
  } catch {
    // A trace that cannot be written must not fail the deployment.
  }
}

/** Starts timing an event; the returned function records it with what is known at the end. */
export function traceSpan(kind: TraceEvent["kind"], host: string, what?: string): (more?: Partial<TraceEvent>) => void {
  if (!tracing()) return () => undefined;
  const start = Date.now();
  return (more = {}) => trace({ kind, host, what, start, ms: Date.now() - start, ...more });
}
