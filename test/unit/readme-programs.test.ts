// The README's first program in four languages: each is there near the top, declares the same
// journey (Host, DockerEngine, DaemonConfig, Image, Container), and uses the names the schema and
// its generated SDKs give. The TypeScript one is type-checked by readme-examples.test.ts; Pulumi
// YAML programs (README and docs/) are checked against schema.json here; the Python one is compiled
// by python3 and its calls checked against the schema (Python programs cannot run on these
// machines); the Go one is gofmt-clean and its calls checked the same way (the live tests run Go).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import test from "ava";
import { type CodeBlock, codeBlocks, markdownPages, read } from "./support/markdown";
import { type PackageSchema, programProblems } from "./support/pulumi-yaml";
import { declaredProblems, goDeclared, goName, pythonDeclared, pythonName } from "./support/sdk-programs";

const REPO = path.resolve(__dirname, "..", "..");
const schema = JSON.parse(readFileSync(path.join(REPO, "schema.json"), "utf8")) as PackageSchema & {
  language?: { go?: { importBasePath?: string }; python?: { packageName?: string } };
};
// The names the SDK generators are given (schema.json's `language`), as planned where it has none yet.
const GO_MODULE = schema.language?.go?.importBasePath ?? "github.com/dockyard/pulumi-dockyard/sdk/go/dockyard";
const PYTHON_PACKAGE = schema.language?.python?.packageName ?? "pulumi_dockyard";
const JOURNEY = [
  "dockyard:host:Host",
  "dockyard:engine:DockerEngine",
  "dockyard:engine:DaemonConfig",
  "dockyard:workload:Image",
  "dockyard:workload:Container",
];

const readme = read("README.md");
/** The README's first program in a language: the first block of that language after "## A first program". */
function firstProgram(lang: string): CodeBlock {
  const start = readme.split("\n").findIndex((l) => l === "## A first program") + 1;
  const block = codeBlocks(readme, "README.md").find((b) => b.line > start && b.lang === lang);
  if (!block) throw new Error(`README.md has no ${lang} block after "## A first program"`);
  return block;
}

/** The README's lines as a reader first sees them: what a closed `<details>` holds below its summary is folded away. */
function shownLines(): { text: string; line: number }[] {
  const shown: { text: string; line: number }[] = [];
  let folded = false;
  readme.split("\n").forEach((text, i) => {
    if (text.startsWith("</details>")) folded = false;
    else if (!folded) shown.push({ text, line: i + 1 });
    if (text.startsWith("<summary>")) folded = true;
  });
  return shown;
}

test("the first program is there in TypeScript, Pulumi YAML, Python and Go, each one's name within the README's first 50 lines as shown", (t) => {
  const shown = shownLines();
  for (const [lang, label] of [
    ["ts", "TypeScript"],
    ["yaml", "Pulumi YAML"],
    ["python", "Python"],
    ["go", "Go"],
  ]) {
    const at = shown.findIndex((l) => l.text.startsWith("<summary>") && l.text.includes(`<b>${label}</b>`));
    t.true(at >= 0 && at < 50, `${label} is named on the shown line ${at + 1}`);
    // Its program is the next code block, inside that summary's <details>.
    t.is(firstProgram(lang).line, shown[at].line + 2, `the ${label} program opens right below its name`);
  }
  // Folding is what a reader sees: without the <details>, the last language would be far down.
  t.true(readme.split("\n").findIndex((l) => l.includes("<b>Go</b>")) > 100);
  const ts = firstProgram("ts").code;
  for (const token of JOURNEY) t.regex(ts, new RegExp(`new ${token.split(":")[2]}\\(`), `TypeScript declares ${token}`);
  const yaml = firstProgram("yaml").code;
  for (const token of JOURNEY) t.true(yaml.includes(`type: ${token}\n`), `YAML declares ${token}`);
  t.deepEqual(
    pythonDeclared(firstProgram("python").code).map((d) => d.token),
    JOURNEY,
  );
  t.deepEqual(
    goDeclared(firstProgram("go").code).map((d) => d.token),
    JOURNEY,
  );
  // Python's part is said plainly.
  t.regex(readme, /Python\s+cannot be run on machines without PyPI/);
});

test("every Pulumi YAML program of the README and docs/ is one the schema accepts", (t) => {
  const programs = markdownPages().flatMap((page) =>
    codeBlocks(read(page), page)
      .filter((b) => b.lang === "yaml" && /^resources:/m.test(b.code) && /^runtime: yaml/m.test(b.code))
      .map((b) => ({ where: `${page}:${b.line}`, code: b.code })),
  );
  t.true(programs.some((p) => p.where.startsWith("README.md:")));
  for (const p of programs) t.deepEqual(programProblems(p.code, schema, p.where), [], p.where);
});

test("the Python program imports the generated package and calls its classes with the schema's inputs in snake case; python3 compiles it", (t) => {
  const code = firstProgram("python").code;
  t.true(code.includes(`import ${PYTHON_PACKAGE} as dockyard\n`), `imports ${PYTHON_PACKAGE}`);
  t.deepEqual(declaredProblems(pythonDeclared(code), schema, pythonName, ["opts"]), []);
  t.notThrows(() =>
    execFileSync("python3", ["-c", "import sys; compile(sys.stdin.read(), 'README.md', 'exec')"], {
      input: code,
      stdio: ["pipe", "pipe", "pipe"],
      timeout: 30_000,
    }),
  );
  // The check sees a camel-case keyword, a missing required one and a class of no module.
  const bad = code
    .replace("private_key=", "privateKey=")
    .replace('ref="nginx:1.25", ', "")
    .replace("dockyard.engine.DaemonConfig", "dockyard.host.DaemonConfig");
  t.deepEqual(declaredProblems(pythonDeclared(bad), schema, pythonName, ["opts"]), [
    `dockyard.host.Host: privateKey is no input of dockyard:host:Host (it takes ${Object.keys(
      schema.resources["dockyard:host:Host"].inputProperties as object,
    )
      .map(pythonName)
      .join(", ")})`,
    "dockyard.host.Host: the required private_key is missing",
    "dockyard.host.DaemonConfig: dockyard:host:DaemonConfig is no resource or component of the schema",
    "dockyard.workload.Image: the required ref is missing",
  ]);
});

test("the Go program imports a package per module of the generated SDK, fills each Args struct with the schema's inputs, and is gofmt-clean", (t) => {
  const code = firstProgram("go").code;
  const declared = goDeclared(code);
  for (const module of new Set(declared.map((d) => d.token.split(":")[1])))
    t.true(code.includes(`"${GO_MODULE}/${module}"`), `imports ${GO_MODULE}/${module}`);
  t.deepEqual(declaredProblems(declared, schema, goName), []);
  const gofmt = execFileSync("gofmt", [], {
    input: code,
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, PATH: `${process.env.PATH ?? ""}:/usr/local/go/bin` },
  });
  t.is(gofmt, code, "gofmt leaves the program as it is");
  const bad = code.replace("Ref:    pulumi.String", "Reference: pulumi.String");
  t.deepEqual(declaredProblems(goDeclared(bad), schema, goName), [
    `workload.NewImage: Reference is no input of dockyard:workload:Image (it takes ${Object.keys(
      schema.resources["dockyard:workload:Image"].inputProperties as object,
    )
      .map(goName)
      .join(", ")})`,
    "workload.NewImage: the required Ref is missing",
  ]);
});
