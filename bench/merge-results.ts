// `npx tsx bench/merge-results.ts INTO FROM [NOTE]`: adds FROM's samples to INTO's scenarios (two
// bench processes that ran side by side, e.g. with BENCH_RIG_LABEL), recomputes medians and
// ratios, and keeps a note of where the samples came from.
import { readFileSync, writeFileSync } from "node:fs";
import { summarize, type Results } from "./results";

const [into, from, note] = process.argv.slice(2);
if (!into || !from) throw new Error("usage: merge-results.ts INTO FROM [NOTE]");
const a = JSON.parse(readFileSync(into, "utf8")) as Results;
const b = JSON.parse(readFileSync(from, "utf8")) as Results;
for (const [key, s] of Object.entries(b.scenarios)) {
  const t = (a.scenarios[key] ??= { ...s, samples: [] });
  t.samples.push(...s.samples.map((x) => ({ ...x, source: b.command })));
}
a.notes.push(`samples added from \`${b.command}\` (started ${b.date})${note ? `: ${note}` : ""}`, ...b.notes);
a.sharedMachine.maxDuringRun = Math.max(a.sharedMachine.maxDuringRun, b.sharedMachine.maxDuringRun);
a.sharedMachine.rigContainersAtEnd = Math.max(a.sharedMachine.rigContainersAtEnd, b.sharedMachine.rigContainersAtEnd);
summarize(a);
writeFileSync(into, `${JSON.stringify(a, null, 2)}\n`);
console.log(`merged ${Object.keys(b.scenarios).length} scenarios of ${from} into ${into}`);
