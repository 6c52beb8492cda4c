import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import test from "ava";
import { importsOf, LAYER_MAP, layerViolations, placeOf } from "./support/layers";

const REPO = path.resolve(__dirname, "..", "..");

function sourceFiles(dir: string, into = new Map<string, string>()): Map<string, string> {
  for (const entry of readdirSync(path.join(REPO, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) sourceFiles(rel, into);
    else if (rel.endsWith(".ts")) into.set(rel, readFileSync(path.join(REPO, rel), "utf8"));
  }
  return into;
}

test("every import under src/ points down the layer map of ARCHITECTURE.md", (t) => {
  const files = sourceFiles("src");
  const imports = [...files].reduce((n, [f, text]) => n + importsOf(f, text).length, 0);
  // A tree read wrongly (no files, no imports) must not pass for a clean one.
  t.true(files.size > 60, `read ${files.size} files`);
  t.true(imports > 300, `read ${imports} imports`);
  t.deepEqual(layerViolations(files), []);
});

test("ARCHITECTURE.md shows the same map: the same rows of layers, top to bottom", (t) => {
  const doc = readFileSync(path.join(REPO, "ARCHITECTURE.md"), "utf8");
  const block = /```text\n([\s\S]*?)```/.exec(doc)?.[1] ?? "";
  // Each line: the row's layers ("remote | plan"), then, after a gap, what they hold.
  const rows = block
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(/\s{2,}/)[0].split(" | "));
  t.deepEqual(
    rows,
    LAYER_MAP.map((row) => row.map((l) => l.name)),
  );
});

// The checker itself, on small trees held in memory.
const tree = (files: Record<string, string>) => new Map(Object.entries(files));

test("checker: an upward import is refused, naming file, line and rule", (t) => {
  const problems = layerViolations(
    tree({
      "src/model/distro.ts": 'import type { X } from "./host-facts";\n\nimport { KINDS } from "../providers/kinds";\n',
      "src/model/host-facts.ts": "export type X = 1;\n",
      "src/providers/kinds.ts": "export const KINDS = 1;\n",
    }),
  );
  t.deepEqual(problems, [
    "src/model/distro.ts:3: imports src/providers/kinds.ts: upward, model may not import providers (it is above it in the map)",
  ]);
});

test("checker: type-only, re-export, require, import() and import-type forms count as imports", (t) => {
  const upward = ["src/index.ts"];
  const forms = [
    'import type { A } from "../index";',
    'export { A } from "../index";',
    'export * from "../index";',
    'const a = require("../index");',
    'const a = import("../index");',
    'let a: typeof import("../index").A;',
    'import a = require("../index");',
    'import {\n  A,\n  B,\n} from "../index";',
  ];
  for (const form of forms) {
    const problems = layerViolations(tree({ "src/scripts/x.ts": form + "\n", [upward[0]]: "export const A = 1, B = 2;\n" }));
    t.is(problems.length, 1, form);
    t.regex(problems[0] ?? "", /^src\/scripts\/x\.ts:1: imports src\/index\.ts: upward, scripts may not import index/, form);
  }
});

test("checker: imports in comments and strings are not imports; downward and same-layer ones pass", (t) => {
  const problems = layerViolations(
    tree({
      "src/engine/a.ts":
        '// import { x } from "../fleet/f";\nconst s = "import { x } from \'../fleet/f\'";\nimport { h } from "../host/h";\nimport { b } from "./b";\nimport { m } from "../model/m";\n',
      "src/engine/b.ts": "export const b = 1;\n",
      "src/host/h.ts": "export const h = 1;\n",
      "src/model/m.ts": "export const m = 1;\n",
      "src/fleet/f.ts": "export const x = 1;\n",
    }),
  );
  t.deepEqual(problems, []);
});

test("checker: siblings do not import each other", (t) => {
  const problems = layerViolations(
    tree({
      "src/aws/aws-host.ts": 'import { Registry } from "../registry/registry";\n',
      "src/registry/registry.ts": "export class Registry {}\n",
      "src/remote/r.ts": 'import { p } from "../plan/p";\n',
      "src/plan/p.ts": "export const p = 1;\n",
    }),
  );
  t.deepEqual(problems, [
    "src/aws/aws-host.ts:1: imports src/registry/registry.ts: sideways, aws and registry are siblings and do not import each other",
    "src/remote/r.ts:1: imports src/plan/p.ts: sideways, remote and plan are siblings and do not import each other",
  ]);
});

test("checker: a pure layer imports no I/O module (types are fine); a file in no layer is reported", (t) => {
  const problems = layerViolations(
    tree({
      "src/model/a.ts":
        'import { readFileSync } from "node:fs";\nimport type Docker from "dockerode";\nimport { isDeepStrictEqual } from "node:util";\n',
      "src/plan/p.ts": 'import { Client } from "ssh2";\n',
      "src/remote/r.ts": 'import { Client } from "ssh2";\n',
      "src/helpers.ts": "export const x = 1;\n",
    }),
  );
  t.deepEqual(problems, [
    "src/model/a.ts:1: imports node:fs: model is a pure layer and does no I/O",
    "src/plan/p.ts:1: imports ssh2: plan is a pure layer and does no I/O",
    "src/helpers.ts:1: is in no layer: place its folder in the layer map (ARCHITECTURE.md and test/unit/support/layers.ts)",
  ]);
});

test("checker: the package's own name resolves into src/, and a missing file is reported", (t) => {
  const problems = layerViolations(
    tree({
      "src/model/a.ts": 'const p = require("pulumi-dockyard/providers");\nimport { gone } from "./gone";\n',
      "src/providers/index.ts": "export const p = 1;\n",
    }),
  );
  t.deepEqual(problems, [
    "src/model/a.ts:1: imports src/providers/index.ts: upward, model may not import providers (it is above it in the map)",
    "src/model/a.ts:2: imports ./gone: no such file under src/",
  ]);
});

test("checker: a file is placed by its folder, or by its own entry (src/index.ts)", (t) => {
  t.is(placeOf("src/model/service-spec.ts")?.layer.name, "model");
  t.is(placeOf("src/swarm/swarm.ts")?.layer.name, "swarm");
  t.is(placeOf("src/index.ts")?.layer.name, "index");
  t.is(placeOf("src/index.tsx"), undefined);
  t.is(placeOf("src/nowhere.ts"), undefined);
});
