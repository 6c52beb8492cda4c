// Several steps of a plan sent as one SSH command (one round trip instead of one per step),
// each in its own subshell so that it keeps its own `set -eu` and exit code, followed by the
// read that proves them. A failing step ends the batch at once, as it ended the run when each
// step was its own command, and names itself on stderr so the error says which step it was.
import { sectionMarker } from "../model/sections";

/** One step as its renderer gives it. */
export interface BatchStep {
  script: string;
  what: string;
  /** At most one step of a batch reads the batch's standard input; the others get /dev/null. */
  stdin?: string;
}

/** The line a failing step writes on stderr before the batch exits with its code. */
export const FAILED_STEP = "@@dockyard-failed-step@@";

/**
 * The steps in order, then `after` (a read-only probe) under its own section markers. `after` runs
 * without `set -e`: a probe reports what it finds, a failing read included.
 */
export function renderStepBatch(steps: BatchStep[], after?: { section: string; script: string }): string {
  const readers = steps.filter((s) => s.stdin !== undefined).length;
  if (readers > 1) throw new Error("a step batch can give its standard input to one step only");
  // Not `( step ) || ...`: a shell ignores `set -e` in anything on the left of `||`, so the step
  // would run on past its first failing command. The status is read on the next line instead.
  const lines = steps.map(
    (s, i) =>
      `(\n${s.script.replace(/\n$/, "")}\n)${s.stdin === undefined ? " </dev/null" : ""}\n` +
      `rc=$?; if [ "$rc" -ne 0 ]; then echo '${FAILED_STEP} ${i}' >&2; exit "$rc"; fi`,
  );
  return [...lines, ...(after ? [sectionMarker(after.section), after.script.replace(/\n$/, "")] : []), ""].join("\n");
}

/** The standard input of a batch: the one step's that reads it. */
export function batchInput(steps: BatchStep[]): string | undefined {
  return steps.find((s) => s.stdin !== undefined)?.stdin;
}

/** Which step of a batch failed (its index), from the batch's stderr; undefined when none said so. */
export function failedStepOf(stderr: string): number | undefined {
  const m = new RegExp(`^${FAILED_STEP} (\\d+)$`, "m").exec(stderr);
  return m ? Number(m[1]) : undefined;
}

/** stderr without the batch's own line: what the step itself said. */
export function stepStderr(stderr: string): string {
  return stderr.replace(new RegExp(`^${FAILED_STEP} \\d+\\n?`, "m"), "");
}
