// Hostile values against every value that reaches a host's shell: for each script renderer and
// each field that reaches it, generated values (newlines, quotes, $(...), backticks, leading -,
// the heredoc terminators the scripts use, NUL, U+2028/U+2029, long strings) are either refused by
// the check the component, the fleet file and the provider share, or, rendered and RUN against a
// sandboxed root (test/unit/support/sandbox.ts), change nothing but the intended files and hand
// no stub an injected word. Fixed seed, bounded runs.
import test from "ava";
import * as fc from "fast-check";
import * as path from "node:path";
import { isHostValue, type HostValueKindName } from "../../src/model/host-values";
import { checkInputs, PROVIDER_CHECKS } from "../../src/providers/input-checks";
import * as providers from "../../src/providers/index";
import { renderDockerUsersChange, renderDockerUsersProbe } from "../../src/scripts/docker-users";
import { renderPortProbe } from "../../src/scripts/port-probe";
import { renderFileRemove, renderFileSha, renderFileWrite } from "../../src/scripts/remote-file";
import { renderFactsProbe } from "../../src/scripts/host-facts";
import { renderDataRootProbe, renderValidate } from "../../src/scripts/daemon-config";
import { daemonJsonText } from "../../src/plan/daemon-config";
import { Sandbox, type SandboxRun } from "./support/sandbox";

const SEED = 24;
const RUNS = 20;

/** The words an injection would run; each touches /pwned-<n> at the root of the sandbox. */
const INJECTIONS = [
  "$(touch /pwned-1)",
  "`touch /pwned-2`",
  "; touch /pwned-3",
  "\ntouch /pwned-4\n",
  "' ; touch /pwned-5 ; '",
  '" ; touch /pwned-6 ; "',
  "\nREPO\ntouch /pwned-7\n: ",
  "\nEOF\ntouch /pwned-8\n",
  "|touch /pwned-9",
  "&& touch /pwned-10",
  "${IFS}touch${IFS}/pwned-11",
];
const PIECES = [
  ...INJECTIONS,
  "-rf",
  "--",
  "-",
  "'",
  '"',
  "\\",
  "*",
  "?",
  "~",
  "$HOME",
  " ",
  "\t",
  "\n",
  "\r",
  "\u2028",
  "\u2029",
  "\0",
  "/",
  "..",
  "REPO",
  "EOF",
  "a".repeat(300),
];

/** A hostile value: pieces of injections, shell syntax and ordinary text, in any order. */
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 6 }), fc.constantFrom("web", "10.0.0.1", "0600", "/srv/x")), {
    minLength: 1,
    maxLength: 6,
  })
  .map((parts) => parts.join(""));

const sandbox = new Sandbox();
test.after.always(() => sandbox.dispose());

/** Nothing at the root named like an injection's target, no other change than `allowed`, no stub given a word of an injection as its own argument. */
function assertContained(
  run: SandboxRun,
  allowed: (p: string) => boolean,
  value: string,
  argsOk: (args: string[]) => boolean,
): string | undefined {
  const escaped = run.changed.filter((p) => !allowed(p));
  if (escaped.length) return `changed outside the intended files: ${JSON.stringify(escaped)}`;
  if (run.changed.some((p) => /^\/pwned/.test(p))) return "an injection ran";
  for (const call of run.calls) {
    if (call.some((a) => a !== value && /pwned/.test(a))) return `a stub got an injected word: ${JSON.stringify(call)}`;
    if (!argsOk(call)) return `unexpected call ${JSON.stringify(call)}`;
  }
  return undefined;
}

/** The property: refused by the shared check, or run safely. The check is the provider's own (src/providers/input-checks.ts). */
function refusedOrSafe(
  kind: HostValueKindName,
  value: string,
  providerRefuses: (v: string) => boolean,
  runIt: (v: string) => string | undefined,
): string | undefined {
  if (!isHostValue(kind, value) && !providerRefuses(value)) return `the ${kind} check refuses it but the provider does not`;
  if (isHostValue(kind, value) && value.includes("\0")) return "a NUL passed the check";
  // A script cannot carry NUL (an SSH command ends there): refused above, nothing to run.
  if (value.includes("\0")) return undefined;
  return runIt(value);
}

const connection = { host: "10.0.0.1", port: 22, user: "root", insecureSkipHostKeyCheck: true };
const refusedBy = (name: keyof typeof PROVIDER_CHECKS, inputs: Record<string, unknown>, property: string) =>
  checkInputs(PROVIDER_CHECKS[name], inputs).some((f) => f.property === property);

test("remote file: a hostile path or mode is refused, or the script writes only that file", (t) => {
  fc.assert(
    fc.property(hostile, fc.boolean(), (v, asPath) => {
      const filePath = asPath ? `/srv/${v}` : "/srv/app/file";
      const mode = asPath ? "0600" : v;
      const field = asPath ? "path" : "mode";
      const problem = refusedOrSafe(
        asPath ? "absolutePath" : "fileMode",
        asPath ? filePath : mode,
        () => refusedBy("remoteFile", { connection, path: filePath, mode }, field),
        () => {
          const target = path.posix.resolve(filePath);
          const intended = (p: string) => target.startsWith(`${p}/`) || p === target || p === `${target}.dockyard-new`;
          const write = sandbox.run(renderFileWrite(filePath, mode), "content\n");
          const read = sandbox.run(renderFileSha(filePath));
          const remove = sandbox.run(renderFileRemove(filePath));
          // What the check accepts is written where it says (the sandbox really ran the script).
          if (isHostValue("absolutePath", filePath) && isHostValue("fileMode", mode) && !write.changed.includes(target))
            return `the file was not written: ${write.stderr}`;
          return (
            assertContained(write, intended, asPath ? filePath : mode, () => false) ??
            assertContained(
              read,
              () => false,
              filePath,
              () => false,
            ) ??
            assertContained(
              remove,
              () => false,
              filePath,
              () => false,
            )
          );
        },
      );
      if (problem) throw new Error(`${JSON.stringify(v)}: ${problem}`);
    }),
    { seed: SEED, numRuns: RUNS },
  );
  t.true(refusedBy("remoteFile", { connection, path: "/srv/a b", mode: "0600" }, "path"));
});

test("docker users: a hostile user name is refused, or the scripts change no file and pass it as one argument", (t) => {
  const words = new Set(["ops", "id", "getent", "gpasswd", "groupadd", "-u", "-nG", "-a", "-d", "docker", "group", "--system"]);
  fc.assert(
    fc.property(hostile, (v) => {
      const problem = refusedOrSafe(
        "userName",
        v,
        () => refusedBy("dockerUsers", { connection, users: [v] }, "users[0]"),
        () => {
          const argsOk = (call: string[]) => call.every((a) => words.has(a) || a === v);
          for (const script of [renderDockerUsersProbe([v, "ops"]), renderDockerUsersChange([v], [v])]) {
            const run = sandbox.run(script);
            if (!run.calls.some((c) => c.includes(v))) return `no stub got the user name: ${run.stderr}`;
            const p = assertContained(run, () => false, v, argsOk);
            if (p) return p;
          }
          return undefined;
        },
      );
      if (problem) throw new Error(`${JSON.stringify(v)}: ${problem}`);
    }),
    { seed: SEED, numRuns: RUNS },
  );
  t.true(refusedBy("dockerUsers", { connection, users: ["a;b"] }, "users[0]"));
});

test("port probe: a hostile host address is refused, or the probe changes nothing and passes it as one argument", (t) => {
  fc.assert(
    fc.property(hostile, (v) => {
      const problem = refusedOrSafe(
        "ipAddress",
        v,
        () =>
          refusedBy(
            "container",
            { connection, spec: { ports: [{ hostIp: v, hostPort: 80, containerPort: 80, protocol: "tcp" }] } },
            "spec.ports[0].hostIp",
          ),
        () => {
          const run = sandbox.run(renderPortProbe([{ hostIp: v, hostPort: 8080 }]));
          if (!run.calls.some((c) => c.includes(v))) return `the probe did not run: ${run.stderr}`;
          return assertContained(
            run,
            () => false,
            v,
            (call) =>
              call.every((a) => ["nc", "-z", "-w", "2", "8080", "bash", "-c", "_"].includes(a) || a === v || a.startsWith("exec 3<>")),
          );
        },
      );
      if (problem) throw new Error(`${JSON.stringify(v)}: ${problem}`);
    }),
    { seed: SEED, numRuns: RUNS },
  );
  t.true(refusedBy("container", { connection, spec: { ports: [{ hostIp: "$(id)" }] } }, "spec.ports[0].hostIp"));
});

test("daemon.json: hostile setting names and values stay inside the JSON the heredoc writes", (t) => {
  fc.assert(
    fc.property(hostile, (v) => {
      if (v.includes("\0")) return;
      const content = daemonJsonText({ [v]: v, "log-opts": { "max-size": v }, "registry-mirrors": [v] });
      const run = sandbox.run(renderValidate(content));
      const problem = assertContained(
        run,
        () => false,
        v,
        (call) =>
          call.length === 4 &&
          call[0] === "dockerd" &&
          call[1] === "--validate" &&
          call[2] === "--config-file" &&
          call[3].startsWith("/tmp/"),
      );
      if (!run.calls.length) throw new Error(`${JSON.stringify(v)}: dockerd was not reached: ${run.stderr}`);
      if (problem) throw new Error(`${JSON.stringify(v)}: ${problem}`);
    }),
    { seed: SEED, numRuns: RUNS },
  );
  t.is(daemonJsonText({ a: "\nDAEMONJSON\n" }).split("\n").includes("DAEMONJSON"), false);
});

test("data-root probe: a hostile new root changes nothing and reaches no command as a word of its own", (t) => {
  fc.assert(
    fc.property(hostile, (v) => {
      if (v.includes("\0")) return;
      const run = sandbox.run(renderDataRootProbe(`/srv/${v}`));
      const problem = assertContained(
        run,
        () => false,
        v,
        (call) => call.every((a) => ["docker", "ps", "-aq", "images", "volume", "ls", "-q"].includes(a)),
      );
      if (problem) throw new Error(`${JSON.stringify(v)}: ${problem}`);
    }),
    { seed: SEED, numRuns: RUNS },
  );
  t.false(isHostValue("absolutePath", "/srv/$(id)"));
});

test("the facts probe takes no value and changes nothing", (t) => {
  const run = sandbox.run(renderFactsProbe());
  t.deepEqual(run.changed, []);
});

test("the harness catches an injection: the old yum .repo heredoc with a mirror ending the heredoc runs a command", (t) => {
  // The pattern of the online install before the URL check: a quoted heredoc with the raw mirror inside.
  const oldRepoFile = (mirror: string) =>
    `cat > /etc/yum.repos.d/docker-ce.repo <<'REPO'\n[docker-ce-stable]\nbaseurl=${mirror}/rhel/9/x86_64/stable\nREPO\n`;
  const mirror = "https://mirror.example/docker-ce\nREPO\ntouch /pwned-7\n: ";
  const run = sandbox.run(oldRepoFile(mirror));
  const problem = assertContained(
    run,
    (p) => p === "/etc/yum.repos.d/docker-ce.repo",
    mirror,
    () => true,
  );
  t.regex(problem ?? "", /changed outside the intended files: \["\/pwned-7"\]|an injection ran/);
  t.false(isHostValue("url", mirror), "the URL check refuses it now");
  t.true(refusedBy("dockerEngine", { connection, spec: { method: "online", mirror } }, "spec.mirror"), "and so does the provider");
});

// Every provider's own check: a hostile value in each field it checks is refused, naming the field.
const FIELDS: [keyof typeof PROVIDER_CHECKS, HostValueKindName, string, (v: string) => Record<string, unknown>][] = [
  ["hostFacts", "address", "connection.host", (v) => ({ connection: { ...connection, host: v } })],
  ["dockerEngine", "loginName", "connection.user", (v) => ({ connection: { ...connection, user: v } })],
  ["daemonConfig", "address", "connection.jump.host", (v) => ({ connection: { ...connection, jump: { host: v } } })],
  ["image", "imageRef", "spec.ref", (v) => ({ connection, spec: { ref: v } })],
  ["container", "name", "spec.name", (v) => ({ connection, spec: { name: v } })],
  ["container", "imageRef", "spec.image", (v) => ({ connection, spec: { image: v } })],
  ["container", "text", "spec.command[0]", (v) => ({ connection, spec: { command: [v] } })],
  ["container", "absolutePath", "spec.volumes[0].target", (v) => ({ connection, spec: { volumes: [{ source: "/srv", target: v }] } })],
  ["container", "name", "spec.networks[0].aliases[0]", (v) => ({ connection, spec: { networks: [{ name: "n", aliases: [v] }] } })],
  ["container", "labelKey", "spec.labels key", (v) => ({ connection, spec: { labels: { [v]: "x" } } })],
  ["container", "envName", "env key", (v) => ({ connection, spec: {}, env: { [v]: "x" } })],
  ["container", "text", "env.A", (v) => ({ connection, spec: {}, env: { A: v } })],
  ["container", "containerUser", "spec.user", (v) => ({ connection, spec: { user: v } })],
  ["container", "capability", "spec.capAdd[0]", (v) => ({ connection, spec: { capAdd: [v] } })],
  ["container", "capability", "spec.capDrop[0]", (v) => ({ connection, spec: { capDrop: [v] } })],
  ["container", "securityOpt", "spec.securityOpt[0]", (v) => ({ connection, spec: { securityOpt: [v] } })],
  ["container", "absolutePath", "spec.tmpfs key", (v) => ({ connection, spec: { tmpfs: { [v]: "" } } })],
  ["container", "mountOptions", "spec.tmpfs./tmp", (v) => ({ connection, spec: { tmpfs: { "/tmp": v } } })],
  ["container", "ulimitName", "spec.ulimits[0].name", (v) => ({ connection, spec: { ulimits: [{ name: v, soft: 1, hard: 1 }] } })],
  ["dockerEngine", "url", "spec.mirror", (v) => ({ connection, spec: { mirror: v } })],
  ["dockerEngine", "absolutePath", "spec.installDir", (v) => ({ connection, spec: { installDir: v } })],
  ["remoteFile", "absolutePath", "path", (v) => ({ connection, path: v, mode: "0600" })],
  ["remoteFile", "fileMode", "mode", (v) => ({ connection, path: "/srv/x", mode: v })],
  ["certificate", "address", "names[0]", (v) => ({ names: [v] })],
  ["swarm", "address", "nodes[0].advertiseAddr", (v) => ({ nodes: [{ connection, advertiseAddr: v }] })],
  ["swarm", "cidr", "defaultAddrPool[0]", (v) => ({ nodes: [], defaultAddrPool: [v] })],
  ["service", "text", "spec.constraints[0]", (v) => ({ connection, spec: { constraints: [v] } })],
  ["service", "name", "spec.networks[0]", (v) => ({ connection, spec: { networks: [v] } })],
  ["network", "cidr", "spec.subnet", (v) => ({ connection, spec: { subnet: v } })],
  ["network", "driver", "spec.driver", (v) => ({ connection, spec: { driver: v } })],
  ["volume", "labelKey", "spec.driverOpts key", (v) => ({ connection, spec: { driverOpts: { [v]: "x" } } })],
  ["dockerUsers", "userName", "users[0]", (v) => ({ connection, users: [v] })],
  ["rolloutGate", "name", "targets[0].containers[0]", (v) => ({ targets: [{ connection, containers: [v] }] })],
];

test("every provider's check refuses what the shared pattern refuses, naming the property, and passes what it accepts", (t) => {
  fc.assert(
    fc.property(hostile, fc.constantFrom(...FIELDS), (v, [name, kind, property, inputs]) => {
      const refused = checkInputs(PROVIDER_CHECKS[name], inputs(v)).some((f) => f.property === property || f.property.startsWith(property));
      if (refused === isHostValue(kind, v)) throw new Error(`${name} ${property} ${JSON.stringify(v)}: refused=${refused}`);
    }),
    { seed: SEED, numRuns: 400 },
  );
  t.true(
    checkInputs(PROVIDER_CHECKS.container, { connection, spec: { name: "web", image: "nginx:1.25" }, env: { A: "b\nc" } }).length === 0,
  );
});

test("the provider host calls check: an instrumented provider refuses before create runs, and a value not known yet passes", async (t) => {
  const check = (providers.remoteFile as unknown as { check: (o: unknown, n: unknown) => Promise<{ failures: { property: string }[] }> })
    .check;
  const bad = await check({}, { connection, path: "/srv/x\ntouch /pwned", mode: "0600" });
  t.deepEqual(
    bad.failures.map((f) => f.property),
    ["path"],
  );
  const unknown = await check({}, { connection, path: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", mode: "0600" });
  t.deepEqual(unknown.failures, []);
  for (const name of Object.keys(providers) as (keyof typeof providers)[])
    t.is(typeof (providers[name] as unknown as { check?: unknown }).check, "function", name);
});
