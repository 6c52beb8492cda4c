// The probes' docker calls against a dockerd that never answers: each is bounded, and the first
// that runs out of its bound marks the engine stalled, so the rest of the host read does not wait
// again (a fake `docker` that hangs stands in for a SIGSTOPped dockerd).
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test from "ava";
import { daemonProbe, engineProbe, factsProbe } from "../../src/providers/host-probes";
import { parseSections } from "../../src/model/sections";
import { READ_DIR_SETUP } from "../../src/scripts/docker-read";

/** Runs `script` with a fake docker first on PATH; its output and the seconds it took. */
function runWithDocker(script: string, docker: string): { out: string; seconds: number } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dockyard-docker-read-"));
  try {
    writeFileSync(path.join(dir, "docker"), `#!/bin/sh\n${docker}\n`);
    chmodSync(path.join(dir, "docker"), 0o755);
    writeFileSync(path.join(dir, "calls"), "");
    const started = Date.now();
    const out = execFileSync("sh", ["-c", script], {
      env: { PATH: `${dir}:${process.env.PATH}`, CALLS: path.join(dir, "calls") },
      encoding: "utf8",
    });
    return {
      out: `${out}\n@@calls@@\n${execFileSync("cat", [path.join(dir, "calls")], { encoding: "utf8" })}`,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The probes of one host read, each in its subshell, as src/remote/host-reads.ts runs them. */
const hostRead = (bounds: { engineApiTimeout: number }) =>
  [READ_DIR_SETUP, ...[factsProbe(bounds), engineProbe(undefined, bounds), daemonProbe(bounds)].map((p) => `(\n${p.script}\n)`)].join("\n");

test("a stalled dockerd costs one bound per host read: the first call that runs out marks it, the others are skipped", (t) => {
  const { out, seconds } = runWithDocker(hostRead({ engineApiTimeout: 1 }), 'echo "$*" >> "$CALLS"; exec sleep 30');
  const calls = out.split("@@calls@@\n")[1].trim().split("\n");
  t.is(calls.length, 1, `one docker call waited, the rest were skipped: ${calls.join(" | ")}`);
  t.true(seconds < 4, `the read took ${seconds} s`);
  const s = parseSections(out.split("@@calls@@")[0]);
  t.is(s["docker-server"]?.trim() ?? "", "", "no server version");
  t.is(s.containers?.trim(), "0", "no containers counted");
  t.is(s.info?.trim() ?? "", "");
});

test("a dockerd that answers: every call is made and its output read", (t) => {
  const docker = [
    'echo "$*" >> "$CALLS"',
    'case "$*" in',
    '  "--version") echo "Docker version 24.0.7, build afdd53b" ;;',
    '  "version --format {{.Server.Version}}") echo 24.0.7 ;;',
    '  "ps -aq") printf "a1\\nb2\\nc3\\n" ;;',
    "  *) echo '{\"ok\":true}' ;;",
    "esac",
  ].join("\n");
  const { out } = runWithDocker(hostRead({ engineApiTimeout: 5 }), docker);
  const s = parseSections(out.split("@@calls@@")[0]);
  t.is(s["docker-server"]?.trim(), "24.0.7");
  t.is(s["docker-client"]?.trim(), "Docker version 24.0.7, build afdd53b");
  t.is(s.containers?.trim(), "3");
  t.is(s.version?.trim(), '{"ok":true}');
  t.is(s.info?.trim(), '{"ok":true}');
  t.is(out.split("@@calls@@\n")[1].trim().split("\n").length, 7, "facts 2, engine 4 (compose version too), daemon 1");
});

test("a probe run on its own marks a stall in its own shell", (t) => {
  const { out, seconds } = runWithDocker(engineProbe(undefined, { engineApiTimeout: 1 }).script, 'echo "$*" >> "$CALLS"; exec sleep 30');
  t.is(out.split("@@calls@@\n")[1].trim().split("\n").length, 1);
  t.true(seconds < 3, `the probe took ${seconds} s`);
});

test("a dockerd that refuses at once (not running) is asked each time: only a stall is remembered", (t) => {
  const { out } = runWithDocker(hostRead({ engineApiTimeout: 5 }), 'echo "$*" >> "$CALLS"; echo "Cannot connect" >&2; exit 1');
  t.is(out.split("@@calls@@\n")[1].trim().split("\n").length, 7);
});
