import { keyPair } from "../rig/keys";
import test from "ava";
import type { AddressInfo } from "node:net";
import { Server, type Connection, type ServerChannel } from "ssh2";
import { container, type ContainerOutputs } from "../../src/providers/container";
import { image, type ImageOutputs } from "../../src/providers/image";
import { remoteFile, type RemoteFileOutputs } from "../../src/providers/remote-file";
import { connectionChange, type ConnectedInputs } from "../../src/providers/connection-inputs";
import { EngineUnavailableError, RemoteError, engineSaid, isConnectionFailure } from "../../src/remote/errors";
import { ChannelGate, MAX_CHANNELS, SshSession } from "../../src/remote/ssh-session";
import {
  parseEngineDiagnosis,
  parseServiceHealth,
  renderEngineDiagnosis,
  renderServiceHealthProbe,
  renderUnmaskEngine,
} from "../../src/scripts/engine-health";
import { parseSections } from "../../src/model/sections";
import { shellcheck } from "./shellcheck";
import { acceptOnlyKey } from "./support/ssh-login";

// A host whose engine is broken, played by an in-process SSH server (ssh2's Server) with sshd's
// default MaxSessions of 10: `docker system dial-stdio` fails the way it does when dockerd is
// gone (the CLI says so on stderr and exits 1, so the HTTP request sees `socket hang up`), and
// the diagnosis script gets the answers a host without dockerd gives. Checks that Image and
// Container read such a host as drift (never an error), that preview's diff plans a repair, that
// a failing create says where and what in one line, and that 30 commands at once on one
// connection stay within the server's session limit.
const hostPair = keyPair();
const loginPair = keyPair();
let server: Server;
let port = 0;
const seen = { connections: 0, sessionsOpen: 0, maxSessionsOpen: 0, refused: 0, commands: [] as string[] };
const MAX_SESSIONS = 10; // sshd's default
const conns: Connection[] = [];

function answer(command: string, ch: ServerChannel): void {
  seen.commands.push(command);
  const done = (code: number, out = "", err = "") => {
    if (out) ch.write(out);
    if (err) ch.stderr.write(err);
    ch.exit(code);
    ch.end();
  };
  if (command === "docker system dial-stdio") {
    setTimeout(() => done(1, "", "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n"), 5);
  } else if (command.includes("docker.socket is masked")) {
    done(0, "dockerd is not installed\ndocker.service is inactive\n");
  } else if (command.startsWith("sleep ")) {
    setTimeout(() => done(0, "slept\n"), Number(command.split(" ")[1]));
  } else if (command.startsWith("sha256sum")) {
    done(0, "");
  } else {
    done(127, "", `sh: 1: ${command.split(" ")[0]}: not found\n`);
  }
}

test.before(async () => {
  server = new Server({ hostKeys: [hostPair.private] }, (conn: Connection) => {
    seen.connections++;
    conns.push(conn);
    acceptOnlyKey(conn, loginPair.public);
    conn.on("ready", () => {
      conn.on("session", (accept, reject) => {
        // sshd refuses a session beyond MaxSessions: the client sees "channel open failure".
        if (seen.sessionsOpen >= MAX_SESSIONS) {
          seen.refused++;
          return reject();
        }
        seen.sessionsOpen++;
        seen.maxSessionsOpen = Math.max(seen.maxSessionsOpen, seen.sessionsOpen);
        const session = accept();
        session.once("close", () => seen.sessionsOpen--);
        session.once("exec", (acceptExec, _reject, info) => answer(info.command, acceptExec()));
      });
    });
    conn.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

test.after.always(async () => {
  await SshSession.closeAll();
  // The server's side of each connection too, so no socket keeps the worker alive.
  for (const c of conns) c.end();
  server?.close();
});

const connection = () => ({ host: "127.0.0.1", port, user: "root", hostKey: hostPair.public, connectAttempts: 1, connectTimeout: 5 });
const credentials = () => ({ privateKey: loginPair.private });
const DOWN = /the Docker engine does not answer \(dockerd is not installed; docker\.service is inactive\)/;

function containerState(): ContainerOutputs {
  return {
    connection: connection(),
    credentials: credentials(),
    spec: {
      name: "web",
      image: "nginx@sha256:" + "a".repeat(64),
      ports: [],
      volumes: [],
      restartPolicy: "always",
      labels: {},
      startTimeoutSeconds: 5,
    },
    env: {},
    containerId: "c0ffee",
    state: "running",
    drift: [],
  };
}

function imageState(): ImageOutputs {
  return {
    connection: connection(),
    credentials: credentials(),
    spec: { ref: "nginx:latest", pullPolicy: "ifMissing" },
    digest: "sha256:" + "a".repeat(64),
    repoDigest: "nginx@sha256:" + "a".repeat(64),
    imageId: "sha256:" + "b".repeat(64),
    drift: [],
  };
}

test.serial("refresh of a container on a host whose engine is gone: state unknown, drift says why, no error", async (t) => {
  const { props } = await container.read("id", containerState());
  t.is(props!.state, "unknown");
  t.is(props!.drift.length, 1);
  t.regex(props!.drift[0], /^container web cannot be checked: /);
  t.regex(props!.drift[0], DOWN);
  t.is(props!.containerId, "c0ffee", "what the state knew is kept for the repair");
});

test.serial("refresh of an image on such a host: drift, digest kept (containers run by it), no error", async (t) => {
  const { props } = await image.read("id", imageState());
  t.regex(props!.drift.join("\n"), /^nginx:latest cannot be checked: .*dockerd is not installed/);
  t.is(props!.repoDigest, imageState().repoDigest);
});

test.serial("preview (diff) on such a host plans the repair instead of failing; nothing is replaced", async (t) => {
  const c = containerState();
  t.deepEqual(await container.diff("id", c, { connection: c.connection, credentials: c.credentials, spec: c.spec, env: c.env }), {
    changes: true,
  });
  const i = imageState();
  t.deepEqual(await image.diff("id", i, { connection: i.connection, credentials: i.credentials, spec: i.spec }), { changes: true });
});

test.serial(
  "a create that meets a broken engine fails in one line naming host, step and what to do; no raw socket error, no stack",
  async (t) => {
    const c = containerState();
    const e = await t.throwsAsync(container.create({ connection: c.connection, credentials: c.credentials, spec: c.spec, env: c.env }));
    t.true(e instanceof EngineUnavailableError);
    t.regex(
      e!.message,
      new RegExp(
        `^\\[DOCKYARD_ENGINE_UNAVAILABLE\\] root@127\\.0\\.0\\.1:${port}: creating container web: the Docker engine does not answer \\(dockerd is not installed; docker\\.service is inactive\\)\\. Run \`pulumi up\``,
      ),
    );
    t.notRegex(e!.message, /socket hang up|ECONNRESET/);
    // What Pulumi's dynamic-provider host prints for a failed read, diff or delete.
    const printed = `${e}: ${e!.stack}`;
    t.is(printed.split("\n").length, 1, printed);
    t.true(printed.startsWith(`dockyard: [DOCKYARD_ENGINE_UNAVAILABLE] root@127.0.0.1:${port}: creating container web: `), printed);
    t.false(printed.includes(loginPair.private.split("\n")[1]), "no key material");
  },
);

test.serial("destroy on such a host: container and image are left in place with a warning, destroy goes on", async (t) => {
  const warned: string[] = [];
  const log = console.error;
  console.error = (...a: unknown[]) => void warned.push(a.join(" "));
  try {
    await t.notThrowsAsync(container.delete("id", containerState()));
    await t.notThrowsAsync(image.delete("id", imageState()));
  } finally {
    console.error = log;
  }
  t.is(warned.length, 2, warned.join("\n"));
  for (const w of warned) {
    t.regex(
      w,
      new RegExp(
        `^dockyard: root@127\\.0\\.0\\.1:${port}: (container web|nginx:latest) was left in place: the Docker engine does not answer \\(dockerd is not installed`,
      ),
      w,
    );
    t.notRegex(w, /socket hang up/);
  }
});

test.serial("30 commands at once on one host: one connection, never more than the channel limit open, none refused", async (t) => {
  const before = seen.connections;
  await SshSession.closeAll();
  const spec = { ...connection(), privateKey: loginPair.private };
  const results = await Promise.all(Array.from({ length: 30 }, () => SshSession.for(spec).then((s) => s.exec("sleep 30"))));
  t.deepEqual(new Set(results.map((r) => `${r.exitCode} ${r.stdout.trim()}`)), new Set(["0 slept"]));
  t.is(seen.connections - before, 1, "one SSH connection for all of them");
  t.true(seen.maxSessionsOpen <= MAX_CHANNELS, `at most ${MAX_CHANNELS} open at once (saw ${seen.maxSessionsOpen})`);
  t.true(seen.maxSessionsOpen >= 2, "and they did run side by side");
  t.is(seen.refused, 0, "the server refused no session");
});

test("ChannelGate: at most `limit` holders, first come first served, a release counts once", async (t) => {
  const gate = new ChannelGate(2);
  const order: number[] = [];
  const r1 = await gate.acquire();
  const r2 = await gate.acquire();
  const third = gate.acquire().then((r) => (order.push(3), r));
  const fourth = gate.acquire().then((r) => (order.push(4), r));
  await new Promise((r) => setImmediate(r));
  t.deepEqual(gate.load, { used: 2, waiting: 2 });
  r1();
  r1(); // a second release of the same place frees nothing more
  const r3 = await third;
  t.deepEqual(gate.load, { used: 2, waiting: 1 });
  r2();
  const r4 = await fourth;
  t.deepEqual(order, [3, 4]);
  r3();
  r4();
  t.deepEqual(gate.load, { used: 0, waiting: 0 });
});

// Connection changes: every resource takes them as an update, never a replace.
const base: ConnectedInputs = {
  connection: { host: "10.0.0.12", port: 22, user: "root", hostKey: "ssh-ed25519 AAAA1" },
  credentials: { privateKey: "key-1" },
};
for (const [label, change, expected] of [
  ["nothing", {}, "same"],
  ["a rotated login key", { credentials: { privateKey: "key-2" } }, "update"],
  ["a re-pinned host key", { connection: { ...base.connection, hostKey: "ssh-ed25519 AAAA2" } }, "update"],
  ["another user", { connection: { ...base.connection, user: "ops" } }, "update"],
  ["sudo turned on", { connection: { ...base.connection, user: "ops", sudo: true } }, "update"],
  [
    "a jump host added",
    { connection: { ...base.connection, jump: { host: "bastion", port: 22, user: "root", hostKey: "ssh-ed25519 AAAA3" } } },
    "update",
  ],
  ["a jump host key", { credentials: { privateKey: "key-1", jumpPrivateKey: "jump-key" } }, "update"],
  ["another address", { connection: { ...base.connection, host: "10.0.0.13" } }, "replace"],
  ["another port", { connection: { ...base.connection, port: 2222 } }, "replace"],
] as const) {
  test(`connectionChange: ${label} -> ${expected}`, (t) => {
    t.is(connectionChange(base, { ...base, ...change } as ConnectedInputs), expected);
  });
}

test("Image, Container and RemoteFile diffs: a rotated key, user, sudo or jump host is an update of the state, never a replace", async (t) => {
  const rotations: Partial<ConnectedInputs>[] = [
    { credentials: { privateKey: "key-2" } },
    { connection: { ...base.connection, user: "ops", sudo: true } },
    { connection: { ...base.connection, jump: { host: "bastion", port: 22, user: "root" } } },
  ];
  for (const r of rotations) {
    const i = { ...imageState(), ...base };
    t.deepEqual(await image.diff("id", i, { connection: i.connection, credentials: i.credentials, spec: i.spec, ...r }), { changes: true });
    const c = { ...containerState(), ...base };
    t.deepEqual(await container.diff("id", c, { connection: c.connection, credentials: c.credentials, spec: c.spec, env: c.env, ...r }), {
      changes: true,
    });
    const f: RemoteFileOutputs = { ...base, path: "/etc/x", content: "x", mode: "0600", sha256: "s", drift: [] };
    t.deepEqual(
      await remoteFile.diff("id", f, {
        connection: f.connection,
        credentials: f.credentials,
        path: f.path,
        content: f.content,
        mode: f.mode,
        ...r,
      }),
      { changes: true },
    );
  }
  const i = { ...imageState(), ...base };
  t.deepEqual(
    await image.diff("id", i, { credentials: i.credentials, spec: i.spec, connection: { ...base.connection, host: "10.0.0.99" } }),
    { changes: true, replaces: ["connection"] },
  );
});

test("errors: what counts as nothing answering, and the engine's own words", (t) => {
  t.true(isConnectionFailure(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })));
  t.true(isConnectionFailure(Object.assign(new Error("write EPIPE"), { code: "EPIPE" })));
  t.false(isConnectionFailure(Object.assign(new Error("(HTTP code 404) no such container"), { statusCode: 404 })));
  t.false(isConnectionFailure(new RemoteError("root@h:22", "socket hang up in a message of ours")));
  t.is(
    engineSaid(
      Object.assign(new Error("(HTTP code 500) server error - driver failed programming external connectivity"), { statusCode: 500 }),
    ),
    "driver failed programming external connectivity",
  );
  t.is(
    engineSaid({
      json: { message: "No such image: nginx:latest" },
      message: "(HTTP code 404) no such image - No such image: nginx:latest",
    }),
    "No such image: nginx:latest",
  );
});

test("engine diagnosis and service health: parsed from what the scripts print; the scripts pass shellcheck", (t) => {
  t.deepEqual(parseEngineDiagnosis("dockerd is not installed\ndocker.service is inactive\n\n"), [
    "dockerd is not installed",
    "docker.service is inactive",
  ]);
  t.deepEqual(parseEngineDiagnosis(""), ["docker system dial-stdio got no answer from dockerd"]);
  t.deepEqual(parseServiceHealth(parseSections("@@dockyard@@ containerd\ninactive\n@@dockyard@@ masked\ndocker.socket\n")), {
    containerd: "inactive",
    masked: ["docker.socket"],
  });
  t.deepEqual(parseServiceHealth(parseSections("@@dockyard@@ containerd\n@@dockyard@@ masked\n")), { masked: [] });
  for (const s of [renderEngineDiagnosis(), renderServiceHealthProbe(), renderUnmaskEngine()]) t.is(shellcheck(s), "", s);
});
