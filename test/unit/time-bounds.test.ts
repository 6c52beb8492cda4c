import { keyPair } from "../rig/keys";
import test from "ava";
import { setUnitMocks, valueOf } from "./support/mocks";
import { MOCK_DEBIAN_12 } from "./fixtures/os-release";
import { boundSeconds, checkConnectionNumbers, TIME_BOUNDS } from "../../src/model/time-bounds";
import {
  DEFAULT_COMMAND_TIMEOUT_SECONDS,
  DEFAULT_DOWNLOAD_TIMEOUT_SECONDS,
  DEFAULT_ENGINE_API_TIMEOUT_SECONDS,
  DEFAULT_ENGINE_START_TIMEOUT_SECONDS,
  DEFAULT_PULL_TIMEOUT_SECONDS,
  DEFAULT_SWARM_WAIT_SECONDS,
} from "../../src/model/defaults";
import { parseFleet } from "../../src/fleet/load-fleet";
import { renderServiceStart } from "../../src/scripts/engine-service";

// The time bounds: one default each, overridable per host (Host argument, fleet file field),
// checked where they enter with the field named; a zero never turns a wait off.
let Host: typeof import("../../src/host/host").Host;
const pair = keyPair();
const hostPair = keyPair();

test.before(async () => {
  await setUnitMocks({ facts: MOCK_DEBIAN_12 });
  // require (not import): the mocks above must be set before this module loads.
  ({ Host } = require("../../src/host/host"));
});

test("each bound has its default from defaults.ts, and a host's own value wins", (t) => {
  t.deepEqual(Object.fromEntries(Object.entries(TIME_BOUNDS).map(([k, v]) => [k, v.defaultSeconds])), {
    commandTimeout: DEFAULT_COMMAND_TIMEOUT_SECONDS,
    engineApiTimeout: DEFAULT_ENGINE_API_TIMEOUT_SECONDS,
    pullTimeout: DEFAULT_PULL_TIMEOUT_SECONDS,
    downloadTimeout: DEFAULT_DOWNLOAD_TIMEOUT_SECONDS,
    engineStartTimeout: DEFAULT_ENGINE_START_TIMEOUT_SECONDS,
    swarmWaitTimeout: DEFAULT_SWARM_WAIT_SECONDS,
  });
  t.is(DEFAULT_COMMAND_TIMEOUT_SECONDS, 600);
  t.is(DEFAULT_ENGINE_API_TIMEOUT_SECONDS, 30);
  t.is(DEFAULT_PULL_TIMEOUT_SECONDS, 600);
  t.is(DEFAULT_ENGINE_START_TIMEOUT_SECONDS, 60);
  t.is(boundSeconds({}, "engineApiTimeout"), 30);
  t.is(boundSeconds({ engineApiTimeout: 7 }, "engineApiTimeout"), 7);
});

for (const [label, args, field, reason] of [
  ["connectTimeout 0 (it would turn the timeout off)", { connectTimeout: 0 }, "connectTimeout", /must be a number of seconds > 0/],
  ["connectTimeout negative", { connectTimeout: -5 }, "connectTimeout", /> 0/],
  ["connectAttempts 0", { connectAttempts: 0 }, "connectAttempts", /integer from 1/],
  ["connectAttempts not an integer", { connectAttempts: 1.5 }, "connectAttempts", /integer from 1/],
  ["commandTimeout 0", { commandTimeout: 0 }, "commandTimeout", /whole number of seconds from 1/],
  ["engineApiTimeout not a number", { engineApiTimeout: "30" }, "engineApiTimeout", /whole number of seconds/],
  ["pullTimeout over a day", { pullTimeout: 86401 }, "pullTimeout", /from 1 to 86400/],
  ["engineStartTimeout fractional", { engineStartTimeout: 0.5 }, "engineStartTimeout", /whole number/],
  ["swarmWaitTimeout 0", { swarmWaitTimeout: 0 }, "swarmWaitTimeout", /whole number/],
  ["port 0", { port: 0 }, "port", /1-65535/],
] as const) {
  test(`Host refuses ${label}, naming the field`, (t) => {
    const err = t.throws(
      () =>
        new Host(`bad-${field}-${label.length}`, {
          address: "10.0.0.12",
          privateKey: pair.private,
          hostKey: hostPair.public,
          ...(args as object),
        }),
    );
    t.is((err as { propertyPath?: string }).propertyPath, field);
    t.regex(err!.message, reason);
  });
}

test("the SSH layer checks the same numbers again (a provider refuses what the component would)", (t) => {
  t.throws(() => checkConnectionNumbers("", { connectTimeout: 0 }), {
    message: /connectTimeout must be a number of seconds > 0 and at most 86400 \(got 0\)/,
  });
  t.throws(() => checkConnectionNumbers("jump.", { port: 65536 }), { message: /jump\.port must be an integer 1-65535/ });
  t.notThrows(() => checkConnectionNumbers("", { connectTimeout: 0.5, connectAttempts: 1, port: 65535, commandTimeout: 1 }));
});

test("the bounds a Host is given travel in its connection (those not given stay out, for older states)", async (t) => {
  const h = new Host("bounded", {
    address: "10.0.0.12",
    privateKey: pair.private,
    hostKey: hostPair.public,
    commandTimeout: 1800,
    engineApiTimeout: 45,
    pullTimeout: 900,
  });
  const conn = await valueOf(h.connection);
  t.deepEqual(conn, {
    host: "10.0.0.12",
    port: 22,
    user: "root",
    hostKey: hostPair.public,
    commandTimeout: 1800,
    engineApiTimeout: 45,
    pullTimeout: 900,
  });
});

test("a fleet file sets bounds per host or in defaults; out of range is refused at file:line", (t) => {
  const ok = parseFleet(
    [
      "defaults:",
      "  privateKey: { config: sshKey }",
      "  engineApiTimeout: 20",
      "hosts:",
      "  - name: web1",
      "    address: 10.0.0.12",
      "    insecureSkipHostKeyCheck: true",
      "    pullTimeout: 1200",
      "",
    ].join("\n"),
    "fleet.yaml",
  );
  t.is(ok.defaults?.engineApiTimeout, 20);
  t.is(ok.hosts[0].pullTimeout, 1200);
  const err = t.throws(() =>
    parseFleet(
      [
        "defaults:",
        "  privateKey: { config: sshKey }",
        "hosts:",
        "  - name: web1",
        "    address: 10.0.0.12",
        "    insecureSkipHostKeyCheck: true",
        "    commandTimeout: 0",
        "",
      ].join("\n"),
      "fleet.yaml",
    ),
  );
  t.regex(err!.message, /fleet\.yaml:7:\d+: hosts\[0\]\.commandTimeout: /);
});

test("dockerd's start and readiness share one deadline, the host's engineStartTimeout, and each docker call is bounded", (t) => {
  const s = renderServiceStart({ restart: true, startTimeout: 42 });
  t.regex(s, /deadline=\$\(\( \$\(date \+%s\) \+ 42 \)\)/);
  t.regex(s, /timeout 42 systemctl restart docker\.service/);
  t.regex(s, /until timeout 5 docker version/);
  t.regex(s, /dockyard: docker did not answer within 42 s \(bound: engineStartTimeout\)/);
  t.notRegex(s, /until docker version/, "no unbounded docker call");
});
