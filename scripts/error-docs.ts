// Writes docs/errors.md from the codes in src/model/error-codes.ts. A unit test fails when the
// file is out of date.
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { errorCodesMarkdown } from "../src/model/error-codes";

const file = path.resolve(__dirname, "..", "docs", "errors.md");
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, errorCodesMarkdown());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
