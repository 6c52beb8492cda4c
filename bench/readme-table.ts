// `npx tsx bench/readme-table.ts [results.json]` prints the README's Benchmarks tables from a results file.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { renderTables, type Results } from "./results";

const file = process.argv[2] ?? path.join(__dirname, "results.json");
console.log(renderTables(JSON.parse(readFileSync(file, "utf8")) as Results));
