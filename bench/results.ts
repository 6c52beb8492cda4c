/** The shape of bench/results.json, and the numbers derived from samples. */
import { renderBeforeAfter, renderBreakdown, renderGoals } from "./goals";
import type { TraceSummary } from "./trace-summary";

export type Tool = "dockyard" | "dockyard-0.3.0" | "shell" | "empty" | "components" | "ansible";

/**
 * The `components` tool: an empty program that registers this many bare components per host (the
 * guide's job registers 10 per host: 5 components and 5 resources), with no provider: what the
 * Pulumi engine, the CLI and the program cost per registration, apart from any host work.
 */
export const COMPONENTS_PER_HOST = 10;

/** The previous release (every resource a dynamic provider), measured beside this checkout ("after"). */
export const BEFORE = "dockyard-0.3.0" satisfies Tool;
/** The two Pulumi tools: both run the same fleet program through the Automation API. */
export const PULUMI_TOOLS = ["dockyard", BEFORE] as const satisfies readonly Tool[];
export type Phase = "converge" | "noop" | "noop-parallel-diff" | "preview" | "refresh" | "mirror-change" | "up-new-stack" | "up-again";

export interface Sample {
  /** Wall time of the whole command (process start to exit), seconds. */
  seconds: number;
  /** Rig containers of other runs (label dockyard.rig) when the sample started. */
  otherRigContainers: number;
  /** The machine's 1-minute load average when the sample started. */
  load1?: number;
  /** Dockyard/empty: peak RSS of the Node process running the program, MiB. */
  nodeMaxRssMb?: number;
  /** Dockyard/empty: peak RSS of the `pulumi` CLI process, MiB (sampled). */
  cliPeakMb?: number;
  /** Dockyard: peak RSS of the provider process, MiB (sampled): the plugin (this checkout) or the dynamic-provider host (0.3.0), summed if both ran. */
  providerPeakMb?: number;
  /** Dockyard: which provider processes ran (`plugin`, `dynamic`), from their command lines. */
  providers?: string[];
  /** Ansible/shell: peak RSS of the largest process of the command's tree (GNU time %M), MiB. */
  maxRssMb?: number;
  /** Dockyard: time inside the Automation API operation (stack.up/refresh), seconds. */
  operationSeconds?: number;
  /** Dockyard: LocalWorkspace.createOrSelectStack (CLI calls before the operation), seconds. */
  workspaceSeconds?: number;
  /** Dockyard: the child's own code, start to end (the rest of `seconds` is Node starting and loading modules). */
  inProcessSeconds?: number;
  /** Dockyard: resource changes the engine reported; Ansible: the recap's changed count. */
  changes?: Record<string, number>;
  /** Dockyard: time per resource type (pre-event to outputs), ms. */
  resourceMs?: Record<string, number[]>;
  /** Dockyard: from the operation's start to the engine's first resource event, ms. */
  firstResourceEventMs?: number;
  /** Dockyard: from the operation's start to the engine's last resource event, ms. */
  lastResourceEventMs?: number;
  /** Dockyard: the HTTP check after the operation (part of `seconds`), seconds. */
  httpCheckSeconds?: number;
  /** Dockyard: the provider's calls and SSH commands, summed from its trace (DOCKYARD_TRACE). */
  trace?: TraceSummary;
  /** Ansible: seconds per task (profile_tasks), summed over hosts by Ansible itself. */
  taskSeconds?: Record<string, number>;
  error?: string;
  /** The command of another bench process whose sample this is (merge-results.ts). */
  source?: string;
}

export interface Scenario {
  tool: Tool;
  phase: Phase;
  hosts: number;
  samples: Sample[];
  /** Median of the successful samples' seconds. */
  median?: number;
  nodeMaxRssMbMedian?: number;
  cliPeakMbMedian?: number;
  providerPeakMbMedian?: number;
  maxRssMbMedian?: number;
}

export interface Results {
  date: string;
  command: string;
  machine: Record<string, string | number>;
  versions: Record<string, string>;
  settings: Record<string, unknown>;
  sharedMachine: { rigContainersAtStart: number; rigContainersAtEnd: number; maxDuringRun: number; shared: boolean; note: string };
  scenarios: Record<string, Scenario>;
  ratios: Record<string, number>;
  /** Dockyard: median ms per resource type per scenario. */
  resourceMedians: Record<string, Record<string, number>>;
  notes: string[];
}

export function scenarioKey(tool: Tool, phase: Phase, hosts: number): string {
  return `${tool}.${phase}.${hosts}`;
}

export function median(xs: number[]): number | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** The controller's memory in one scenario: the program's Node process, the CLI and the provider process (medians, MiB). */
export function controllerMb(s: Scenario | undefined): number | undefined {
  if (s?.nodeMaxRssMbMedian === undefined) return undefined;
  return s.nodeMaxRssMbMedian + (s.cliPeakMbMedian ?? 0) + (s.providerPeakMbMedian ?? 0);
}

/** The phases whose controller memory counts: every phase a Pulumi tool runs on hosts. */
const MEMORY_PHASES = ["converge", "noop", "noop-parallel-diff", "preview", "refresh", "mirror-change"] as const satisfies readonly Phase[];

/** The largest controller memory over a tool's phases at a host count, with the phase it was in. */
export function peakControllerMb(r: Results, tool: Tool, hosts: number): { mb: number; scenario: Scenario } | undefined {
  let peak: { mb: number; scenario: Scenario } | undefined;
  for (const phase of MEMORY_PHASES) {
    const s = r.scenarios[scenarioKey(tool, phase, hosts)];
    const mb = controllerMb(s);
    if (mb !== undefined && (!peak || mb > peak.mb)) peak = { mb, scenario: s };
  }
  return peak;
}

/** The phases compared before and after, in table order. */
const BEFORE_AFTER_PHASES = ["noop", "noop-parallel-diff", "preview", "refresh"] as const satisfies readonly Phase[];

/** Fills in medians of every scenario and the ratios between them. */
export function summarize(r: Results): void {
  for (const s of Object.values(r.scenarios)) {
    const ok = s.samples.filter((x) => !x.error);
    const med = (f: (x: Sample) => number | undefined) => {
      const v = median(ok.map(f).filter((x): x is number => x !== undefined));
      return v === undefined ? undefined : round(v, 1);
    };
    s.median = med((x) => x.seconds);
    if (s.median !== undefined) s.median = round(median(ok.map((x) => x.seconds))!, 2);
    s.nodeMaxRssMbMedian = med((x) => x.nodeMaxRssMb);
    s.cliPeakMbMedian = med((x) => x.cliPeakMb);
    s.providerPeakMbMedian = med((x) => x.providerPeakMb);
    s.maxRssMbMedian = med((x) => x.maxRssMb);
  }
  const m = (tool: Tool, phase: Phase, n: number) => r.scenarios[scenarioKey(tool, phase, n)]?.median;
  const ratios: Record<string, number> = {};
  const put = (name: string, a?: number, b?: number) => {
    if (a !== undefined && b !== undefined && b > 0) ratios[name] = round(a / b, 2);
  };
  const hostCounts = [...new Set(Object.values(r.scenarios).map((s) => s.hosts))].sort((a, b) => a - b);
  for (const n of hostCounts) {
    put(`dockyard/shell converge, ${n} hosts`, m("dockyard", "converge", n), m("shell", "converge", n));
    for (const p of ["converge", "noop", "mirror-change"] as const) {
      put(`dockyard/ansible ${p}, ${n} hosts`, m("dockyard", p, n), m("ansible", p, n));
    }
    put(`empty up/dockyard no-op up, ${n} hosts`, m("empty", "up-again", 1), m("dockyard", "noop", n));
    put(`dockyard no-op up, parallel diff/serial diff, ${n} hosts`, m("dockyard", "noop-parallel-diff", n), m("dockyard", "noop", n));
    put(`dockyard refresh/no-op up, ${n} hosts`, m("dockyard", "refresh", n), m("dockyard", "noop", n));
    // What registering alone costs: bare components over the empty program, as a share of a no-op.
    const regs = m("components", "up-again", n);
    const none = m("empty", "up-again", 1);
    if (regs !== undefined && none !== undefined)
      put(
        `registrations only (bare components - empty program)/dockyard no-op up, ${n} hosts`,
        Math.max(regs - none, 0),
        m("dockyard", "noop", n),
      );
    // No slower than the previous release: this checkout's medians over 0.3.0's, measured in one run.
    for (const p of BEFORE_AFTER_PHASES) put(`after/before (this checkout/0.3.0) ${p}, ${n} hosts`, m("dockyard", p, n), m(BEFORE, p, n));
    put(
      `after/before (this checkout/0.3.0) controller memory, ${n} hosts`,
      peakControllerMb(r, "dockyard", n)?.mb,
      peakControllerMb(r, BEFORE, n)?.mb,
    );
  }
  r.ratios = ratios;
  r.resourceMedians = {};
  for (const [key, s] of Object.entries(r.scenarios)) {
    if (!(PULUMI_TOOLS as readonly Tool[]).includes(s.tool)) continue;
    const byType: Record<string, number[]> = {};
    for (const x of s.samples) for (const [t, ms] of Object.entries(x.resourceMs ?? {})) (byType[t] ??= []).push(...ms);
    const out: Record<string, number> = {};
    for (const [t, ms] of Object.entries(byType)) out[t] = Math.round(median(ms)!);
    const first = median(s.samples.map((x) => x.firstResourceEventMs).filter((x): x is number => x !== undefined));
    if (first !== undefined) out["(operation start to first resource)"] = Math.round(first);
    r.resourceMedians[key] = out;
  }
}

const fmt = (x: number | undefined, unit = "s") => (x === undefined ? "—" : unit ? `${x.toFixed(1)} ${unit}` : x.toFixed(0));
const okCount = (s: Scenario | undefined) => s?.samples.filter((x) => !x.error).length ?? 0;
/** A median with its sample count: `87.4 s (4)`. */
const cell = (s: Scenario | undefined) => (s?.median === undefined ? "—" : `${fmt(s.median)} (${okCount(s)})`);

/** Markdown tables of the medians, ratios and memory, for docs/bench.md (bench/tables.ts). */
export function renderTables(r: Results): string {
  const hostCounts = [...new Set(Object.values(r.scenarios).map((s) => s.hosts))].filter((n) => n > 0).sort((a, b) => a - b);
  const m = (tool: Tool, phase: Phase, n: number) => r.scenarios[scenarioKey(tool, phase, n)];
  const counts = Object.values(r.scenarios).map(okCount);
  const runs = Math.min(...counts) === Math.max(...counts) ? `${counts[0]}` : `${Math.min(...counts)}-${Math.max(...counts)}`;
  const lines: string[] = [];
  lines.push(
    `Medians of ${runs} samples (in brackets), wall time of the whole command, ${r.date.slice(0, 10)}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB.`,
  );
  lines.push("");
  lines.push(`| phase | ${hostCounts.map((n) => `${n} host${n > 1 ? "s" : ""}`).join(" | ")} |`);
  lines.push(`|---|${hostCounts.map(() => "---:").join("|")}|`);
  const row = (label: string, tool: Tool, phase: Phase) => {
    const cells = hostCounts.map((n) => cell(m(tool, phase, n)));
    if (cells.every((c) => c === "—")) return;
    lines.push(`| ${label} | ${cells.join(" | ")} |`);
  };
  row("Dockyard: first converge", "dockyard", "converge");
  row("Shell script over ssh (the floor): first converge", "shell", "converge");
  row("Ansible playbook: first converge", "ansible", "converge");
  row("Dockyard: no-op `pulumi up`", "dockyard", "noop");
  row("Dockyard: no-op `pulumi up`, PULUMI_PARALLEL_DIFF=true", "dockyard", "noop-parallel-diff");
  row("Ansible: no-op re-run", "ansible", "noop");
  row("Dockyard: `pulumi preview`", "dockyard", "preview");
  row("Dockyard: `pulumi refresh`", "dockyard", "refresh");
  row("Dockyard: mirror change", "dockyard", "mirror-change");
  row("Ansible: mirror change", "ansible", "mirror-change");
  const empty = (phase: Phase) => m("empty", phase, 1)?.median;
  if (empty("up-again") !== undefined) {
    const parts = [`${fmt(empty("up-new-stack"))} / ${fmt(empty("up-again"))}`];
    let label = "`pulumi up`, new stack / again";
    if (empty("preview") !== undefined) {
      label += "; `preview`; `refresh`";
      parts.push(fmt(empty("preview")), fmt(empty("refresh")));
    }
    lines.push(
      `| Empty program (no hosts): ${label} | ${parts.join("; ")} |${hostCounts
        .slice(1)
        .map(() => " |")
        .join("")}`,
    );
  }
  const c = (phase: Phase, n: number) => m("components", phase, n)?.median;
  if (hostCounts.some((n) => c("up-again", n) !== undefined)) {
    lines.push(
      `| Registrations only (${COMPONENTS_PER_HOST} bare components per host, no provider): \`pulumi up\` again; \`preview\` | ${hostCounts
        .map((n) => `${fmt(c("up-again", n))}; ${fmt(c("preview", n))}`)
        .join(" | ")} |`,
    );
  }
  const beforeAfter = renderBeforeAfter(r);
  if (beforeAfter.length) {
    lines.push(
      "",
      "Before and after the provider plugin, measured in the same run: the previous release 0.3.0 (every resource a dynamic provider, served by the dynamic-provider host) and this checkout (the provider plugin). Medians with their sample counts; memory is the program + CLI + provider process of the phase that used the most (program / CLI / provider, that phase).",
      "",
      ...beforeAfter,
    );
  }
  const goals = renderGoals(r);
  lines.push("", "The goals, from the medians above:", "", ...goals);
  const breakdown = renderBreakdown(r);
  if (breakdown.length) {
    lines.push(
      "",
      "Where Dockyard's time goes (medians, seconds; SSH commands, Engine API calls and connections as count (summed time), from the provider's trace):",
      "",
      ...breakdown,
    );
  }
  lines.push("");
  lines.push(
    "Peak memory (MiB, median) of Dockyard per phase: the Node process running the program / the `pulumi` CLI / the provider process (sampled; the plugin, or for runs before it the dynamic-provider host).",
  );
  lines.push("");
  lines.push(`| | ${hostCounts.map((n) => `${n} host${n > 1 ? "s" : ""}`).join(" | ")} |`);
  lines.push(`|---|${hostCounts.map(() => "---:").join("|")}|`);
  for (const [label, phase] of [
    ["first converge", "converge"],
    ["no-op up", "noop"],
    ["refresh", "refresh"],
  ] as const) {
    lines.push(
      `| ${label} | ${hostCounts
        .map((n) => {
          const s = m("dockyard", phase, n);
          return s ? `${fmt(s.nodeMaxRssMbMedian, "")} / ${fmt(s.cliPeakMbMedian, "")} / ${fmt(s.providerPeakMbMedian, "")}` : "—";
        })
        .join(" | ")} |`,
    );
  }
  const e = m("empty", "up-again", 1);
  if (e)
    lines.push(
      `| empty program up | ${hostCounts.map(() => `${fmt(e.nodeMaxRssMbMedian, "")} / ${fmt(e.cliPeakMbMedian, "")} / —`).join(" | ")} |`,
    );
  const regs = hostCounts.map((n) => m("components", "up-again", n));
  if (regs.some((x) => x !== undefined))
    lines.push(
      `| ${COMPONENTS_PER_HOST} bare components per host, up again | ${regs.map((x) => (x ? `${fmt(x.nodeMaxRssMbMedian, "")} / ${fmt(x.cliPeakMbMedian, "")} / —` : "—")).join(" | ")} |`,
    );
  const a = hostCounts.map((n) => m("ansible", "converge", n)?.maxRssMbMedian);
  if (a.some((x) => x !== undefined)) lines.push(`| Ansible first converge: largest process | ${a.map((x) => fmt(x, "")).join(" | ")} |`);
  lines.push("");
  lines.push("| ratio (of medians) | value |");
  lines.push("|---|---:|");
  for (const [k, v] of Object.entries(r.ratios)) lines.push(`| ${k} | ${v.toFixed(2)} |`);
  return lines.join("\n");
}
