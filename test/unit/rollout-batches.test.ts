// Batches from counts and percentages, durations, and bad rollout values refused with file:line.
import test from "ava";
import { batchCount, durationSeconds, gateName, rolloutBatches } from "../../src/model/rollout-batches";
import { FleetFileError, parseFleet } from "../../src/fleet/load-fleet";
import { closedPorts, probeAddress, renderPortProbe } from "../../src/scripts/port-probe";
import { shellcheck } from "./shellcheck";

const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i + 1}`);

const batchCases: [number, number | string, string[][]][] = [
  [
    4,
    2,
    [
      ["h1", "h2"],
      ["h3", "h4"],
    ],
  ],
  [5, 2, [["h1", "h2"], ["h3", "h4"], ["h5"]]],
  [3, 5, [["h1", "h2", "h3"]]],
  [4, "25%", [["h1"], ["h2"], ["h3"], ["h4"]]],
  [
    4,
    "50%",
    [
      ["h1", "h2"],
      ["h3", "h4"],
    ],
  ],
  [
    10,
    "20%",
    [
      ["h1", "h2"],
      ["h3", "h4"],
      ["h5", "h6"],
      ["h7", "h8"],
      ["h9", "h10"],
    ],
  ],
  [3, "20%", [["h1"], ["h2"], ["h3"]]],
  [3, "100%", [["h1", "h2", "h3"]]],
  [7, "33.3%", [["h1", "h2"], ["h3", "h4"], ["h5", "h6"], ["h7"]]],
  [1, 1, [["h1"]]],
  [0, 2, []],
];
for (const [n, size, want] of batchCases) {
  test(`${n} hosts in batches of ${JSON.stringify(size)}`, (t) => {
    t.deepEqual(rolloutBatches(hosts(n), size), want);
  });
}

test("a percentage is rounded down and is at least one host; a count is at most every host", (t) => {
  t.is(batchCount(9, "50%"), 4);
  t.is(batchCount(2, "1%"), 1);
  t.is(batchCount(3, 10), 3);
});

test("bad batch sizes are refused by the functions too", (t) => {
  for (const bad of [0, -1, 1.5, "0%", "101%", "25", "abc", "%"])
    t.throws(() => rolloutBatches(hosts(4), bad), { instanceOf: RangeError }, JSON.stringify(bad));
});

test("durations in seconds", (t) => {
  t.is(durationSeconds("30s"), 30);
  t.is(durationSeconds("5m"), 300);
  t.is(durationSeconds("1h"), 3600);
  t.is(durationSeconds("500ms"), 0.5);
  t.is(durationSeconds(90), 90);
  t.throws(() => durationSeconds("soon"), { instanceOf: RangeError });
  t.throws(() => durationSeconds(-1), { instanceOf: RangeError });
});

test("gate names", (t) => {
  t.is(gateName(2, 2), "rollout-2-of-2");
  t.is(gateName(3, 5), "rollout-3-of-5");
});

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICgHTSzQHiJe4nF9OEws3zkLwYpmSGyuIiuwf4qR4/an";
const fleet = (rollout: string, extra = "") => `defaults:
  privateKey: { config: sshPrivateKey }
hosts:
  - { name: h1, address: 10.0.0.1, hostKey: ${KEY} }
  - { name: h2, address: 10.0.0.2, hostKey: ${KEY} }
  - { name: h3, address: 10.0.0.3, hostKey: ${KEY} }
${extra}rollout:
${rollout.replace(/^/gm, "  ")}
`;
function problemsOf(text: string): string[] {
  try {
    parseFleet(text, "f.yaml");
  } catch (e) {
    if (e instanceof FleetFileError) return e.problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

test("a good rollout section is taken as written", (t) => {
  t.deepEqual(parseFleet(fleet('batch: "50%"\npause: 30s\ntimeout: 10m')).rollout, { batch: "50%", pause: "30s", timeout: "10m" });
  t.deepEqual(parseFleet(fleet("batch: 2")).rollout, { batch: 2 });
});

const SIZE = 'must be a whole number of hosts (at least 1) or a percentage like "25%" (more than 0, at most 100)';
const DURATION = 'must be a duration like "30s", "5m" or "1h" (or a number of seconds)';
const badCases: [string, string, string[]][] = [
  ["batch 0", "batch: 0", [`f.yaml:8:3: rollout.batch: ${SIZE}`]],
  ["a fractional batch", "batch: 1.5", [`f.yaml:8:3: rollout.batch: ${SIZE}`]],
  ["0%", 'batch: "0%"', [`f.yaml:8:3: rollout.batch: ${SIZE} (got "0%")`]],
  ["150%", 'batch: "150%"', [`f.yaml:8:3: rollout.batch: ${SIZE} (got "150%")`]],
  ["a percentage without %", 'batch: "25"', [`f.yaml:8:3: rollout.batch: ${SIZE} (got "25")`]],
  ["no batch", "pause: 30s", [`f.yaml:7:1: rollout.batch: ${SIZE}`]],
  ["a pause that is no duration", "batch: 1\npause: soon", [`f.yaml:9:3: rollout.pause: ${DURATION} (got "soon")`]],
  ["a negative timeout", "batch: 1\ntimeout: -5", [`f.yaml:9:3: rollout.timeout: ${DURATION}`]],
  ["a zero timeout", "batch: 1\ntimeout: 0s", ["f.yaml:9:3: rollout.timeout: must be longer than 0"]],
  ["an unknown key", "batch: 1\nserial: 2", ["f.yaml:9:3: rollout.serial: unknown key (known: batch, pause, timeout)"]],
];
for (const [title, rollout, want] of badCases) {
  test(`bad rollout refused before any host is touched: ${title}`, (t) => {
    const got = problemsOf(fleet(rollout));
    t.is(got.length, want.length, got.join("\n"));
    for (const [i, w] of want.entries()) t.true(got[i]?.startsWith(w), `${got[i]} does not start with ${w}`);
  });
}

test("with rollout, a registry and the hosts that trust it must be in the first batch", (t) => {
  const registry = "registries:\n  - { name: intranet, host: h2, tls: generate, trustedBy: all }\n";
  const got = problemsOf(fleet("batch: 1", registry));
  t.deepEqual(
    got.map((p) => p.split(": ").slice(0, 2).join(": ")),
    ["f.yaml:8:23: registries[0].host", "f.yaml:8:48: registries[0].trustedBy"],
  );
  t.regex(got[0], /must be in the first batch \(h1\)/);
  t.regex(got[1], /not: h2, h3/);
  t.deepEqual(problemsOf(fleet("batch: 3", registry)), [], "one batch of every host: fine");
});

test("the port probe: all addresses probed on 127.0.0.1, a bound address on itself, closed ones read back", (t) => {
  t.is(probeAddress(""), "127.0.0.1");
  t.is(probeAddress("0.0.0.0"), "127.0.0.1");
  t.is(probeAddress("::"), "127.0.0.1");
  t.is(probeAddress("10.0.0.5"), "10.0.0.5");
  const script = renderPortProbe([
    { hostIp: "0.0.0.0", hostPort: 80 },
    { hostIp: "10.0.0.5", hostPort: 8443 },
  ]);
  t.regex(script, /if probe '127\.0\.0\.1' 80; then echo '127\.0\.0\.1':80 open; else echo '127\.0\.0\.1':80 closed; fi/);
  t.regex(script, /probe '10\.0\.0\.5' 8443/);
  t.deepEqual(closedPorts("127.0.0.1:80 open\n10.0.0.5:8443 closed\n"), ["10.0.0.5:8443"]);
  t.is(shellcheck(script), "");
});
