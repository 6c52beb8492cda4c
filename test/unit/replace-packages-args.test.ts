import { keyPair } from "../rig/keys";
import test from "ava";
import { type Registered, setUnitMocks, settle } from "./support/mocks";

// The arguments that say what an install may take away, and how long a service's tasks must
// stay running: checked where they enter, passed on only when given.
let Host: typeof import("../../src/host/host").Host;
let DockerEngine: typeof import("../../src/engine/docker-engine").DockerEngine;
let checkServiceArgs: typeof import("../../src/swarm/service").checkServiceArgs;
let created: Registered[] = [];
const key = keyPair();
const hostKey = keyPair().public;

test.before(async () => {
  ({ created } = await setUnitMocks({ facts: { osId: "debian" }, version: "24.0.7", apiVersion: "1.43", drift: [] }));
  // require (not import): the mocks above must be set before these modules load.
  ({ Host } = require("../../src/host/host"));
  ({ DockerEngine } = require("../../src/engine/docker-engine"));
  ({ checkServiceArgs } = require("../../src/swarm/service"));
});

let n = 0;
const host = () => new Host(`rp${++n}`, { address: "10.0.0.2", privateKey: key.private, hostKey });

test.serial("replacePackages reaches the provider as given; absent or empty, the spec is as before", async (t) => {
  new DockerEngine("rp-a", { host: host(), replacePackages: ["docker.io", "containerd", "runc"] });
  new DockerEngine("rp-b", { host: host(), replacePackages: [] });
  new DockerEngine("rp-c", { host: host(), method: "adopt", replacePackages: ["docker.io"] });
  await settle(created);
  const spec = (name: string) => created.find((r) => r.name === `${name}-engine`)!.inputs.spec as Record<string, unknown>;
  t.deepEqual(spec("rp-a").replacePackages, ["docker.io", "containerd", "runc"]);
  t.false("replacePackages" in spec("rp-b"));
  t.false("replacePackages" in spec("rp-c"), "adopt removes nothing");
});

for (const [label, value, path] of [
  ["a name with a space", ["docker io"], "replacePackages[0]"],
  ["a name that is an option", ["-y"], "replacePackages[0]"],
  ["a command substitution", ["docker.io", "$(reboot)"], "replacePackages[1]"],
  ["not a list", "docker.io", "replacePackages"],
] as const) {
  test.serial(`replacePackages refused: ${label}`, (t) => {
    const h = host();
    const err = t.throws(() => new DockerEngine(`rp-bad${n}`, { host: h, replacePackages: value as unknown as string[] }));
    t.is((err as { propertyPath?: string }).propertyPath, path);
  });
}

test("convergeMonitorSeconds: given, kept; absent, left out (the default applies); negative or fractional, refused", (t) => {
  const swarm = { managerEngines: [{}] } as unknown as Parameters<typeof checkServiceArgs>[0]["swarm"];
  const base = { swarm, name: "web", image: "nginx:1.25" };
  t.is(checkServiceArgs({ ...base, convergeMonitorSeconds: 15 }).convergeMonitorSeconds, 15);
  t.is(checkServiceArgs({ ...base, convergeMonitorSeconds: 0 }).convergeMonitorSeconds, 0);
  t.false("convergeMonitorSeconds" in checkServiceArgs(base));
  for (const bad of [-1, 2.5]) {
    const err = t.throws(() => checkServiceArgs({ ...base, convergeMonitorSeconds: bad }));
    t.regex(err!.message, /convergeMonitorSeconds.*must be an integer >= 0/);
  }
});

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICgHTSzQHiJe4nF9OEws3zkLwYpmSGyuIiuwf4qR4/an";
const fleet = (engine: string) =>
  `defaults:\n  privateKey: { config: sshPrivateKey }\n  engine: ${engine}\nhosts:\n  - name: web1\n    address: 10.0.0.1\n    hostKey: ${KEY}\n`;

test("fleet files: engine replacePackages takes package names, and refuses anything else at its line", (t) => {
  const { parseFleet, FleetFileError } = require("../../src/fleet/load-fleet") as typeof import("../../src/fleet/load-fleet");
  t.deepEqual(parseFleet(fleet('{ replacePackages: ["docker.io", "runc"] }')).defaults?.engine?.replacePackages, ["docker.io", "runc"]);
  const err = t.throws(() => parseFleet(fleet('{ replacePackages: ["docker.io; reboot"] }'), "f.yaml"), { instanceOf: FleetFileError });
  t.regex(err!.message, /f\.yaml:3:\d+: defaults\.engine\.replacePackages\[0\]: must be a package name/);
});
