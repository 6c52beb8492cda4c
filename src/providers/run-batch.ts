import { RemoteCommandError } from "../remote/errors";
import type { SshSession } from "../remote/ssh-session";
import { batchInput, type BatchStep, failedStepOf, renderStepBatch, stepStderr } from "../scripts/step-batch";

/**
 * Steps sent as one command (src/scripts/step-batch.ts), `after` (a read-only probe) at its end;
 * the command's stdout. A failing step ends it and the error names that step, as when each step
 * was a command of its own.
 */
export async function runBatch(
  session: SshSession,
  steps: BatchStep[],
  after?: { section: string; script: string; what: string },
): Promise<string> {
  if (!steps.length && !after) return "";
  const what = [...steps.map((s) => s.what), ...(after ? [after.what] : [])].join("; ");
  try {
    return (await session.exec(renderStepBatch(steps, after), { what, stdin: batchInput(steps) })).stdout;
  } catch (e) {
    const i = e instanceof RemoteCommandError ? failedStepOf(e.stderr) : undefined;
    if (!(e instanceof RemoteCommandError) || i === undefined || !steps[i]) throw e;
    throw new BatchStepError(session.target, steps[i].script, e.exitCode, e.stdout, stepStderr(e.stderr), steps[i].what, i);
  }
}

/** A step of a batch failed: the step's own error, and which step it was. */
export class BatchStepError extends RemoteCommandError {
  constructor(
    target: string,
    command: string,
    exitCode: number | null,
    stdout: string,
    stderr: string,
    what: string,
    readonly step: number,
  ) {
    super(target, command, exitCode, stdout, stderr, what);
  }
}
