import { isDeepStrictEqual } from "node:util";
import { type PreflightPolicy, preflightProblems } from "../model/preflight";
import type { HostFacts } from "../model/host-facts";
import { type Refusal, refuse } from "./refusal";

/** The machine does not meet the preflight policy: nothing is changed on it. */
export function preflightRefusal(facts: HostFacts, policy: PreflightPolicy | undefined): Refusal | undefined {
  const problems = preflightProblems(facts, policy);
  return problems.length ? refuse("DOCKYARD_PREFLIGHT_FAILED", `preflight failed, nothing was changed: ${problems.join("; ")}`) : undefined;
}

/**
 * The facts that make a machine what it is. Docker's versions are left out: Dockyard changes
 * them itself (DockerEngine reports them), so they must not read as the machine changing.
 */
export function machineFacts(f: HostFacts | undefined): Partial<HostFacts> {
  if (!f) return {};
  const { dockerClientVersion: _c, dockerServerVersion: _s, ...rest } = f;
  return rest;
}

/**
 * Whether an `up` updates the facts: another connection, credentials or policy, or the machine
 * read now is another one than recorded (order-blind: the state gives keys back sorted).
 */
export function hostFactsChanged(
  olds: { connection: unknown; credentials: unknown; preflight?: PreflightPolicy; facts: HostFacts },
  news: { connection: unknown; credentials: unknown; preflight?: PreflightPolicy },
  now: HostFacts,
): boolean {
  return (
    !isDeepStrictEqual(olds.connection, news.connection) ||
    !isDeepStrictEqual(olds.credentials, news.credentials) ||
    !isDeepStrictEqual(olds.preflight ?? {}, news.preflight ?? {}) ||
    !isDeepStrictEqual(readAsRecorded(machineFacts(now), olds.facts), machineFacts(olds.facts))
  );
}

/** Facts a newer release reads and an older state has not recorded. */
const LATER_FACTS = ["cgroup", "iptables"] as const;

/**
 * The facts read now, less those the recorded ones predate: an upgrade of Dockyard that reads
 * more of a machine is not the machine changing (the next change records them).
 */
function readAsRecorded(now: Partial<HostFacts>, recorded: HostFacts): Partial<HostFacts> {
  const out = { ...now };
  for (const k of LATER_FACTS) if (!(k in recorded)) delete out[k];
  return out;
}
