import { execFileSync } from "node:child_process";
import * as path from "node:path";
import test from "ava";

const REPO = path.resolve(__dirname, "..", "..");

test("npm pack holds the built code with types, the schema and the docs, and no tests or sources", (t) => {
  // --ignore-scripts: list what `files` selects from the current build, without rebuilding it.
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO, encoding: "utf8" });
  const files = (JSON.parse(out)[0].files as { path: string }[]).map((f) => f.path);
  for (const f of ["dist/src/index.js", "dist/src/index.d.ts", "dist/src/providers/index.js", "dist/src/fleet/fleet.d.ts", "dist/src/aws/aws-host.d.ts", "schema/fleet.schema.json", "README.md", "CHANGELOG.md", "package.json"]) {
    t.true(files.includes(f), `${f} is in the package`);
  }
  t.deepEqual(files.filter((f) => /(^|\/)test\/|\.test\.|(^|\/)bench\/|\.ts$/.test(f) && !f.endsWith(".d.ts")), [], "no tests, benchmarks or TypeScript sources");
  t.deepEqual(files.filter((f) => /^(stacks|examples|\.pulumi-state|\.rig)\//.test(f)), [], "nothing of this repository's own deployments");
});
