import * as path from "node:path";
import test from "ava";
import ts from "typescript";
import { parseFleet } from "../../src/fleet/load-fleet";
import { codeBlocks, isTypeScript, markdownPages, read, REPO } from "./support/markdown";

// Each TypeScript block of the pages is a module of its own, type-checked with the project's
// compiler options against src/ (as `pulumi-dockyard`), so a renamed argument breaks the test.
const options: ts.CompilerOptions = (() => {
  const file = path.join(REPO, "tsconfig.json");
  const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(file, ts.sys.readFile).config, ts.sys, REPO, undefined, file);
  return {
    ...parsed.options,
    noEmit: true,
    paths: {
      "pulumi-dockyard": [path.join(REPO, "src", "index.ts")],
      "pulumi-dockyard/providers": [path.join(REPO, "src", "providers", "index.ts")],
    },
  };
})();

interface Snippet {
  where: string;
  code: string;
}

/** Type errors of each snippet, as `where: message`; [] when every snippet compiles. */
function typeErrors(snippets: Snippet[]): string[] {
  // Inside the repository, so node_modules (@pulumi/pulumi, @types/node) resolve as for src/.
  const files = new Map(snippets.map((s, i) => [path.join(REPO, ".md-examples", `example-${i}.ts`), s]));
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) => {
    const s = files.get(path.resolve(name));
    return s ? ts.createSourceFile(name, s.code, lang) : getSourceFile(name, lang, onError, create);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => files.has(path.resolve(name)) || fileExists(name);
  const program = ts.createProgram([...files.keys()], options, host);
  const errors: string[] = [];
  for (const [name, s] of files) {
    const sf = program.getSourceFile(name)!;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const line = d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line + 1;
      errors.push(`${s.where} (line ${line} of the block): ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    }
  }
  return errors;
}

function pageSnippets(): Snippet[] {
  return markdownPages().flatMap((page) =>
    codeBlocks(read(page), page)
      .filter(isTypeScript)
      .map((b) => ({ where: `${page}:${b.line}`, code: b.code })),
  );
}

test("every TypeScript block of README.md, CONTRIBUTING.md and docs/ compiles against src/", (t) => {
  const snippets = pageSnippets();
  // The README's first program and fleet program; each component's section of docs/components.md.
  const on = (page: string) => snippets.filter((s) => s.where.startsWith(`${page}:`)).length;
  t.true(on("README.md") >= 2, `README.md has ${on("README.md")} TypeScript blocks`);
  t.true(on("docs/components.md") >= 8, `docs/components.md has ${on("docs/components.md")} TypeScript blocks`);
  t.deepEqual(typeErrors(snippets), []);
});

test("the check fails on a block that does not compile: an unknown argument, a wrong type, an unknown export", (t) => {
  const errors = typeErrors([
    {
      where: "bad-arg",
      code: 'import { Host } from "pulumi-dockyard";\nnew Host("h", { address: "10.0.0.1", hostKey: "k", adress: "x" });\n',
    },
    {
      where: "bad-type",
      code: 'import { DockerEngine, Host } from "pulumi-dockyard";\ndeclare const h: Host;\nnew DockerEngine("e", { host: h, method: "sideways" });\n',
    },
    { where: "bad-import", code: 'import { Hots } from "pulumi-dockyard";\nexport const x = Hots;\n' },
    {
      where: "good",
      code: 'import { Host } from "pulumi-dockyard";\nexport const h = new Host("h", { address: "10.0.0.1", user: "root", privateKey: "k", hostKey: "ssh-ed25519 AAAA" });\n',
    },
  ]);
  t.regex(errors.find((e) => e.startsWith("bad-arg")) ?? "", /adress/);
  t.regex(errors.find((e) => e.startsWith("bad-type")) ?? "", /sideways/);
  t.regex(errors.find((e) => e.startsWith("bad-import")) ?? "", /Hots/);
  t.deepEqual(
    errors.filter((e) => e.startsWith("good")),
    [],
  );
});

test("every fleet file block of the pages (YAML with a top-level hosts:) is a valid fleet file", (t) => {
  const fleets = markdownPages().flatMap((page) =>
    codeBlocks(read(page), page)
      .filter((b) => b.lang === "yaml" && /^hosts:/m.test(b.code))
      .map((b) => ({ where: `${page}:${b.line}`, code: b.code })),
  );
  t.true(
    fleets.some((f) => f.where.startsWith("README.md:")),
    "the README shows a fleet file",
  );
  for (const f of fleets) {
    const spec = t.notThrows(() => parseFleet(f.code, f.where), f.where);
    void spec;
  }
});
