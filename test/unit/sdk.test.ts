// The Go and Python SDKs generated from schema.json (sdk/gen, `npm run gen:sdk`): what is checked
// in is what the generator writes from today's schema (and a schema changed without regenerating
// is caught), the Go SDK builds and passes vet, and the Python SDK compiles and exposes every
// resource and component of the schema. Python is read, not run: its `pulumi` package cannot be
// installed here.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import test from "ava";
import { GO_BUILD_FLAGS, generateSdk, goEnv, SDK_DIR, sdkDiffs } from "../../scripts/gen-sdk";

const REPO = path.resolve(__dirname, "..", "..");
const SCHEMA = path.join(REPO, "schema.json");
const GO_SDK = path.join(SDK_DIR, "go", "dockyard");
const PYTHON_SDK = path.join(SDK_DIR, "python");
const PYTHON_PACKAGE = "pulumi_dockyard";
const exec = promisify(execFile);

type Json = Record<string, any>;
const schema = JSON.parse(readFileSync(SCHEMA, "utf8")) as Json;
const { version } = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string };
let work: string;

test.before(() => {
  work = mkdtempSync(path.join(os.tmpdir(), "dockyard-sdk-"));
});
test.after.always(() => rmSync(work, { recursive: true, force: true }));

test("the checked-in SDKs are what `npm run gen:sdk` writes from schema.json, and carry the package's version", (t) => {
  const out = path.join(work, "today");
  generateSdk(SCHEMA, out);
  t.deepEqual(sdkDiffs(out, SDK_DIR, { a: "the generated", b: "the checked-in" }), [], "sdk/ is stale: run npm run gen:sdk");
  t.is(schema.version, version);
  t.like(JSON.parse(readFileSync(path.join(GO_SDK, "pulumi-plugin.json"), "utf8")), { name: "dockyard", version });
  t.like(JSON.parse(readFileSync(path.join(PYTHON_SDK, PYTHON_PACKAGE, "pulumi-plugin.json"), "utf8")), { name: "dockyard", version });
  t.regex(
    readFileSync(path.join(PYTHON_SDK, "pyproject.toml"), "utf8"),
    new RegExp(`\\n\\s*version = "${version.replace(/\./g, "\\.")}"\\n`),
  );
  t.regex(readFileSync(path.join(GO_SDK, "go.mod"), "utf8"), new RegExp(`^module ${schema.language.go.importBasePath}\\n`));
});

test("a schema changed without regenerating is caught: one input more on Host differs in both SDKs' Host files only", (t) => {
  const changed = structuredClone(schema);
  changed.resources["dockyard:host:Host"].inputProperties.keepAlive = { type: "boolean", description: "Added by the test." };
  const file = path.join(work, "changed-schema.json");
  writeFileSync(file, JSON.stringify(changed, null, 2));
  const out = path.join(work, "changed");
  generateSdk(file, out);
  t.deepEqual(sdkDiffs(out, SDK_DIR), ["sdk/go/dockyard/host/host.go", `sdk/python/${PYTHON_PACKAGE}/host/host.py`]);
  t.regex(readFileSync(path.join(out, "go", "dockyard", "host", "host.go"), "utf8"), /KeepAlive\s+pulumi\.BoolPtrInput/);
  t.regex(
    readFileSync(path.join(out, "python", PYTHON_PACKAGE, "host", "host.py"), "utf8"),
    /keep_alive: pulumi\.Input\[Optional\[_builtins\.bool\]\]/,
  );
});

test("the Go SDK builds and passes go vet", async (t) => {
  // The checked-in go.mod and go.sum as they are (-mod=readonly): a missing sum fails here.
  const opts = { cwd: GO_SDK, env: { ...goEnv(), GOFLAGS: "-mod=readonly" }, timeout: 15 * 60_000, maxBuffer: 64 << 20 };
  await t.notThrowsAsync(exec("go", ["build", ...GO_BUILD_FLAGS, "./..."], opts));
  await t.notThrowsAsync(exec("go", ["vet", ...GO_BUILD_FLAGS, "./..."], opts));
});

test("the Python SDK compiles and exposes every resource and component of the schema, each under its module", async (t) => {
  // Byte code goes to a directory of the test's own: sdk/ stays as checked in.
  const env = { ...process.env, PYTHONPYCACHEPREFIX: path.join(work, "pycache") };
  await t.notThrowsAsync(exec("python3", ["-m", "compileall", "-q", PYTHON_SDK], { env, timeout: 120_000 }));
  const { stdout } = await exec("python3", [path.join(__dirname, "support", "python-sdk-classes.py"), PYTHON_SDK, PYTHON_PACKAGE], {
    env,
    timeout: 120_000,
  });
  const found = JSON.parse(stdout) as {
    classes: { token: string; module: string; name: string; base: string }[];
    starImports: string[];
    subpackages: string[];
    duplicates: string[];
  };
  t.deepEqual(found.duplicates, [], "no class name re-exported twice by one package (the later hides the earlier)");
  const packageOf = (module: string) => module.split(".").slice(0, -1).join(".");
  const reachable = (module: string) =>
    found.starImports.includes(module) && (packageOf(module) === PYTHON_PACKAGE || found.subpackages.includes(packageOf(module)));
  const exposed = found.classes
    .filter((c) => reachable(c.module))
    .map((c) => `${c.token} ${packageOf(c.module)}.${c.name} (${c.base})`)
    .sort();
  const expected = Object.entries(schema.resources as Record<string, Json>)
    .map(([token, r]) => {
      const [, module, name] = token.split(":");
      const pkg = module === "index" ? PYTHON_PACKAGE : `${PYTHON_PACKAGE}.${module}`;
      return `${token} ${pkg}.${name} (${r.isComponent ? "ComponentResource" : "CustomResource"})`;
    })
    .sort();
  t.deepEqual(exposed, expected);
  t.is(found.classes.length, expected.length, "no class besides those");
});
