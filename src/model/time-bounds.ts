// The time bounds of a host's waits, their defaults and the checks of every connection option
// that is a number. One record: the Host component, the fleet file's schema and the SSH layer
// (which re-checks what reaches it) read it, so a bound is named, defaulted and checked once.
import {
  DEFAULT_COMMAND_TIMEOUT_SECONDS,
  DEFAULT_DOWNLOAD_TIMEOUT_SECONDS,
  DEFAULT_ENGINE_API_TIMEOUT_SECONDS,
  DEFAULT_ENGINE_START_TIMEOUT_SECONDS,
  DEFAULT_PULL_TIMEOUT_SECONDS,
  DEFAULT_SWARM_WAIT_SECONDS,
  DEFAULT_COMPOSE_WAIT_SECONDS,
} from "./defaults";
import { invalid } from "./input-error";

/** One bound: its default in seconds and what it limits (a phrase for docs). */
export interface TimeBound {
  defaultSeconds: number;
  says: string;
}

/** Every bound a host can override, by the name of its argument (Host and fleet file alike). */
export const TIME_BOUNDS = {
  commandTimeout: { defaultSeconds: DEFAULT_COMMAND_TIMEOUT_SECONDS, says: "Seconds one SSH command (install, restart, read) may run" },
  engineApiTimeout: {
    defaultSeconds: DEFAULT_ENGINE_API_TIMEOUT_SECONDS,
    says: "Seconds one Docker Engine API call may go without an answer",
  },
  pullTimeout: { defaultSeconds: DEFAULT_PULL_TIMEOUT_SECONDS, says: "Seconds one image pull (or build) may take" },
  downloadTimeout: {
    defaultSeconds: DEFAULT_DOWNLOAD_TIMEOUT_SECONDS,
    says: "Seconds a download on the host (apt, yum/dnf, curl from a mirror) may go without data",
  },
  engineStartTimeout: { defaultSeconds: DEFAULT_ENGINE_START_TIMEOUT_SECONDS, says: "Seconds dockerd has to start or restart and answer" },
  swarmWaitTimeout: {
    defaultSeconds: DEFAULT_SWARM_WAIT_SECONDS,
    says: "Seconds a swarm step waits for the cluster (a joined node ready, a drained node empty)",
  },
} as const satisfies Record<string, TimeBound>;

export type TimeBoundName = keyof typeof TIME_BOUNDS;

/**
 * A ComposeProject's own bound (its `waitTimeout` argument, not a host's): how long
 * `docker compose up -d --wait` may take to pull, start and see its services running (healthy
 * where they have a healthcheck). The command itself is ended a little after it.
 */
export const COMPOSE_WAIT_BOUND: TimeBound = {
  defaultSeconds: DEFAULT_COMPOSE_WAIT_SECONDS,
  says: "Seconds `docker compose up -d --wait` may take to pull, start and see its services running (healthy where they have a healthcheck)",
};
export const TIME_BOUND_NAMES = Object.keys(TIME_BOUNDS) as TimeBoundName[];

/** The bounds a host overrides; the others take their defaults. */
export type TimeBounds = Partial<Record<TimeBoundName, number>>;

/** Longest bound accepted, in seconds (a day): a larger one is a unit mistake, not a wait. */
export const MAX_BOUND_SECONDS = 86_400;

/** The bound in seconds: the host's own, or the default. */
export function boundSeconds(bounds: TimeBounds | undefined, name: TimeBoundName): number {
  return bounds?.[name] ?? TIME_BOUNDS[name].defaultSeconds;
}

/** The bounds set in `from` (only the known names, only those given). */
export function pickBounds(from: object): TimeBounds {
  const given = from as Partial<Record<string, unknown>>;
  const out: TimeBounds = {};
  for (const name of TIME_BOUND_NAMES) if (given[name] !== undefined) out[name] = given[name] as number;
  return out;
}

const shown = (v: unknown) => JSON.stringify(v) ?? String(v);

/**
 * Checks the numeric connection options, naming the field: a bound and `connectTimeout` are
 * seconds > 0 (a zero would turn the wait off), `connectAttempts` an integer >= 1, `port` an
 * integer 1-65535. Values still unknown (`isPending`) are skipped. Throws `invalid()`.
 */
export function checkConnectionNumbers(prefix: string, options: object, isPending: (v: unknown) => boolean = () => false): void {
  const o = options as Partial<Record<string, unknown>>;
  const given = (k: string) => o[k] !== undefined && !isPending(o[k]);
  if (given("port")) {
    const p = o.port;
    if (typeof p !== "number" || !Number.isInteger(p) || p < 1 || p > 65535)
      invalid(`${prefix}port`, `must be an integer 1-65535 (got ${shown(p)})`);
  }
  if (given("connectTimeout")) {
    const v = o.connectTimeout;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v > MAX_BOUND_SECONDS)
      invalid(`${prefix}connectTimeout`, `must be a number of seconds > 0 and at most ${MAX_BOUND_SECONDS} (got ${shown(v)})`);
  }
  if (given("connectAttempts")) {
    const v = o.connectAttempts;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 100)
      invalid(`${prefix}connectAttempts`, `must be an integer from 1 to 100 (got ${shown(v)})`);
  }
  for (const name of TIME_BOUND_NAMES) {
    if (!given(name)) continue;
    const v = o[name];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > MAX_BOUND_SECONDS)
      invalid(`${prefix}${name}`, `must be a whole number of seconds from 1 to ${MAX_BOUND_SECONDS} (got ${shown(v)})`);
  }
}
