// How the main job reports a failure: the lines that say what went wrong and where, never a CLI
// command line (`pulumi config set-all` carries the config values on it, SSH key included), never
// a stack trace, never a secret.

/** The parts of an Automation API CommandError this needs. */
interface CommandFailure {
  commandResult: { stdout: string; stderr: string };
}

const isCommandFailure = (e: unknown): e is CommandFailure =>
  typeof (e as CommandFailure)?.commandResult?.stdout === "string" && typeof (e as CommandFailure).commandResult.stderr === "string";

/** `text` with every secret replaced, each long line of one too (a PEM key is printed split). */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets.filter(Boolean)) {
    for (const part of [s, ...s.split("\n").filter((l) => l.trim().length >= 16)]) out = out.split(part).join("[secret]");
  }
  return out;
}

/** The `error:` lines of a failed CLI command, once each, redacted. Empty when it printed none. */
export function errorLinesOf(e: unknown, secrets: readonly string[]): string {
  const text = isCommandFailure(e) ? `${e.commandResult.stdout}\n${e.commandResult.stderr}` : "";
  const lines = [...new Set(text.split("\n").map((l) => l.trim()).filter((l) => /^error: /.test(l) && l !== "error: update failed"))];
  return redact(lines.map((l) => `  ${l}`).join("\n"), secrets);
}

/** One message for a failure of the job: the CLI's error lines, or the error's own message; redacted. */
export function failureMessage(e: unknown, secrets: readonly string[], what: string): string {
  if (isCommandFailure(e)) {
    const lines = errorLinesOf(e, secrets);
    const last = e.commandResult.stderr.trim().split("\n").pop() ?? "";
    return `${what} failed:\n${lines || `  ${redact(last, secrets) || "(see the output above)"}`}`;
  }
  return `${what} failed: ${redact((e as Error)?.message ?? String(e), secrets)}`;
}
