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
import { DOCKER_READ_FUNCTION, renderReadSetup, SHARED_DOCKER_CALLS } from "../../src/scripts/docker-read";

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
const hostRead = (bounds: { engineApiTimeout: number }) => {
  const probes = [factsProbe(bounds), engineProbe(undefined, bounds), daemonProbe(bounds)].map((p) => p.script);
  return [renderReadSetup(probes.join("\n")), ...probes.map((p) => `(\n${p}\n)`)].join("\n");
};

/** The docker calls a host read of facts, engine and daemon makes, as the stand-in sees them. */
const READ_CALLS = ["--version", "compose version --short", "info --format {{json .}}", "ps -aq", "version --format {{json .}}"];

const callsOf = (out: string) => out.split("@@calls@@\n")[1].trim().split("\n").filter(Boolean);

test("a stalled dockerd costs one bound per host read: the calls asked ahead wait it out together, nothing is asked after", (t) => {
  const { out, seconds } = runWithDocker(hostRead({ engineApiTimeout: 1 }), 'echo "$*" >> "$CALLS"; exec sleep 30');
  t.deepEqual(callsOf(out).sort(), READ_CALLS, "each shared call asked once, ahead; none asked again after the stall");
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
    '  "version --format {{json .}}") echo \'{"Server":{"Version":"24.0.7"}}\' ;;',
    '  "ps -aq") printf "a1\\nb2\\nc3\\n" ;;',
    "  *) echo '{\"ok\":true}' ;;",
    "esac",
  ].join("\n");
  const { out } = runWithDocker(hostRead({ engineApiTimeout: 5 }), docker);
  const s = parseSections(out.split("@@calls@@")[0]);
  t.is(s["docker-server"]?.trim(), '{"Server":{"Version":"24.0.7"}}');
  t.is(s["docker-client"]?.trim(), "Docker version 24.0.7, build afdd53b");
  t.is(s.containers?.trim(), "3");
  t.is(s.version?.trim(), '{"Server":{"Version":"24.0.7"}}', "the engine probe gets the answer the facts probe's call kept");
  t.is(s.info?.trim(), '{"ok":true}');
  t.deepEqual(
    callsOf(out).sort(),
    READ_CALLS,
    "each call once: facts 2, engine 2 more (its version and --version are the facts probe's), daemon 1",
  );
});

test("the shared calls are asked side by side at the read's start: the read waits about as long as for the slowest", (t) => {
  // Each call takes 0.4 s: one after the other the five would take 2 s.
  const { out, seconds } = runWithDocker(hostRead({ engineApiTimeout: 5 }), 'echo "$*" >> "$CALLS"; sleep 0.4; echo 1');
  t.deepEqual(callsOf(out).sort(), READ_CALLS);
  t.true(seconds < 1.5, `the read took ${seconds} s`);
});

test("a read asks ahead only the shared calls its probes make, each with the probe's bound", (t) => {
  const facts = factsProbe({ engineApiTimeout: 7 }).script;
  const setup = renderReadSetup(facts);
  t.deepEqual(
    setup
      .split("\n")
      .filter((l) => l.trim().startsWith("dockyard_ahead "))
      .map((l) => l.trim()),
    [`dockyard_ahead client 7 ${SHARED_DOCKER_CALLS.client}`, `dockyard_ahead version 7 ${SHARED_DOCKER_CALLS.version}`],
  );
  t.false(renderReadSetup("uname -r").includes("dockyard_ahead"), "no docker call, nothing asked ahead");
});

test("an answer asked ahead that never comes is asked again after its bound, not waited for forever", (t) => {
  // The read's directory says `ps -aq` was asked ahead, and no answer ever lands.
  const script = `${renderReadSetup("")}\n: > "$DOCKYARD_READ_DIR/docker-ps.ahead"\n${DOCKER_READ_FUNCTION}\ndockyard_docker 1 ps -aq; echo "rc=$? out=$dockyard_out"`;
  const { out, seconds } = runWithDocker(script, 'echo "$*" >> "$CALLS"; echo a1');
  t.true(out.startsWith("rc=0 out=a1"), out);
  t.deepEqual(callsOf(out), ["ps -aq"]);
  t.true(seconds >= 2.5 && seconds < 8, `waited its bound and 2 s: ${seconds} s`);
});

test("only the calls several probes share are kept: an inspect (a container's environment) is asked again, never written down", (t) => {
  const twice = `${DOCKER_READ_FUNCTION}\ndockyard_docker 5 container inspect web; dockyard_docker 5 container inspect web; dockyard_docker 5 ps -aq; dockyard_docker 5 ps -aq; ls "$DOCKYARD_READ_DIR"`;
  const { out } = runWithDocker(`${renderReadSetup(twice)}\n${twice}`, 'echo "$*" >> "$CALLS"; echo "[]"');
  const [listing, calls] = out.split("@@calls@@\n");
  t.deepEqual(calls.trim().split("\n").sort(), ["container inspect web", "container inspect web", "ps -aq"]);
  t.deepEqual(
    listing.trim().split("\n"),
    ["docker-ps.ahead", "docker-ps.out", "docker-ps.rc"],
    "only ps -aq's answer is in the read's directory",
  );
});

test("outside a read (no shared directory) every call is made", (t) => {
  const probes = [factsProbe({ engineApiTimeout: 5 }), engineProbe(undefined, { engineApiTimeout: 5 })].map((p) => p.script).join("\n");
  const { out } = runWithDocker(probes, 'echo "$*" >> "$CALLS"; echo 1');
  t.is(out.split("@@calls@@\n")[1].trim().split("\n").length, 6);
});

test("a probe run on its own marks a stall in its own shell", (t) => {
  const { out, seconds } = runWithDocker(engineProbe(undefined, { engineApiTimeout: 1 }).script, 'echo "$*" >> "$CALLS"; exec sleep 30');
  t.is(out.split("@@calls@@\n")[1].trim().split("\n").length, 1);
  t.true(seconds < 3, `the probe took ${seconds} s`);
});

test("a dockerd that refuses at once (not running): each distinct call is asked once in a read, and no stall is marked", (t) => {
  const { out } = runWithDocker(hostRead({ engineApiTimeout: 5 }), 'echo "$*" >> "$CALLS"; echo "Cannot connect" >&2; exit 1');
  // Each distinct call once: a refusal is kept for the read like any answer, a stall marks the engine.
  t.deepEqual(callsOf(out).sort(), READ_CALLS);
});
