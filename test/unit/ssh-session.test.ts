import { keyPair } from "../rig/keys";
import test, { type ExecutionContext } from "ava";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { type Connection, type ParsedKey, Server, type ServerChannel, utils } from "ssh2";
import type { ConnectionSpec } from "../../src/remote/connection-spec";
import {
  AuthenticationError,
  HostKeyMismatchError,
  HostUnreachableError,
  RemoteCommandError,
  RemoteError,
  TimedOutError,
} from "../../src/remote/errors";
import { fingerprintOf, hostKeyAlgorithmsFor, parsePinnedHostKey } from "../../src/remote/host-key";
import { withEngine } from "../../src/remote/docker-api";
import { MAX_CHANNELS, poolKey, type RetryTiming, SshSession } from "../../src/remote/ssh-session";
import { uploadFile } from "../../src/remote/upload";
import { forgetAllHosts, forgetHost, readHost } from "../../src/remote/host-reads";
import { shq } from "../../src/model/shell";
import { isDockyardError } from "../../src/model/error-codes";

// The real SshSession against ssh2's Server in this process, playing the machine: it checks the
// client's key, runs each exec request with the local `sh` (so uploads and exit codes are real)
// and can drop connections, refuse channels, hold channels open and answer sudo as sudo would.
// Serial: counts of connections and channels are per machine, and handshakes on a loaded
// machine should not meet each other's timeouts.

const FAST: RetryTiming = { connectDelayMs: 10, connectMaxDelayMs: 40, channelDelayMs: 5 };
const PASSPHRASE = "correct-horse-5b1c";
const clientKey = keyPair({ passphrase: PASSPHRASE, cipher: "aes256-ctr", rounds: 4 });
const otherClientKey = keyPair();
const serverKey = keyPair();
const otherServerKey = keyPair();

const publicBlob = (line: string) => Buffer.from(line.split(" ")[1], "base64");

interface MachineOptions {
  /** Users the key is authorised for. @default ["root", "deploy"] */
  users?: string[];
  /** Connections closed by the machine as soon as they arrive, before SSH starts. */
  drop?: number;
  /** Session channel requests refused, first come. */
  refuseChannels?: number;
  /** `sudo -n` refuses, as without a NOPASSWD rule. */
  sudoNeedsPassword?: boolean;
  /** The machine's host keys (private). @default [serverKey] */
  hostKeys?: string[];
  /** The host key algorithms it accepts to sign with (as sshd's HostKeyAlgorithms). */
  hostKeyAlgorithms?: string[];
  /** Host key algorithms clients offered, per connection. */
  offered?: string[][];
}

/** An SSH server on 127.0.0.1 standing in for a machine, with what it saw. */
class Machine {
  port = 0;
  /** TCP connections that reached it (dropped ones included). */
  connections = 0;
  /** Commands exactly as they arrived in exec requests. */
  readonly commands: string[] = [];
  /** Channels open now, and the most open at once. */
  open = 0;
  maxOpen = 0;
  /** Channels of the `hold` command, kept open until released. */
  readonly held: ServerChannel[] = [];
  readonly clients = new Set<Connection>();
  /** Connections forwarded on to another address (as a jump host). */
  forwarded = 0;
  private refused = 0;
  private readonly front: net.Server;
  private readonly ssh: Server;
  private readonly authorised: ParsedKey;

  constructor(private readonly opts: MachineOptions = {}) {
    this.authorised = utils.parseKey(clientKey.private, PASSPHRASE) as ParsedKey;
    this.ssh = new Server(
      {
        hostKeys: opts.hostKeys ?? [serverKey.private],
        ...(opts.hostKeyAlgorithms ? { algorithms: { serverHostKey: opts.hostKeyAlgorithms as never[] } } : {}),
      },
      (client) => this.serve(client),
    );
    // A plain TCP server in front, so a connection can be dropped before SSH begins.
    this.front = net.createServer((sock) => {
      this.connections++;
      if (this.connections <= (this.opts.drop ?? 0)) sock.destroy();
      else this.ssh.injectSocket(sock);
    });
  }

  static async start(opts?: MachineOptions): Promise<Machine> {
    const m = new Machine(opts);
    await new Promise<void>((resolve) => m.front.listen(0, "127.0.0.1", resolve));
    m.port = (m.front.address() as net.AddressInfo).port;
    return m;
  }

  spec(extra: Partial<ConnectionSpec> = {}): ConnectionSpec {
    return {
      host: "127.0.0.1",
      port: this.port,
      user: "root",
      privateKey: clientKey.private,
      privateKeyPassphrase: PASSPHRASE,
      hostKey: serverKey.public,
      connectAttempts: 3,
      ...extra,
    };
  }

  async stop(): Promise<void> {
    // Held channels (a stopped dockerd's) end first, or their connections never close.
    for (const ch of this.held.splice(0)) {
      ch.exit(0);
      ch.end();
    }
    for (const c of this.clients) c.end();
    const closed = new Promise<void>((resolve) => this.front.close(() => resolve()));
    for (const c of this.clients) (c as unknown as { _sock?: net.Socket })._sock?.destroy();
    await closed;
  }

  private serve(client: Connection): void {
    this.clients.add(client);
    client.on("close", () => this.clients.delete(client));
    client.on("error", () => undefined);
    client.on("authentication", (ctx) => {
      const key = this.authorised;
      const ok =
        ctx.method === "publickey" &&
        (this.opts.users ?? ["root", "deploy"]).includes(ctx.username) &&
        ctx.key.algo === key.type &&
        ctx.key.data.equals(key.getPublicSSH()) &&
        (!ctx.signature || key.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true);
      if (ok) ctx.accept();
      else ctx.reject(["publickey"]);
    });
    client.on("ready", () => {
      // As a bastion: a forwarded connection goes to the address asked for, or is refused.
      client.on("tcpip", (accept, reject, info) => {
        const upstream = net.connect(info.destPort, info.destIP);
        upstream.once("error", () => reject());
        upstream.once("connect", () => {
          const channel = accept();
          this.forwarded++;
          channel.pipe(upstream).pipe(channel);
        });
      });
      client.on("session", (accept, reject) => {
        if (this.refused < (this.opts.refuseChannels ?? 0)) {
          this.refused++;
          reject();
          return;
        }
        const session = accept();
        session.on("exec", (acceptExec, _rejectExec, info) => {
          const channel = acceptExec();
          this.commands.push(info.command);
          this.open++;
          this.maxOpen = Math.max(this.maxOpen, this.open);
          channel.on("close", () => this.open--);
          this.run(info.command, channel);
        });
      });
    });
  }

  private run(command: string, channel: ServerChannel): void {
    // A dockerd that accepts on its socket and never answers (stopped with SIGSTOP).
    if (command === "hold" || command === "docker system dial-stdio") {
      channel.resume(); // read the client's EOF, so the channel can close
      this.held.push(channel);
      return;
    }
    if (command === "die") {
      channel.resume();
      channel.exit("KILL");
      channel.end();
      return;
    }
    let line = command;
    if (line.startsWith("sudo -n ")) {
      if (this.opts.sudoNeedsPassword) {
        channel.stderr.write("sudo: a password is required\n");
        channel.exit(1);
        channel.end();
        return;
      }
      line = line.slice("sudo -n ".length);
    }
    const child = spawn("sh", ["-c", line], { stdio: ["pipe", "pipe", "pipe"] });
    channel.pipe(child.stdin);
    child.stdin.on("error", () => undefined);
    child.stdout.on("data", (d: Buffer) => channel.write(d));
    child.stderr.on("data", (d: Buffer) => channel.stderr.write(d));
    child.on("close", (code) => {
      channel.exit(code ?? 255);
      channel.end();
    });
  }
}

/** Ends a held channel with an exit code. */
function release(channel: ServerChannel, code = 0): void {
  channel.exit(code);
  channel.end();
}

async function until(what: string, condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Every error a test saw, to check afterwards that none repeats a secret. */
const seen: unknown[] = [];
async function rejects<T extends Error>(t: ExecutionContext, p: Promise<unknown>, cls: new (...a: never[]) => T): Promise<T> {
  const err = await t.throwsAsync(p);
  seen.push(err);
  t.true(err instanceof cls, `${err?.constructor.name}: ${err?.message}`);
  return err as T;
}

const machines: Machine[] = [];
async function machine(opts?: MachineOptions): Promise<Machine> {
  const m = await Machine.start(opts);
  machines.push(m);
  return m;
}
const sessions: SshSession[] = [];
async function connect(spec: ConnectionSpec): Promise<SshSession> {
  const s = await SshSession.connect(spec, FAST);
  sessions.push(s);
  return s;
}

test.after.always(async () => {
  for (const s of sessions) s.close();
  await SshSession.closeAll();
  await Promise.all(machines.map((m) => m.stop()));
});

const target = (m: Machine, user = "root") => `${user}@127.0.0.1:${m.port}`;

test.serial("a command's stdout, stderr and exit code come back; stdin is fed and closed", async (t) => {
  const m = await machine();
  const s = await connect(m.spec());
  t.is(s.target, target(m));
  t.deepEqual(await s.exec("printf 'to out'; printf 'to err' >&2"), { stdout: "to out", stderr: "to err", exitCode: 0 });
  t.is((await s.exec("cat", { stdin: "from a string" })).stdout, "from a string");
  t.is((await s.exec("wc -c", { stdin: Buffer.alloc(70000, 1) })).stdout.trim(), "70000");
  t.is((await s.exec("cat", { stdin: Readable.from(["a stream, ", "in parts"]) })).stdout, "a stream, in parts");
  t.is(m.connections, 1, "every command went over the one connection");
});

test.serial("a non-zero exit is a RemoteCommandError naming the host, the step and the output's tail", async (t) => {
  const m = await machine();
  const s = await connect(m.spec());
  const err = await rejects(
    t,
    s.exec("echo partial; for i in $(seq 1 20); do echo line $i >&2; done; exit 3", { what: "reading os-release" }),
    RemoteCommandError,
  );
  t.is(err.exitCode, 3);
  t.is(err.target, target(m));
  t.is(err.code, "DOCKYARD_REMOTE_COMMAND_FAILED");
  t.is(err.stdout, "partial\n");
  t.true(
    err.message.startsWith(`[DOCKYARD_REMOTE_COMMAND_FAILED] ${target(m)}: reading os-release failed with exit code 3:\nline 6\n`),
    err.message,
  );
  t.true(err.message.endsWith("\nline 20"), "the last 15 lines of stderr close the message");
  t.false(err.message.includes("line 5\n"));
  // Without a step name, and when only stdout said something.
  const plain = await rejects(t, s.exec("echo only stdout; exit 1"), RemoteCommandError);
  t.is(plain.message, `[DOCKYARD_REMOTE_COMMAND_FAILED] ${target(m)}: command failed with exit code 1:\nonly stdout`);
  // A command killed by a signal has no exit code.
  const killed = await rejects(t, s.exec("die", { what: "installing docker" }), RemoteCommandError);
  t.is(killed.exitCode, null);
  t.regex(killed.message, /installing docker failed with exit code \(killed\)$/);
  // allowFailure resolves instead.
  t.deepEqual(await s.exec("echo no >&2; exit 4", { allowFailure: true }), { stdout: "", stderr: "no\n", exitCode: 4 });
});

test.serial("a key the machine does not accept is an AuthenticationError, not retried", async (t) => {
  const m = await machine({ users: ["root"] });
  const wrongUser = await rejects(t, SshSession.connect(m.spec({ user: "nobody" }), FAST), AuthenticationError);
  t.is(
    wrongUser.message,
    `[DOCKYARD_AUTHENTICATION_FAILED] ${target(m, "nobody")}: authentication failed for user 'nobody': the server refused the key`,
  );
  const wrongKey = await rejects(
    t,
    SshSession.connect(m.spec({ privateKey: otherClientKey.private, privateKeyPassphrase: undefined }), FAST),
    AuthenticationError,
  );
  t.is(wrongKey.code, "DOCKYARD_AUTHENTICATION_FAILED");
  t.is(m.connections, 2, "one connection each: a refused key is not retried");
});

test.serial("a host key other than the pinned one is a HostKeyMismatchError, never retried; both pin forms work", async (t) => {
  const m = await machine();
  const err = await rejects(
    t,
    SshSession.connect(m.spec({ hostKey: otherServerKey.public, connectAttempts: 5 }), FAST),
    HostKeyMismatchError,
  );
  t.is(err.code, "DOCKYARD_HOST_KEY_MISMATCH");
  t.true(
    err.message.startsWith(
      `[DOCKYARD_HOST_KEY_MISMATCH] ${target(m)}: host key mismatch: the server presented ${fingerprintOf(publicBlob(serverKey.public))}, which is not the pinned key`,
    ),
    err.message,
  );
  t.is(m.connections, 1);
  t.is(m.commands.length, 0, "nothing ran");
  // A wrong fingerprint pin is refused the same way.
  await rejects(t, SshSession.connect(m.spec({ hostKey: fingerprintOf(publicBlob(otherServerKey.public)) }), FAST), HostKeyMismatchError);
  // The right key, as a line with a host field (ssh-keyscan) or as a fingerprint, connects.
  await connect(m.spec({ hostKey: `[127.0.0.1]:${m.port} ${serverKey.public}` }));
  await connect(m.spec({ hostKey: fingerprintOf(publicBlob(serverKey.public)) }));
});

test.serial("no pinned host key is refused unless insecureSkipHostKeyCheck opts in, which accepts any key", async (t) => {
  const m = await machine();
  const err = await rejects(t, SshSession.connect(m.spec({ hostKey: undefined }), FAST), RemoteError);
  t.is(err.code, "DOCKYARD_HOST_KEY_NOT_PINNED");
  t.regex(err.message, /no hostKey is pinned/);
  t.is(m.connections, 0, "refused before connecting");
  const s = await connect(m.spec({ hostKey: undefined, insecureSkipHostKeyCheck: true }));
  t.is((await s.exec("echo in")).stdout, "in\n");
  const s2 = await connect(m.spec({ hostKey: otherServerKey.public, insecureSkipHostKeyCheck: true }));
  t.is((await s2.exec("echo in")).stdout, "in\n", "the opt-in accepts even a key other than the pinned one");
});

test.serial("connection refused is a HostUnreachableError after every attempt", async (t) => {
  const port = await closedPort();
  const spec: ConnectionSpec = {
    host: "127.0.0.1",
    port,
    privateKey: clientKey.private,
    privateKeyPassphrase: PASSPHRASE,
    hostKey: serverKey.public,
    connectAttempts: 2,
  };
  const err = await rejects(t, SshSession.connect(spec, FAST), HostUnreachableError);
  t.is(err.code, "DOCKYARD_HOST_UNREACHABLE");
  t.regex(err.message, new RegExp(`^\\[DOCKYARD_HOST_UNREACHABLE\\] root@127\\.0\\.0\\.1:${port}: unreachable: .*ECONNREFUSED`));
});

test.serial("a machine that drops connections is retried with backoff until connectAttempts runs out", async (t) => {
  const m = await machine({ drop: 10 });
  const err = await rejects(t, SshSession.connect(m.spec({ connectAttempts: 3 }), FAST), HostUnreachableError);
  t.regex(err.message, /unreachable/);
  t.is(m.connections, 3);
});

test.serial("a transient failure is retried: the first connection dropped, the second one works", async (t) => {
  const m = await machine({ drop: 1 });
  const s = await connect(m.spec({ connectAttempts: 2 }));
  t.is((await s.exec("echo up")).stdout, "up\n");
  t.is(m.connections, 2);
  // With one attempt the same machine is unreachable.
  const m1 = await machine({ drop: 1 });
  await rejects(t, SshSession.connect(m1.spec({ connectAttempts: 1 }), FAST), HostUnreachableError);
  t.is(m1.connections, 1);
});

test.serial("a server that accepts but never speaks SSH times out as unreachable", async (t) => {
  // Accepts and never speaks; its sockets are destroyed at the end, or they keep the process alive.
  const accepted = new Set<net.Socket>();
  const silent = net.createServer((sock) => {
    accepted.add(sock);
    sock.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  t.teardown(() => {
    for (const sock of accepted) sock.destroy();
    silent.close();
  });
  const port = (silent.address() as net.AddressInfo).port;
  const spec: ConnectionSpec = {
    host: "127.0.0.1",
    port,
    privateKey: clientKey.private,
    privateKeyPassphrase: PASSPHRASE,
    hostKey: serverKey.public,
    connectAttempts: 1,
    connectTimeout: 1,
  };
  const err = await rejects(t, SshSession.connect(spec, FAST), HostUnreachableError);
  t.regex(err.message, /unreachable: Timed out while waiting for handshake/);
});

test.serial("at most MAX_CHANNELS channels are open at once on one connection; the rest wait their turn", async (t) => {
  t.is(MAX_CHANNELS, 6);
  const m = await machine();
  const s = await connect(m.spec());
  const runs = Array.from({ length: 10 }, () => s.exec("hold"));
  await until("6 held channels", () => m.held.length === 6);
  await new Promise((r) => setTimeout(r, 100));
  t.is(m.held.length, 6, "the 7th waits for a free channel");
  t.is(m.maxOpen, 6);
  release(m.held[0]);
  await until("a 7th channel once one closed", () => m.held.length === 7);
  for (const c of m.held.slice(1)) release(c);
  await until("all 10", () => m.held.length === 10);
  for (const c of m.held.slice(7)) release(c);
  const results = await Promise.all(runs);
  t.true(results.every((r) => r.exitCode === 0));
  t.is(m.maxOpen, 6);
  // The gate is free again: a new command runs at once.
  t.is((await s.exec("echo free")).stdout, "free\n");
});

test.serial("a channel the server refuses is retried, and reported as unreachable when it keeps refusing", async (t) => {
  const m = await machine({ refuseChannels: 2 });
  const s = await connect(m.spec());
  t.is((await s.exec("echo third time")).stdout, "third time\n");
  const always = await machine({ refuseChannels: 100 });
  const s2 = await connect(always.spec());
  const err = await rejects(t, s2.exec("true", { what: "reading host facts" }), HostUnreachableError);
  t.regex(err.message, /could not start reading host facts: .*channel open failure/i);
  // The places went back: the refusals did not leak the gate's channels.
  const runs = await Promise.all(Array.from({ length: MAX_CHANNELS + 1 }, () => s.exec("true")));
  t.is(runs.length, MAX_CHANNELS + 1);
});

test.serial("sudo: a non-root user with sudo runs commands through `sudo -n sh -c`; root and sudo: false do not", async (t) => {
  const m = await machine();
  const deploy = await connect(m.spec({ user: "deploy", sudo: true }));
  t.is((await deploy.exec("echo 'as root'")).stdout, "as root\n");
  t.is(m.commands.at(-1), `sudo -n sh -c ${shq("echo 'as root'")}`);
  await deploy.exec("true", { sudo: false });
  t.is(m.commands.at(-1), "true", "a command can opt out");
  const plain = await connect(m.spec({ user: "deploy" }));
  await plain.exec("id -u");
  t.is(m.commands.at(-1), "id -u");
  await plain.exec("id -u", { sudo: true });
  t.is(m.commands.at(-1), `sudo -n sh -c ${shq("id -u")}`, "or opt in");
  const root = await connect(m.spec({ user: "root", sudo: true }));
  await root.exec("id -u", { sudo: true });
  t.is(m.commands.at(-1), "id -u", "root needs no sudo");
  // stdin reaches a command run through sudo.
  t.is((await deploy.exec("cat", { stdin: "piped" })).stdout, "piped");
});

test.serial("sudo that wants a password fails as a RemoteCommandError naming the host and step", async (t) => {
  const m = await machine({ sudoNeedsPassword: true });
  const s = await connect(m.spec({ user: "deploy", sudo: true }));
  const err = await rejects(t, s.exec("systemctl restart docker", { what: "starting docker" }), RemoteCommandError);
  t.is(
    err.message,
    `[DOCKYARD_REMOTE_COMMAND_FAILED] ${target(m, "deploy")}: starting docker failed with exit code 1:\nsudo: a password is required`,
  );
});

test.serial(
  "uploads: written under a temporary name, checked, renamed; skipped when the file is there; a bad checksum leaves nothing",
  async (t) => {
    const m = await machine();
    const s = await connect(m.spec());
    const dir = mkdtempSync(path.join(os.tmpdir(), "dockyard-upload-"));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const local = path.join(dir, "bundle.tgz");
    writeFileSync(local, Buffer.alloc(200000, 7));
    const sha = createHash("sha256").update(readFileSync(local)).digest("hex");
    const remote = path.join(dir, "on-host", "sub dir", "bundle.tgz");
    t.deepEqual(await uploadFile(s, local, remote, sha), { uploaded: true });
    t.true(readFileSync(remote).equals(readFileSync(local)));
    t.false(existsSync(`${remote}.dockyard-upload`));
    t.deepEqual(await uploadFile(s, local, remote, sha), { uploaded: false }, "the same sha256 on the host: not sent again");
    const other = path.join(dir, "on-host", "other.tgz");
    const err = await rejects(t, uploadFile(s, local, other, "0".repeat(64)), RemoteError);
    t.is(err.code, "DOCKYARD_UPLOAD_FAILED");
    t.is(err.message, `[DOCKYARD_UPLOAD_FAILED] ${target(m)}: upload of bundle.tgz arrived with sha256 ${sha}, expected ${"0".repeat(64)}`);
    t.false(existsSync(other));
    t.false(existsSync(`${other}.dockyard-upload`));
    // A local file that cannot be read fails the upload without leaving a channel open.
    const missing = await rejects(t, uploadFile(s, path.join(dir, "nope.tgz"), other, sha), RemoteError);
    t.is(missing.code, "DOCKYARD_UPLOAD_FAILED");
    t.regex(missing.message, /reading local input failed: ENOENT/);
    t.is((await s.exec("echo still usable")).stdout, "still usable\n");
  },
);

test.serial("a closed or dropped connection is reported as unreachable, and the pool connects again", async (t) => {
  const m = await machine();
  const spec = m.spec();
  const a = await SshSession.for(spec, FAST);
  t.is(await SshSession.for(spec, FAST), a, "one pooled connection per machine");
  t.is(m.connections, 1);
  for (const c of m.clients) c.end(); // the machine goes away
  await until("the machine to close it", () => m.clients.size === 0);
  await new Promise((r) => setTimeout(r, 50));
  const err = await rejects(t, a.exec("true"), HostUnreachableError);
  t.regex(err.message, /closed/);
  const b = await SshSession.for(spec, FAST);
  t.not(b, a);
  t.is((await b.exec("echo back")).stdout, "back\n");
  t.is(m.connections, 2);
  b.close();
  await rejects(t, b.exec("true"), HostUnreachableError);
});

test.serial("through a jump host: the machine is reached over a forwarded connection, and its own key is checked", async (t) => {
  const bastion = await machine();
  const m = await machine();
  const s = await connect(m.spec({ jump: bastion.spec() }));
  t.is((await s.exec("echo via the bastion")).stdout, "via the bastion\n");
  t.is(bastion.forwarded, 1);
  t.deepEqual(bastion.commands, [], "nothing runs on the bastion");
  t.is(m.connections, 1);
  const mismatch = await rejects(
    t,
    SshSession.connect(m.spec({ hostKey: otherServerKey.public, jump: bastion.spec() }), FAST),
    HostKeyMismatchError,
  );
  t.true(mismatch.message.startsWith(`[DOCKYARD_HOST_KEY_MISMATCH] ${target(m)}: `), mismatch.message);
  const port = await closedPort();
  const nowhere = await rejects(
    t,
    SshSession.connect({ ...m.spec({ jump: bastion.spec() }), port, connectAttempts: 1 }, FAST),
    HostUnreachableError,
  );
  t.regex(
    nowhere.message,
    new RegExp(
      `^\\[DOCKYARD_HOST_UNREACHABLE\\] root@127\\.0\\.0\\.1:${port}: jump host ${target(bastion).replace(/\./g, "\\.")} could not reach it`,
    ),
  );
});

test.serial("a wrong passphrase fails without echoing it", async (t) => {
  const m = await machine();
  const err = await rejects(t, SshSession.connect(m.spec({ privateKeyPassphrase: "not-the-passphrase-91" }), FAST), RemoteError);
  t.false(err.message.includes("not-the-passphrase-91"));
  t.true(isDockyardError(err));
});

test.serial("host reads: probes run as one command, each output exactly as alone, shared until the host changes", async (t) => {
  forgetAllHosts();
  const m = await machine();
  const s = await connect(m.spec());
  const probes = [
    { name: "a", script: "echo one; echo two", what: "reading a" },
    { name: "b", script: "printf 'no final newline'", what: "reading b" },
    { name: "c", script: "true", what: "reading c" },
    { name: "d", script: "printf 'ends\\n\\n'", what: "reading d" },
  ];
  const alone = await Promise.all(probes.map(async (p) => (await s.exec(p.script)).stdout));
  const before = m.commands.length;
  const first = await Promise.all(readHost(s, "machine-1", probes));
  t.deepEqual(first, alone);
  t.is(m.commands.length, before + 1, "one command for the four probes");
  // Another resource of the host: served from the first read, nothing is run.
  t.deepEqual(await Promise.all(readHost(s, "machine-1", probes.slice(1, 3))), alone.slice(1, 3));
  t.is(m.commands.length, before + 1);
  // Another probe script under a known name is another read; only it runs.
  t.is(await readHost(s, "machine-1", [probes[0], { ...probes[2], script: "echo three" }])[1], "three\n");
  t.is(m.commands.length, before + 2);
  t.false(m.commands[m.commands.length - 1].includes("echo one"), "the cached probe did not run again");
  // The host changed: everything is read again.
  forgetHost("machine-1");
  await Promise.all(readHost(s, "machine-1", probes));
  t.is(m.commands.length, before + 3);
  // Reads are per machine.
  await Promise.all(readHost(s, "machine-2", probes));
  t.is(m.commands.length, before + 4);
});

test.serial(
  "host reads: a probe's output is handed over when its part ends, and a failing probe fails alone and is not kept",
  async (t) => {
    forgetAllHosts();
    const m = await machine();
    const s = await connect(m.spec());
    const order: string[] = [];
    const [quick, failing, slow] = readHost(s, "machine-3", [
      { name: "quick", script: "echo quick", what: "reading quickly" },
      { name: "failing", script: "echo partial; exit 3", what: "reading what fails" },
      { name: "slow", script: "sleep 1; echo slow", what: "reading slowly" },
    ]);
    const settled = Promise.allSettled([quick, failing, slow].map((p, i) => p.finally(() => order.push(["quick", "failing", "slow"][i]))));
    const started = Date.now();
    t.is(await quick, "quick\n");
    t.true(Date.now() - started < 900, "the quick probe did not wait for the slow one");
    const err = await rejects(t, failing, RemoteCommandError);
    t.is(err.exitCode, 3);
    t.regex(err.message, /reading what fails/);
    t.is(await slow, "slow\n");
    await settled;
    t.deepEqual(order, ["quick", "failing", "slow"]);
    const before = m.commands.length;
    await t.throwsAsync(readHost(s, "machine-3", [{ name: "failing", script: "echo partial; exit 3", what: "reading what fails" }])[0]);
    t.is(m.commands.length, before + 1, "the failed probe is asked again, the others are not");
  },
);

test.serial("host reads: the trace names steps and hosts, never a probe's script or output", async (t) => {
  forgetAllHosts();
  const dir = mkdtempSync(path.join(os.tmpdir(), "dockyard-trace-"));
  const file = path.join(dir, "trace.jsonl");
  process.env.DOCKYARD_TRACE = file;
  try {
    const m = await machine();
    const s = await connect(m.spec());
    const probes = [{ name: "secretive", script: "echo s3cr3t-output-71", what: "reading the secret" }];
    t.is(await readHost(s, "machine-4", probes)[0], "s3cr3t-output-71\n");
    await readHost(s, "machine-4", probes)[0];
    await s.exec("echo s3cr3t-command-72", { what: "running a step" });
    const lines = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { kind: string; what?: string; host: string; ms: number });
    // A read's line is written when its command closes, which may be after its output served a second reader.
    t.deepEqual(lines.map((l) => `${l.kind}: ${l.what ?? "-"}`).sort(), [
      "cache: reading the secret",
      "connect: -",
      "exec: reading the host (secretive)",
      "exec: running a step",
    ]);
    for (const l of lines) t.is(l.host, target(m));
    t.false(readFileSync(file, "utf8").includes("s3cr3t"));
  } finally {
    delete process.env.DOCKYARD_TRACE;
    rmSync(dir, { recursive: true, force: true });
  }
});

// --- Bounded waits ---

test.serial("a command that overruns its bound is ended within it: one line naming host, step and bound; its place is freed", async (t) => {
  const m = await machine();
  const s = await connect(m.spec({ commandTimeout: 1 }));
  const started = Date.now();
  const err = await rejects(t, s.exec("hold", { what: "installing docker" }), TimedOutError);
  const took = Date.now() - started;
  t.true(took >= 900 && took < 2500, `ended after ${took} ms`);
  t.is(err.code, "DOCKYARD_TIMED_OUT");
  t.is(err.message, `[DOCKYARD_TIMED_OUT] ${target(m)}: installing docker: did not finish within 1 s (bound: commandTimeout)`);
  t.false(err.message.includes("\n"), "one line");
  await until("the machine to see the channel closed", () => m.open === 0);
  // Hung channels do not block the host: as many as the gate holds, each ended at its bound, and
  // a command after them runs at once.
  const hung = Array.from({ length: MAX_CHANNELS }, () =>
    s.exec("hold", { timeoutSeconds: 1, bound: "engineStartTimeout" }).catch((e: Error) => e),
  );
  await until("the gate full of hung channels", () => m.held.length >= MAX_CHANNELS + 1);
  const afterHung = Date.now();
  t.is((await s.exec("echo free", { timeoutSeconds: 5 })).stdout, "free\n");
  t.true(Date.now() - afterHung < 2500, "the next command waited only for the bound of the hung ones");
  for (const e of await Promise.all(hung)) t.regex((e as Error).message, /within 1 s \(bound: engineStartTimeout\)$/);
  // A command within its bound is untouched.
  t.is((await s.exec("sleep 0.2; echo done", { timeoutSeconds: 5 })).stdout, "done\n");
});

test.serial("a script that hits a bound of its own fails with its one line, not the journal after it", async (t) => {
  const m = await machine();
  const s = await connect(m.spec());
  const err = await rejects(
    t,
    s.exec("echo 'dockyard: docker did not answer within 60 s (bound: engineStartTimeout)' >&2; echo 'journal line' >&2; exit 1", {
      what: "starting docker",
    }),
    TimedOutError,
  );
  t.is(err.message, `[DOCKYARD_TIMED_OUT] ${target(m)}: starting docker: docker did not answer within 60 s (bound: engineStartTimeout)`);
});

test.serial("an Engine API call dockerd never answers fails within engineApiTimeout naming host, step and bound", async (t) => {
  const m = await machine();
  const spec = m.spec({ engineApiTimeout: 1 });
  const started = Date.now();
  const err = await rejects(
    t,
    withEngine(spec, "reading container web", (docker) => docker.getContainer("web").inspect()),
    TimedOutError,
  );
  const took = Date.now() - started;
  t.true(took < 3000, `ended after ${took} ms`);
  t.is(
    err.message,
    `[DOCKYARD_TIMED_OUT] ${target(m)}: reading container web: the Docker engine did not answer within 1 s (bound: engineApiTimeout)`,
  );
  await until("the dial-stdio channel closed on the machine", () => m.open === 0);
  // The session is still good for what does answer.
  t.is((await (await SshSession.for(spec, FAST)).exec("echo alive")).stdout, "alive\n");
  // A pull's calls are bounded by pullTimeout instead.
  const pull = await rejects(
    t,
    withEngine(m.spec({ engineApiTimeout: 1, pullTimeout: 2 }), "pulling image nginx", (_docker, boundBy) => boundBy("pullTimeout").ping()),
    TimedOutError,
  );
  t.regex(pull.message, /pulling image nginx: the pull did not finish within 2 s \(bound: pullTimeout\)$/);
});

test.serial("an unanswered Engine API call fails at its bound even when the machine never confirms the channel's close", async (t) => {
  // Real sshd confirms a close only once the command exits, and a dial-stdio blocked on a stopped
  // dockerd never does; ssh2's destroy() then says nothing. Here no close is ever sent, so none is confirmed.
  const m = await machine();
  const proto = Object.getPrototypeOf((await (await SshSession.for(m.spec(), FAST)).stream("true", { what: "probe" })) as object) as {
    close: () => void;
  };
  const close = proto.close;
  proto.close = () => undefined;
  t.teardown(() => {
    proto.close = close;
  });
  const started = Date.now();
  await rejects(
    t,
    withEngine(m.spec({ engineApiTimeout: 1 }), "reading image nginx", (docker) => docker.getImage("nginx").inspect()),
    TimedOutError,
  );
  t.true(Date.now() - started < 3000, `ended after ${Date.now() - started} ms`);
});

test.serial("a host read whose probe never ends fails within commandTimeout, naming the read and the bound", async (t) => {
  forgetAllHosts();
  const m = await machine();
  const s = await connect(m.spec({ commandTimeout: 1 }));
  const started = Date.now();
  const [quick, stuck] = readHost(s, "machine-5", [
    { name: "quick", script: "echo quick", what: "reading quickly" },
    { name: "stuck", script: "sleep 30", what: "reading a stalled dockerd" },
  ]);
  t.is(await quick, "quick\n");
  const err = await rejects(t, stuck, TimedOutError);
  t.true(Date.now() - started < 2500, `ended after ${Date.now() - started} ms`);
  t.is(
    err.message,
    `[DOCKYARD_TIMED_OUT] ${target(m)}: reading the host (quick, stuck): did not finish within 1 s (bound: commandTimeout)`,
  );
});

// --- SSH details ---

test.serial("an ssh-rsa pin offers rsa-sha2-512 and rsa-sha2-256, so a server that refuses plain ssh-rsa is reached", async (t) => {
  const rsa = utils.generateKeyPairSync("rsa", { bits: 2048 });
  // As OpenSSH 8.8+ and RHEL 9: the RSA host key signs only with SHA-2.
  const m = await machine({ hostKeys: [rsa.private], hostKeyAlgorithms: ["rsa-sha2-512", "rsa-sha2-256"] });
  const s = await connect(m.spec({ hostKey: rsa.public }));
  t.is((await s.exec("echo rsa")).stdout, "rsa\n");
  t.deepEqual(hostKeyAlgorithmsFor(parsePinnedHostKey(rsa.public)), ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]);
  const ecdsa = utils.generateKeyPairSync("ecdsa", { bits: 384 });
  t.deepEqual(hostKeyAlgorithmsFor(parsePinnedHostKey(ecdsa.public)), ["ecdsa-sha2-nistp384"]);
  const ec = await machine({ hostKeys: [serverKey.private, ecdsa.private] });
  const se = await connect(ec.spec({ hostKey: ecdsa.public }));
  t.is((await se.exec("echo ecdsa")).stdout, "ecdsa\n", "an ECDSA pin asks for its own key of a server that has an ed25519 one too");
});

test.serial("a SHA256 pin of an RSA or ECDSA key reaches a server that prefers ed25519; a wrong one is still a mismatch", async (t) => {
  const rsa = utils.generateKeyPairSync("rsa", { bits: 2048 });
  const ecdsa = utils.generateKeyPairSync("ecdsa", { bits: 256 });
  const m = await machine({ hostKeys: [serverKey.private, ecdsa.private, rsa.private] });
  for (const pub of [rsa.public, ecdsa.public, serverKey.public]) {
    const s = await connect(m.spec({ hostKey: fingerprintOf(publicBlob(pub)) }));
    t.is((await s.exec("echo in")).stdout, "in\n", pub.split(" ")[0]);
  }
  const before = m.commands.length;
  const err = await rejects(
    t,
    SshSession.connect(m.spec({ hostKey: fingerprintOf(publicBlob(otherServerKey.public)) }), FAST),
    HostKeyMismatchError,
  );
  t.regex(
    err.message,
    new RegExp(`the server presented ${fingerprintOf(publicBlob(serverKey.public)).replace(/[+/]/g, "\\$&")}, which is not the pinned key`),
  );
  t.is(m.commands.length, before, "nothing ran");
});

test.serial("the pool shares a session only between specs that agree on everything that changes one", async (t) => {
  const m = await machine();
  const base = m.spec({ user: "deploy" });
  const plain = await SshSession.for(base, FAST);
  t.is(await SshSession.for({ ...base }, FAST), plain, "the same settings share");
  const variants: Partial<ConnectionSpec>[] = [
    { sudo: true },
    { insecureSkipHostKeyCheck: true },
    { hostKey: fingerprintOf(publicBlob(serverKey.public)) },
    { user: "root" },
    { commandTimeout: 5 },
    { engineApiTimeout: 5 },
    { connectTimeout: 5 },
  ];
  for (const v of variants) t.not(await SshSession.for({ ...base, ...v }, FAST), plain, JSON.stringify(v));
  t.not(poolKey({ ...base, privateKey: otherClientKey.private }), poolKey(base), "another login key");
  const bastion = await machine();
  t.not(poolKey({ ...base, jump: bastion.spec() }), poolKey(base), "through a jump host");
  t.not(poolKey({ ...base, jump: bastion.spec({ user: "deploy" }) }), poolKey({ ...base, jump: bastion.spec() }), "another jump user");
  // A resource that asked for sudo runs through sudo, whoever connected first.
  const sudo = await SshSession.for({ ...base, sudo: true }, FAST);
  await sudo.exec("id -u");
  t.is(m.commands.at(-1), `sudo -n sh -c ${shq("id -u")}`);
  await plain.exec("id -u");
  t.is(m.commands.at(-1), "id -u");
  t.false(poolKey({ ...base, privateKeyPassphrase: "x" }).includes(PASSPHRASE));
});

test.serial("connection options are checked where they reach the SSH layer, naming the field", async (t) => {
  const m = await machine();
  for (const [extra, field] of [
    [{ connectTimeout: 0 }, "connectTimeout"],
    [{ connectAttempts: 0 }, "connectAttempts"],
    [{ connectAttempts: 2.5 }, "connectAttempts"],
    [{ port: 70000 }, "port"],
    [{ commandTimeout: 0 }, "commandTimeout"],
  ] as const) {
    const err = await t.throwsAsync(SshSession.connect(m.spec(extra), FAST));
    t.is((err as { propertyPath?: string }).propertyPath, field, err?.message);
  }
  const jumpErr = await t.throwsAsync(SshSession.connect(m.spec({ jump: { ...m.spec(), connectTimeout: -1 } }), FAST));
  t.is((jumpErr as { propertyPath?: string }).propertyPath, "jump.connectTimeout");
  t.is(m.connections, 0, "refused before connecting");
});

test.serial("the jump connection is closed on every failure path: target key mismatch, refused key, no pin, timeout", async (t) => {
  const bastion = await machine();
  const m = await machine({ users: ["root"] });
  const closedOnBastion = async (what: string) => {
    await until(`the bastion's connections closed after ${what}`, () => bastion.clients.size === 0);
    t.is(bastion.clients.size, 0, what);
  };
  await rejects(t, SshSession.connect(m.spec({ hostKey: otherServerKey.public, jump: bastion.spec() }), FAST), HostKeyMismatchError);
  await closedOnBastion("a key mismatch");
  await rejects(t, SshSession.connect(m.spec({ user: "nobody", jump: bastion.spec() }), FAST), AuthenticationError);
  await closedOnBastion("a refused key");
  const notPinned = await rejects(t, SshSession.connect(m.spec({ hostKey: undefined, jump: bastion.spec() }), FAST), RemoteError);
  t.is(notPinned.code, "DOCKYARD_HOST_KEY_NOT_PINNED");
  const before = bastion.connections;
  await closedOnBastion("a missing pin");
  t.is(bastion.connections, before, "no pin: the bastion is not even reached");
  // Accepts and never speaks; its sockets are destroyed at the end, or they keep the process alive.
  const accepted = new Set<net.Socket>();
  const silent = net.createServer((sock) => {
    accepted.add(sock);
    sock.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  t.teardown(() => {
    for (const sock of accepted) sock.destroy();
    silent.close();
  });
  const port = (silent.address() as net.AddressInfo).port;
  await rejects(
    t,
    SshSession.connect({ ...m.spec({ jump: bastion.spec() }), port, connectAttempts: 1, connectTimeout: 1 }, FAST),
    HostUnreachableError,
  );
  await closedOnBastion("a handshake timeout");
  // And with the session it served: closing the target closes the jump.
  const s = await connect(m.spec({ jump: bastion.spec() }));
  t.is(bastion.clients.size, 1);
  s.close();
  await closedOnBastion("the session's close");
});

test.after("no error repeats the password or the private key", (t) => {
  t.true(seen.length >= 15, `only ${seen.length} errors seen`);
  const keyLines = clientKey.private.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"));
  for (const e of seen) {
    const texts = [String((e as Error).message), String((e as Error).stack), JSON.stringify(e)];
    for (const text of texts) {
      t.false(text.includes(PASSPHRASE), text);
      t.false(text.includes("not-the-passphrase-91"), text);
      for (const l of keyLines) t.false(text.includes(l), text);
      t.false(text.includes("PRIVATE KEY"), text);
    }
  }
});
