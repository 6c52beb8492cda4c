// `npx tsx bench/plot-file.ts [results.json] [out.svg]` draws a results file (the bench draws its own).
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { renderPlot } from "./plot";
import type { Results } from "./results";

const file = process.argv[2] ?? path.join(__dirname, "results.json");
const out = process.argv[3] ?? file.replace(/\.json$/, "") + ".svg";
writeFileSync(out, renderPlot(JSON.parse(readFileSync(file, "utf8")) as Results));
console.log(`wrote ${out}`);
