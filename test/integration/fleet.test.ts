// The repository's own program through the `pulumi` CLI on its directory, as `npm run up` and a
// user run it (index.ts deploying stacks/local.yaml on sandbox hosts: one host installed online
// from the repository mirror, one offline from the bundle, mirrors set, nginx pulled through the
// mirror and answering on port 80); a bad fleet file through the same door; and the GitOps
// pipeline of examples/gitops run for real on a fleet repository of its own.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import path from "node:path";
import test from "ava";
import type { FleetHostOutputs } from "pulumi-dockyard";
import type { Rig } from "../rig/rig";
import { PulumiCli } from "../../scripts/pulumi-cli";
import { SANDBOX_DIR, startSandbox } from "../../scripts/sandbox";
import { pulumiEngine, SANDBOX_PASSPHRASE } from "./support/engine";

const REPO = path.resolve(__dirname, "..", "..");
let rig: Rig;
let config: Awaited<ReturnType<typeof startSandbox>>["config"];
const work = mkdtempSync(path.join(os.tmpdir(), "dockyard-fleet-"));

/** Every file under `dir` (the file backend: current state, history, backups). */
const filesUnder = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile());

/** The sandbox config as `pulumi config set` takes it, plus more keys of the stack. */
const stackConfig = (extra: Record<string, string> = {}) => ({
  ...Object.fromEntries(Object.entries(config).map(([k, v]) => [k, { value: v.value, secret: v.secret }])),
  ...Object.fromEntries(Object.entries(extra).map(([k, value]) => [k, { value }])),
});

/** A CLI on `cwd` with a stack of its own on a backend of its own; `rm` removes stack and config file. */
async function cliFor(cwd: string, stack: string): Promise<PulumiCli> {
  const backend = path.join(work, `state-${stack}`);
  mkdirSync(backend, { recursive: true });
  const cli = new PulumiCli({
    cwd,
    stack,
    backendUrl: `file://${backend}`,
    passphrase: SANDBOX_PASSPHRASE,
    env: { PULUMI_PARALLEL_DIFF: "true" },
  });
  await cli.selectOrCreate();
  return cli;
}

const fail = (what: string, r: { stdout: string; stderr: string }) => `${what}:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`;

test.before(async () => {
  await pulumiEngine();
  ({ rig, config } = await startSandbox({}));
});

test.after.always(async () => {
  await rig?.stop();
  rmSync(work, { recursive: true, force: true });
});

test.serial(
  "the repository's program through `pulumi` on its directory: the whole guide on two hosts; the SSH key only encrypted in state; preview and refresh find nothing; destroy removes the containers",
  async (t) => {
    // A stack of the test's own (its config file Pulumi.test-*.yaml beside the main job's) deploying stacks/local.yaml.
    const stack = `test-${process.pid}`;
    const cli = await cliFor(REPO, stack);
    try {
      await cli.setConfig(stackConfig({ "dockyard:fleetFile": "stacks/local.yaml" }));
      const up = await cli.run(["up", "--yes"]);
      t.is(up.code, 0, fail("pulumi up", up));
      // The stack, the Fleet, and per host 6: Host, DockerEngine (a component and its resource),
      // DaemonConfig, Image, Container.
      t.regex(up.stdout, /\+ 14 created/);
      const hosts = (await cli.outputs()).hosts as Record<string, FleetHostOutputs>;
      t.deepEqual(Object.keys(hosts).sort(), ["offline-1", "online-1"]);
      for (const [name, h] of Object.entries(hosts)) {
        t.deepEqual(h.mirrors, [`${config["dockyard:sandboxRegistryMirror"].value}/`], `${name}: docker info shows the mirror`);
        t.is(h.containers["nginx-container"].state, "running");
        const res = await fetch(`http://${h.containers["nginx-container"].endpoints[0]}/`);
        t.is(res.status, 200, `${name} answers on port 80`);
        t.regex(await res.text(), /Welcome to nginx!/);
      }
      const [online, offline] = rig.hosts;
      t.regex(
        await rig.exec(online, "dpkg-query -W -f='${Version}' docker-ce"),
        /^5:25\.0\.3-1/,
        "online-1: docker-ce 25.0.3 from the mirror",
      );
      t.is(
        (await rig.exec(offline, "test -f /etc/systemd/system/docker.service && ls /usr/bin/dockerd")).trim(),
        "/usr/bin/dockerd",
        "offline-1: unpacked bundle + unit",
      );

      // The key's own lines (the first is a header every unencrypted ed25519 key shares).
      const keyLines = rig.privateKey
        .split("\n")
        .filter((l) => l.length > 40)
        .slice(1);
      t.true(keyLines.length > 0);
      const backendDir = new URL(cli.opts.backendUrl).pathname;
      const stateFiles = filesUnder(backendDir);
      t.true(
        stateFiles.some((f) => f.endsWith(`${stack}.json`)),
        "the stack's state file is among those read",
      );
      for (const f of [...stateFiles, path.join(REPO, `Pulumi.${stack}.yaml`)]) {
        const text = readFileSync(f, "utf8");
        t.false(
          keyLines.some((l) => text.includes(l)),
          `${f} holds the SSH key in plain text`,
        );
      }
      const exported = await cli.ok(["stack", "export"]);
      t.false(
        keyLines.some((l) => exported.stdout.includes(l)),
        "the key in plain text in `pulumi stack export`",
      );
      t.false(
        keyLines.some((l) => up.stdout.includes(l) || up.stderr.includes(l)),
        "the key in the output of up",
      );

      // With the trace on: the no-op preview reads each host once (one SSH command shared by its
      // facts, engine and daemon.json), over one connection per host.
      const traceFile = path.join(work, "preview-trace.jsonl");
      const preview = await cli.run(["preview", "--expect-no-changes"], { env: { DOCKYARD_TRACE: traceFile } });
      t.is(preview.code, 0, fail("preview after up found changes", preview));
      const trace = readFileSync(traceFile, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { kind: string; host: string; what?: string });
      const perHost = (kind: string) => {
        const counts: Record<string, number> = {};
        for (const e of trace) if (e.kind === kind) counts[e.host] = (counts[e.host] ?? 0) + 1;
        return counts;
      };
      const targets = Object.fromEntries(rig.hosts.map((h) => [`root@${h.address}:22`, 1]));
      t.deepEqual(perHost("exec"), targets, "one SSH command per host");
      t.deepEqual(perHost("connect"), targets, "one connection per host");
      t.true(
        trace.some((e) => e.kind === "cache" && e.what === "reading the engine's state"),
        "the engine's diff was served from the host's read",
      );
      t.false(readFileSync(traceFile, "utf8").includes("PRIVATE KEY"));
      const refresh = await cli.run(["refresh", "--yes", "--expect-no-changes"]);
      t.is(refresh.code, 0, fail("refresh after up found drift", refresh));

      const destroy = await cli.run(["destroy", "--yes"]);
      t.is(destroy.code, 0, fail("pulumi destroy", destroy));
      for (const h of rig.hosts) {
        t.is((await rig.exec(h, "docker ps -aq --filter name=nginx-container")).trim(), "", `${h.name}: nginx-container removed`);
      }
    } finally {
      await cli.run(["stack", "rm", "--yes", "--force"]);
    }
  },
);

test.serial(
  "a bad fleet file through `pulumi preview` in the repository: every problem as file:line:col, no stack trace, nothing created",
  async (t) => {
    const bad = path.join(work, "bad.yaml");
    writeFileSync(bad, ["hosts:", "  - name: web1", "    address: 10.0.0.5", "    port: 70000", "    enigne: {}", ""].join("\n"));
    const stack = `test-bad-${process.pid}`;
    const cli = await cliFor(REPO, stack);
    try {
      await cli.setConfig({ "dockyard:fleetFile": { value: bad } });
      const res = await cli.run(["preview"]);
      t.not(res.code, 0);
      const out = res.stdout + res.stderr;
      t.regex(out, /bad\.yaml:4:5: hosts\[0\]\.port: .*65535/);
      t.regex(out, /bad\.yaml:5:5: hosts\[0\]\.enigne: .*engine/);
      t.notRegex(out, /^\s+at .*\(.*:\d+:\d+\)$/m, "no stack trace");
      t.notRegex(out, /problems: \[/, "no dump of the error object");
      t.regex(out, /Fleet|fleet file/);
    } finally {
      await cli.run(["stack", "rm", "--yes", "--force"]);
    }
  },
);

/** A fleet repository of a user's: the program, a fleet file, git; the package from this repository. */
function fleetRepository(): string {
  const dir = path.join(work, "fleet-repo");
  mkdirSync(path.join(dir, "stacks"), { recursive: true });
  cpSync(path.join(REPO, "index.ts"), path.join(dir, "index.ts"));
  cpSync(path.join(REPO, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  cpSync(path.join(REPO, "tsconfig.json"), path.join(dir, "tsconfig.json"));
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "fleet", private: true, devDependencies: { "pulumi-dockyard": "*" } }),
  );
  symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
  // The sandbox's fleet file, its bundle found where the sandbox keeps it.
  const fleet = readFileSync(path.join(REPO, "stacks", "local.yaml"), "utf8").replace(
    "../.pulumi-state/sandbox/docker.tgz",
    path.join(SANDBOX_DIR, "docker.tgz"),
  );
  writeFileSync(path.join(dir, "stacks", "site.yaml"), fleet);
  return dir;
}

/** Commits the whole tree of `dir` (a new repository the first time). */
function commitAll(dir: string, message: string): void {
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=ci", "-c", "user.email=ci@example.invalid", ...args], { cwd: dir, stdio: "pipe" });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", message);
}

/** The workflow's "check the fleet file" step: loadFleet alone, before anything connects. */
function checkStep(dir: string, stack: string): void {
  execFileSync("node", ["-e", `require("pulumi-dockyard").loadFleet("stacks/${stack}.yaml")`], { cwd: dir, stdio: "pipe" });
}

test.serial(
  "GitOps (examples/gitops): a pull request adding a mirror previews as exactly that update; the merge's up applies it; the next preview finds nothing",
  async (t) => {
    const dir = fleetRepository();
    const cli = await cliFor(dir, "site");
    await cli.setConfig(stackConfig());
    // The stack's config file (Pulumi.site.yaml, secrets encrypted) is part of the repository.
    commitAll(dir, "fleet and its stack");
    const mirror = config["dockyard:sandboxRegistryMirror"].value;
    try {
      // main as merged: checked, then `up --refresh` as the workflow runs it on a push.
      checkStep(dir, "site");
      const first = await cli.run(["up", "--yes", "--refresh"]);
      t.is(first.code, 0, fail("up of main", first));

      // The pull request: one more registry mirror for every host.
      const fleetFile = path.join(dir, "stacks", "site.yaml");
      const second = "http://mirror.example.invalid:5000";
      writeFileSync(
        fleetFile,
        readFileSync(fleetFile, "utf8").replace(
          "      - { config: sandboxRegistryMirror }",
          `      - { config: sandboxRegistryMirror }\n      - ${second}`,
        ),
      );
      t.is(
        execFileSync("git", ["status", "--porcelain"], { cwd: dir, encoding: "utf8" }).trim(),
        "M stacks/site.yaml",
        "the pull request changes the fleet file only",
      );

      checkStep(dir, "site");
      const preview = await cli.run(["preview", "--diff", "--refresh", "--json"]);
      t.is(preview.code, 0, fail("preview of the pull request", preview));
      const plan = JSON.parse(preview.stdout) as { steps: { op: string; urn: string }[] };
      const changed = plan.steps
        // `--refresh` reads every resource first (op "refresh"); what is left is what would change.
        .filter((s) => s.op !== "same" && s.op !== "refresh")
        .map((s) => {
          const [typeChain, name] = s.urn.split("::").slice(-2);
          return `${s.op} ${typeChain.split("$").pop()} ${name}`;
        });
      t.deepEqual(
        changed.sort(),
        ["update dockyard:index:DaemonConfig offline-1-daemon", "update dockyard:index:DaemonConfig online-1-daemon"],
        "the plan is the mirror change and nothing else",
      );

      const merge = await cli.run(["up", "--yes", "--refresh"]);
      t.is(merge.code, 0, fail("up of the merge", merge));
      for (const h of rig.hosts) {
        const mirrors = JSON.parse(await rig.exec(h, "docker info --format '{{json .RegistryConfig.Mirrors}}'"));
        t.deepEqual(mirrors, [`${mirror}/`, `${second}/`], `${h.name}: docker info shows both mirrors`);
      }
      const after = await cli.run(["preview", "--expect-no-changes"]);
      t.is(after.code, 0, fail("preview after the merge", after));
    } finally {
      await cli.run(["destroy", "--yes"]);
    }
  },
);
