// A Fleet with `rollout:` under mocks: the gates by name, what they wait for, and that the next
// batch's disruptive resources register only after the gate before them.
import { keyPair } from "../rig/keys";
import test from "ava";
import type * as pulumiType from "@pulumi/pulumi";
import { type Registered, registeredSince, setUnitMocks, valueOf } from "./support/mocks";
import { MOCK_DEBIAN_12 } from "./fixtures/os-release";

let pulumi: typeof pulumiType;
let created: Registered[] = [];
let fleetModule: typeof import("../../src/fleet/fleet");
let loader: typeof import("../../src/fleet/load-fleet");
let gateModule: typeof import("../../src/rollout/rollout-gate");
let engineModule: typeof import("../../src/engine/docker-engine");
let hostModule: typeof import("../../src/host/host");

const sshKey = keyPair().private;
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICgHTSzQHiJe4nF9OEws3zkLwYpmSGyuIiuwf4qR4/an";
const read = (key: string, secret: boolean) => (key === "sshPrivateKey" ? (secret ? pulumi.secret(sshKey) : sshKey) : undefined);

test.before(async () => {
  const facts = MOCK_DEBIAN_12;
  ({ pulumi, created } = await setUnitMocks({
    facts,
    version: "24.0.7",
    packageVersion: "5:24.0.7-1~debian.12~bookworm",
    apiVersion: "1.43",
    effectiveMirrors: [],
    content: { "log-driver": "json-file" },
    state: "running",
    containerId: "c0ffee",
    digest: "sha256:" + "a".repeat(64),
    repoDigest: "x@sha256:" + "a".repeat(64),
  }));
  fleetModule = require("../../src/fleet/fleet");
  loader = require("../../src/fleet/load-fleet");
  gateModule = require("../../src/rollout/rollout-gate");
  engineModule = require("../../src/engine/docker-engine");
  hostModule = require("../../src/host/host");
});

const fleetYaml = (rollout: string, n = 4) => `defaults:
  privateKey: { config: sshPrivateKey }
hosts:
${Array.from({ length: n }, (_, i) => `  - { name: h${i + 1}, address: 10.0.0.${i + 1}, hostKey: ${KEY} }`).join("\n")}
containers:
  - { name: nginx, image: nginx, on: all, ports: ["80:80"] }
${rollout}
`;

test.serial(
  "batches of 2 of 4 hosts: one gate, rollout-2-of-2, waiting for the first batch's engines, daemon configs and containers; the second batch registers after it",
  async (t) => {
    const from = created.length;
    const fleet = new fleetModule.Fleet("web", {
      spec: loader.parseFleet(fleetYaml("rollout: { batch: 2, pause: 30s, timeout: 10m }"), "f.yaml"),
      config: read,
    });
    t.deepEqual(fleet.rolloutBatches, [
      ["h1", "h2"],
      ["h3", "h4"],
    ]);
    t.is(fleet.rolloutGates.length, 1);
    await valueOf(fleet.outputs);
    const mine = await registeredSince(created, from);
    const names = mine.map((r) => r.name);
    t.true(names.includes("web-rollout-2-of-2"), "the gate component, by name");
    const gate = mine.find((r) => r.name === "web-rollout-2-of-2-gate")!;
    t.truthy(gate, "the gate resource");
    const inputs = gate.inputs as Record<string, any>;
    t.is(inputs.label, "batch 1 of 2 (h1, h2)");
    t.is(inputs.pauseSeconds, 30);
    t.is(inputs.timeoutSeconds, 600);
    // h1's engine and package version, daemon.json, nginx's id; then h2's.
    const engine = ["24.0.7", "5:24.0.7-1~debian.12~bookworm"];
    t.deepEqual(inputs.changes, [engine, { "log-driver": "json-file" }, "c0ffee", engine, { "log-driver": "json-file" }, "c0ffee"]);
    t.deepEqual(
      inputs.targets.map((x: any) => [x.connection.host, x.containers]),
      [
        ["10.0.0.1", ["nginx"]],
        ["10.0.0.2", ["nginx"]],
      ],
    );
    const SECRET = "4dabf18193072939515e22adb298388d";
    t.is(inputs.credentials[SECRET], "1b47061264138c4ac30d75fd1eb44270", "the hosts' keys reach the gate as a secret");
    t.is(inputs.credentials.value.length, 2);

    const at = (name: string) => {
      const i = names.indexOf(name);
      t.true(i >= 0, `${name} registered`);
      return i;
    };
    const g = at("web-rollout-2-of-2-gate");
    for (const h of ["h1", "h2"]) {
      t.true(at(`${h}-docker-engine`) < g, `${h}'s engine before the gate`);
      t.true(at(`${h}-nginx`) < g, `${h}'s container before the gate`);
    }
    for (const h of ["h3", "h4"]) {
      t.true(at(`${h}-docker-engine`) > g, `${h}'s engine after the gate`);
      t.true(at(`${h}-daemon`) > g, `${h}'s daemon.json after the gate`);
      t.true(at(`${h}-nginx`) > g, `${h}'s container after the gate`);
      t.true(at(`${h}`) < g, `${h}'s facts (read only) do not wait`);
    }
  },
);

test.serial('"25%" of 4 hosts: three gates in order; without rollout none', async (t) => {
  const from = created.length;
  const rolled = new fleetModule.Fleet("quarter", { spec: loader.parseFleet(fleetYaml('rollout: { batch: "25%" }')), config: read });
  const plain = new fleetModule.Fleet("plain", { spec: loader.parseFleet(fleetYaml("")), config: read });
  t.deepEqual(rolled.rolloutBatches, [["h1"], ["h2"], ["h3"], ["h4"]]);
  t.deepEqual(plain.rolloutBatches, [["h1", "h2", "h3", "h4"]]);
  t.is(plain.rolloutGates.length, 0);
  await Promise.all([valueOf(rolled.outputs), valueOf(plain.outputs)]);
  const names = (await registeredSince(created, from)).map((r) => r.name);
  const gates = names.filter((n) => /-gate$/.test(n));
  t.deepEqual(gates, ["quarter-rollout-2-of-4-gate", "quarter-rollout-3-of-4-gate", "quarter-rollout-4-of-4-gate"]);
  const gateInputs = (await registeredSince(created, from)).filter((r) => r.name === "quarter-rollout-3-of-4-gate")[0].inputs as Record<
    string,
    any
  >;
  t.is(gateInputs.label, "batch 2 of 4 (h2)");
  t.is(gateInputs.pauseSeconds, 0, "no pause unless asked");
  t.is(gateInputs.timeoutSeconds, 300, "5 minutes unless asked");
});

test.serial("RolloutGate for programs: engines only (no containers) wait for the pause alone; bad arguments refused", async (t) => {
  const from = created.length;
  const host = new hostModule.Host("p1", { address: "10.0.1.1", privateKey: pulumi.secret(sshKey), hostKey: KEY });
  const engine = new engineModule.DockerEngine("p1-docker", { host, version: "25.0.3" });
  const gate = new gateModule.RolloutGate("rollout-2-of-2", { after: [engine], pause: 5 });
  t.truthy(gate.ready);
  const mine = await registeredSince(created, from);
  const inputs = mine.find((r) => r.name === "rollout-2-of-2-gate")!.inputs as Record<string, any>;
  t.deepEqual(inputs.changes, [["24.0.7", "5:24.0.7-1~debian.12~bookworm"]]);
  t.deepEqual(inputs.targets, []);
  t.is(inputs.pauseSeconds, 5);
  t.throws(() => new gateModule.RolloutGate("bad1", { after: [engine], pause: "soon" }), {
    message: /RolloutGate bad1: .*pause.*duration/s,
  });
  t.throws(() => new gateModule.RolloutGate("bad2", { after: [engine], timeout: 0 }), { message: /timeout.*longer than 0/s });
  t.throws(() => new gateModule.RolloutGate("bad3", { after: [host as never] }), {
    message: /after\[0\].*DockerEngine, DaemonConfig or Container/s,
  });
});

test.serial("stacks/rolling.yaml: two batches of two, one gate", async (t) => {
  const path = require("node:path") as typeof import("node:path");
  const from = created.length;
  const fleet = new fleetModule.Fleet("rolling", {
    spec: loader.loadFleet(path.join(__dirname, "..", "..", "stacks", "rolling.yaml")),
    config: read,
  });
  t.deepEqual(fleet.rolloutBatches, [
    ["web1", "web2"],
    ["web3", "web4"],
  ]);
  await valueOf(fleet.outputs);
  const gate = (await registeredSince(created, from)).find((r) => r.name === "rolling-rollout-2-of-2-gate")!.inputs as Record<string, any>;
  t.is(gate.pauseSeconds, 30);
  t.is(gate.timeoutSeconds, 300);
});

test.serial("a registry on a first-batch host: the gate waits for its container too", async (t) => {
  const from = created.length;
  const yaml = fleetYaml("registries:\n  - { name: intranet, host: h1 }\nrollout: { batch: 2 }");
  const fleet = new fleetModule.Fleet("withreg", { spec: loader.parseFleet(yaml), config: read });
  await valueOf(fleet.outputs);
  const gate = (await registeredSince(created, from)).find((r) => r.name === "withreg-rollout-2-of-2-gate")!.inputs as Record<string, any>;
  t.deepEqual(
    gate.targets.map((x: any) => x.containers.length),
    [2, 1],
    "h1: nginx and the registry; h2: nginx",
  );
});
