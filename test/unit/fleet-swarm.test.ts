import { keyPair } from "../rig/keys";
import * as path from "node:path";
import test from "ava";
import type * as pulumiType from "@pulumi/pulumi";
import { type Registered, setUnitMocks, valueOf } from "./support/mocks";
import { MOCK_DEBIAN_12 } from "./fixtures/os-release";

// Mocks must be in place before the code that creates resources is loaded.
let pulumi: typeof pulumiType;
let created: Registered[] = [];
let fleetModule: typeof import("../../src/fleet/fleet");
let loader: typeof import("../../src/fleet/load-fleet");

const REPO = path.resolve(__dirname, "..", "..");
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICgHTSzQHiJe4nF9OEws3zkLwYpmSGyuIiuwf4qR4/an";
const sshKey = keyPair().private;
const config: Record<string, string> = { sshPrivateKey: sshKey, dbPassword: "s3cret-db-pw" };
const read = (key: string, secret: boolean) => (key in config ? (secret ? pulumi.secret(config[key]) : config[key]) : undefined);

test.before(async () => {
  const facts = MOCK_DEBIAN_12;
  ({ pulumi, created } = await setUnitMocks({
    facts,
    version: "24.0.7",
    apiVersion: "1.43",
    effectiveMirrors: [],
    members: [],
    joinTokens: { worker: "", manager: "" },
    digest: "sha256:" + "a".repeat(64),
    repoDigest: "nginx@sha256:" + "a".repeat(64),
    runningTasks: 3,
  }));
  fleetModule = require("../../src/fleet/fleet");
  loader = require("../../src/fleet/load-fleet");
});

const inputsOf = (name: string) => created.find((r) => r.name === name)?.inputs as Record<string, any> | undefined;

test.serial("stacks/swarm.yaml: a swarm of the declared hosts, managers first, and its service on the first manager's image", async (t) => {
  const spec = loader.loadFleet(path.join(REPO, "stacks", "swarm.yaml"));
  const fleet = new fleetModule.Fleet("swarm", { spec, config: read });
  t.truthy(fleet.swarm);
  t.deepEqual(Object.keys(fleet.services), ["web"]);
  t.is(await valueOf(fleet.services.web.replicas), 3);
  const nodes = inputsOf("swarm-swarm")!.nodes as { connection: { host: string }; role: string; labels: Record<string, string> }[];
  t.deepEqual(
    nodes.map((n) => [n.connection.host, n.role, n.labels]),
    [
      ["10.0.1.10", "manager", {}],
      ["10.0.1.21", "worker", { zone: "a" }],
      ["10.0.1.22", "worker", { zone: "b" }],
    ],
  );
  const svc = inputsOf("swarm-web-service")!;
  t.is((svc.connection as { host: string }).host, "10.0.1.10", "managed through the first manager");
  t.is(svc.spec.image, "nginx@sha256:" + "a".repeat(64));
  t.deepEqual(svc.spec.networks, ["web-net"]);
  t.deepEqual(svc.spec.update, { parallelism: 1, delaySeconds: 10, failureAction: "rollback", order: "stop-first", monitorSeconds: 5 });
  const pulled = created
    .filter((r) => r.type.endsWith("dockyard:index:Image"))
    .map((r) => [(r.inputs.connection as { host: string }).host, (r.inputs.spec as { ref: string }).ref]);
  t.deepEqual(pulled, [["10.0.1.10", "nginx:1.25"]], "the digest is resolved once, on the first manager");
});

/** The problems of a fleet text, as `line:col path: message` lines. */
function problemsOf(text: string): string[] {
  try {
    loader.parseFleet(text, "f.yaml");
  } catch (e) {
    if (e instanceof loader.FleetFileError) return e.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

const fleet = (swarm: string, extra = "") => `defaults:
  privateKey: { config: sshPrivateKey }
hosts:
  - { name: m1, address: 10.0.0.1, hostKey: ${KEY} }
  - { name: w1, address: 10.0.0.2, hostKey: ${KEY} }
${extra}swarm:
${swarm}`;

const cases: [string, string, RegExp][] = [
  [
    "a node that is not a fleet host",
    fleet("  managers: [m1]\n  workers: [w2]\n"),
    /^8:\d+ swarm\.workers\[0\]: "w2" is not a host of this fleet; did you mean "w1"\?$/,
  ],
  [
    "a host listed twice",
    fleet("  managers: [m1]\n  workers: [{ host: m1 }]\n"),
    /swarm\.workers\[0\]\.host: host "m1" is already a node of the swarm \(swarm\.managers\[0\]\)/,
  ],
  ["no managers", fleet("  managers: []\n"), /^7:\d+ swarm\.managers: must list at least one manager$/],
  [
    "negative replicas",
    fleet("  managers: [m1]\n  services:\n    - { name: web, image: nginx, replicas: -1 }\n"),
    /swarm\.services\[0\]\.replicas: /,
  ],
  [
    "an unparsable port",
    fleet("  managers: [m1]\n  services:\n    - { name: web, image: nginx, ports: ['80'] }\n"),
    /swarm\.services\[0\]\.ports\[0\]: must be like "8080:80"/,
  ],
  [
    "a bad image",
    fleet("  managers: [m1]\n  services:\n    - { name: web, image: NGINX }\n"),
    /swarm\.services\[0\]\.image: .*not an image reference/,
  ],
  [
    "a service port a container already takes on a node",
    fleet(
      "  managers: [m1]\n  workers: [w1]\n  services:\n    - { name: web, image: nginx, replicas: 2, ports: ['8080:80'] }\n",
      "containers:\n  - { name: c, image: nginx, on: [w1], ports: ['8080:80'] }\n",
    ),
    /swarm\.services\[0\]\.ports\[0\]: host port 8080\/tcp on w1 is already taken by containers\[0\]/,
  ],
  [
    "more replicas than nodes for a host-mode port",
    fleet("  managers: [m1]\n  workers: [w1]\n  services:\n    - { name: web, image: nginx, replicas: 3, ports: ['8080:80'] }\n"),
    /swarm\.services\[0\]\.replicas: 3 tasks cannot each publish host port 8080 on the swarm's 2 nodes/,
  ],
];
for (const [name, text, expected] of cases) {
  test(`bad swarm input: ${name}`, (t) => {
    const problems = problemsOf(text);
    t.true(
      problems.some((p) => expected.test(p)),
      problems.join("\n") || "(no problem reported)",
    );
  });
}
