/*
 * One measured Pulumi operation, in its own Node process, so that process's peak RSS is the
 * program's alone. The bench bundles this file to plain JavaScript (bench/.build) and runs it
 * with `node`, the way a user runs a compiled Automation API program.
 *
 * Input: a JSON spec in BENCH_SPEC. Output: one JSON line on stdout prefixed `BENCH_RESULT `.
 */
import { readdirSync, readFileSync, realpathSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, PulumiCommand, type EngineEvent, type ProjectSettings } from "@pulumi/pulumi/automation";
import { fleetProgram, type FleetJob } from "./fleet-program";
import { processRole } from "./process-role";

export interface ChildSpec {
  op: "up" | "preview" | "refresh" | "empty-up" | "empty-preview" | "empty-refresh";
  /** With an `empty-` op: bare components the program registers (none: the empty program). */
  components?: number;
  job: FleetJob;
  /** Directory holding the `pulumi` binary. */
  pulumiBin: string;
  backendDir: string;
  workDir: string;
  projectName: string;
  stackName: string;
  /** Check that every host answers on http://<host>:80/ after the operation. */
  checkHttp: boolean;
  /** More environment for the CLI (e.g. PULUMI_PARALLEL_DIFF). */
  env?: Record<string, string>;
  /**
   * The provider plugin's directory, named in the project's `plugins.providers`; absent for the
   * previous release, whose resources are dynamic ones served by the dynamic-provider host.
   */
  pluginPath?: string;
}

export interface ChildResult {
  op: ChildSpec["op"];
  /** From the start of this process's own code to the end (after the HTTP check). */
  inProcessMs: number;
  /** LocalWorkspace.createOrSelectStack: CLI calls to select the stack. */
  workspaceMs: number;
  /** stack.up() / stack.refresh(): the CLI run itself, program included. */
  operationMs: number;
  /** From the operation's start to the engine's first resource event. */
  firstResourceEventMs?: number;
  /** From the operation's start to the engine's last resource event. */
  lastResourceEventMs?: number;
  httpCheckMs: number;
  changes: Record<string, number>;
  /** Peak RSS of this Node process (process.resourceUsage().maxRSS), KiB. */
  nodeMaxRssKb: number;
  /**
   * Peak RSS (VmHWM, sampled every 250 ms) of descendant processes by command name, KiB; provider
   * processes (node, like others) under `provider:plugin` and `provider:dynamic` (processRole).
   */
  childPeakKb: Record<string, number>;
  /** Per resource type, the time from its pre-event to its outputs event, ms. */
  resourceMs: Record<string, number[]>;
}

const started = Date.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Descendants of this process (from /proc) with their command names. */
function descendants(): { pid: number; comm: string }[] {
  const parent = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      comm.set(Number(d), stat.slice(stat.indexOf("(") + 1, close));
      parent.set(Number(d), Number(stat.slice(close + 2).split(" ")[1]));
    } catch {
      // gone
    }
  }
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!mine.has(pid) && mine.has(ppid)) {
        mine.add(pid);
        grew = true;
      }
    }
  }
  mine.delete(process.pid);
  return [...mine].map((pid) => ({ pid, comm: comm.get(pid) ?? "?" }));
}

const realPath = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

/** The arguments of a process, or none when it is gone. */
function argvOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

/** Tracks the peak RSS of each descendant process, by role (processRole) at the end. */
function sampleChildren(pluginMain: string | undefined): () => Record<string, number> {
  const peakByPid = new Map<number, { comm: string; kb: number }>();
  const sample = () => {
    for (const { pid, comm: name } of descendants()) {
      // A process's role is read once: it does not change (the plugin's wrapper execs node at once).
      const comm = peakByPid.get(pid)?.comm ?? processRole(name, argvOf(pid), pluginMain, realPath);
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
        if (!m) continue;
        const kb = Number(m[1]);
        const prev = peakByPid.get(pid);
        if (!prev || prev.kb < kb) peakByPid.set(pid, { comm, kb });
      } catch {
        // gone
      }
    }
  };
  const timer = setInterval(sample, 250);
  return () => {
    clearInterval(timer);
    // Per role, the largest process (one `pulumi`, one provider process of each kind per run).
    const out: Record<string, number> = {};
    for (const { comm, kb } of peakByPid.values()) out[comm] = Math.max(out[comm] ?? 0, kb);
    return out;
  };
}

async function httpCheck(addresses: string[]): Promise<void> {
  await Promise.all(
    addresses.map(async (a) => {
      for (let i = 0; ; i++) {
        try {
          const res = await fetch(`http://${a}:80/`);
          const body = await res.text();
          if (res.status === 200 && /Welcome to nginx/.test(body)) return;
          throw new Error(`http://${a}:80/ answered ${res.status}`);
        } catch (e) {
          if (i >= 40) throw e;
          await sleep(250);
        }
      }
    }),
  );
}

class Bare extends pulumi.ComponentResource {
  constructor(name: string) {
    super("bench:index:Registration", name, {});
    this.registerOutputs({});
  }
}

/**
 * A program of `count` components with no children and no provider: registrations alone, what
 * the engine, the CLI and the program spend on each resource apart from any work it does.
 */
function bareComponents(count: number): () => Promise<Record<string, never>> {
  return async () => {
    // A component registers its outputs (none) when constructed with no child: like a component
    // of the guide's job, it is one registration and one outputs call.
    for (let i = 0; i < count; i++) new Bare(`r${i}`);
    return {};
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.BENCH_SPEC ?? "{}") as ChildSpec;
  const stopSampling = sampleChildren(spec.pluginPath === undefined ? undefined : realPath(path.resolve(spec.pluginPath, "start.js")));
  const pulumiCommand = await PulumiCommand.get({ root: spec.pulumiBin });
  const empty = spec.op.startsWith("empty-");
  const program = empty ? bareComponents(spec.components ?? 0) : fleetProgram(spec.job);
  const t0 = Date.now();
  // `plugins` is a project setting the SDK's type does not list; it is written to Pulumi.yaml as is.
  const projectSettings: ProjectSettings & { plugins?: { providers: { name: string; path: string }[] } } = {
    name: spec.projectName,
    runtime: "nodejs",
    backend: { url: `file://${spec.backendDir}` },
    // The provider plugin this checkout builds (npm run build); 0.3.0 needs none.
    ...(spec.pluginPath === undefined ? {} : { plugins: { providers: [{ name: "dockyard", path: spec.pluginPath }] } }),
  };
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: spec.projectName, stackName: spec.stackName, program },
    {
      pulumiCommand,
      workDir: spec.workDir,
      projectSettings,
      envVars: {
        PULUMI_BACKEND_URL: `file://${spec.backendDir}`,
        PULUMI_CONFIG_PASSPHRASE: "dockyard-sandbox-only",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        ...spec.env,
      },
    },
  );
  const t1 = Date.now();
  const pre = new Map<string, number>();
  const resourceMs: Record<string, number[]> = {};
  let firstResourceEvent: number | undefined;
  let lastResourceEvent: number | undefined;
  const onEvent = (e: EngineEvent) => {
    const now = Date.now();
    const p = e.resourcePreEvent?.metadata;
    if (p && p.type !== "pulumi:pulumi:Stack") {
      firstResourceEvent ??= now;
      lastResourceEvent = now;
      pre.set(p.urn, now);
    }
    const o = e.resOutputsEvent?.metadata;
    if (o && pre.has(o.urn)) {
      lastResourceEvent = now;
      const type = o.type.replace(/^dockyard:[^:]*:/, "");
      (resourceMs[type] ??= []).push(now - pre.get(o.urn)!);
    }
  };
  const op = empty ? spec.op.slice("empty-".length) : spec.op;
  const res =
    op === "refresh"
      ? await stack.refresh({ onEvent })
      : op === "preview"
        ? { summary: { resourceChanges: (await stack.preview({ onEvent })).changeSummary } }
        : await stack.up({ onEvent });
  const t2 = Date.now();
  if (spec.checkHttp) await httpCheck(spec.job.hosts.map((h) => h.address));
  const t3 = Date.now();
  const changes = { ...(res.summary.resourceChanges ?? {}) };
  const result: ChildResult = {
    op: spec.op,
    inProcessMs: t3 - started,
    workspaceMs: t1 - t0,
    operationMs: t2 - t1,
    firstResourceEventMs: firstResourceEvent === undefined ? undefined : firstResourceEvent - t1,
    lastResourceEventMs: lastResourceEvent === undefined ? undefined : lastResourceEvent - t1,
    httpCheckMs: t3 - t2,
    changes,
    nodeMaxRssKb: process.resourceUsage().maxRSS,
    childPeakKb: stopSampling(),
    resourceMs,
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
