import { keyPair } from "../rig/keys";
import test from "ava";
import type Docker from "dockerode";
import { spawn, execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Server, type Connection, type ServerChannel } from "ssh2";
import { type ContainerOutputs } from "../../src/providers/container";
import { type ImageOutputs } from "../../src/providers/image";
import { container, image } from "../../src/providers/index";
import { hostChanging, readHostState, workloadProbe } from "../../src/providers/host-probes";
import { forgetAllHosts } from "../../src/remote/host-reads";
import { SshSession } from "../../src/remote/ssh-session";
import { type ContainerRun, containerRunOf, createOptions } from "../../src/plan/container";
import { findContainer, parseWorkloadProbe, renderWorkloadProbe, WORKLOAD_READ_MAX_OBJECTS } from "../../src/scripts/workload-read";
import { renderReadSetup } from "../../src/scripts/docker-read";
import { MOCK_DEBIAN_12 } from "./fixtures/os-release";
import { shellcheck } from "./shellcheck";
import { acceptOnlyKey } from "./support/ssh-login";

// Issue 28: Container's and Image's diff and read take their objects from the host's shared read
// (the workload probe) instead of the Engine API. The probe's shell runs here with the local `sh`
// and a `docker` stand-in first on PATH (its answers are files the cases write); the provider
// cases run it through the real SshSession against ssh2's Server in this process, which runs
// each command with the local `sh` as a host would, and fails `docker system dial-stdio` the way
// a host without dockerd does. So the cases count what a host would see: SSH commands, and
// Engine API channels (each a `docker system dial-stdio`).

const fake = mkdtempSync(path.join(os.tmpdir(), "dockyard-workload-read-"));
const bin = path.join(fake, "bin");
/** A PATH without any docker: the tools the probe uses, and nothing else. */
const noDocker = path.join(fake, "no-docker");

/** The stand-in's answers: `ps`, `images` (ID lists), `containers.json`, `images.json`; `down` makes it refuse. */
function answers(files: Record<string, string | undefined>): void {
  for (const [name, text] of Object.entries(files)) {
    if (text === undefined) rmSync(path.join(fake, name), { force: true });
    else writeFileSync(path.join(fake, name), text);
  }
  writeFileSync(path.join(fake, "calls"), "");
}

const calls = () => readFileSync(path.join(fake, "calls"), "utf8").trim().split("\n").filter(Boolean);

test.before(() => {
  execFileSync("mkdir", ["-p", bin, noDocker]);
  writeFileSync(
    path.join(bin, "docker"),
    [
      "#!/bin/sh",
      `F=${fake}`,
      'echo "$*" >> "$F/calls"',
      'if [ -e "$F/down" ]; then echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock." >&2; exit 1; fi',
      'if [ -e "$F/stalled" ]; then exec sleep 30; fi',
      'case "$*" in',
      '  "ps -aq") cat "$F/ps" ;;',
      '  "image ls -q") cat "$F/images" ;;',
      '  "container inspect "*) cat "$F/containers.json"; if [ -e "$F/vanished" ]; then echo "Error: No such container: gone" >&2; exit 1; fi ;;',
      '  "image inspect "*) cat "$F/images.json" ;;',
      '  "--version") echo "Docker version 24.0.7, build afdd53b" ;;',
      "  *) echo '{}' ;;",
      "esac",
      "",
    ].join("\n"),
  );
  chmodSync(path.join(bin, "docker"), 0o755);
  for (const tool of ["sh", "sort", "grep", "wc", "timeout", "cat", "printf", "mktemp", "rm", "sleep"]) {
    const where = execFileSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim();
    if (where.startsWith("/")) symlinkSync(where, path.join(noDocker, tool));
  }
});

test.after.always(async () => {
  await SshSession.closeAll();
  for (const c of conns) c.end();
  server?.close();
  rmSync(fake, { recursive: true, force: true });
});

/** Runs the probe as one part of a host read (its own subshell, the read's directory), with `PATH`. */
function runProbe(script: string, pathVar = `${bin}:${process.env.PATH}`): string {
  return execFileSync("sh", ["-c", `${renderReadSetup(script)}\n(\n${script}\n)`], { env: { PATH: pathVar }, encoding: "utf8" });
}

// --- the script

test.serial("the workload probe's script: fixed text (one cache key for every reader), shellcheck clean", (t) => {
  const script = renderWorkloadProbe();
  t.snapshot(script, "the workload probe, default bound");
  t.is(shellcheck(script), "");
  t.is(renderWorkloadProbe(), script, "the same text for every reader of the host");
  t.is(workloadProbe({}).script, workloadProbe({}).script);
  t.regex(renderWorkloadProbe(7), /dockyard_docker 7 ps -aq/, "bounded by the host's engineApiTimeout");
});

// --- the script run, and its parser

const C1 = "c1".repeat(32);
const I1 = `sha256:${"a".repeat(64)}`;
const containersJson = (list: object[]) => JSON.stringify(list, null, 4);

test.serial("docker answers: every container and image inspected in one call each, the IDs of images de-duplicated", (t) => {
  answers({
    ps: "c1c1c1c1c1c1\nd2d2d2d2d2d2\n",
    images: "aaaaaaaaaaaa\naaaaaaaaaaaa\nbbbbbbbbbbbb\n",
    "containers.json": containersJson([
      { Id: C1, Name: "/web" },
      { Id: "d2".repeat(32), Name: "/db" },
    ]),
    "images.json": containersJson([{ Id: I1, RepoTags: ["nginx:latest"] }]),
    down: undefined,
    stalled: undefined,
    vanished: undefined,
  });
  const read = parseWorkloadProbe(runProbe(renderWorkloadProbe(5)));
  t.deepEqual(read.missing, []);
  t.deepEqual(
    read.containers?.map((c) => c.Name),
    ["/web", "/db"],
  );
  t.deepEqual(
    read.images?.map((i) => i.Id),
    [I1],
  );
  // The lists are asked ahead, side by side (src/scripts/docker-read.ts); each inspect after its list.
  t.deepEqual(calls().sort(), [
    "container inspect c1c1c1c1c1c1 d2d2d2d2d2d2",
    "image inspect aaaaaaaaaaaa bbbbbbbbbbbb",
    "image ls -q",
    "ps -aq",
  ]);
  t.true(calls().indexOf("ps -aq") < calls().indexOf("container inspect c1c1c1c1c1c1 d2d2d2d2d2d2"));
});

test.serial("no containers, no images: empty lists, no inspect", (t) => {
  answers({ ps: "", images: "", down: undefined, stalled: undefined, vanished: undefined });
  const read = parseWorkloadProbe(runProbe(renderWorkloadProbe(5)));
  t.deepEqual(read, { containers: [], images: [], missing: [] });
  t.deepEqual(calls().sort(), ["image ls -q", "ps -aq"]);
});

test.serial("a container removed between the list and the inspect: the others are kept", (t) => {
  answers({
    ps: "c1c1c1c1c1c1\ngone\n",
    images: "",
    "containers.json": containersJson([{ Id: C1, Name: "/web" }]),
    vanished: "",
    down: undefined,
    stalled: undefined,
  });
  const read = parseWorkloadProbe(runProbe(renderWorkloadProbe(5)));
  t.deepEqual(
    read.containers?.map((c) => c.Name),
    ["/web"],
  );
  t.deepEqual(read.missing, []);
});

test.serial("docker refuses (dockerd stopped): both lists missing, said as not answering", (t) => {
  answers({ down: "", stalled: undefined, vanished: undefined });
  const read = parseWorkloadProbe(runProbe(renderWorkloadProbe(5)));
  t.is(read.containers, undefined);
  t.is(read.images, undefined);
  t.deepEqual(read.missing, ["containers: docker did not answer", "images: docker did not answer"]);
});

test.serial("a stalled dockerd costs one bound: both lists wait it out together, no inspect follows", (t) => {
  answers({ stalled: "", down: undefined });
  const started = Date.now();
  const read = parseWorkloadProbe(runProbe(renderWorkloadProbe(1)));
  t.true(Date.now() - started < 4000, `${Date.now() - started} ms`);
  t.deepEqual(calls().sort(), ["image ls -q", "ps -aq"], "each list asked once, ahead");
  t.deepEqual(read.missing, ["containers: docker did not answer", "images: docker did not answer"]);
});

test.serial("no docker on the host: said as absent", (t) => {
  answers({ stalled: undefined, down: undefined });
  const read = parseWorkloadProbe(runProbe(renderWorkloadProbe(5), noDocker));
  t.deepEqual(read.missing, ["containers: docker is not installed", "images: docker is not installed"]);
  t.deepEqual(calls(), []);
});

test.serial(
  `more than ${WORKLOAD_READ_MAX_OBJECTS} containers: not inspected, said as too many (the Engine API is asked per resource)`,
  (t) => {
    const ids = Array.from({ length: WORKLOAD_READ_MAX_OBJECTS + 1 }, (_x, i) => i.toString(16).padStart(12, "0"));
    answers({ ps: ids.join("\n") + "\n", images: "", stalled: undefined, down: undefined });
    const read = parseWorkloadProbe(runProbe(renderWorkloadProbe(5)));
    t.is(read.containers, undefined);
    t.deepEqual(read.images, []);
    t.deepEqual(read.missing, [`containers: more than ${WORKLOAD_READ_MAX_OBJECTS}`]);
    t.deepEqual(calls().sort(), ["image ls -q", "ps -aq"]);
  },
);

const section = (name: string, body: string) => `@@dockyard@@ ${name}\n${body}\n`;
const parseRows: [string, string, { containers?: number; images?: number; missing: string[] }][] = [
  ["both lists", section("containers", "[{}]") + section("images", "[{},{}]"), { containers: 1, images: 2, missing: [] }],
  ["a list cut short", section("containers", "[{") + section("images", "[]"), { images: 0, missing: ["containers: unreadable"] }],
  ["a section missing (the probe ended early)", section("containers", "[]"), { containers: 0, missing: ["images: not read"] }],
  [
    "not JSON at all",
    section("containers", "permission denied") + section("images", "[]"),
    { images: 0, missing: ["containers: not read"] },
  ],
  ["JSON but not a list", section("containers", "[1]x") + section("images", "[]"), { images: 0, missing: ["containers: unreadable"] }],
];
for (const [label, output, want] of parseRows) {
  test.serial(`the parser: ${label}`, (t) => {
    const read = parseWorkloadProbe(output);
    t.is(read.containers?.length, want.containers);
    t.is(read.images?.length, want.images);
    t.deepEqual(read.missing, want.missing);
  });
}

test.serial("findContainer: by full ID, by name, by a unique ID prefix (docker's order); a name is not a prefix of another's ID", (t) => {
  const list = [
    { Id: "abc123" + "0".repeat(58), Name: "/web" },
    { Id: "abd456" + "0".repeat(58), Name: "/abc" },
  ] as Docker.ContainerInspectInfo[];
  t.is(findContainer(list, "web")?.Name, "/web");
  t.is(findContainer(list, "abc")?.Name, "/abc", "the name before the ID prefix");
  t.is(findContainer(list, "abc1")?.Name, "/web", "a unique prefix");
  t.is(findContainer(list, "ab"), undefined, "an ambiguous prefix");
  t.is(findContainer(list, list[1].Id)?.Name, "/abc");
  t.is(findContainer(list, "db"), undefined);
});

// --- the providers, through SSH

const hostPair = keyPair();
const loginPair = keyPair();
let server: Server | undefined;
let port = 0;
const conns: Connection[] = [];
/** What the host saw: every command, and the Engine API channels among them. */
const seen = { commands: [] as string[], dialStdio: 0 };

function answer(command: string, ch: ServerChannel): void {
  seen.commands.push(command);
  if (command === "docker system dial-stdio") {
    // As on a host whose dockerd is gone: the CLI says so and exits, the HTTP request sees a hang-up.
    seen.dialStdio++;
    ch.stderr.write("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n");
    ch.exit(1);
    ch.end();
    return;
  }
  if (command.includes("docker.socket is masked")) {
    ch.write("dockerd is not installed\ndocker.service is inactive\n");
    ch.exit(0);
    ch.end();
    return;
  }
  const p = spawn("sh", ["-c", command], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  p.stdout.on("data", (d: Buffer) => ch.write(d));
  p.stderr.on("data", (d: Buffer) => ch.stderr.write(d));
  p.on("close", (code) => {
    ch.exit(code ?? 1);
    ch.end();
  });
}

async function startServer(): Promise<void> {
  if (server) return;
  server = new Server({ hostKeys: [hostPair.private] }, (conn: Connection) => {
    conns.push(conn);
    acceptOnlyKey(conn, loginPair.public);
    conn.on("ready", () => {
      conn.on("session", (accept) => {
        const session = accept();
        session.once("exec", (acceptExec, _reject, info) => answer(info.command, acceptExec()));
      });
    });
    conn.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
}

const connected = () => ({
  connection: {
    host: "127.0.0.1",
    port,
    user: "root",
    hostKey: hostPair.public,
    connectAttempts: 1,
    connectTimeout: 5,
    engineApiTimeout: 5,
  },
  credentials: { privateKey: loginPair.private },
});

const DIGEST = `sha256:${"1".repeat(64)}`;
const IMAGE_ID = `sha256:${"b".repeat(64)}`;
const RUN: ContainerRun = {
  spec: {
    name: "web",
    image: `nginx@${DIGEST}`,
    ports: [{ containerPort: 80, hostPort: 8080, protocol: "tcp" }],
    volumes: [],
    restartPolicy: "unless-stopped",
    labels: {},
    startTimeoutSeconds: 60,
  },
  env: { A: "1" },
};
const NGINX_CONFIG = { Cmd: ["nginx", "-g", "daemon off;"], Env: ["PATH=/usr/bin", "NGINX_VERSION=1.25"], Labels: { maintainer: "nginx" } };

/** What docker inspect shows of a container made with these options: the image's defaults added. */
function inspectOf(opts: Docker.ContainerCreateOptions, id: string, running = true): Docker.ContainerInspectInfo {
  return {
    Id: id,
    Name: `/${opts.name}`,
    Image: IMAGE_ID,
    State: { Status: running ? "running" : "exited", Running: running },
    Config: {
      Image: opts.Image,
      Cmd: opts.Cmd ?? NGINX_CONFIG.Cmd,
      Env: [...NGINX_CONFIG.Env, ...(opts.Env ?? [])],
      Labels: { ...NGINX_CONFIG.Labels, ...opts.Labels },
    },
    HostConfig: { ...opts.HostConfig },
    NetworkSettings: { Networks: { bridge: {} } },
  } as unknown as Docker.ContainerInspectInfo;
}

const OURS_ID = "0123456789ab".repeat(5) + "cdef";
const LEGACY_ID = "fedcba987654".repeat(5) + "3210";
const ours = (running = true) => inspectOf(createOptions(RUN), OURS_ID, running);
/** `docker run --name legacy -e B=2 -p 8081:80 nginx`: not made by Dockyard, no settings label. */
const legacyOpts: Docker.ContainerCreateOptions = {
  name: "legacy",
  Image: `nginx@${DIGEST}`,
  Env: ["B=2"],
  HostConfig: { PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8081" }] }, RestartPolicy: { Name: "" } },
};
const legacy = () => inspectOf(legacyOpts, LEGACY_ID);
const nginxImage = { Id: IMAGE_ID, RepoTags: ["nginx:latest"], RepoDigests: [`nginx@${DIGEST}`], Config: NGINX_CONFIG };

function containerState(run: ContainerRun, containerId: string): ContainerOutputs {
  return { ...connected(), ...run, containerId, state: "running", drift: [] };
}
const legacyRun = () => containerRunOf(legacy(), NGINX_CONFIG, 60);

function imageState(ref = "nginx:latest"): ImageOutputs {
  return {
    ...connected(),
    spec: { ref, pullPolicy: "ifMissing" },
    digest: DIGEST,
    repoDigest: `nginx@${DIGEST}`,
    imageId: IMAGE_ID,
    drift: [],
  };
}

function host(containers: Docker.ContainerInspectInfo[], images: object[]): void {
  answers({
    ps: containers.map((c) => c.Id.slice(0, 12)).join("\n") + "\n",
    images: images.map((i) => (i as { Id: string }).Id.slice(7, 19)).join("\n") + "\n",
    "containers.json": containersJson(containers),
    "images.json": containersJson(images),
    down: undefined,
    stalled: undefined,
    vanished: undefined,
  });
}

const since = () => {
  const commands = seen.commands.length;
  const dials = seen.dialStdio;
  return () => ({ commands: seen.commands.slice(commands), dialStdio: seen.dialStdio - dials });
};

test.serial(
  "a no-op: the first read of the host brings the workload; Container and Image diff and read make no other command",
  async (t) => {
    await startServer();
    forgetAllHosts();
    host([ours(), legacy()], [nginxImage]);
    const count = since();
    const reading = await readHostState(connected(), MOCK_DEBIAN_12);
    await Promise.all([reading.facts, reading.engine, reading.daemon, reading.workload]);
    t.is(count().commands.length, 1, "one command for the host read");
    t.true(count().commands[0].includes("@@dockyard@@ images"), "the workload probe rode in the first read");

    const web = containerState(RUN, OURS_ID);
    t.deepEqual(await container.diff("id", web, { ...connected(), ...RUN } as never), { changes: false });
    const read = await container.read("id", web);
    t.deepEqual([read.props!.state, read.props!.drift], ["running", []]);
    // Not ours (imported): compared by what it runs, the image's defaults from the same read left out
    // (without them the image's PATH and NGINX_VERSION would read as the container's own: other settings).
    t.deepEqual(await container.diff("id", containerState(legacyRun(), LEGACY_ID), { ...connected(), ...legacyRun() } as never), {
      changes: false,
    });
    t.deepEqual(await image.diff("id", imageState(), imageState() as never), { changes: false });
    t.deepEqual(await image.diff("id", imageState("docker.io/library/nginx"), imageState("docker.io/library/nginx") as never), {
      changes: false,
    });
    t.deepEqual((await image.read("id", imageState())).props!.drift, []);
    t.deepEqual(count(), { commands: count().commands.slice(0, 1), dialStdio: 0 }, "no other command, no Engine API call");
  },
);

test.serial("a refresh's reads in any order: a Container and an Image asking before the Host's read still make one command", async (t) => {
  await startServer();
  forgetAllHosts();
  host([ours()], [nginxImage]);
  const count = since();
  const web = containerState(RUN, OURS_ID);
  // As the engine sends a refresh's reads: all at once, the workload's readers first.
  const [read, pulled, reading] = await Promise.all([
    container.read("id", web),
    image.read("id", imageState()),
    readHostState(connected(), MOCK_DEBIAN_12),
  ]);
  await Promise.all([reading.facts, reading.engine, reading.daemon, reading.workload]);
  t.deepEqual([read.props!.state, read.props!.drift, pulled.props!.drift], ["running", [], []]);
  t.is(count().commands.length, 1, "one command for the whole host");
  t.regex(count().commands[0], /@@dockyard@@ kernel[\s\S]*@@dockyard@@ images/, "the facts first, the workload (largest) last");
  t.is(count().dialStdio, 0);
});

test.serial("drift from the read: a container stopped, removed or replaced by hand, an image gone or moved", async (t) => {
  await startServer();
  forgetAllHosts();
  host([ours(false)], [{ ...nginxImage, Id: `sha256:${"c".repeat(64)}` }]);
  const count = since();
  const web = containerState(RUN, OURS_ID);
  t.deepEqual(await container.diff("id", web, { ...connected(), ...RUN } as never), { changes: true });
  t.deepEqual((await container.read("id", web)).props!.drift, ["container web is exited"]);
  t.deepEqual((await image.read("id", imageState())).props!.drift, [
    `nginx:latest on the host is image sha256:${"c".repeat(64)}, not ${IMAGE_ID}`,
  ]);
  t.deepEqual((await image.read("id", imageState("nginx:1.25"))).props!.drift, ["nginx:1.25 is not on the host"]);
  t.is(count().commands.length, 1, "one read, shared");
  t.is(count().dialStdio, 0);

  // Removed by hand: the host changed, so the read is dropped (as every create, update and delete does).
  host([], [nginxImage]);
  hostChanging(connected());
  const removed = await container.read("id", web);
  t.deepEqual([removed.props!.state, removed.props!.drift], ["missing", ["container web is missing"]]);
  t.is(count().commands.length, 2, "read again after the change");
  t.is(count().dialStdio, 0);
});

test.serial("a create drops the host's reads: a diff after it reads the host again", async (t) => {
  await startServer();
  forgetAllHosts();
  host([ours()], [nginxImage]);
  const count = since();
  const web = containerState(RUN, OURS_ID);
  t.deepEqual(await container.diff("id", web, { ...connected(), ...RUN } as never), { changes: false });
  t.is(count().commands.length, 1);
  // The create goes through the Engine API (which this host refuses); reads are dropped before and after it all the same.
  host([ours(false)], [nginxImage]);
  await t.throwsAsync(container.create({ ...connected(), ...RUN } as never));
  t.deepEqual(
    await container.diff("id", web, { ...connected(), ...RUN } as never),
    { changes: true },
    "the host as it is after the change",
  );
  t.deepEqual(
    count().commands.filter((c) => c.includes("@@dockyard@@ containers")).length,
    2,
    "a second workload read, not the one from before the create",
  );
  await t.throwsAsync(image.create({ ...imageState(), spec: { ref: "nginx:1.25", pullPolicy: "ifMissing" } } as never));
  t.deepEqual((await image.read("id", imageState())).props!.drift, []);
  t.is(count().commands.filter((c) => c.includes("@@dockyard@@ containers")).length, 3, "and after an Image's create too");
});

test.serial("docker does not answer: Container and Image fall back to the Engine API, whose diagnosis says why", async (t) => {
  await startServer();
  forgetAllHosts();
  answers({ down: "", stalled: undefined });
  const count = since();
  const web = containerState(RUN, OURS_ID);
  const read = await container.read("id", web);
  t.is(read.props!.state, "unknown");
  t.regex(read.props!.drift[0], /the Docker engine does not answer \(dockerd is not installed; docker\.service is inactive\)/);
  t.deepEqual(await container.diff("id", web, { ...connected(), ...RUN } as never), { changes: true }, "preview plans the repair");
  t.regex((await image.read("id", imageState())).props!.drift.join("\n"), /^nginx:latest cannot be checked: .*dockerd is not installed/);
  t.true(count().dialStdio >= 3, `the Engine API was asked (${count().dialStdio} channels)`);
  t.is(count().commands.filter((c) => c.includes("@@dockyard@@ containers")).length, 1, "the failed read is kept for the run");
});

test.serial("an adopted container whose image the read does not list: the Engine API is asked", async (t) => {
  await startServer();
  forgetAllHosts();
  host([legacy()], []);
  const count = since();
  // This host's Engine API refuses: the fallback shows as a repair planned.
  t.deepEqual(await container.diff("id", containerState(legacyRun(), LEGACY_ID), { ...connected(), ...legacyRun() } as never), {
    changes: true,
  });
  t.true(count().dialStdio >= 1);
});

test.serial("an `always` image asks the registry through the engine: the only Engine API call left in a diff", async (t) => {
  await startServer();
  forgetAllHosts();
  host([], [nginxImage]);
  const count = since();
  const always = { ...imageState(), spec: { ref: "nginx:latest", pullPolicy: "always" as const } };
  // A registry that cannot be asked (here the engine refuses) is no drift, as before the read.
  t.deepEqual((await image.read("id", always)).props!.drift, []);
  t.true(count().dialStdio >= 1, "the registry was asked through the engine");
  // Not on the host: no registry question at all.
  const missing = { ...imageState("nginx:1.25"), spec: { ref: "nginx:1.25", pullPolicy: "always" as const } };
  const before = seen.dialStdio;
  t.deepEqual((await image.read("id", missing)).props!.drift, ["nginx:1.25 is not on the host"]);
  t.is(seen.dialStdio, before);
});
