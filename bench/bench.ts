import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderPlot } from "./plot";
import { summarizeTrace } from "./trace-summary";
import { readableKeyPair } from "../src/providers/ssh-key-pair";
import { startPackageServer } from "../test/rig/package-server";
import { PREVIOUS_RELEASE, previousReleaseTarball } from "../test/rig/previous-release";
import { downAll, RIG_LABEL, Rig, type RigHost } from "../test/rig/rig";
import type { ChildResult, ChildSpec } from "./dockyard-child";
import type { FleetJob } from "./fleet-program";
import { PROVIDER_ROLES } from "./process-role";
import {
  BEFORE,
  COMPONENTS_PER_HOST,
  renderTables,
  scenarioKey,
  summarize,
  type Phase,
  type Results,
  type Sample,
  type Tool,
} from "./results";

const REPO = path.resolve(__dirname, "..");
// Per process: a second bench beside a running one must not rewrite the first one's child.
const BUILD = path.join(__dirname, ".build", String(process.pid));
const DOCKER_VERSION = "25.0.3";
const ALL_TOOLS: Tool[] = ["dockyard", BEFORE, "shell", "empty", "components", "ansible"];
/** The Pulumi tools: this checkout (the plugin) and the previous release (dynamic providers). */
type PulumiTool = "dockyard" | typeof BEFORE;

interface Options {
  runs: number;
  hosts: number[];
  ansibleHosts: number[];
  tools: Tool[];
  out: string;
  warmUp: boolean;
  parallelDiff: boolean;
  /** Add this run's samples to the results file's instead of starting a new one. */
  append: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    runs: 3,
    hosts: [1, 5, 20],
    ansibleHosts: [1, 5, 20],
    tools: ALL_TOOLS,
    out: path.join(__dirname, "results.json"),
    warmUp: true,
    parallelDiff: true,
    append: false,
  };
  const list = (v: string) =>
    v
      .split(",")
      .map((x) => Number(x.trim()))
      .filter((x) => Number.isInteger(x) && x > 0);
  let explicitAnsible = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i] ?? "";
    if (flag === "--runs") o.runs = Number(value());
    else if (flag === "--hosts") o.hosts = list(value());
    else if (flag === "--ansible-hosts") {
      o.ansibleHosts = list(value());
      explicitAnsible = true;
    } else if (flag === "--tools")
      o.tools = value()
        .split(",")
        .map((t) => t.trim()) as Tool[];
    else if (flag === "--out") o.out = path.resolve(value());
    else if (flag === "--no-warm-up") o.warmUp = false;
    else if (flag === "--parallel-diff") o.parallelDiff = true;
    else if (flag === "--no-parallel-diff") o.parallelDiff = false;
    else if (flag === "--append") o.append = true;
    else
      throw new Error(
        `bench: unknown flag ${argv[i]} (--runs N, --hosts 1,5,20, --ansible-hosts 1,5,20, --tools ${ALL_TOOLS.join(",")}, --out FILE, --no-warm-up, --no-parallel-diff, --append)`,
      );
  }
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error("bench: --runs must be a positive integer");
  if (!explicitAnsible) o.ansibleHosts = o.ansibleHosts.filter((n) => o.hosts.includes(n));
  if (!explicitAnsible && !o.ansibleHosts.length) o.ansibleHosts = [Math.max(...o.hosts)];
  for (const t of o.tools) if (!ALL_TOOLS.includes(t)) throw new Error(`bench: unknown tool ${t}`);
  return o;
}

const t0 = Date.now();
const log = (s: string) => process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(5)}s] ${s}\n`);

function sh(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 << 20, cwd: opts.cwd },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.join(" ")}: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

interface Timed {
  seconds: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command and measures its wall time, process start to exit. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20 * 60 * 1000): Promise<Timed> {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, code, stdout, stderr });
    });
  });
}

const tail = (s: string, n = 25) => s.trim().split("\n").slice(-n).join("\n");

/** The machine's 1-minute load average when a sample started (2 cores: 2 is full). */
const load1 = () => Math.round(os.loadavg()[0] * 10) / 10;

async function otherRigContainers(): Promise<number> {
  const out = await sh("docker", ["ps", "-q", "--filter", "label=dockyard.rig"]).catch(() => "");
  return out.split("\n").filter(Boolean).length;
}

/**
 * Where a Pulumi tool's program runs from: the bundled child, whose `pulumi-dockyard` and
 * `@pulumi/pulumi` resolve from the node_modules above it; the directory its work directories go
 * under; the plugin it names in Pulumi.yaml (none for 0.3.0).
 */
interface Program {
  childJs: string;
  workRoot: string;
  pluginPath?: string;
}

/** Everything a bench run shares: key, mirrors, CLI, scratch directory. */
interface Context {
  opts: Options;
  keyPair: { private: string; public: string };
  keyFile: string;
  scratch: string;
  pulumiBin: string;
  dockerMirror: string;
  dockerMirrorKeyFingerprint: string;
  registry: string;
  registry2: string;
  results: Results;
  rigs: Set<Rig>;
  programs: Partial<Record<PulumiTool, Program>>;
}

/** Fresh hosts for one measurement (not timed), with python3 as a Debian cloud image has it. */
async function freshHosts(ctx: Context, n: number): Promise<Rig> {
  // A loaded machine sometimes boots a host too slowly for the rig's 90 s: one more try.
  const rig = await Rig.start({ hosts: n, keyPair: ctx.keyPair, log }).catch((e: unknown) => {
    log(`starting ${n} hosts failed, trying again: ${String(e).split("\n")[0]}`);
    return Rig.start({ hosts: n, keyPair: ctx.keyPair, log });
  });
  ctx.rigs.add(rig);
  await Promise.all(
    rig.hosts.map((h) =>
      rig.exec(
        h,
        "apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null",
      ),
    ),
  );
  return rig;
}

async function stopHosts(ctx: Context, rig: Rig): Promise<void> {
  await rig.stop().catch((e: unknown) => log(`stopping hosts failed: ${String(e)}`));
  ctx.rigs.delete(rig);
}

function knownHosts(ctx: Context, rig: Rig): string {
  const file = path.join(ctx.scratch, `known_hosts-${rig.runId}`);
  writeFileSync(file, rig.hosts.map((h) => `${h.address} ${h.hostKey}\n`).join(""));
  return file;
}

function record(ctx: Context, tool: Tool, phase: Phase, hosts: number, sample: Sample): void {
  const key = scenarioKey(tool, phase, hosts);
  const s = (ctx.results.scenarios[key] ??= { tool, phase, hosts, samples: [] });
  s.samples.push(sample);
  const extra = sample.error ? ` FAILED: ${sample.error.split("\n")[0]}` : "";
  log(`${key}: ${sample.seconds.toFixed(1)} s${sample.nodeMaxRssMb ? `, node ${sample.nodeMaxRssMb} MiB` : ""}${extra}`);
}

// ---------------------------------------------------------------------------------------- Dockyard

function job(ctx: Context, hosts: RigHost[], registryMirrors: string[]): FleetJob {
  return {
    hosts: hosts.map((h) => ({ name: h.name, address: h.address, hostKey: h.hostKey })),
    privateKey: ctx.keyPair.private,
    dockerMirror: ctx.dockerMirror,
    dockerMirrorKeyFingerprint: ctx.dockerMirrorKeyFingerprint,
    dockerVersion: DOCKER_VERSION,
    registryMirrors,
  };
}

const mb = (kb: number | undefined) => (kb === undefined ? undefined : Math.round(kb / 1024));

/** One Pulumi operation in a child Node process (dockyard-child.js of the tool's program). */
async function pulumiChild(
  ctx: Context,
  tool: PulumiTool,
  spec: Omit<ChildSpec, "pulumiBin" | "pluginPath">,
): Promise<Sample & { result?: ChildResult }> {
  const program = ctx.programs[tool];
  if (!program) throw new Error(`bench: no program prepared for ${tool}`);
  const others = await otherRigContainers();
  const loadBefore = load1();
  // Every provider call and SSH command of the run, for the breakdown (src/remote/trace.ts).
  const traceFile = path.join(ctx.scratch, `trace-${process.hrtime.bigint()}.jsonl`);
  const withTrace = { ...spec, env: { ...spec.env, DOCKYARD_TRACE: traceFile } };
  const full: ChildSpec = { ...withTrace, pulumiBin: ctx.pulumiBin, pluginPath: program.pluginPath };
  const r = await timed(process.execPath, [program.childJs], { ...process.env, BENCH_SPEC: JSON.stringify(full) });
  const trace = existsSync(traceFile) ? summarizeTrace(readFileSync(traceFile, "utf8")) : undefined;
  // BENCH_KEEP_TRACES=<dir> keeps each raw trace there, to read one run's timeline.
  const keep = process.env.BENCH_KEEP_TRACES;
  if (keep && existsSync(traceFile)) copyFileSync(traceFile, path.join(keep, `${spec.op}-${path.basename(traceFile)}`));
  rmSync(traceFile, { force: true });
  const line = r.stdout.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
  if (r.code !== 0 || !line) {
    return { seconds: r.seconds, otherRigContainers: others, load1: loadBefore, error: `exit ${r.code}: ${tail(r.stderr || r.stdout)}` };
  }
  const result = JSON.parse(line.slice("BENCH_RESULT ".length)) as ChildResult;
  const peaks = result.childPeakKb;
  // The provider process: the plugin or the dynamic-provider host (both `node`; the child tells
  // them apart by their script). Both are counted if both ran.
  const roles = Object.keys(PROVIDER_ROLES).filter((k) => peaks[k] !== undefined) as (keyof typeof PROVIDER_ROLES)[];
  return {
    seconds: r.seconds,
    otherRigContainers: others,
    load1: loadBefore,
    nodeMaxRssMb: mb(result.nodeMaxRssKb),
    cliPeakMb: mb(peaks.pulumi),
    providerPeakMb: roles.length ? mb(roles.reduce((sum, k) => sum + peaks[k], 0)) : undefined,
    providers: roles.map((k) => PROVIDER_ROLES[k]),
    operationSeconds: result.operationMs / 1000,
    workspaceSeconds: result.workspaceMs / 1000,
    inProcessSeconds: result.inProcessMs / 1000,
    changes: result.changes,
    resourceMs: result.resourceMs,
    firstResourceEventMs: result.firstResourceEventMs,
    lastResourceEventMs: result.lastResourceEventMs,
    httpCheckSeconds: result.httpCheckMs / 1000,
    trace,
    result,
  };
}

function changed(c: Record<string, number> | undefined): Record<string, number> {
  const out = { ...(c ?? {}) };
  delete out.same;
  return out;
}

/** The fleet job's phases on new hosts, with this checkout (`dockyard`) or the previous release. */
async function benchDockyard(ctx: Context, n: number, tool: PulumiTool): Promise<void> {
  const rig = await freshHosts(ctx, n);
  const backendDir = mkdtempSync(path.join(os.tmpdir(), "dockyard-bench-state-"));
  // Under the program's node_modules, so the dynamic-provider host (0.3.0) resolves
  // `pulumi-dockyard` and `@pulumi/pulumi` from there, as in a user's project.
  const workDir = path.join(ctx.programs[tool]!.workRoot, `bench-${rig.runId}`);
  mkdirSync(workDir, { recursive: true });
  const base = { backendDir, workDir, projectName: "dockyard-bench", stackName: `fleet${n}` };
  const mirrors = [`http://${ctx.registry}`];
  try {
    const phases: {
      phase: Phase;
      op: ChildSpec["op"];
      mirrors: string[];
      checkHttp: boolean;
      env?: Record<string, string>;
      expect: (c: Record<string, number>) => boolean;
    }[] = [
      { phase: "converge", op: "up", mirrors, checkHttp: true, expect: (c) => (c.create ?? 0) > 0 },
      { phase: "noop", op: "up", mirrors, checkHttp: false, expect: (c) => Object.keys(c).length === 0 },
      { phase: "preview", op: "preview", mirrors, checkHttp: false, expect: (c) => Object.keys(c).length === 0 },
      { phase: "refresh", op: "refresh", mirrors, checkHttp: false, expect: (c) => Object.keys(c).length === 0 },
    ];
    if (ctx.opts.parallelDiff) {
      // The engine calls Diff one resource at a time unless asked (pulumi/pulumi#12351, #18872).
      phases.splice(2, 0, {
        phase: "noop-parallel-diff",
        op: "up",
        mirrors,
        checkHttp: false,
        env: { PULUMI_PARALLEL_DIFF: "true" },
        expect: (c) => Object.keys(c).length === 0,
      });
    }
    phases.push({
      phase: "mirror-change",
      op: "up",
      mirrors: [...mirrors, `http://${ctx.registry2}`],
      checkHttp: true,
      expect: (c) => (c.update ?? 0) > 0,
    });
    for (const p of phases) {
      const sample = await pulumiChild(ctx, tool, {
        ...base,
        op: p.op,
        job: job(ctx, rig.hosts, p.mirrors),
        checkHttp: p.checkHttp,
        env: p.env,
      });
      delete sample.result;
      if (!sample.error && !p.expect(changed(sample.changes))) {
        sample.error = `unexpected changes for ${p.phase}: ${JSON.stringify(sample.changes)}`;
      }
      record(ctx, tool, p.phase, n, sample);
      if (sample.error && p.phase === "converge") break;
    }
  } finally {
    rmSync(backendDir, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
    await stopHosts(ctx, rig);
  }
}

/** The phases of a program with no hosts, and the op each runs. */
const BARE_OPS = { "up-new-stack": "empty-up", "up-again": "empty-up", preview: "empty-preview", refresh: "empty-refresh" } as const;

/**
 * A program with no hosts, phase by phase on one stack: the empty program (`components` 0), or
 * bare components with no provider, which against it is what registering alone costs.
 */
async function benchBareProgram(
  ctx: Context,
  run: { tool: "empty" | "components"; hosts: number; components: number; phases: (keyof typeof BARE_OPS)[] },
): Promise<void> {
  const backendDir = mkdtempSync(path.join(os.tmpdir(), "dockyard-bench-state-"));
  const workDir = path.join(REPO, ".pulumi-work", `bench-${run.tool}-${process.pid}`);
  mkdirSync(workDir, { recursive: true });
  try {
    for (const phase of run.phases) {
      const sample = await pulumiChild(ctx, "dockyard", {
        op: BARE_OPS[phase],
        components: run.components,
        job: job(ctx, [], []),
        backendDir,
        workDir,
        projectName: `dockyard-bench-${run.tool}`,
        stackName: run.tool,
        checkHttp: false,
      });
      delete sample.result;
      delete sample.resourceMs;
      record(ctx, run.tool, phase, run.hosts, sample);
    }
  } finally {
    rmSync(backendDir, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** `pulumi up` of a program with no resources: a new stack, then the same stack again; its preview and refresh. */
const benchEmpty = (ctx: Context) =>
  benchBareProgram(ctx, { tool: "empty", hosts: 1, components: 0, phases: ["up-new-stack", "up-again", "preview", "refresh"] });

/** COMPONENTS_PER_HOST bare components per host: a new stack, the same stack again, and its preview. */
const benchComponents = (ctx: Context, hosts: number) =>
  benchBareProgram(ctx, {
    tool: "components",
    hosts,
    components: COMPONENTS_PER_HOST * hosts,
    phases: ["up-new-stack", "up-again", "preview"],
  });

// ------------------------------------------------------------------------------------------ Shell

/** Runs a command under GNU time for the peak RSS of its largest process. */
async function timedWithRss(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Timed & { maxRssMb?: number }> {
  const rssFile = path.join(os.tmpdir(), `dockyard-bench-rss-${process.pid}-${Date.now()}`);
  const r = await timed("/usr/bin/time", ["-f", "%M", "-o", rssFile, cmd, ...args], env);
  let maxRssMb: number | undefined;
  try {
    const kb = Number(readFileSync(rssFile, "utf8").trim().split("\n").pop());
    if (Number.isFinite(kb)) maxRssMb = Math.round(kb / 1024);
  } catch {
    // no file: the command did not start
  }
  rmSync(rssFile, { force: true });
  return { ...r, maxRssMb };
}

async function benchShell(ctx: Context, n: number): Promise<void> {
  const rig = await freshHosts(ctx, n);
  try {
    const others = await otherRigContainers();
    const loadBefore = load1();
    const r = await timedWithRss(
      "bash",
      [
        path.join(__dirname, "shell", "fleet.sh"),
        ctx.keyFile,
        knownHosts(ctx, rig),
        ctx.dockerMirror,
        DOCKER_VERSION,
        JSON.stringify([`http://${ctx.registry}`]),
        ...rig.hosts.map((h) => h.address),
      ],
      process.env,
    );
    record(ctx, "shell", "converge", n, {
      seconds: r.seconds,
      otherRigContainers: others,
      load1: loadBefore,
      maxRssMb: r.maxRssMb,
      error: r.code === 0 ? undefined : `exit ${r.code}: ${tail(r.stderr + r.stdout)}`,
    });
  } finally {
    await stopHosts(ctx, rig);
  }
}

// ---------------------------------------------------------------------------------------- Ansible

/** The PLAY RECAP's changed= summed over hosts, and unreachable/failed. */
function recap(out: string): { changed: number; failed: number } {
  let changed = 0;
  let failed = 0;
  for (const m of out.matchAll(/changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/g)) {
    changed += Number(m[1]);
    failed += Number(m[2]) + Number(m[3]);
  }
  return { changed, failed };
}

/** profile_tasks' summary lines: `Task name ------ 12.34s`. */
function taskTimes(out: string): Record<string, number> {
  const times: Record<string, number> = {};
  const summary = out.split(/^=+ *$/m).pop() ?? "";
  for (const m of summary.matchAll(/^(.+?) -+ (\d+\.\d+)s$/gm)) times[m[1].trim()] = Number(m[2]);
  return times;
}

async function benchAnsible(ctx: Context, n: number, convergeOnly = false): Promise<void> {
  const rig = await freshHosts(ctx, n);
  const dir = mkdtempSync(path.join(ctx.scratch, "ansible-"));
  try {
    const inventory = path.join(dir, "inventory.ini");
    writeFileSync(
      inventory,
      [
        "[fleet]",
        ...rig.hosts.map((h) => `${h.name} ansible_host=${h.address}`),
        "",
        "[fleet:vars]",
        "ansible_user=root",
        `ansible_ssh_private_key_file=${ctx.keyFile}`,
        `ansible_ssh_common_args='-o UserKnownHostsFile=${knownHosts(ctx, rig)} -o StrictHostKeyChecking=yes'`,
        "",
      ].join("\n"),
    );
    const mirrors = [`http://${ctx.registry}`];
    const phases: { phase: Phase; mirrors: string[]; expectChanged: boolean }[] = [
      { phase: "converge", mirrors, expectChanged: true },
      { phase: "noop", mirrors, expectChanged: false },
      { phase: "mirror-change", mirrors: [...mirrors, `http://${ctx.registry2}`], expectChanged: true },
    ];
    for (const [i, p] of (convergeOnly ? phases.slice(0, 1) : phases).entries()) {
      // Each run gets its own ControlPersist directory: a re-run minutes later would not find
      // the previous run's SSH masters still open either.
      const cp = path.join(dir, `cp${i}`);
      mkdirSync(cp);
      const env = {
        ...process.env,
        ANSIBLE_CONFIG: path.join(__dirname, "ansible", "ansible.cfg"),
        ANSIBLE_FORKS: String(Math.max(5, n)),
        ANSIBLE_SSH_CONTROL_PATH_DIR: cp,
        ANSIBLE_NOCOLOR: "1",
        ANSIBLE_LOCAL_TEMP: path.join(dir, "tmp"),
      };
      const others = await otherRigContainers();
      const loadBefore = load1();
      const r = await timedWithRss(
        "ansible-playbook",
        [
          "-i",
          inventory,
          path.join(__dirname, "ansible", "fleet.yml"),
          "-e",
          JSON.stringify({ docker_mirror: ctx.dockerMirror, docker_version: DOCKER_VERSION, registry_mirrors: p.mirrors }),
        ],
        env,
      );
      writeFileSync(path.join(ctx.scratch, `ansible-${n}-${p.phase}.log`), r.stdout + r.stderr);
      const { changed: c, failed } = recap(r.stdout);
      let error = r.code === 0 && failed === 0 ? undefined : `exit ${r.code}: ${tail(r.stdout + r.stderr)}`;
      if (!error && p.expectChanged !== c > 0) error = `unexpected changed=${c} for ${p.phase}`;
      record(ctx, "ansible", p.phase, n, {
        seconds: r.seconds,
        otherRigContainers: others,
        load1: loadBefore,
        maxRssMb: r.maxRssMb,
        changes: { changed: c },
        taskSeconds: taskTimes(r.stdout),
        error,
      });
      if (error && p.phase === "converge") break;
    }
  } finally {
    await stopHosts(ctx, rig);
  }
}

// ------------------------------------------------------------------------------------------- Main

async function versions(pulumiBin: string): Promise<Record<string, string>> {
  const v = async (cmd: string, args: string[]) => (await sh(cmd, args).catch(() => "n/a")).trim().split("\n")[0];
  const collections = await sh("ansible-galaxy", ["collection", "list"]).catch(() => "");
  return {
    node: process.version,
    pulumi: await v(path.join(pulumiBin, "pulumi"), ["version"]),
    "@pulumi/pulumi": (JSON.parse(readFileSync(path.join(REPO, "node_modules/@pulumi/pulumi/package.json"), "utf8")) as { version: string })
      .version,
    ansible: await v("dpkg-query", ["-W", "-f=${Version}", "ansible"]),
    "ansible-core": (await v("ansible", ["--version"])).replace(/^ansible /, ""),
    "community.docker": /community\.docker\s+(\S+)/.exec(collections)?.[1] ?? "missing",
    "docker (this machine)": await v("docker", ["version", "--format", "{{.Server.Version}}"]),
    "docker-ce on rig hosts": `${DOCKER_VERSION} (the rig's stand-in package of Debian's binaries)`,
    openssh: (await sh("ssh", ["-V"]).catch((e: Error) => e.message)).trim() || "n/a",
  };
}

/** Bundles the child program into `dir`; its packages stay external and resolve from node_modules above `dir`. */
async function bundleChild(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const out = path.join(dir, "dockyard-child.js");
  await sh(path.join(REPO, "node_modules", ".bin", "esbuild"), [
    path.join(__dirname, "dockyard-child.ts"),
    "--bundle",
    "--platform=node",
    "--target=node20",
    "--packages=external",
    "--log-level=warning",
    `--outfile=${out}`,
  ]);
  return out;
}

/**
 * The previous release installed as a user had it: its packed package (built once from its commit,
 * test/rig/previous-release.ts) with the @pulumi packages it was built and tested with, in a
 * directory of bench/.build named by the tarball's hash, so later runs reuse the install.
 */
async function installPreviousRelease(): Promise<{ dir: string; pulumiVersion: string }> {
  const tarball = await previousReleaseTarball();
  const hash = createHash("sha256").update(readFileSync(tarball)).digest("hex").slice(0, 12);
  const dir = path.join(__dirname, ".build", `release-${PREVIOUS_RELEASE.version}-${hash}`);
  const pulumiVersion = () =>
    (JSON.parse(readFileSync(path.join(dir, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8")) as { version: string }).version;
  if (existsSync(dir)) return { dir, pulumiVersion: pulumiVersion() };
  // Its own devDependencies pin the versions it was tested with (npm pack keeps package.json whole).
  const packed = JSON.parse(await sh("tar", ["-xOzf", tarball, "package/package.json"])) as { devDependencies: Record<string, string> };
  const pins = Object.fromEntries(
    ["@pulumi/pulumi", "@pulumi/aws", "@pulumi/docker"].map((name) => {
      const v = packed.devDependencies[name];
      if (!v) throw new Error(`bench: ${PREVIOUS_RELEASE.version}'s package.json pins no ${name}`);
      return [name, v];
    }),
  );
  // Installed beside, then renamed: a directory that exists is a complete install.
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(
    path.join(tmp, "package.json"),
    JSON.stringify(
      { name: "dockyard-bench-previous-release", private: true, dependencies: { "pulumi-dockyard": `file:${tarball}`, ...pins } },
      null,
      2,
    ),
  );
  log(`installing ${PREVIOUS_RELEASE.version} (${path.basename(tarball)}) into ${path.relative(REPO, dir)}`);
  try {
    await sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel", "error"], {
      cwd: tmp,
      timeoutMs: 15 * 60 * 1000,
    });
    if (existsSync(dir)) rmSync(tmp, { recursive: true, force: true });
    else renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return { dir, pulumiVersion: pulumiVersion() };
}

async function pulumiEngineBin(): Promise<string> {
  const out = await sh(path.join(REPO, "scripts", "pulumi-engine"), [], { timeoutMs: 40 * 60 * 1000 });
  return path.dirname(out.trim().split("\n").pop()!);
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseArgs(argv);
  if (!RIG_LABEL.startsWith("dockyard.bench"))
    throw new Error(`bench: rig label is ${RIG_LABEL}, expected dockyard.bench (run bench/run.ts)`);
  const scratch = mkdtempSync(path.join(os.tmpdir(), "dockyard-bench-"));
  const keyPair = readableKeyPair();
  const keyFile = path.join(scratch, "id_ed25519");
  writeFileSync(keyFile, keyPair.private);
  chmodSync(keyFile, 0o600);
  const rigs = new Set<Rig>();
  // The previous release's own files of this run (its bundled child, work directories), inside its install.
  let previousRun: string | undefined;
  const atStart = await otherRigContainers();
  log(`options ${JSON.stringify(opts)}; rig containers of test runs running now: ${atStart}`);
  try {
    const programs: Context["programs"] = {};
    const previous = opts.tools.includes(BEFORE) ? installPreviousRelease() : undefined;
    // Awaited below; this keeps a failure from being unhandled while another preparation fails first.
    previous?.catch(() => undefined);
    const [pulumiBin] = await Promise.all([
      pulumiEngineBin(),
      (async () => {
        // This checkout: the package links itself into node_modules (scripts/link-self.js).
        const pluginPath = path.join(REPO, "plugin");
        if (!existsSync(path.join(pluginPath, "main.js"))) throw new Error("bench: no plugin/main.js: run `npm run build` first");
        programs.dockyard = { childJs: await bundleChild(BUILD), workRoot: path.join(REPO, ".pulumi-work"), pluginPath };
      })(),
      (async () => {
        if (!previous) return;
        const { dir } = await previous;
        previousRun = path.join(dir, `run-${process.pid}`);
        programs[BEFORE] = { childJs: await bundleChild(previousRun), workRoot: previousRun };
      })(),
    ]);
    const infra = await Rig.start({ hosts: 0, registry: true, keyPair, log });
    rigs.add(infra);
    const infra2 = await Rig.start({ hosts: 0, registry: true, keyPair, log });
    rigs.add(infra2);
    await infra.pushNginx("latest");
    const { baseUrl, keyFingerprint } = await startPackageServer(infra.runId, infra.labels());
    const results: Results = {
      date: new Date().toISOString(),
      command: `npm run bench -- ${argv.join(" ")}`.trim(),
      machine: {
        cores: os.cpus().length,
        cpu: os.cpus()[0]?.model ?? "?",
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        kernel: os.release(),
        os: (/PRETTY_NAME="([^"]+)"/.exec(readFileSync("/etc/os-release", "utf8")) ?? [])[1] ?? "?",
      },
      versions: {
        ...(await versions(pulumiBin)),
        ...(previous
          ? {
              [`pulumi-dockyard before (${BEFORE})`]: `${PREVIOUS_RELEASE.version} (${PREVIOUS_RELEASE.commit.slice(0, 12)}, packed), @pulumi/pulumi ${(await previous).pulumiVersion}, dynamic providers`,
            }
          : {}),
      },
      settings: {
        runs: opts.runs,
        hosts: opts.hosts,
        ansibleHosts: opts.ansibleHosts,
        tools: opts.tools,
        dockerVersion: DOCKER_VERSION,
        hosts_are:
          "rig hosts: Debian 12 containers with systemd and sshd on this machine's Docker engine, new ones for every measured scenario, python3 installed before timing",
        measured: "wall time of the whole command, process start to exit (Dockyard: a Node process running the Automation API program)",
      },
      sharedMachine: { rigContainersAtStart: atStart, rigContainersAtEnd: 0, maxDuringRun: atStart, shared: false, note: "" },
      scenarios: {},
      ratios: {},
      resourceMedians: {},
      notes: [],
    };
    if (opts.append && existsSync(opts.out)) {
      // Later runs add samples to the scenarios of an earlier file; its machine facts stay.
      const earlier = JSON.parse(readFileSync(opts.out, "utf8")) as Results;
      results.notes = [...earlier.notes, `${results.date}: samples added by \`${results.command}\``];
      results.scenarios = earlier.scenarios;
      results.command = `${earlier.command}; ${results.command}`;
      results.date = earlier.date;
      results.settings = { ...earlier.settings, runs: `${String(earlier.settings.runs)} + ${opts.runs} (${opts.tools.join(",")})` };
      results.sharedMachine.rigContainersAtStart = Math.max(atStart, earlier.sharedMachine.rigContainersAtStart);
      results.sharedMachine.maxDuringRun = Math.max(atStart, earlier.sharedMachine.maxDuringRun);
    }
    const ctx: Context = {
      opts,
      keyPair,
      keyFile,
      scratch,
      pulumiBin,
      dockerMirror: baseUrl,
      dockerMirrorKeyFingerprint: keyFingerprint,
      registry: infra.registry!.address,
      registry2: infra2.registry!.address,
      results,
      rigs,
      programs,
    };
    const write = () => {
      const end = results.sharedMachine;
      const during = Object.values(results.scenarios).flatMap((s) => s.samples.map((x) => x.otherRigContainers));
      end.maxDuringRun = Math.max(end.rigContainersAtStart, end.rigContainersAtEnd, ...during);
      end.shared = end.maxDuringRun > 0;
      end.note = end.shared
        ? `shared machine: other runs' rig hosts (label dockyard.rig) were running during this bench (up to ${end.maxDuringRun} containers), so times include their load`
        : "no other rig containers ran during this bench";
      summarize(results);
      writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
      // The picture beside the numbers: results.json -> results.svg.
      writeFileSync(opts.out.replace(/\.json$/, "") + ".svg", renderPlot(results));
    };
    // Warm-up (not recorded): fills the rig's shared apt archive with what each tool's hosts
    // download from Debian (python3-requests for Ansible, docker-ce's dependencies), so every
    // measured run downloads the same things, and warms the CLI's and Node's file caches.
    if (opts.warmUp) {
      log("warm-up (not recorded)");
      await warmUp(ctx);
    }
    // A scenario that cannot even start (hosts that do not boot) is logged and skipped; the
    // run goes on and the scenario simply has fewer samples.
    const attempt = async (what: string, f: () => Promise<void>) => {
      try {
        await f();
      } catch (e) {
        log(`${what} skipped: ${String(e).split("\n")[0]}`);
        results.notes.push(`${new Date().toISOString()} ${what} skipped: ${String(e).split("\n")[0]}`);
      }
    };
    for (let run = 1; run <= opts.runs; run++) {
      log(`== run ${run}/${opts.runs}`);
      if (opts.tools.includes("empty")) await attempt("empty", () => benchEmpty(ctx));
      // Before and after take turns going first, so neither always runs on the warmer machine.
      const pulumiTools: PulumiTool[] = run % 2 ? ["dockyard", BEFORE] : [BEFORE, "dockyard"];
      for (const n of opts.hosts) {
        if (opts.tools.includes("components")) await attempt(`components ${n}`, () => benchComponents(ctx, n));
        if (opts.tools.includes("shell")) await attempt(`shell ${n}`, () => benchShell(ctx, n));
        for (const tool of pulumiTools) if (opts.tools.includes(tool)) await attempt(`${tool} ${n}`, () => benchDockyard(ctx, n, tool));
        if (opts.tools.includes("ansible") && opts.ansibleHosts.includes(n)) await attempt(`ansible ${n}`, () => benchAnsible(ctx, n));
        write();
      }
      for (const n of opts.ansibleHosts.filter((x) => !opts.hosts.includes(x))) {
        if (opts.tools.includes("ansible")) await attempt(`ansible ${n}`, () => benchAnsible(ctx, n));
      }
      write();
    }
    results.sharedMachine.rigContainersAtEnd = await otherRigContainers();
    write();
    console.log(renderTables(results));
    console.log(
      `\n${results.sharedMachine.note}\nwrote ${path.relative(process.cwd(), opts.out)} (docs/bench.md: npx tsx bench/tables.ts --write ${path.relative(process.cwd(), opts.out)})`,
    );
  } finally {
    for (const rig of rigs) await rig.stop().catch(() => undefined);
    await downAll(RIG_LABEL).catch(() => undefined);
    rmSync(BUILD, { recursive: true, force: true });
    if (previousRun) rmSync(previousRun, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** One unrecorded converge of the shell job and of the playbook on one host. */
async function warmUp(ctx: Context): Promise<void> {
  const saved = ctx.results.scenarios;
  ctx.results.scenarios = {};
  try {
    if (ctx.opts.tools.includes("ansible")) await benchAnsible(ctx, 1, true);
    if (["shell", "dockyard", BEFORE].some((t) => ctx.opts.tools.includes(t as Tool))) await benchShell(ctx, 1);
  } finally {
    ctx.results.scenarios = saved;
  }
}
