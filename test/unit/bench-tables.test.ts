import { readFileSync } from "node:fs";
import * as path from "node:path";
import test from "ava";
import { beforeAfterRows, renderBeforeAfter } from "../../bench/goals";
import { BEFORE, renderTables, scenarioKey, summarize, type Phase, type Results, type Sample, type Tool } from "../../bench/results";
import { pageWithTables } from "../../bench/tables";
import { benchResults } from "./support/bench-results";

const REPO = path.resolve(__dirname, "..", "..");

test("docs/bench.md shows the tables bench/results.json gives (npx tsx bench/tables.ts --write)", (t) => {
  const page = readFileSync(path.join(REPO, "docs", "bench.md"), "utf8");
  const results = JSON.parse(readFileSync(path.join(REPO, "bench", "results.json"), "utf8")) as Results;
  t.is(page, pageWithTables(page, results));
  t.regex(page, /\| Dockyard: first converge \| [\d.]+ s \(\d+\) \|/, "the medians table is there");
});

test("a page without the markers is refused, not rewritten", (t) => {
  t.throws(() => pageWithTables("# Benchmarks\n", {} as Results), { message: /no <!-- bench-tables:begin/ });
});

const sample = (seconds: number, mem: [number, number, number], extra: Partial<Sample> = {}): Sample => ({
  seconds,
  otherRigContainers: 0,
  nodeMaxRssMb: mem[0],
  cliPeakMb: mem[1],
  providerPeakMb: mem[2],
  ...extra,
});

/** 0.3.0 and this checkout at 1 and 5 hosts, made up so every ratio is known. */
function beforeAndAfter(): Results {
  const scenarios: Results["scenarios"] = {};
  const put = (tool: Tool, phase: Phase, hosts: number, samples: Sample[]) =>
    (scenarios[scenarioKey(tool, phase, hosts)] = { tool, phase, hosts, samples });
  for (const n of [1, 5]) {
    put(BEFORE, "converge", n, [sample(20 * n, [200, 120, 150])]);
    put("dockyard", "converge", n, [sample(18 * n, [190, 120, 100])]);
    put(BEFORE, "noop", n, [sample(6, [180, 120, 140]), sample(8, [180, 120, 140])]);
    put("dockyard", "noop", n, [sample(3, [170, 110, 90]), sample(5, [170, 110, 90]), sample(99, [1, 1, 1], { error: "boom" })]);
    put(BEFORE, "preview", n, [sample(4, [150, 110, 130])]);
    put("dockyard", "preview", n, [sample(5, [150, 110, 90])]);
    put(BEFORE, "refresh", n, [sample(4, [150, 110, 130])]);
  }
  return benchResults(scenarios);
}

test("before and after: each phase's medians side by side, after over before, failed samples left out", (t) => {
  const rows = beforeAfterRows(beforeAndAfter());
  const row = (what: string, hosts: number) => rows.find((x) => x.what === what && x.hosts === hosts);
  t.deepEqual(row("no-op `pulumi up`", 1), {
    what: "no-op `pulumi up`",
    hosts: 1,
    before: "7.0 s (2)",
    after: "4.0 s (2)",
    ratio: 0.57,
    met: true,
  });
  t.deepEqual(row("`pulumi preview`", 5), {
    what: "`pulumi preview`",
    hosts: 5,
    before: "4.0 s (1)",
    after: "5.0 s (1)",
    ratio: 1.25,
    met: false,
  });
  t.deepEqual(row("`pulumi refresh`", 1), {
    what: "`pulumi refresh`",
    hosts: 1,
    before: "4.0 s (1)",
    after: undefined,
    ratio: undefined,
    met: undefined,
  });
  t.is(row("first converge", 5)?.ratio, 0.9);
  t.is(row("first converge", 5)?.met, undefined, "a converge is shown, not a goal");
  t.is(row("no-op `pulumi up`, PULUMI_PARALLEL_DIFF=true", 1), undefined, "a phase neither ran is left out");
});

test("before and after: the controller's memory of the largest phase, and the provider process alone", (t) => {
  const rows = beforeAfterRows(beforeAndAfter());
  const memory = rows.find((x) => x.what === "controller memory, largest phase" && x.hosts === 5);
  t.deepEqual(memory, {
    what: "controller memory, largest phase",
    hosts: 5,
    before: "470 MiB (200 / 120 / 150, converge)",
    after: "410 MiB (190 / 120 / 100, converge)",
    ratio: 0.87,
    met: true,
  });
  const provider = rows.find((x) => x.what === "provider process, largest phase" && x.hosts === 1);
  t.deepEqual(provider, { what: "provider process, largest phase", hosts: 1, before: "150 MiB", after: "100 MiB", ratio: 0.67 });
});

test("before and after: the ratios of the results file and the table on the page", (t) => {
  const r = beforeAndAfter();
  t.is(r.ratios["after/before (this checkout/0.3.0) noop, 5 hosts"], 0.57);
  t.is(r.ratios["after/before (this checkout/0.3.0) preview, 1 hosts"], 1.25);
  t.is(r.ratios["after/before (this checkout/0.3.0) controller memory, 1 hosts"], 0.87);
  t.false("after/before (this checkout/0.3.0) refresh, 1 hosts" in r.ratios, "no ratio without both medians");
  const page = renderTables(r);
  t.regex(page, /\| no-op `pulumi up` \| 1 \| 7\.0 s \(2\) \| 4\.0 s \(2\) \| 0\.57x \| yes \|/);
  t.regex(page, /\| `pulumi preview` \| 5 \| 4\.0 s \(1\) \| 5\.0 s \(1\) \| 1\.25x \| \*\*no\*\* \|/);
  t.regex(page, /\| controller memory, largest phase \| 1 \| 470 MiB .* \| 410 MiB .* \| 0\.87x \| yes \|/);
  t.regex(page, /\| no-op up, 1 \(0\.3\.0\) \| 7\.0 s \|/, "0.3.0's breakdown rows follow this checkout's");
});

test("without 0.3.0 measured there is no before/after table", (t) => {
  const r = beforeAndAfter();
  for (const [k, s] of Object.entries(r.scenarios)) if (s.tool === BEFORE) delete r.scenarios[k];
  summarize(r);
  t.deepEqual(renderBeforeAfter(r), []);
  t.notRegex(renderTables(r), /before: 0\.3\.0/);
  t.false(Object.keys(r.ratios).some((k) => k.startsWith("after/before")));
});
