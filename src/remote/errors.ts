import { DockyardError, type DockyardErrorCode } from "../model/error-codes";

/**
 * Errors of the SSH layer. Each names the host (as user@address:port) so a fleet-wide run says
 * which machine failed and why, and each kind is a distinct class so callers can tell a machine
 * that is down from a wrong key from a possible man-in-the-middle. Each carries a stable code
 * (`code`, and first in the message: a provider's error reaches the program as text only).
 */
export class RemoteError extends DockyardError {
  /** The code of an error of this class when the throw names none. */
  static readonly defaultCode: DockyardErrorCode = "DOCKYARD_REMOTE_FAILED";

  constructor(
    readonly target: string,
    message: string,
    code?: DockyardErrorCode,
  ) {
    super(code ?? (new.target as typeof RemoteError).defaultCode, `${target}: ${message}`);
    // These are expected conditions with a message written for the user. Pulumi's dynamic
    // provider host prints `${e}: ${e.stack}` for a failed read, diff or delete: with these two
    // it prints one line, `dockyard: <message>`, instead of a stack trace.
    Object.defineProperty(this, "stack", { value: this.message, writable: true, configurable: true });
  }

  override toString(): string {
    return "dockyard";
  }
}

/** The TCP connection could not be made, or the SSH handshake did not finish in time. */
export class HostUnreachableError extends RemoteError {
  static override readonly defaultCode: DockyardErrorCode = "DOCKYARD_HOST_UNREACHABLE";
}

/** The server refused every authentication method we offered (wrong user or key). */
export class AuthenticationError extends RemoteError {
  static override readonly defaultCode: DockyardErrorCode = "DOCKYARD_AUTHENTICATION_FAILED";
}

/** The server presented a host key other than the pinned one. Never retried. */
export class HostKeyMismatchError extends RemoteError {
  static override readonly defaultCode: DockyardErrorCode = "DOCKYARD_HOST_KEY_MISMATCH";
}

/**
 * The host answers over SSH but its Docker engine does not (not installed, stopped, socket
 * masked, not answering). Reads and diffs report it as drift; DockerEngine repairs it.
 */
export class EngineUnavailableError extends RemoteError {
  static override readonly defaultCode: DockyardErrorCode = "DOCKYARD_ENGINE_UNAVAILABLE";

  constructor(
    target: string,
    /** What was being done, e.g. "reading container web". */
    readonly step: string,
    /** What the host showed, e.g. ["docker.service is inactive", "dockerd is not installed"]. */
    readonly reasons: string[],
  ) {
    super(
      target,
      `${step}: the Docker engine does not answer (${reasons.join("; ")}). ` +
        "Run `pulumi up`: its DockerEngine repairs the engine first, then images and containers follow",
    );
  }
}

/**
 * A step hit its time bound and was ended. One line naming the host, the step, the bound's
 * seconds and its name (the argument that raises it), e.g.
 * `root@10.0.0.5:22: reading container web: the Docker engine did not answer within 30 s (bound: engineApiTimeout)`.
 */
export class TimedOutError extends RemoteError {
  static override readonly defaultCode: DockyardErrorCode = "DOCKYARD_TIMED_OUT";

  constructor(
    target: string,
    /** What was being done, e.g. "reading container web". */
    readonly step: string,
    readonly seconds: number,
    /** The argument that sets the bound, e.g. "engineApiTimeout". */
    readonly bound: string,
    /** What did not happen in time. @default "did not finish" */
    didNot = "did not finish",
  ) {
    super(target, `${step}: ${didNot} within ${seconds} s (bound: ${bound})`);
  }
}

/** A remote command exited non-zero. Carries the exit code and the tail of its output. */
export class RemoteCommandError extends RemoteError {
  static override readonly defaultCode: DockyardErrorCode = "DOCKYARD_REMOTE_COMMAND_FAILED";

  constructor(
    target: string,
    readonly command: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
    what?: string,
  ) {
    const tail = (stderr.trim() || stdout.trim()).split("\n").slice(-15).join("\n");
    super(target, `${what ?? "command"} failed with exit code ${exitCode ?? "(killed)"}${tail ? `:\n${tail}` : ""}`);
  }
}

/**
 * True for the errors an HTTP request over a dial-stdio channel gets when nothing answers at the
 * other end: the channel closed before a response (`socket hang up`), was reset, or refused.
 */
export function isConnectionFailure(e: unknown): boolean {
  if (e instanceof RemoteError) return false;
  const err = e as { code?: unknown; message?: unknown; statusCode?: unknown } | undefined;
  if (typeof err?.statusCode === "number") return false;
  const code = typeof err?.code === "string" ? err.code : "";
  const message = typeof err?.message === "string" ? err.message : "";
  return (
    ["ECONNRESET", "EPIPE", "ECONNREFUSED", "ERR_STREAM_PREMATURE_CLOSE", "ERR_STREAM_DESTROYED"].includes(code) ||
    /socket hang up|premature close|write after end|channel (?:closed|open failure)/i.test(message)
  );
}

/**
 * The Docker Engine API's answer to a failed request in plain words: dockerode's messages read
 * `(HTTP code 500) server error - <what dockerd said>`; the part after the dash is the useful one.
 */
export function engineSaid(e: unknown): string {
  const err = e as { json?: { message?: unknown }; message?: unknown } | undefined;
  if (typeof err?.json?.message === "string" && err.json.message) return err.json.message.trim();
  const message = typeof err?.message === "string" ? err.message : String(e);
  const m = /^\(HTTP code \d+\) [^-]*- (.*)$/s.exec(message);
  return (m ? m[1] : message).trim().split("\n")[0];
}
