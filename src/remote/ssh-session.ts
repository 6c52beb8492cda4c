import { createHash } from "node:crypto";
import { Client, type ClientChannel, type ConnectConfig } from "ssh2";
import type { ConnectionSpec } from "./connection-spec";
import { targetOf } from "./connection-spec";
import { AuthenticationError, HostKeyMismatchError, HostUnreachableError, RemoteCommandError, RemoteError, TimedOutError } from "./errors";
import { shq } from "../model/shell";
import { algorithmsForKeyType, fingerprintOf, hostKeyAlgorithmsFor, keyTypeOf, parsePinnedHostKey } from "./host-key";
import { traceSpan } from "./trace";
import { DEFAULT_CONNECT_ATTEMPTS, DEFAULT_CONNECT_TIMEOUT_SECONDS, DEFAULT_SSH_PORT, DEFAULT_SSH_USER } from "../model/defaults";
import {
  boundSeconds,
  checkConnectionNumbers,
  pickBounds,
  TIME_BOUND_NAMES,
  type TimeBoundName,
  type TimeBounds,
} from "../model/time-bounds";

/** What a finished remote command produced. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

export interface ExecOptions {
  /** Written to the command's standard input, then closed (a stream is piped). */
  stdin?: string | Buffer | NodeJS.ReadableStream;
  /** Wrap in `sudo -n` even when the spec does not ask for it (ignored for root). */
  sudo?: boolean;
  /** Resolve with a non-zero exit code instead of throwing. @default false */
  allowFailure?: boolean;
  /** Names the step in the error message, e.g. "reading os-release". */
  what?: string;
  /**
   * Seconds the command may run before it is ended (channel closed, process signalled) and the
   * call fails with a TimedOutError. @default the host's `commandTimeout`
   */
  timeoutSeconds?: number;
  /** The argument the bound comes from, named in the error. @default "commandTimeout" */
  bound?: TimeBoundName;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The waits between retries. A parameter of `SshSession.connect`, so a test can shorten them. */
export interface RetryTiming {
  /** First wait before connecting again to an unreachable host; doubles each attempt. */
  connectDelayMs: number;
  /** Longest wait between connection attempts. */
  connectMaxDelayMs: number;
  /** First wait before opening a channel the server refused again; doubles each attempt. */
  channelDelayMs: number;
}

export const RETRY_TIMING: RetryTiming = { connectDelayMs: 1000, connectMaxDelayMs: 15000, channelDelayMs: 200 };

/**
 * Channels open at once on one connection. sshd allows 10 sessions per connection by default
 * (MaxSessions): many resources on one host share one connection and wait for a free channel
 * instead of being refused with "channel open failure". sshd keeps counting a closed session
 * until it has reaped the command's process (seen live: 8 of ours still met "no more sessions"
 * under load), hence the margin; a refusal that still happens is retried.
 */
export const MAX_CHANNELS = 6;

/** A counting gate: at most `limit` holders at once, the others wait first come, first served. */
export class ChannelGate {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  /** Resolves with a release function once a place is free; call it exactly once. */
  async acquire(): Promise<() => void> {
    if (this.used >= this.limit) await new Promise<void>((go) => this.waiting.push(go));
    else this.used++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The place passes straight to the next waiter, so `used` only drops when nobody waits.
      if (next) next();
      else this.used--;
    };
  }

  /** Holders now, and waiters (for tests and diagnostics). */
  get load(): { used: number; waiting: number } {
    return { used: this.used, waiting: this.waiting.length };
  }
}

/**
 * One SSH connection to one machine, with the host key checked against the pinned one. Commands
 * run as separate exec channels over the same connection. Use `SshSession.for(spec)` to share one
 * connection per host within a process.
 */
export class SshSession {
  private static readonly pool = new Map<string, Promise<SshSession>>();

  readonly target: string;
  private closed = false;
  private readonly channels = new ChannelGate(MAX_CHANNELS);

  private constructor(
    private readonly spec: ConnectionSpec,
    private readonly client: Client,
    private readonly jumpClient: Client | undefined,
    private readonly timing: RetryTiming,
  ) {
    this.target = targetOf(spec);
    client.on("close", () => {
      this.closed = true;
      SshSession.pool.delete(poolKey(spec));
      // The jump connection exists for this one: it goes with it.
      jumpClient?.end();
    });
  }

  /** The shared session for this spec, connecting (with retries) when there is none yet. */
  static for(spec: ConnectionSpec, timing: RetryTiming = RETRY_TIMING): Promise<SshSession> {
    const key = poolKey(spec);
    let session = SshSession.pool.get(key);
    if (!session) {
      session = SshSession.connect(spec, timing);
      SshSession.pool.set(key, session);
      session.catch(() => SshSession.pool.delete(key));
    }
    return session;
  }

  /** Closes every pooled connection (end of a run, or tests). */
  static async closeAll(): Promise<void> {
    const sessions = [...SshSession.pool.values()];
    SshSession.pool.clear();
    await Promise.all(sessions.map((s) => s.then((x) => x.close()).catch(() => undefined)));
  }

  /** Opens a new connection, retrying an unreachable host with exponential backoff. */
  static async connect(spec: ConnectionSpec, timing: RetryTiming = RETRY_TIMING): Promise<SshSession> {
    // What reaches the SSH layer is checked again: a zero timeout would turn the wait off.
    checkConnectionNumbers("", spec);
    if (spec.jump) checkConnectionNumbers("jump.", spec.jump);
    const attempts = spec.connectAttempts ?? DEFAULT_CONNECT_ATTEMPTS;
    let delay = timing.connectDelayMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await SshSession.connectOnce(spec, timing);
      } catch (err) {
        if (!(err instanceof HostUnreachableError) || attempt >= attempts) throw err;
        await sleep(delay);
        delay = Math.min(delay * 2, timing.connectMaxDelayMs);
      }
    }
  }

  private static async connectOnce(spec: ConnectionSpec, timing: RetryTiming): Promise<SshSession> {
    const done = traceSpan("connect", targetOf(spec), spec.jump ? `through ${targetOf(spec.jump)}` : undefined);
    try {
      const session = await SshSession.connectOnceUntraced(spec, timing);
      done();
      return session;
    } catch (err) {
      done({ what: `failed: ${(err as Error).name}` });
      throw err;
    }
  }

  private static async connectOnceUntraced(spec: ConnectionSpec, timing: RetryTiming): Promise<SshSession> {
    const target = targetOf(spec);
    // The pin is read before anything connects, the jump host included.
    if (!spec.insecureSkipHostKeyCheck && !spec.hostKey) {
      throw new RemoteError(
        target,
        "no hostKey is pinned; give the server's public host key, or set insecureSkipHostKeyCheck to accept any key",
        "DOCKYARD_HOST_KEY_NOT_PINNED",
      );
    }
    const pinned = spec.insecureSkipHostKeyCheck ? undefined : parsePinnedHostKey(spec.hostKey!);
    let jump: SshSession | undefined;
    try {
      // Its own connection, never a pooled one: it closes with this session or its failure.
      if (spec.jump) jump = await SshSession.connect(spec.jump, timing);
      const via = jump;
      const socket = () =>
        via
          ? new Promise<ClientChannel>((resolve, reject) =>
              via.client.forwardOut("127.0.0.1", 0, spec.host, spec.port ?? DEFAULT_SSH_PORT, (err, stream) => {
                if (!err) return resolve(stream);
                reject(new HostUnreachableError(target, `jump host ${via.target} could not reach it: ${err.message}`));
              }),
            )
          : Promise.resolve(undefined);
      let offered = pinned ? hostKeyAlgorithmsFor(pinned) : undefined;
      let mismatch: HostKeyMismatchError | undefined;
      for (;;) {
        const shown: { type?: string } = {};
        try {
          return await SshSession.handshake(spec, timing, pinned, offered, shown, await socket(), jump?.client);
        } catch (err) {
          // Asked again without a type the server has no other key of: the first mismatch stands.
          if (mismatch && !(err instanceof HostKeyMismatchError)) throw mismatch;
          // A fingerprint pin of a key of another type than the one presented: ask again
          // without that type, until the pinned key shows or every type was seen.
          if (!(err instanceof HostKeyMismatchError) || pinned?.algorithm || !offered || !shown.type) throw err;
          mismatch ??= err;
          const seen = new Set(algorithmsForKeyType(shown.type));
          offered = offered.filter((a) => !seen.has(a));
          if (offered.length === 0) throw mismatch;
        }
      }
    } catch (err) {
      jump?.close();
      throw err;
    }
  }

  private static handshake(
    spec: ConnectionSpec,
    timing: RetryTiming,
    pinned: ReturnType<typeof parsePinnedHostKey> | undefined,
    offered: string[] | undefined,
    shown: { type?: string },
    sock: ClientChannel | undefined,
    jumpClient: Client | undefined,
  ): Promise<SshSession> {
    const target = targetOf(spec);
    const client = new Client();
    let keyMismatch: string | undefined;
    const config: ConnectConfig = {
      host: spec.host,
      port: spec.port ?? DEFAULT_SSH_PORT,
      username: spec.user ?? DEFAULT_SSH_USER,
      privateKey: spec.privateKey,
      passphrase: spec.privateKeyPassphrase,
      readyTimeout: (spec.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_SECONDS) * 1000,
      keepaliveInterval: 15000,
      sock,
    };
    if (pinned) {
      // Ask for the pinned key's algorithms, so a server with several keys presents that one.
      if (offered) config.algorithms = { serverHostKey: offered as never[] };
      config.hostVerifier = (key: Buffer) => {
        const seen = fingerprintOf(key);
        if (seen === pinned.fingerprint) return true;
        keyMismatch = seen;
        shown.type = keyTypeOf(key);
        return false;
      };
    }
    return new Promise<SshSession>((resolve, reject) => {
      const fail = (err: Error & { level?: string; code?: string }) => {
        // The first error decides; the closing connection may emit more, which must not go unheard.
        client.on("error", () => undefined);
        client.removeAllListeners("ready");
        client.end();
        sock?.close();
        if (keyMismatch) {
          reject(
            new HostKeyMismatchError(
              target,
              `host key mismatch: the server presented ${keyMismatch}, which is not the pinned key. ` +
                "Nothing was sent to it. If the machine was rebuilt, pin its new key; otherwise this may be an attack",
            ),
          );
        } else if (err.level === "client-authentication") {
          reject(
            new AuthenticationError(
              target,
              `authentication failed for user '${spec.user ?? DEFAULT_SSH_USER}': the server refused the key`,
            ),
          );
        } else if (
          err.level === "client-socket" ||
          err.level === "client-timeout" ||
          err.level === "client-dns" ||
          err.code ||
          // The server closed the connection before the handshake: sshd does so while it restarts
          // or when too many connections start at once (MaxStartups). Worth another attempt.
          /connection lost before handshake/i.test(err.message)
        ) {
          reject(new HostUnreachableError(target, `unreachable: ${err.message}`));
        } else {
          reject(new RemoteError(target, `SSH handshake failed: ${err.message}`, "DOCKYARD_SSH_FAILED"));
        }
      };
      client.once("ready", () => {
        client.removeListener("error", fail);
        client.on("error", () => undefined); // later socket errors surface through exec
        resolve(new SshSession(spec, client, jumpClient, timing));
      });
      client.once("error", fail);
      try {
        client.connect(config);
      } catch (err) {
        fail(err as Error);
      }
    });
  }

  /** The host's time bounds it was given (the others take their defaults). */
  get bounds(): TimeBounds {
    return pickBounds(this.spec);
  }

  /** Runs a command; throws RemoteCommandError on a non-zero exit unless allowFailure. */
  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    if (this.closed) throw new HostUnreachableError(this.target, "connection closed");
    let finished!: Promise<ExecResult>;
    let waitMs = 0;
    const done = traceSpan("exec", this.target, opts.what);
    const input = watchInput(opts.stdin);
    const bound = opts.bound ?? "commandTimeout";
    const seconds = opts.timeoutSeconds ?? boundSeconds(this.spec, bound);
    // The bound covers the wait for a channel too; a command it ends gives its place back at once,
    // so a channel the host never closes does not hold up the host's other operations.
    const end: { channel?: ClientChannel; release?: () => void; over?: TimedOutError } = {};
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        end.over = new TimedOutError(this.target, opts.what ?? "a command", seconds, bound);
        if (end.channel) endChannel(end.channel);
        end.release?.();
        reject(end.over);
      }, seconds * 1000);
    });
    overrun.catch(() => undefined);
    let result: ExecResult;
    try {
      // The listeners go on in the channel's open callback: ssh2 can deliver a short command's
      // output, exit status and close in one batch, before any later tick would see them.
      const opened = this.openChannel(this.asUser(command, opts.sudo), opts.what, (channel, waited, release) => {
        if (end.over) {
          endChannel(channel);
          release();
          return;
        }
        end.channel = channel;
        end.release = release;
        waitMs = waited;
        finished = this.collect(channel, opts, input);
      });
      opened.catch(() => undefined);
      await Promise.race([opened, overrun]);
      result = await Promise.race([finished, overrun]);
    } catch (e) {
      done({ waitMs, what: e instanceof TimedOutError ? `${opts.what ?? "a command"} (timed out)` : undefined });
      throw e;
    } finally {
      clearTimeout(timer);
    }
    done({ waitMs, exitCode: result.exitCode });
    if (result.exitCode !== 0 && !opts.allowFailure) throw commandFailure(this.target, command, result, opts.what);
    return result;
  }

  /** Feeds a command's input and gathers its output and exit code until the channel closes. */
  private collect(stream: ClientChannel, opts: ExecOptions, input: { error?: Error }): Promise<ExecResult> {
    return new Promise<ExecResult>((resolve, reject) => {
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      let exitCode: number | null = null;
      stream.on("data", (d: Buffer) => out.push(d));
      stream.stderr.on("data", (d: Buffer) => errOut.push(d));
      stream.on("exit", (code: number | null) => {
        exitCode = code;
      });
      stream.on("close", () => resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(errOut).toString(), exitCode }));
      if (opts.stdin === undefined) stream.end();
      else if (typeof opts.stdin === "string" || Buffer.isBuffer(opts.stdin)) stream.end(opts.stdin);
      else {
        const failed = (e: Error) => {
          stream.close();
          reject(new RemoteError(this.target, `reading local input failed: ${e.message}`, "DOCKYARD_UPLOAD_FAILED"));
        };
        if (input.error) return failed(input.error);
        opts.stdin.on("error", failed);
        opts.stdin.pipe(stream);
      }
    });
  }

  /**
   * Starts a command and hands back its channel as a raw duplex stream (for protocols spoken
   * over a command's stdin/stdout, such as `docker system dial-stdio`).
   */
  async stream(command: string, opts: { sudo?: boolean; what?: string; traceAs?: "exec" | "stream" } = {}): Promise<ClientChannel> {
    if (this.closed) throw new HostUnreachableError(this.target, "connection closed");
    // The trace names the step, never the command's text.
    const done = traceSpan(opts.traceAs ?? "stream", this.target, opts.what ?? "a command");
    return await this.openChannel(this.asUser(command, opts.sudo), opts.what, (channel, waitMs) =>
      channel.once("close", () => done({ waitMs })),
    );
  }

  /**
   * Opens an exec channel once the gate has a free place; the place is given back when the
   * channel closes. A refusal by the server (its own limits, a moment of load) is retried a few
   * times before it counts as a failure.
   */
  private async openChannel(
    command: string,
    what?: string,
    attach?: (channel: ClientChannel, waitedMs: number, release: () => void) => void,
  ): Promise<ClientChannel> {
    const asked = Date.now();
    const release = await this.channels.acquire();
    const waited = Date.now() - asked;
    for (let attempt = 1; ; attempt++) {
      try {
        if (this.closed) throw new HostUnreachableError(this.target, "the SSH connection was closed");
        const channel = await new Promise<ClientChannel>((resolve, reject) =>
          this.client.exec(command, (err, stream) => {
            if (err) return reject(err);
            stream.once("close", release);
            places.set(stream, release);
            attach?.(stream, waited, release);
            resolve(stream);
          }),
        );
        return channel;
      } catch (err) {
        const refused = /channel open failure/i.test((err as Error).message);
        if (err instanceof RemoteError || !refused || attempt >= 5) {
          release();
          if (err instanceof RemoteError) throw err;
          throw new HostUnreachableError(this.target, `could not start ${what ?? "a command"}: ${(err as Error).message}`);
        }
        await sleep(this.timing.channelDelayMs * 2 ** attempt);
      }
    }
  }

  /** The command as it runs: through `sudo -n` for a non-root user that asked for it. */
  private asUser(command: string, sudo?: boolean): string {
    const asRoot = (this.spec.user ?? DEFAULT_SSH_USER) === "root";
    return !asRoot && (sudo ?? this.spec.sudo) ? `sudo -n sh -c ${shq(command)}` : command;
  }

  close(): void {
    this.closed = true;
    this.client.end();
    this.jumpClient?.end();
  }
}

/**
 * Keeps the first error of a stream given as stdin. A stream can fail (a local file that is not
 * there) while its command waits for a channel: unheard, that error would end the process.
 */
function watchInput(stdin: ExecOptions["stdin"]): { error?: Error } {
  const seen: { error?: Error } = {};
  if (stdin !== undefined && typeof stdin !== "string" && !Buffer.isBuffer(stdin)) stdin.once("error", (e: Error) => (seen.error ??= e));
  return seen;
}

/** Each open channel's place in its connection's gate, given back once (at close or when it is ended). */
const places = new WeakMap<ClientChannel, () => void>();

/** The line a script prints when it hits a bound: `dockyard: <what> within <n> s (bound: <name>)`. */
const BOUND_LINE = /^dockyard: (.+) within (\d+) s \(bound: ([A-Za-z]+)\)$/m;

/**
 * The error of a command that exited non-zero. A script that hit a bound of its own (dockerd not
 * answering after a start) says so in one line; that line is the error, without the journal
 * printed after it.
 */
export function commandFailure(target: string, command: string, result: ExecResult, what?: string): RemoteError {
  const late = BOUND_LINE.exec(result.stderr);
  if (late) return new TimedOutError(target, what ?? "a command", Number(late[2]), late[3], late[1]);
  return new RemoteCommandError(target, command, result.exitCode, result.stdout, result.stderr, what);
}

/**
 * Ends a channel whose command overran its bound: the remote process is signalled (sudo passes
 * TERM on to the command), then the channel is closed without waiting for the command.
 */
export function endChannel(channel: ClientChannel): void {
  // Its place goes back now: sshd confirms the close only once the command has exited, which a
  // command blocked on a stalled dockerd may never do; the host's other operations go on.
  places.get(channel)?.();
  try {
    channel.signal("TERM");
  } catch {
    // a channel already closing takes no signal
  }
  channel.close();
}

/**
 * The pool's key: everything that changes what a session is or does (address, port, user, login
 * key and passphrase, host key pin, the skip-check opt-in, sudo, timeouts and bounds, the jump
 * host and its own settings). Two resources share a session only when all of these are the same.
 * Hashed, so the pool's keys never hold key material.
 */
export function poolKey(spec: ConnectionSpec): string {
  const canonical = (s: ConnectionSpec): unknown[] => [
    targetOf(s),
    s.host,
    s.port ?? DEFAULT_SSH_PORT,
    s.user ?? DEFAULT_SSH_USER,
    s.privateKey,
    s.privateKeyPassphrase ?? null,
    s.hostKey ?? null,
    !!s.insecureSkipHostKeyCheck,
    !!s.sudo,
    s.connectTimeout ?? null,
    s.connectAttempts ?? null,
    ...TIME_BOUND_NAMES.map((n) => s[n] ?? null),
    s.jump ? canonical(s.jump) : null,
  ];
  return createHash("sha256")
    .update(JSON.stringify(canonical(spec)))
    .digest("hex");
}
