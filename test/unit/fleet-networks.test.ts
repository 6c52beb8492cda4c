import { keyPair } from "../rig/keys";
import * as path from "node:path";
import test from "ava";
import type * as pulumiType from "@pulumi/pulumi";
import { type Registered, registeredSince, setUnitMocks, settle } from "./support/mocks";
import { MOCK_DEBIAN_12 } from "./fixtures/os-release";

let pulumi: typeof pulumiType;
let created: Registered[] = [];
let fleetModule: typeof import("../../src/fleet/fleet");
let loader: typeof import("../../src/fleet/load-fleet");

const REPO = path.resolve(__dirname, "..", "..");
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICgHTSzQHiJe4nF9OEws3zkLwYpmSGyuIiuwf4qR4/an";
const sshKey = keyPair().private;
const read = (key: string, secret: boolean) => (key === "sshPrivateKey" ? (secret ? pulumi.secret(sshKey) : sshKey) : undefined);

test.before(async () => {
  const facts = MOCK_DEBIAN_12;
  ({ pulumi, created } = await setUnitMocks({
    facts,
    version: "24.0.7",
    apiVersion: "1.43",
    effectiveMirrors: [],
    state: "running",
    networkId: "net-1",
    mountpoint: "/m",
    digest: "sha256:" + "a".repeat(64),
    repoDigest: "x@sha256:" + "a".repeat(64),
  }));
  fleetModule = require("../../src/fleet/fleet");
  loader = require("../../src/fleet/load-fleet");
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

const fleet = (extra: string) => `defaults:
  privateKey: { config: sshPrivateKey }
hosts:
  - name: web1
    address: 10.0.0.1
    hostKey: ${KEY}
    groups: [web]
  - name: web2
    address: 10.0.0.2
    hostKey: ${KEY}
${extra}`;

test("bad subnets, gateways outside their subnet, overlaps on one host and unknown networks and volumes are refused with file:line and the field", (t) => {
  const text = fleet(`networks:
  - name: front
    on: [web]
    subnet: 172.30.0.0/24
    gateway: 172.31.0.1
  - name: back
    on: [web1]
    subnet: 172.30.0.128/25
  - name: bad
    on: all
    subnet: 172.30.0.0/33
  - name: apart
    on: [web2]
    subnet: 172.30.0.0/24
volumes:
  - name: data
    on: [web1]
containers:
  - name: app
    image: nginx
    on: all
    networks: [fronts, { network: back, aliases: [api] }]
    volumes: ["data:/d", "dta:/e", "/srv:/srv"]
`);
  t.deepEqual(problemsOf(text), [
    "15:5 networks[0].gateway: 172.31.0.1 is outside the subnet 172.30.0.0/24",
    "18:5 networks[1].subnet: 172.30.0.128/25 overlaps 172.30.0.0/24 of networks[0] on host web1",
    '21:5 networks[2].subnet: must be an IPv4 CIDR like "172.30.0.0/24" (got "172.30.0.0/33")',
    '32:16 containers[0].networks[0]: "fronts" is not a network of this fleet; did you mean "front"?',
    '32:26 containers[0].networks[1].network: network "back" is not on host web2: add the host to the network\'s on:',
    '33:15 containers[0].volumes[0]: volume "data" is not on host web2: add the host to the volume\'s on:',
    '33:26 containers[0].volumes[1]: "dta" is not a volume of this fleet; did you mean "data"?',
  ]);
});

test.serial(
  "the two-tier stack: per host a network and a volume; api joins with its alias and mounts the volume; web joins by name",
  async (t) => {
    const before = await settle(created);
    const spec = loader.loadFleet(path.join(REPO, "stacks", "two-tier.yaml"));
    const f = new fleetModule.Fleet("two-tier", { spec, config: read });
    t.deepEqual(Object.keys(f.networks.app1), ["shop"]);
    t.deepEqual(Object.keys(f.volumes.app2), ["shop-data"]);
    const mine = await registeredSince(created, before);
    const net = mine.find((r) => r.name === "app1-shop-net-network")!;
    t.deepEqual(net.inputs.spec, {
      name: "shop",
      driver: "bridge",
      subnet: "172.30.0.0/24",
      gateway: "172.30.0.1",
      internal: false,
      labels: { app: "shop" },
    });
    t.is(mine.find((r) => r.name === "app2-shop-data-vol-volume")!.inputs.deleteOnDestroy, false);
    const api = mine.find((r) => r.name === "app1-api")!.inputs.spec as Record<string, unknown>;
    t.deepEqual(api.networks, [{ name: "shop", aliases: ["backend"], id: "net-1" }]);
    t.deepEqual(api.volumes, [{ source: "shop-data", target: "/usr/share/nginx/html" }]);
    const web = mine.find((r) => r.name === "app2-web")!.inputs.spec as Record<string, unknown>;
    t.deepEqual(web.networks, [{ name: "shop", aliases: [], id: "net-1" }]);
  },
);
