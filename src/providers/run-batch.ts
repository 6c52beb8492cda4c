import { RemoteCommandError } from "../remote/errors";
import { commandFailure, type SshSession } from "../remote/ssh-session";
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
  const script = renderStepBatch(steps, after);
  const result = await session.exec(script, { what, stdin: batchInput(steps), allowFailure: true });
  if (result.exitCode === 0) return result.stdout;
  const i = failedStepOf(result.stderr);
  const step = i === undefined ? undefined : steps[i];
  if (i === undefined || !step) throw commandFailure(session.target, script, result, what);
  // The step's own error: a bound it hit (TimedOutError naming it), or its exit code and output.
  const own = { ...result, stderr: stepStderr(result.stderr) };
  const err = commandFailure(session.target, step.script, own, step.what);
  if (!(err instanceof RemoteCommandError)) throw err;
  throw new BatchStepError(session.target, step.script, own.exitCode, own.stdout, own.stderr, step.what, i);
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
