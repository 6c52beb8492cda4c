// The layer map of ARCHITECTURE.md as data, and a checker of every import against it. The
// imports are read with the TypeScript compiler's parser, so comments, strings and multi-line
// import lists cannot fool it.
import * as path from "node:path";
import ts from "typescript";

/** A layer: the folders (or single files) under `src/` that belong to it. */
export interface Layer {
  name: string;
  /** Paths relative to the repository: a folder (ending in `/`) or a file. */
  paths: string[];
  /** True when the layer makes pure decisions only: no I/O modules. */
  pure?: boolean;
}

/**
 * Top to bottom. A file may import its own folder and any layer below its own; layers in one
 * row are siblings, which never import each other.
 */
export const LAYER_MAP: Layer[][] = [
  // The provider plugin's entry: serves the providers by type token; nothing imports it.
  [{ name: "plugin", paths: ["src/plugin/"] }],
  [{ name: "index", paths: ["src/index.ts"] }],
  [{ name: "fleet", paths: ["src/fleet/"] }],
  [
    { name: "aws", paths: ["src/aws/"] },
    { name: "registry", paths: ["src/registry/"] },
    { name: "swarm", paths: ["src/swarm/"] },
    { name: "rollout", paths: ["src/rollout/"] },
  ],
  [{ name: "workload", paths: ["src/workload/"] }],
  [{ name: "engine", paths: ["src/engine/"] }],
  [{ name: "host", paths: ["src/host/"] }],
  [{ name: "components", paths: ["src/components/"] }],
  [{ name: "providers", paths: ["src/providers/"] }],
  [
    { name: "remote", paths: ["src/remote/"] },
    { name: "plan", paths: ["src/plan/"], pure: true },
  ],
  [{ name: "scripts", paths: ["src/scripts/"], pure: true }],
  [{ name: "model", paths: ["src/model/"], pure: true }],
];

/** Modules that do I/O (files, processes, network, cloud): never in a pure layer, except as types. */
export const IO_MODULES = [
  "fs",
  "fs/promises",
  "child_process",
  "http",
  "https",
  "http2",
  "net",
  "tls",
  "dgram",
  "dns",
  "ssh2",
  "dockerode",
  "@pulumi/aws",
  "@pulumi/docker",
];

/** The package's own name: `require("pulumi-dockyard/providers")` loads src/providers by name. */
const SELF = "pulumi-dockyard";

export interface ImportRef {
  specifier: string;
  line: number;
  /** `import type`, `export type`, or `typeof import(...)`: no code runs. */
  typeOnly: boolean;
}

/** Every module a file refers to: imports, re-exports, `import x = require`, `require()`, `import()`. */
export function importsOf(fileName: string, text: string): ImportRef[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: ImportRef[] = [];
  const add = (node: ts.Node, spec: ts.Expression | undefined, typeOnly: boolean) => {
    if (!spec || !ts.isStringLiteralLike(spec)) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    found.push({ specifier: spec.text, line, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name &&
            !!clause.namedBindings &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node, node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node)) {
      const typeOnly =
        node.isTypeOnly ||
        (!!node.exportClause && ts.isNamedExports(node.exportClause) && node.exportClause.elements.every((e) => e.isTypeOnly));
      add(node, node.moduleSpecifier, typeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if ((ts.isIdentifier(callee) && callee.text === "require") || callee.kind === ts.SyntaxKind.ImportKeyword)
        add(node, node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal as ts.Expression, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

interface Placed {
  layer: Layer;
  row: number;
}

/** The layer a file belongs to: the one whose folder holds it or whose file it is (no two overlap). */
export function placeOf(file: string): Placed | undefined {
  for (const [row, layers] of LAYER_MAP.entries()) {
    for (const layer of layers) {
      if (layer.paths.some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p))) return { layer, row };
    }
  }
  return undefined;
}

/** The file under src/ an import points at, or undefined for another package. */
function resolve(from: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  let base: string;
  if (specifier === SELF) return "src/index.ts";
  // The package's own manifest (its version) is data, in no layer.
  if (specifier === `${SELF}/package.json`) return undefined;
  if (specifier.startsWith(`${SELF}/`)) base = `src/${specifier.slice(SELF.length + 1)}`;
  else if (specifier.startsWith(".")) base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  else return undefined;
  const found = [base, `${base}.ts`, `${base}/index.ts`].find((f) => files.has(f));
  return found ?? `${base}.ts`;
}

/** A package name as it is imported: `node:fs/promises` -> `fs/promises`, `@pulumi/aws/ec2` -> `@pulumi/aws`. */
function packageOf(specifier: string): string {
  const bare = specifier.replace(/^node:/, "");
  if (bare.startsWith("fs/") || bare === "fs") return bare;
  const parts = bare.split("/");
  return bare.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/**
 * Every import that breaks the map, as `file:line: imports <target>: <rule>`. `files` maps
 * repository paths (`src/...`) to their text; only those under `src/` are checked.
 */
export function layerViolations(files: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  const known = new Set(files.keys());
  for (const [file, text] of files) {
    if (!file.startsWith("src/")) continue;
    const from = placeOf(file);
    if (!from) {
      problems.push(`${file}:1: is in no layer: place its folder in the layer map (ARCHITECTURE.md and test/unit/support/layers.ts)`);
      continue;
    }
    for (const ref of importsOf(file, text)) {
      const where = `${file}:${ref.line}`;
      const target = resolve(file, ref.specifier, known);
      if (target === undefined) {
        if (from.layer.pure && !ref.typeOnly && IO_MODULES.includes(packageOf(ref.specifier))) {
          problems.push(`${where}: imports ${ref.specifier}: ${from.layer.name} is a pure layer and does no I/O`);
        }
        continue;
      }
      if (!known.has(target)) {
        problems.push(`${where}: imports ${ref.specifier}: no such file under src/`);
        continue;
      }
      const to = placeOf(target);
      if (!to) continue; // reported once, as a file in no layer
      if (to.layer === from.layer) continue;
      if (to.row < from.row) {
        problems.push(
          `${where}: imports ${target}: upward, ${from.layer.name} may not import ${to.layer.name} (it is above it in the map)`,
        );
      } else if (to.row === from.row && to.layer !== from.layer) {
        problems.push(
          `${where}: imports ${target}: sideways, ${from.layer.name} and ${to.layer.name} are siblings and do not import each other`,
        );
      }
    }
  }
  return problems;
}
