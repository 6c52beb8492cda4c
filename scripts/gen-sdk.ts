// Writes the Go and Python SDKs (sdk/go/dockyard, sdk/python) from schema.json with sdk/gen, a
// small Go program on Pulumi's own code generators. `npm run gen:sdk`; test/unit/sdk.test.ts fails
// when the checked-in SDKs are not what this writes.
//
// The generator is built once per content of sdk/gen (go.mod, go.sum, its .go files) into a cache
// outside the repository, with the CLI build's flags (scripts/pulumi-engine) so the Go build
// cache of that build is reused.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "..");
export const SDK_DIR = path.join(REPO, "sdk");
const GEN_DIR = path.join(SDK_DIR, "gen");
/** The generated parts of sdk/, relative to it (sdk/gen and sdk/README.md are written by hand). */
export const GENERATED_DIRS = ["go/dockyard", "python"];
/** The build flags of the Pulumi CLI's build: the same flags share its Go build cache. */
export const GO_BUILD_FLAGS = ["-trimpath", "-tags", "osusergo,grpcnotrace"];

/** The environment of every `go` command here: no cgo, as in the CLI's build. */
export const goEnv = (): NodeJS.ProcessEnv => ({ ...process.env, CGO_ENABLED: "0" });

const cacheRoot = () =>
  process.env.DOCKYARD_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "dockyard");

/** Runs a command, its output kept for the error; a failure names the command and shows that output. */
function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): string {
  try {
    return execFileSync(cmd, args, { ...opts, timeout: opts.timeoutMs, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 }).toString();
  } catch (e) {
    const err = e as { stdout?: Buffer; stderr?: Buffer; message: string };
    const output = `${err.stdout?.toString() ?? ""}${err.stderr?.toString() ?? ""}`.trim();
    throw new Error(`${cmd} ${args.join(" ")}${opts.cwd ? ` (in ${opts.cwd})` : ""} failed: ${output || err.message}`, { cause: e });
  }
}

/** The generator binary: built on first use, then reused until sdk/gen changes. */
export function sdkgenBinary(): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(GEN_DIR)
    .filter((f) => f === "go.mod" || f === "go.sum" || f.endsWith(".go"))
    .sort())
    hash
      .update(`${file}\0`)
      .update(readFileSync(path.join(GEN_DIR, file)))
      .update("\0");
  const dir = path.join(cacheRoot(), `sdkgen-${hash.digest("hex").slice(0, 16)}`);
  const bin = path.join(dir, "sdkgen");
  if (existsSync(bin)) return bin;
  mkdirSync(cacheRoot(), { recursive: true });
  // Built beside its final place and moved there whole: a build beside this one never sees half a binary.
  const tmp = mkdtempSync(path.join(cacheRoot(), ".sdkgen-"));
  try {
    run("go", ["build", ...GO_BUILD_FLAGS, "-o", path.join(tmp, "sdkgen"), "."], { cwd: GEN_DIR, env: goEnv(), timeoutMs: 30 * 60_000 });
    try {
      renameSync(tmp, dir);
    } catch (e) {
      if (!existsSync(bin)) throw e; // another build got there first
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}

/**
 * Writes the SDKs of a schema into `out` (its go/dockyard and python; nothing else there is
 * touched): the generator, then `go mod tidy`, which writes the Go SDK's go.sum.
 */
export function generateSdk(schemaFile: string, out: string): void {
  run(sdkgenBinary(), ["-schema", schemaFile, "-out", out], { timeoutMs: 5 * 60_000 });
  run("go", ["mod", "tidy"], { cwd: path.join(out, "go", "dockyard"), env: goEnv(), timeoutMs: 10 * 60_000 });
}

/** Every file under a directory, as paths relative to it (Python's byte-code caches left out). */
function filesUnder(root: string, rel = ""): string[] {
  const dir = path.join(root, rel);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) return e.name === "__pycache__" ? [] : filesUnder(root, p);
    return [p];
  });
}

/**
 * The generated files on which two sdk/ directories disagree, as `sdk/<file>` when both have it
 * with other content, `sdk/<file> (only in <a|b>)` otherwise.
 */
export function sdkDiffs(a: string, b: string, names: { a: string; b: string } = { a: "a", b: "b" }): string[] {
  const out: string[] = [];
  for (const sub of GENERATED_DIRS) {
    const inA = new Set(filesUnder(path.join(a, sub)));
    const inB = new Set(filesUnder(path.join(b, sub)));
    for (const f of [...new Set([...inA, ...inB])].sort()) {
      const p = `${sub}/${f}`;
      if (!inB.has(f)) out.push(`sdk/${p} (only in ${names.a})`);
      else if (!inA.has(f)) out.push(`sdk/${p} (only in ${names.b})`);
      else if (!readFileSync(path.join(a, p)).equals(readFileSync(path.join(b, p)))) out.push(`sdk/${p}`);
    }
  }
  return out;
}

if (require.main === module) {
  const started = Date.now();
  generateSdk(path.join(REPO, "schema.json"), SDK_DIR);
  const count = GENERATED_DIRS.map((d) => filesUnder(path.join(SDK_DIR, d)).length).reduce((x, y) => x + y, 0);
  console.log(`wrote sdk/go/dockyard and sdk/python from schema.json (${count} files, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
