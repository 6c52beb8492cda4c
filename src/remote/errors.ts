/**
 * Errors of the SSH layer. Each names the host (as user@address:port) so a fleet-wide run says
 * which machine failed and why, and each kind is a distinct class so callers can tell a machine
 * that is down from a wrong key from a possible man-in-the-middle.
 */
export class RemoteError extends Error {
  constructor(
    readonly target: string,
    message: string,
  ) {
    super(`${target}: ${message}`);
    this.name = new.target.name;
  }
}

/** The TCP connection could not be made, or the SSH handshake did not finish in time. */
export class HostUnreachableError extends RemoteError {}

/** The server refused every authentication method we offered (wrong user or key). */
export class AuthenticationError extends RemoteError {}

/** The server presented a host key other than the pinned one. Never retried. */
export class HostKeyMismatchError extends RemoteError {}

/** A remote command exited non-zero. Carries the exit code and the tail of its output. */
export class RemoteCommandError extends RemoteError {
  constructor(
    target: string,
    readonly command: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
    what?: string,
  ) {
    const tail = (stderr.trim() || stdout.trim()).split("\n").slice(-15).join("\n");
    super(
      target,
      `${what ?? "command"} failed with exit code ${exitCode ?? "(killed)"}${tail ? `:\n${tail}` : ""}`,
    );
  }
}
