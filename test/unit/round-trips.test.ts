// Issue 28 items 1 and 3: a fresh engine starts once with its DaemonConfig's settings, and the
// steps of a converge go to the host in a few commands (src/scripts/step-batch.ts).
import { execFileSync, spawnSync } from "node:child_process";
import test from "ava";
import { type Distro, detectDistro } from "../../src/model/distro";
import {
  type EngineFacts,
  type EnginePlan,
  type EngineStep,
  type InitialDaemon,
  freshHost,
  planOfflineEngine,
  planOnlineEngine,
  renderEngineStep,
  withInitialDaemon,
} from "../../src/plan/docker-engine";
import { planDaemonConfig } from "../../src/plan/daemon-config";
import { parseDaemonProbe, renderInitialDaemonSettings } from "../../src/scripts/daemon-config";
import { renderOnlineInstall } from "../../src/scripts/engine-online";
import { renderServiceStart } from "../../src/scripts/engine-service";
import { FAILED_STEP, failedStepOf, renderStepBatch, stepStderr } from "../../src/scripts/step-batch";
import { RemoteCommandError, TimedOutError } from "../../src/remote/errors";
import type { SshSession } from "../../src/remote/ssh-session";
import { BatchStepError, runBatch } from "../../src/providers/run-batch";
import { DISTROS } from "./fixtures/os-release";
import { shellcheck } from "./shellcheck";

const distro = (name: keyof typeof DISTROS): Distro => detectDistro(DISTROS[name]) as Distro;
const debian = distro("debian-12");
const rocky = distro("rocky-9");
const V24 = "5:24.0.7-1~debian.12~bookworm";

/** A host with no engine at all, as the probe reads it. */
const nothing = (over: Partial<EngineFacts> = {}): EngineFacts => ({
  running: false,
  active: "inactive",
  enabled: "not-found",
  packages: {},
  missingFiles: [],
  missingPackagedFiles: [],
  health: { containerd: "", masked: [] },
  ...over,
});
const running: EngineFacts = nothing({
  running: true,
  serverVersion: "24.0.7",
  clientVersion: "24.0.7",
  active: "active",
  enabled: "enabled",
  packages: { "docker-ce": V24, "docker-ce-cli": V24, "containerd.io": "1.6.20-1" },
});
const spec = {
  method: "online" as const,
  source: "docker-ce" as const,
  mirror: "https://download.docker.com",
  channel: "stable",
  plugins: [],
};
const mirrors: InitialDaemon = { settings: { "registry-mirrors": ["http://10.0.0.5:5000"] }, policy: "merge" };
const JSON_TEXT = '{\n  "registry-mirrors": [\n    "http://10.0.0.5:5000"\n  ]\n}';

const onlinePlan = (before: EngineFacts) => planOnlineEngine(spec, debian, V24, before) as EnginePlan;

const rows: [string, EnginePlan, InitialDaemon | undefined, EngineFacts, EngineStep[]][] = [
  [
    "fresh host: the package's own start held back, daemon.json written before the one start",
    onlinePlan(nothing()),
    mirrors,
    nothing(),
    [
      { kind: "install", source: "docker-ce", version: V24, downgrade: false, reinstall: false, hold: false, deferStart: true },
      { kind: "commitRepository" },
      { kind: "unmask" },
      { kind: "initialDaemon", content: JSON_TEXT },
      { kind: "start", restart: false, initialDaemon: true },
    ],
  ],
  [
    "fresh host, with the proxy: the proxy goes with the settings (its file over stdin)",
    onlinePlan(nothing()),
    { ...mirrors, proxy: { https: "http://proxy.corp:3128" } },
    nothing(),
    [
      { kind: "install", source: "docker-ce", version: V24, downgrade: false, reinstall: false, hold: false, deferStart: true },
      { kind: "commitRepository" },
      { kind: "unmask" },
      { kind: "initialDaemon", content: JSON_TEXT, proxy: { https: "http://proxy.corp:3128" } },
      { kind: "start", restart: false, initialDaemon: true },
    ],
  ],
  ["no settings handed over: the plan as it was", onlinePlan(nothing()), undefined, nothing(), onlinePlan(nothing()).steps],
  ["an engine already there: DaemonConfig applies its settings itself", onlinePlan(running), mirrors, running, onlinePlan(running).steps],
  [
    "a docker CLI left on the host (no daemon): not fresh",
    onlinePlan(nothing({ clientVersion: "24.0.7" })),
    mirrors,
    nothing({ clientVersion: "24.0.7" }),
    onlinePlan(nothing({ clientVersion: "24.0.7" })).steps,
  ],
  [
    "settings DaemonConfig would refuse: not written by the engine (DaemonConfig refuses them, naming the field)",
    onlinePlan(nothing()),
    { settings: { "registry-mirrors": ["ftp://nope"] }, policy: "merge" },
    nothing(),
    onlinePlan(nothing()).steps,
  ],
  [
    "offline, fresh host: written before the start that follows the bundle's install",
    planOfflineEngine({ method: "offline", bundle: { sha256: "a".repeat(64) } }, undefined, nothing()) as EnginePlan,
    { settings: { "live-restore": true, debug: true }, policy: "replace" },
    nothing(),
    [
      { kind: "offlineInstall", sha256: "a".repeat(64), installDir: "/usr/bin" },
      { kind: "unmask" },
      { kind: "initialDaemon", content: '{\n  "debug": true,\n  "live-restore": true\n}' },
      { kind: "start", restart: true, initialDaemon: true },
    ],
  ],
];

for (const [name, plan, daemon, before, steps] of rows) {
  test(`withInitialDaemon: ${name}`, (t) => {
    t.deepEqual(withInitialDaemon(plan, daemon, before).steps, steps);
  });
}

test("freshHost: nothing of docker on the host", (t) => {
  t.true(freshHost(nothing()));
  t.false(freshHost(running));
  t.false(freshHost(nothing({ packages: { "containerd.io": "1.6.20-1" } })));
  t.false(freshHost(nothing({ offline: { sha256: "a", installDir: "/usr/bin", files: [] } })));
});

test("DaemonConfig after the engine wrote its file: nothing to apply, so no restart, no reload and no second read", (t) => {
  const probe = parseDaemonProbe(
    [
      "@@dockyard@@ file",
      JSON_TEXT,
      "@@dockyard@@ execstart",
      "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock",
      "@@dockyard@@ validate",
      "yes",
      "@@dockyard@@ info",
      JSON.stringify({ RegistryConfig: { Mirrors: ["http://10.0.0.5:5000/"] }, DockerRootDir: "/var/lib/docker" }),
      "",
    ].join("\n"),
  );
  for (const policy of ["merge", "replace"] as const) {
    const plan = planDaemonConfig("root@h:22", { settings: mirrors.settings, policy }, { before: probe }, [], false);
    t.deepEqual(plan, { kind: "plan", desired: mirrors.settings, steps: [] }, policy);
  }
});

test("scripts of the single start: snapshot and shellcheck", (t) => {
  const scripts: Record<string, string> = {
    "debian: install docker-ce, the package's start held back": renderOnlineInstall(debian, {
      source: "docker-ce",
      version: V24,
      downgrade: false,
      hold: true,
      deferStart: true,
    }),
    "daemon.json before the first start": renderInitialDaemonSettings(JSON_TEXT, false),
    "daemon.json and the proxy before the first start": renderInitialDaemonSettings(JSON_TEXT, true),
    "service start that takes out the settings it could not start on": renderServiceStart({ restart: false, initialDaemon: true }),
  };
  for (const [name, body] of Object.entries(scripts)) {
    t.is(shellcheck(body), "", `${name} fails shellcheck`);
    t.snapshot(body, name);
  }
  // RPM packages start nothing on install: the dnf install is the same with or without the hold-back.
  const rpm = { source: "docker-ce" as const, version: "3:24.0.7-1.el9", downgrade: false, hold: true };
  t.is(renderOnlineInstall(rocky, { ...rpm, deferStart: true }), renderOnlineInstall(rocky, rpm));
  // The proxy's values are never part of the script: they come on stdin.
  const step = renderEngineStep({ kind: "initialDaemon", content: JSON_TEXT, proxy: { https: "http://u:s3cret@proxy:3128" } }, debian);
  t.false(step.script.includes("s3cret"));
  t.true(step.stdin?.includes("HTTPS_PROXY=http://u:s3cret@proxy:3128"));
});

test("the install batch of a fresh host: one script, shellcheck clean, snapshot", (t) => {
  const plan = withInitialDaemon(onlinePlan(nothing()), mirrors, nothing());
  const batch = renderStepBatch(
    plan.steps.map((s) => renderEngineStep(s, debian)),
    { section: "after", script: "echo probe\n" },
  );
  t.is(shellcheck(batch), "");
  t.snapshot(batch, "debian: install, commit, unmask, daemon.json, start and the probe after, as one command");
});

const sh = (script: string, input?: string) => spawnSync("sh", ["-c", script], { input: input ?? "", encoding: "utf8" });

test("a step batch stops at the first failing step, with its code, and names it; the probe after runs only when all passed", (t) => {
  const steps = [
    { script: "set -eu\necho one\n", what: "first" },
    { script: "set -eu\nfalse\necho never\n", what: "second" },
    { script: "set -eu\necho third\n", what: "third" },
  ];
  const failed = sh(renderStepBatch(steps, { section: "after", script: "echo probed\n" }));
  t.is(failed.status, 1);
  t.is(failedStepOf(failed.stderr), 1);
  t.false(failed.stdout.includes("never"));
  t.false(failed.stdout.includes("third"));
  t.false(failed.stdout.includes("probed"));
  t.false(stepStderr(failed.stderr).includes(FAILED_STEP));
  const passed = sh(renderStepBatch([steps[0], steps[2]], { section: "after", script: "echo probed\nfalse\n" }));
  t.is(passed.status, 1, "the probe's own last status (a read reports, it does not stop the batch)");
  t.is(passed.stdout, "one\nthird\n@@dockyard@@ after\nprobed\n");
  t.is(failedStepOf(passed.stderr), undefined);
});

test("a step batch gives its stdin to the one step that reads it; the others read nothing", (t) => {
  const out = sh(
    renderStepBatch([
      { script: "set -eu\ncat\n", what: "no input" },
      { script: "set -eu\ncat\n", what: "reads", stdin: "secret-env" },
    ]),
    "secret-env",
  );
  t.is(out.stdout, "secret-env");
  t.throws(() =>
    renderStepBatch([
      { script: "", what: "a", stdin: "x" },
      { script: "", what: "b", stdin: "y" },
    ]),
  );
});

test("the initial daemon.json script writes only on a host without the files, and records the first file as absent", (t) => {
  // Run against a scratch root: the paths are rewritten into a temporary directory.
  const root = execFileSync("mktemp", ["-d"], { encoding: "utf8" }).trim();
  const local = (s: string) =>
    s
      .replaceAll("/etc/docker", `${root}/etc/docker`)
      .replaceAll("/var/lib/dockyard", `${root}/var/lib/dockyard`)
      .replaceAll("/etc/systemd", `${root}/etc/systemd`)
      .replaceAll("/run/dockyard-initial-daemon", `${root}/mark`)
      .replaceAll("dockerd --help", "false");
  try {
    const first = sh(local(renderInitialDaemonSettings(JSON_TEXT, false)));
    t.is(first.status, 0, first.stderr);
    t.is(execFileSync("cat", [`${root}/etc/docker/daemon.json`], { encoding: "utf8" }), JSON_TEXT + "\n");
    t.is(execFileSync("cat", [`${root}/var/lib/dockyard/daemon.json.original`], { encoding: "utf8" }), "@@absent@@\n");
    t.is(sh(`test -e ${root}/mark`).status, 0, "the mark for the start's fallback");
    execFileSync("sh", ["-c", `echo '{"debug": true}' > ${root}/etc/docker/daemon.json`]);
    const again = sh(local(renderInitialDaemonSettings(JSON_TEXT, false)));
    t.is(again.status, 0);
    t.regex(again.stderr, /DaemonConfig merges them/);
    t.is(execFileSync("cat", [`${root}/etc/docker/daemon.json`], { encoding: "utf8" }), '{"debug": true}\n', "a file there is left alone");
  } finally {
    execFileSync("rm", ["-rf", root]);
  }
});

test("runBatch: a failing step's error names that step (its `what`, its index) with its own stderr; one exec for the batch", async (t) => {
  const calls: { what?: string; stdin?: unknown }[] = [];
  const session = {
    target: "root@h:22",
    exec: async (command: string, opts: { what?: string; stdin?: unknown; allowFailure?: boolean }) => {
      calls.push(opts);
      const r = sh(command);
      if (r.status !== 0 && !opts.allowFailure) throw new RemoteCommandError("root@h:22", command, r.status, r.stdout, r.stderr, opts.what);
      return { stdout: r.stdout, stderr: r.stderr, exitCode: r.status };
    },
  } as unknown as SshSession;
  const steps = [
    { script: "set -eu\necho validating\n", what: "validating daemon.json" },
    { script: "set -eu\necho 'dockyard: refused' >&2\nexit 3\n", what: "applying daemon.json", stdin: "env" },
  ];
  const err = await t.throwsAsync(runBatch(session, steps, { section: "after", script: "echo probe\n", what: "reading daemon.json" }));
  t.true(err instanceof BatchStepError);
  t.is((err as BatchStepError).step, 1);
  t.is((err as BatchStepError).exitCode, 3);
  t.is((err as BatchStepError).stderr, "dockyard: refused\n");
  t.regex(err!.message, /^\[DOCKYARD_REMOTE_COMMAND_FAILED\] root@h:22: applying daemon.json failed with exit code 3/);
  t.deepEqual(calls, [{ what: "validating daemon.json; applying daemon.json; reading daemon.json", stdin: "env", allowFailure: true }]);
  // A step that ran out of its bound: the TimedOutError names the step, not the batch.
  const late = await t.throwsAsync(
    runBatch(session, [
      steps[0],
      {
        script: "set -eu\necho 'dockyard: docker did not answer within 60 s (bound: engineStartTimeout)' >&2\nexit 1\n",
        what: "starting docker",
      },
    ]),
  );
  t.true(late instanceof TimedOutError);
  t.regex(late!.message, /starting docker: docker did not answer within 60 s \(bound: engineStartTimeout\)/);
  t.is(
    await runBatch(session, [steps[0]], { section: "after", script: "echo probe\n", what: "r" }),
    "validating\n@@dockyard@@ after\nprobe\n",
  );
});
