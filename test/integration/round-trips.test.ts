import test from "ava";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { Container, DaemonConfig, type DaemonConfigArgs, DockerEngine, Image } from "pulumi-dockyard";
import { startPackageServer } from "../rig/package-server";
import { Rig, type RigHost } from "../rig/rig";
import { pulumiEngine, testStack } from "./support/engine";
import { changesOf, rigHost } from "./support/programs";

// Issue 28 (items 1 and 3): the guide's job on one host, counted from the remote trace. One
// host, shared by the cases in order: the first converge, then a no-op `up` on what it made.
let rig: Rig;
let mirror: string;
let keyFingerprint: string;
let work: string;

/** What a first converge may take per host, and a no-op `up` (SSH commands, from DOCKYARD_TRACE). */
const FIRST_CONVERGE_COMMANDS = 5;
const NO_OP_COMMANDS = 1;

test.before(async () => {
  await pulumiEngine();
  rig = await Rig.start({ hosts: 1, registry: true });
  await rig.pushNginx("latest");
  ({ baseUrl: mirror, keyFingerprint } = await startPackageServer(rig.runId, rig.labels()));
  work = mkdtempSync(path.join(os.tmpdir(), "dockyard-round-trips-"));
});

test.after.always(async () => {
  await rig?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The DaemonConfig's settings, changed by the last case. */
let daemonArgs = (): Omit<DaemonConfigArgs, "engine"> => ({ registryMirrors: [`http://${rig.registry!.address}`] });

/** The guide's job: Host, an online engine from the docker-ce stand-in, a registry mirror, nginx pulled through it and run. */
function guide(h: RigHost) {
  return async () => {
    const engine = new DockerEngine("docker", {
      host: rigHost(rig, h),
      mirror,
      mirrorKeyFingerprint: keyFingerprint,
      allowInsecureHttp: true,
      version: "24.0.7",
      plugins: [],
    });
    const daemon = new DaemonConfig("daemon", { engine, ...daemonArgs() });
    const nginx = new Image("nginx", { engine, ref: "nginx:latest" }, { dependsOn: [daemon] });
    const web = new Container("web", { engine, name: "web", image: nginx, ports: ["8080:80"] });
    return { mirrors: daemon.effectiveMirrors, state: web.state };
  };
}

interface TraceLine {
  kind: string;
  host: string;
  what?: string;
  start: number;
}

function readTrace(file: string): TraceLine[] {
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TraceLine);
}

/**
 * SSH commands per host, and their steps in the order they started (a line is written when its
 * command closes: the shared read, whose workload part is read last, may close after a command
 * that started once its other parts were handed over).
 */
function commandsOf(trace: TraceLine[], h: RigHost): string[] {
  return trace
    .filter((e) => e.kind === "exec" && e.host === `root@${h.address}:22`)
    .sort((a, b) => a.start - b.start)
    .map((e) => e.what ?? "?");
}

/** Engine API channels (`docker system dial-stdio`) per host. */
function engineCallsOf(trace: TraceLine[], h: RigHost): number {
  return trace.filter((e) => e.kind === "stream" && e.host === `root@${h.address}:22`).length;
}

/** The run's remote trace of one Automation API command, written by the provider plugin. */
async function traced<T>(stack: { workspace: unknown }, name: string, run: () => Promise<T>): Promise<{ result: T; trace: TraceLine[] }> {
  const file = path.join(work, `${name}.jsonl`);
  (stack.workspace as LocalWorkspace).envVars.DOCKYARD_TRACE = file;
  const result = await run();
  return { result, trace: readTrace(file) };
}

const h = () => rig.hosts[0];
let stackOf: Awaited<ReturnType<typeof testStack>> | undefined;

test.serial(
  "a first converge of the guide's job: at most 5 SSH commands, dockerd started once with daemon.json, the mirror in docker info",
  async (t) => {
    const host = h();
    stackOf = await testStack("dockyard-round-trips", "guide", guide(host));
    const { stack } = stackOf;
    // The hold-back of the package's own start (policy-rc.d) leaves the host's own policy as it was.
    const policy = "md5sum /usr/sbin/policy-rc.d 2>/dev/null || echo none; ls /usr/sbin/policy-rc.d.dockyard-saved 2>/dev/null || true";
    const policyBefore = await rig.exec(host, policy);
    const traceFile = path.join(work, "first.jsonl");
    (stack.workspace as LocalWorkspace).envVars.DOCKYARD_TRACE = traceFile;
    const up = await stack.up();
    t.is(up.summary.result, "succeeded");
    const commands = commandsOf(readTrace(traceFile), host);
    t.log(`first converge: ${commands.length} SSH commands: ${commands.join(" | ")}`);
    t.true(commands.length <= FIRST_CONVERGE_COMMANDS, `${commands.length} SSH commands: ${commands.join(" | ")}`);
    t.false(
      commands.some((c) => c.includes("applying daemon.json")),
      "the DaemonConfig found its file as declared: nothing applied",
    );
    t.is(await rig.exec(host, policy), policyBefore);

    // dockerd started once: one `Started` of docker.service in the journal, no restart counted.
    const starts = (await rig.exec(host, "journalctl -u docker.service --no-pager -o cat | grep -c '^Started ' || true")).trim();
    t.is(starts, "1", "docker.service started once");
    t.is((await rig.exec(host, "systemctl show docker -p NRestarts --value")).trim(), "0");
    // No reload either: dockerd read daemon.json at its start.
    const reloads = (await rig.exec(host, "journalctl -u docker.service --no-pager -o cat | grep -c '^Reload' || true")).trim();
    t.is(reloads, "0", "no reload of docker.service");
    // daemon.json was in place before dockerd's (only) start.
    const [written, started] = (
      await rig.exec(host, 'stat -c %Y /etc/docker/daemon.json; date -d "$(systemctl show docker -p ExecMainStartTimestamp --value)" +%s')
    )
      .trim()
      .split("\n")
      .map(Number);
    t.true(written <= started, `daemon.json written at ${written}, dockerd started at ${started}`);
    const info = (await rig.exec(host, "docker info --format '{{json .RegistryConfig.Mirrors}}'")).trim();
    t.deepEqual(JSON.parse(info), [`http://${rig.registry!.address}/`]);
    t.deepEqual(up.outputs.mirrors.value, [`http://${rig.registry!.address}/`]);
    t.is(up.outputs.state.value, "running");
    t.deepEqual(JSON.parse(await rig.exec(host, "cat /etc/docker/daemon.json")), {
      "registry-mirrors": [`http://${rig.registry!.address}`],
    });
  },
);

test.serial("a no-op up, preview and refresh of the same job: one SSH command each, no Engine API call, nothing changed", async (t) => {
  const host = h();
  t.truthy(stackOf, "the first converge made the stack");
  const { stack } = stackOf!;
  const up = await traced(stack, "noop", () => stack.up());
  t.deepEqual(changesOf(up.result.summary), {});
  const commands = commandsOf(up.trace, host);
  t.log(`no-op up: ${commands.length} SSH commands: ${commands.join(" | ")}; ${engineCallsOf(up.trace, host)} Engine API calls`);
  t.true(commands.length <= NO_OP_COMMANDS, `${commands.length} SSH commands: ${commands.join(" | ")}`);
  // Issue 28: the image and the container are compared with the workload part of that one read.
  t.deepEqual(commands, ["reading the host (facts, engine, daemon, workload)"]);
  t.is(engineCallsOf(up.trace, host), 0, "the Image's and the Container's diff asked the Engine API nothing");

  const preview = await traced(stack, "noop-preview", () => stack.preview());
  t.deepEqual(changesOf({ resourceChanges: preview.result.changeSummary as Record<string, number> }), {});
  t.deepEqual(commandsOf(preview.trace, host), ["reading the host (facts, engine, daemon, workload)"]);
  t.is(engineCallsOf(preview.trace, host), 0);

  // Refresh reads every resource at once: whichever asks first, the probes asked in the same
  // turn go in one command (src/remote/host-reads.ts), and none goes to the Engine API.
  const refresh = await traced(stack, "noop-refresh", () => stack.refresh());
  t.deepEqual(changesOf(refresh.result.summary), {});
  const refreshed = commandsOf(refresh.trace, host);
  t.log(
    `no-op refresh: ${refreshed.length} SSH commands: ${refreshed.join(" | ")}; ${engineCallsOf(refresh.trace, host)} Engine API calls`,
  );
  // One command; the order of its probes is the order they were asked in (workload last).
  t.is(refreshed.length, 1, refreshed.join(" | "));
  t.deepEqual(
    /^reading the host \((.*)\)$/
      .exec(refreshed[0] ?? "")?.[1]
      .split(", ")
      .sort(),
    ["daemon", "engine", "facts", "workload"],
  );
  t.is(engineCallsOf(refresh.trace, host), 0);
});

test.serial("a container removed by hand: preview and refresh find it missing from the shared read, up makes it again", async (t) => {
  const host = h();
  t.truthy(stackOf, "the first converge made the stack");
  const { stack } = stackOf!;
  await rig.exec(host, "docker rm -f web >/dev/null");
  const preview = await traced(stack, "removed-preview", () => stack.preview());
  t.true(
    Object.keys(changesOf({ resourceChanges: preview.result.changeSummary as Record<string, number> })).length > 0,
    "preview plans the repair",
  );
  t.is(engineCallsOf(preview.trace, host), 0, "found missing from the read, not through the Engine API");
  const refresh = await traced(stack, "removed-refresh", () => stack.refresh());
  t.deepEqual(changesOf(refresh.result.summary), { update: 1 });
  const web = (await stack.exportStack()).deployment.resources?.find((r: { type: string }) => r.type === "dockyard:index:Container") as
    { outputs?: { state?: string; drift?: string[] } } | undefined;
  t.deepEqual([web?.outputs?.state, web?.outputs?.drift], ["missing", ["container web is missing"]]);
  const up = await traced(stack, "removed-up", () => stack.up());
  t.deepEqual(changesOf(up.result.summary), { update: 1 });
  t.is((await rig.exec(host, "docker inspect -f '{{.State.Running}}' web")).trim(), "true", "made again, running");
  t.deepEqual(changesOf((await stack.up()).summary), {}, "and settles");
});

test.serial(
  "then a mirror change: the DaemonConfig's apply and its read in one command (a reload, the container kept); a setting dockerd refuses is rolled back",
  async (t) => {
    const host = h();
    t.truthy(stackOf, "the first converge made the stack");
    const { stack, cleanup } = stackOf!;
    const mirror = `http://${rig.registry!.address}`;
    try {
      const started = (await rig.exec(host, "docker inspect -f '{{.State.StartedAt}}' web")).trim();
      const pid = (await rig.exec(host, "systemctl show docker -p MainPID --value")).trim();
      daemonArgs = () => ({ registryMirrors: [mirror, "http://10.255.255.1:5000"] });
      const traceFile = path.join(work, "mirror.jsonl");
      (stack.workspace as LocalWorkspace).envVars.DOCKYARD_TRACE = traceFile;
      const changed = await stack.up();
      t.deepEqual(changed.outputs.mirrors.value, [`${mirror}/`, "http://10.255.255.1:5000/"]);
      const commands = commandsOf(readTrace(traceFile), host);
      t.log(`mirror change: ${commands.length} SSH commands: ${commands.join(" | ")}`);
      // The run's shared read (the diffs), the DaemonConfig's read, then its apply with the read after it.
      // (dockerd --validate first where dockerd has it: 23 on; the rig's stand-in is 20.10.)
      // Then the workload read again for the Image and the Container: the change dropped the host's reads.
      t.is(commands.length, 4, commands.join(" | "));
      t.deepEqual(commands.slice(0, 2), ["reading the host (facts, engine, daemon, workload)", "reading daemon.json"]);
      t.regex(commands[2], /^(validating daemon\.json; )?applying daemon\.json; reading daemon\.json$/);
      t.is(commands[3], "reading the host (workload)");
      t.is(engineCallsOf(readTrace(traceFile), host), 0, "no Engine API call: the container is kept");
      t.is((await rig.exec(host, "systemctl show docker -p MainPID --value")).trim(), pid, "reloaded, not restarted");
      t.is((await rig.exec(host, "docker inspect -f '{{.State.Running}} {{.State.StartedAt}}' web")).trim(), `true ${started}`);

      // A storage driver dockerd cannot start with: restarted, rolled back, said (the apply's own account).
      daemonArgs = () => ({ registryMirrors: [mirror, "http://10.255.255.1:5000"], storageDriver: "no-such-driver" });
      const err = await t.throwsAsync(stack.up());
      t.regex(err!.message, /DOCKYARD_DAEMON_RESTART_FAILED/);
      t.regex(err!.message, /docker did not start with the new daemon.json; the previous file was restored and docker is running again/);
      t.deepEqual(JSON.parse(await rig.exec(host, "cat /etc/docker/daemon.json")), {
        "registry-mirrors": [mirror, "http://10.255.255.1:5000"],
      });
      t.is((await rig.exec(host, "docker info --format '{{.Driver}}'")).trim(), "overlay2");
    } finally {
      await stack.destroy().catch(() => undefined);
      await cleanup();
    }
  },
);
