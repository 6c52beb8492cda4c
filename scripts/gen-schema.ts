// Writes schema.json (the plugin's package schema) and docs/reference.md from the declared
// settings in src/model/settings/. `npm run gen:schema`; a unit test fails when either is stale.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { referenceMarkdown } from "../src/plugin/reference";
import { schemaJson } from "../src/plugin/schema";

const REPO = path.resolve(__dirname, "..");

/** The generated files, by their path in the repository. */
export function generatedFiles(): Record<string, string> {
  return { "schema.json": schemaJson(), "docs/reference.md": referenceMarkdown() };
}

if (require.main === module) {
  for (const [file, text] of Object.entries(generatedFiles())) writeFileSync(path.join(REPO, file), text);
  console.log("wrote schema.json and docs/reference.md");
}
