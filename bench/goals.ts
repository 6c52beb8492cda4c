/** The benchmark's goals checked against a results file, and where a Dockyard command's time goes. */
import { BEFORE, median, peakControllerMb, scenarioKey, type Phase, type Results, type Sample, type Scenario, type Tool } from "./results";

export interface GoalCheck {
  goal: string;
  /** The measured ratio or amount; undefined when a scenario it needs was not measured. */
  value?: number;
  limit: number;
  /** A ratio, memory, or a count (registrations). */
  unit: "x" | "MiB" | "count";
  met?: boolean;
}

/** Medians, in seconds, of the parts of one Dockyard scenario's wall time. */
export interface Breakdown {
  total: number;
  /** Starting Node and loading `@pulumi/pulumi` and the program's modules. */
  nodeStart?: number;
  /** `LocalWorkspace.createOrSelectStack`: the CLI calls before the operation. */
  selectStack?: number;
  /** From the operation's start to the engine's first resource event: CLI, program and plugin start. */
  toFirstResource?: number;
  /** From the first resource event to the last: where diffs and changes happen. */
  resources?: number;
  /** After the last resource event: the engine finishing, the checkpoint, the Automation API's own calls. */
  afterResources?: number;
  /** Checking every host answers on port 80 (converge and mirror change). */
  httpCheck?: number;
  /** The provider process from its first traced call to its last. */
  providerBusy?: number;
  /** SSH commands: how many, and their summed time (they overlap across hosts). */
  sshCommands?: number;
  sshSeconds?: number;
  /** Engine API channels (`docker system dial-stdio`): how many, summed time. */
  engineApiCalls?: number;
  engineApiSeconds?: number;
  /** SSH connections set up, and their summed time. */
  connections?: number;
  connectSeconds?: number;
  /** Host reads served from the run's shared read instead of the host. */
  sharedReads?: number;
}

const round = (x: number | undefined, d = 2) => (x === undefined ? undefined : Math.round(x * 10 ** d) / 10 ** d);

function medianOf(samples: Sample[], f: (s: Sample) => number | undefined): number | undefined {
  return round(median(samples.map(f).filter((x): x is number => x !== undefined && Number.isFinite(x))));
}

export function breakdownOf(s: Scenario): Breakdown | undefined {
  const ok = s.samples.filter((x) => !x.error);
  if (!ok.length || s.median === undefined) return undefined;
  const ms = (x: number | undefined) => (x === undefined ? undefined : x / 1000);
  return {
    total: s.median,
    nodeStart: medianOf(ok, (x) => (x.inProcessSeconds === undefined ? undefined : x.seconds - x.inProcessSeconds)),
    selectStack: medianOf(ok, (x) => x.workspaceSeconds),
    toFirstResource: medianOf(ok, (x) => ms(x.firstResourceEventMs)),
    resources: medianOf(ok, (x) =>
      x.firstResourceEventMs === undefined || x.lastResourceEventMs === undefined
        ? undefined
        : (x.lastResourceEventMs - x.firstResourceEventMs) / 1000,
    ),
    afterResources: medianOf(ok, (x) =>
      x.operationSeconds === undefined || x.lastResourceEventMs === undefined
        ? undefined
        : x.operationSeconds - x.lastResourceEventMs / 1000,
    ),
    httpCheck: medianOf(ok, (x) => x.httpCheckSeconds),
    providerBusy: medianOf(ok, (x) => ms(x.trace?.spanMs)),
    sshCommands: medianOf(ok, (x) => x.trace?.exec.count),
    sshSeconds: medianOf(ok, (x) => ms(x.trace?.exec.ms)),
    engineApiCalls: medianOf(ok, (x) => x.trace?.stream.count),
    engineApiSeconds: medianOf(ok, (x) => ms(x.trace?.stream.ms)),
    connections: medianOf(ok, (x) => x.trace?.connect.count),
    connectSeconds: medianOf(ok, (x) => ms(x.trace?.connect.ms)),
    sharedReads: medianOf(ok, (x) => x.trace?.cache.count),
  };
}

/** The goals: ratios of medians measured side by side in one run, and the controller's memory. */
export function goalChecks(r: Results): GoalCheck[] {
  const med = (tool: Tool, phase: Phase, n: number) => r.scenarios[scenarioKey(tool, phase, n)]?.median;
  const hostCounts = [...new Set(Object.values(r.scenarios).map((s) => s.hosts))].sort((a, b) => a - b);
  const most = Math.max(...hostCounts.filter((n) => med("dockyard", "noop", n) !== undefined), 1);
  const out: GoalCheck[] = [];
  const ratio = (goal: string, limit: number, a?: number, b?: number) => {
    const value = a !== undefined && b !== undefined && b > 0 ? round(a / b) : undefined;
    out.push({ goal, value, limit, unit: "x", met: value === undefined ? undefined : value <= limit });
  };
  for (const n of hostCounts)
    ratio(`first converge, ${n} host(s): Dockyard / shell floor`, 1.3, med("dockyard", "converge", n), med("shell", "converge", n));
  ratio("no-op `up`, 1 host: Dockyard / empty program `up`", 1.3, med("dockyard", "noop", 1), med("empty", "up-again", 1));
  ratio(
    "no-op `up` with parallel diffs, 1 host: Dockyard / empty program `up`",
    1.3,
    med("dockyard", "noop-parallel-diff", 1),
    med("empty", "up-again", 1),
  );
  ratio("`preview`, 1 host: Dockyard / empty program `preview`", 1.3, med("dockyard", "preview", 1), med("empty", "preview", 1));
  ratio("`refresh`, 1 host: Dockyard / empty program `refresh`", 1.3, med("dockyard", "refresh", 1), med("empty", "refresh", 1));
  if (most > 1) {
    for (const [label, phase] of [
      ["no-op `up`", "noop"],
      ["no-op `up` with parallel diffs", "noop-parallel-diff"],
      ["`preview`", "preview"],
      ["`refresh`", "refresh"],
    ] as const) {
      ratio(`${label}: ${most} hosts / 1 host`, 1.5, med("dockyard", phase, most), med("dockyard", phase, 1));
    }
  }
  // Registrations per host: what the first converge of the guide's job created, the stack aside.
  for (const n of hostCounts) {
    const conv = r.scenarios[scenarioKey("dockyard", "converge", n)]?.samples.find((x) => !x.error && x.changes?.create);
    if (!conv) continue;
    const perHost = (conv.changes!.create - 1) / n;
    out.push({
      goal: `registrations per host, the guide's job (${n} host(s))`,
      value: perHost,
      limit: 6,
      unit: "count",
      met: perHost <= 6,
    });
    break;
  }
  // The controller: the program's Node process, the CLI and the provider process together.
  const peak = peakControllerMb(r, "dockyard", most)?.mb;
  out.push({
    goal: `controller memory at ${most} hosts (program + CLI + provider host, the largest phase)`,
    value: peak,
    limit: 400,
    unit: "MiB",
    met: peak === undefined ? undefined : peak <= 400,
  });
  for (const n of hostCounts) {
    for (const [label, phase] of [
      ["first converge", "converge"],
      ["no-op run", "noop"],
      ["mirror change", "mirror-change"],
    ] as const) {
      if (med("ansible", phase, n) === undefined) continue;
      ratio(`${label}, ${n} host(s): Dockyard / Ansible`, 0.3, med("dockyard", phase, n), med("ansible", phase, n));
    }
  }
  return out;
}

const num = (x: number | undefined, unit = " s", d = 1) => (x === undefined ? "—" : `${x.toFixed(d)}${unit}`);

/** Markdown: the goals, each with its measured value and whether it is met. */
export function renderGoals(r: Results): string[] {
  const lines = ["| goal | measured | limit | met |", "|---|---:|---:|:---:|"];
  for (const g of goalChecks(r)) {
    const v = g.unit === "x" ? num(g.value, "x", 2) : num(g.value, g.unit === "MiB" ? " MiB" : "", g.unit === "MiB" ? 0 : 1);
    const limit = g.unit === "x" ? `${g.limit.toFixed(2)}x` : g.unit === "MiB" ? `${g.limit} MiB` : `${g.limit}`;
    lines.push(`| ${g.goal} | ${v} | ${limit} | ${g.met === undefined ? "not measured" : g.met ? "yes" : "**no**"} |`);
  }
  return lines;
}

/** Markdown: where each Dockyard phase's time goes, medians, a row per phase and host count. */
export function renderBreakdown(r: Results): string[] {
  const phases: [string, Phase][] = [
    ["first converge", "converge"],
    ["no-op up", "noop"],
    ["no-op up, parallel diff", "noop-parallel-diff"],
    ["preview", "preview"],
    ["refresh", "refresh"],
    ["mirror change", "mirror-change"],
  ];
  const hostCounts = [...new Set(Object.values(r.scenarios).map((s) => s.hosts))].sort((a, b) => a - b);
  const lines = [
    "| phase, hosts | whole | Node start | select stack | to 1st resource | resources | after last | HTTP check | provider busy | SSH commands | Engine API calls | connections | shared reads |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const pair = (n: number | undefined, secs: number | undefined) => (n === undefined ? "—" : `${n.toFixed(0)} (${num(secs)})`);
  // This checkout's rows, then 0.3.0's (when measured) for the same phases.
  for (const [tool, suffix] of [
    ["dockyard", ""],
    [BEFORE, " (0.3.0)"],
  ] as const)
    for (const [label, phase] of phases) {
      for (const n of hostCounts) {
        const s = r.scenarios[scenarioKey(tool, phase, n)];
        const b = s && breakdownOf(s);
        if (!b) continue;
        lines.push(
          `| ${label}, ${n}${suffix} | ${[
            num(b.total),
            num(b.nodeStart),
            num(b.selectStack),
            num(b.toFirstResource),
            num(b.resources),
            num(b.afterResources),
            phase === "converge" || phase === "mirror-change" ? num(b.httpCheck) : "",
            num(b.providerBusy),
            pair(b.sshCommands, b.sshSeconds),
            pair(b.engineApiCalls, b.engineApiSeconds),
            pair(b.connections, b.connectSeconds),
            b.sharedReads === undefined ? "—" : b.sharedReads.toFixed(0),
          ].join(" | ")} |`,
        );
      }
    }
  return lines.length > 2 ? lines : [];
}

/** One row of the before/after comparison: 0.3.0 against this checkout at one host count. */
export interface BeforeAfterRow {
  what: string;
  hosts: number;
  before?: string;
  after?: string;
  /** After over before, of the medians. */
  ratio?: number;
  /** Whether the "no slower, no more memory" holds; undefined for rows that are not a goal or not measured. */
  met?: boolean;
}

/** 0.3.0 (dynamic providers) against this checkout (the plugin), phase by phase, then memory. */
export function beforeAfterRows(r: Results): BeforeAfterRow[] {
  const hostCounts = [...new Set(Object.values(r.scenarios).map((s) => s.hosts))].sort((a, b) => a - b);
  const rows: BeforeAfterRow[] = [];
  const ratioOf = (a?: number, b?: number) => (a !== undefined && b !== undefined && b > 0 ? round(a / b) : undefined);
  const okCount = (s?: Scenario) => s?.samples.filter((x) => !x.error).length ?? 0;
  const secs = (s?: Scenario) => (s?.median === undefined ? undefined : `${s.median.toFixed(1)} s (${okCount(s)})`);
  const phases: [string, Phase, boolean][] = [
    ["first converge", "converge", false],
    ["no-op `pulumi up`", "noop", true],
    ["no-op `pulumi up`, PULUMI_PARALLEL_DIFF=true", "noop-parallel-diff", true],
    ["`pulumi preview`", "preview", true],
    ["`pulumi refresh`", "refresh", true],
    ["mirror change", "mirror-change", false],
  ];
  for (const [what, phase, goal] of phases) {
    for (const n of hostCounts) {
      const b = r.scenarios[scenarioKey(BEFORE, phase, n)];
      const a = r.scenarios[scenarioKey("dockyard", phase, n)];
      if (b?.median === undefined && a?.median === undefined) continue;
      const ratio = ratioOf(a?.median, b?.median);
      rows.push({ what, hosts: n, before: secs(b), after: secs(a), ratio, met: goal && ratio !== undefined ? ratio <= 1 : undefined });
    }
  }
  // Memory: the program + CLI + provider process of the largest phase; the provider process alone
  // is where the plugin and the dynamic-provider host differ.
  const mem = (p: ReturnType<typeof peakControllerMb>) =>
    p &&
    `${p.mb.toFixed(0)} MiB (${[p.scenario.nodeMaxRssMbMedian, p.scenario.cliPeakMbMedian, p.scenario.providerPeakMbMedian].map((x) => (x === undefined ? "—" : x.toFixed(0))).join(" / ")}, ${p.scenario.phase})`;
  for (const n of hostCounts) {
    const b = peakControllerMb(r, BEFORE, n);
    const a = peakControllerMb(r, "dockyard", n);
    if (!a && !b) continue;
    const ratio = ratioOf(a?.mb, b?.mb);
    rows.push({
      what: "controller memory, largest phase",
      hosts: n,
      before: mem(b),
      after: mem(a),
      ratio,
      met: ratio === undefined ? undefined : ratio <= 1,
    });
  }
  for (const n of hostCounts) {
    const peak = (tool: Tool) => {
      const xs = (["converge", "noop", "noop-parallel-diff", "preview", "refresh", "mirror-change"] as const)
        .map((p) => r.scenarios[scenarioKey(tool, p, n)]?.providerPeakMbMedian)
        .filter((x): x is number => x !== undefined);
      return xs.length ? Math.max(...xs) : undefined;
    };
    const b = peak(BEFORE);
    const a = peak("dockyard");
    if (a === undefined && b === undefined) continue;
    const mib = (x?: number) => (x === undefined ? undefined : `${x.toFixed(0)} MiB`);
    rows.push({ what: "provider process, largest phase", hosts: n, before: mib(b), after: mib(a), ratio: ratioOf(a, b) });
  }
  return rows;
}

/** Markdown: the before/after table, or nothing when 0.3.0 was not measured. */
export function renderBeforeAfter(r: Results): string[] {
  if (!Object.values(r.scenarios).some((s) => s.tool === BEFORE)) return [];
  const lines = [
    "| | hosts | before: 0.3.0 (dynamic providers) | after: this checkout (plugin) | after / before | no slower, no more memory |",
    "|---|---:|---:|---:|---:|:---:|",
  ];
  for (const x of beforeAfterRows(r)) {
    const verdict = x.met === undefined ? "" : x.met ? "yes" : "**no**";
    lines.push(`| ${x.what} | ${x.hosts} | ${x.before ?? "—"} | ${x.after ?? "—"} | ${num(x.ratio, "x", 2)} | ${verdict} |`);
  }
  return lines;
}
