// The plugin's start through V8's code cache (src/plugin/code-cache.ts): the bundle runs as a
// CommonJS module would, the first start leaves a cache in the user's private directory, a later
// start uses it, and whatever is wrong with the cache or its directory the bundle still runs as
// node would run it. Each case runs a small bundle in a node process of its own.
import test from "ava";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CODE_CACHE_WRITE_AFTER_MS, CODE_CACHES_KEPT, codeCacheDirectory, codeCacheFile } from "../../src/plugin/code-cache";

const work = mkdtempSync(path.join(os.tmpdir(), "dockyard-code-cache-"));
test.after.always(() => rmSync(work, { recursive: true, force: true }));

const CODE_CACHE = path.resolve(__dirname, "../../src/plugin/code-cache.ts");

/** A bundle that requires a file beside it, says where it runs from, and lives long enough for the cache to be made. */
function bundleIn(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "beside.js"), "module.exports = 'beside';\n");
  const file = path.join(dir, "main.js");
  writeFileSync(
    file,
    [
      "const beside = require('./beside.js');",
      "const fs = require('node:fs');",
      "function work(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }",
      "console.log(JSON.stringify({ beside, dirname: __dirname, filename: __filename, main: module.filename, sum: work(10), args: process.argv.slice(2) }));",
      `setTimeout(() => undefined, ${CODE_CACHE_WRITE_AFTER_MS + 300});`,
      "",
    ].join("\n"),
  );
  return file;
}

/** Runs `file` through runWithCodeCache in a node of its own; what it printed. */
function start(
  file: string,
  cacheDir: string,
  hash = "h1",
): { beside: string; dirname: string; filename: string; main: string; sum: number; args: string[] } {
  // A file as start.js is, so the process's arguments are the plugin's.
  const runner = path.join(path.dirname(file), "start.js");
  writeFileSync(
    runner,
    `require(${JSON.stringify(CODE_CACHE)}).runWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(hash)}, ${JSON.stringify(cacheDir)});\n`,
  );
  const out = execFileSync(process.execPath, ["--import=tsx", runner, "127.0.0.1:1"], { encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").pop()!) as ReturnType<typeof start>;
}

const caches = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".cache")) : []);

test("the bundle runs as a CommonJS module: its own require, __dirname, __filename and module; the process's arguments", (t) => {
  const file = bundleIn(path.join(work, "module"));
  const ran = start(file, path.join(work, "module-cache"));
  t.deepEqual(ran, { beside: "beside", dirname: path.dirname(file), filename: file, main: file, sum: 45, args: ["127.0.0.1:1"] });
});

test("the first start makes the cache in a directory of the user's own, the next one uses it as it is", (t) => {
  const file = bundleIn(path.join(work, "reuse"));
  const dir = path.join(work, "reuse-cache", "dockyard", "plugin-code");
  start(file, dir);
  t.is(statSync(dir).mode & 0o777, 0o700);
  const [made] = caches(dir);
  t.truthy(made, "a cache was made");
  t.is(path.join(dir, made), codeCacheFile(dir, file, "h1"));
  t.is(statSync(path.join(dir, made)).mode & 0o777, 0o600);
  const before = statSync(path.join(dir, made)).mtimeMs;
  t.is(start(file, dir).sum, 45);
  t.is(statSync(path.join(dir, made)).mtimeMs, before, "V8 took the cache: not made again");
});

test("a cache V8 refuses (a corrupt file) is made again, and the bundle runs", (t) => {
  const file = bundleIn(path.join(work, "corrupt"));
  const dir = path.join(work, "corrupt-cache");
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(codeCacheFile(dir, file, "h1"), "not a code cache", { mode: 0o600 });
  t.is(start(file, dir).sum, 45);
  t.true(statSync(codeCacheFile(dir, file, "h1")).size > 100, "made again from the bundle");
});

test("another build (its hash) or another bundle file gets a cache of its own; at most CODE_CACHES_KEPT are kept", (t) => {
  const file = bundleIn(path.join(work, "builds"));
  const dir = path.join(work, "builds-cache");
  for (let i = 0; i < CODE_CACHES_KEPT + 2; i++) start(file, dir, `build-${i}`);
  t.is(caches(dir).length, CODE_CACHES_KEPT);
  t.true(existsSync(codeCacheFile(dir, file, `build-${CODE_CACHES_KEPT + 1}`)), "the newest is kept");
  t.false(existsSync(codeCacheFile(dir, file, "build-0")), "the oldest is gone");
});

test("a cache directory others can write to is not used: no cache read or made, the bundle runs", (t) => {
  const file = bundleIn(path.join(work, "shared"));
  const dir = path.join(work, "shared-cache");
  mkdirSync(dir);
  chmodSync(dir, 0o777);
  t.is(start(file, dir).sum, 45);
  t.deepEqual(caches(dir), []);
});

test("a cache directory that cannot be made: the bundle runs", (t) => {
  const file = bundleIn(path.join(work, "unmade"));
  writeFileSync(path.join(work, "a-file"), "");
  t.is(start(file, path.join(work, "a-file", "plugin-code")).sum, 45);
});

test("the cache lives under XDG_CACHE_HOME, else ~/.cache", (t) => {
  t.is(codeCacheDirectory({ XDG_CACHE_HOME: "/x" }), "/x/dockyard/plugin-code");
  t.is(codeCacheDirectory({}), path.join(os.homedir(), ".cache", "dockyard", "plugin-code"));
});
