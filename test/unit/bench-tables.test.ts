import { readFileSync } from "node:fs";
import * as path from "node:path";
import test from "ava";
import { pageWithTables } from "../../bench/tables";
import type { Results } from "../../bench/results";

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
