import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import test from "ava";
import { shq } from "../../src/model/shell";

// `shq` (src/model/shell.ts) is the one function that quotes a value for the shell: every script
// renderer, the probe sections, uploads and sudo go through it.

const HOSTILE = [
  "",
  "plain",
  "it's",
  "'",
  "''",
  "'\\''",
  '"$HOME"',
  "$(id -u)",
  "`id -u`",
  "${IFS}x",
  "a b\tc",
  "line\nbreak\n",
  "; exit 7",
  "&& exit 7",
  "| exit 7",
  "\\",
  "-n",
  "*",
  "~root",
  "ünïcødé ✓",
];

test("shq: the shell reads back exactly the string it was given, running none of it", (t) => {
  for (const value of HOSTILE) {
    // printf prints its argument as it reached it; a trailing `x` keeps trailing newlines.
    const r = spawnSync("sh", ["-c", `printf '%s' ${shq(value)}; printf x`], { encoding: "utf8" });
    t.is(r.status, 0, JSON.stringify(value));
    t.is(r.stdout, `${value}x`, JSON.stringify(value));
  }
});

test("shq: one word, single-quoted, whatever the value", (t) => {
  t.is(shq("it's"), `'it'\\''s'`);
  t.is(shq(""), "''");
  const r = spawnSync("sh", ["-c", `set -- ${shq("a b")} ${shq("")}; echo $#`], { encoding: "utf8" });
  t.is(r.stdout, "2\n");
});

test("one quoting module: nothing else under src/ quotes for the shell by hand", (t) => {
  const root = path.resolve(__dirname, "..", "..", "src");
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      // The close-escape-reopen of a single quote is what a hand-made quoting helper writes.
      else if (e.name.endsWith(".ts") && full !== path.join(root, "model", "shell.ts") && readFileSync(full, "utf8").includes("'\\\\''"))
        offenders.push(path.relative(root, full));
    }
  };
  walk(root);
  t.deepEqual(offenders, []);
});
