// Runs the plugin's bundle with V8's code cache, kept per user: every Pulumi command starts the
// plugin, and compiling main.js (5 MB) is about a third of its start. Node 20 has no compile cache
// of its own (module.enableCompileCache is Node 22), so the bundle is compiled here through
// vm.Script with the cache V8 made of it on an earlier start. Only a speed-up: any failure to read
// or write the cache leaves the bundle compiled as node would.
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { createRequire, Module } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as vm from "node:vm";

/**
 * How long after the start the cache is made: by then the functions the start and the first
 * requests ran are compiled too, and the cache holds them (one made at once holds the top level
 * only). A plugin that lives shorter than this makes none.
 */
export const CODE_CACHE_WRITE_AFTER_MS = 1000;

/** How many caches of one bundle are kept: one per plugin build and node version in use. */
export const CODE_CACHES_KEPT = 4;

/** `$XDG_CACHE_HOME/dockyard/plugin-code`, or `~/.cache/dockyard/plugin-code`. */
export function codeCacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "dockyard", "plugin-code");
}

/**
 * The directory, made if absent, when it is the user's own and nobody else can write to it: the
 * cache is code this process runs. `undefined` otherwise (no cache then).
 */
function privateDirectory(dir: string): string | undefined {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(dir);
    const uid = process.getuid?.();
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/**
 * The cache file of `file`: named by the bundle and keyed by its build's hash (V8 itself checks
 * only the source's length), the file's size and time, and the node that runs it.
 */
export function codeCacheFile(dir: string, file: string, buildHash: string): string {
  const st = fs.statSync(file);
  const key = createHash("sha256")
    .update([buildHash, file, st.size, st.mtimeMs, process.version, process.arch].join("\0"))
    .digest("hex")
    .slice(0, 32);
  return path.join(dir, `${path.basename(file)}-${key}.cache`);
}

/** Writes the cache whole (a temporary file renamed) and keeps the newest CODE_CACHES_KEPT of the bundle. */
function writeCache(target: string, data: Buffer): void {
  const dir = path.dirname(target);
  const temporary = `${target}.${randomBytes(6).toString("hex")}.new`;
  try {
    fs.writeFileSync(temporary, data, { mode: 0o600, flag: "wx" });
    fs.renameSync(temporary, target);
    const prefix = `${path.basename(target).replace(/-[0-9a-f]{32}\.cache$/, "")}-`;
    const others = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith(prefix) && f.endsWith(".cache"))
      .map((f) => ({ f, at: fs.statSync(path.join(dir, f)).mtimeMs }))
      .sort((a, b) => b.at - a.at);
    for (const { f } of others.slice(CODE_CACHES_KEPT)) fs.rmSync(path.join(dir, f), { force: true });
  } catch {
    fs.rmSync(temporary, { force: true });
  }
}

/**
 * Loads `file` as node loads a CommonJS module (its own `require`, `module`, `__dirname`), compiled
 * with the cache of an earlier start when there is one; makes the cache when there was none or V8
 * refused it. `buildHash`: the hash of the bundle's text, from its build.
 */
export function runWithCodeCache(file: string, buildHash: string, cacheDir: string = codeCacheDirectory()): void {
  const source = fs.readFileSync(file, "utf8");
  const dir = privateDirectory(cacheDir);
  const cacheFile = dir === undefined ? undefined : codeCacheFile(dir, file, buildHash);
  let cachedData: Buffer | undefined;
  try {
    if (cacheFile) cachedData = fs.readFileSync(cacheFile);
  } catch {
    // None yet: made below.
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const bundle = new Module(file);
  bundle.filename = file;
  bundle.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  const run = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: Module,
    filename: string,
    dirname: string,
  ) => void;
  run.call(bundle.exports, bundle.exports, createRequire(file), bundle, file, path.dirname(file));
  bundle.loaded = true;
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected === true)) {
    setTimeout(() => writeCache(cacheFile, script.createCachedData()), CODE_CACHE_WRITE_AFTER_MS).unref();
  }
}
