// Rolling batches: which hosts change together, and how long a gate waits. Pure.

/** A batch size: a count of hosts (`2`) or a share of them (`"25%"`). */
export type BatchSize = number | string;

/** What a batch size must look like, for messages. */
export const BATCH_SIZE_MESSAGE = 'must be a whole number of hosts (at least 1) or a percentage like "25%" (more than 0, at most 100)';

/** What a duration must look like, for messages. */
export const DURATION_MESSAGE = 'must be a duration like "30s", "5m" or "1h" (or a number of seconds)';

/** The problem with a batch size, or undefined when it is one. */
export function batchSizeProblem(size: unknown): string | undefined {
  if (typeof size === "number") return Number.isInteger(size) && size >= 1 ? undefined : BATCH_SIZE_MESSAGE;
  if (typeof size !== "string") return BATCH_SIZE_MESSAGE;
  const m = /^(\d+(?:\.\d+)?)%$/.exec(size.trim());
  return m && Number(m[1]) > 0 && Number(m[1]) <= 100 ? undefined : BATCH_SIZE_MESSAGE;
}

/**
 * Hosts per batch for `total` hosts: a count as it is (at most all of them), a percentage of the
 * total rounded down, at least 1 (as kubespray's `serial: 20%`).
 */
export function batchCount(total: number, size: BatchSize): number {
  const problem = batchSizeProblem(size);
  if (problem) throw new RangeError(`batch size ${JSON.stringify(size)} ${problem}`);
  const n = typeof size === "number" ? size : Math.floor((total * Number(size.trim().slice(0, -1))) / 100);
  return Math.max(1, Math.min(total, n));
}

/**
 * Items cut into batches in their order: `rolloutBatches(["a", "b", "c"], 2)` is
 * `[["a", "b"], ["c"]]`; `rolloutBatches(hosts, "25%")` gives batches of a quarter of the hosts.
 * No items, no batches.
 *
 * @example
 * const batches = rolloutBatches(["web1", "web2", "web3", "web4"], "50%"); // [["web1", "web2"], ["web3", "web4"]]
 */
export function rolloutBatches<T>(items: readonly T[], size: BatchSize): T[][] {
  if (!items.length) return [];
  const per = batchCount(items.length, size);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += per) out.push(items.slice(i, i + per));
  return out;
}

/** The problem with a duration, or undefined when it is one. */
export function durationProblem(d: unknown): string | undefined {
  if (typeof d === "number") return Number.isFinite(d) && d >= 0 ? undefined : DURATION_MESSAGE;
  return typeof d === "string" && /^\s*\d+(\.\d+)?\s*(ms|s|m|h)\s*$/.test(d) ? undefined : DURATION_MESSAGE;
}

/** Seconds of a duration: `"30s"` -> 30, `"5m"` -> 300, `"500ms"` -> 0.5, `90` -> 90. */
export function durationSeconds(d: number | string): number {
  const problem = durationProblem(d);
  if (problem) throw new RangeError(`duration ${JSON.stringify(d)} ${problem}`);
  if (typeof d === "number") return d;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(d)!;
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as "ms" | "s" | "m" | "h"];
}

/** The name of the gate before batch `k` (1-based) of `n`: `rollout-2-of-3`. */
export function gateName(k: number, n: number): string {
  return `rollout-${k}-of-${n}`;
}

/** How long a gate waits for the batch before it to be healthy, unless told. */
export const DEFAULT_GATE_TIMEOUT = "5m";
/** How long a gate waits after the batch before it is healthy, unless told. */
export const DEFAULT_GATE_PAUSE = "0s";
