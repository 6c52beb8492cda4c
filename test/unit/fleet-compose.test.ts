import { keyPair } from "../rig/keys";
import { mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test from "ava";
import type * as pulumiType from "@pulumi/pulumi";
import { type Registered, registeredSince, setUnitMocks, settle } from "./support/mocks";
import { MOCK_DEBIAN_12 } from "./fixtures/os-release";

let pulumi: typeof pulumiType;
let created: Registered[] = [];
let fleetModule: typeof import("../../src/fleet/fleet");
let loader: typeof import("../../src/fleet/load-fleet");

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICgHTSzQHiJe4nF9OEws3zkLwYpmSGyuIiuwf4qR4/an";
const sshKey = keyPair().private;
const read = (key: string, secret: boolean) => {
  const value = { sshPrivateKey: sshKey, dbPassword: "s3cret-db" }[key];
  return value === undefined ? undefined : secret ? pulumi.secret(value) : value;
};

const COMPOSE = `services:
  backend:
    image: registry.local/library/nginx:latest
  web:
    image: registry.local/library/nginx:latest
    ports: ["8080:80"]
`;

test.before(async () => {
  ({ pulumi, created } = await setUnitMocks({
    facts: MOCK_DEBIAN_12,
    version: "24.0.7",
    apiVersion: "1.43",
    effectiveMirrors: [],
    state: "running",
  }));
  fleetModule = require("../../src/fleet/fleet");
  loader = require("../../src/fleet/load-fleet");
});

/** A fleet file in a directory of its own, beside `compose/shop.yaml`; returns its path. */
function fleetFile(compose: string, composeText: string | undefined = COMPOSE): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fleet-compose-"));
  if (composeText !== undefined) {
    writeFileSync(path.join(dir, "shop.yaml"), composeText);
  }
  const file = path.join(dir, "fleet.yaml");
  writeFileSync(
    file,
    `defaults:
  privateKey: { config: sshPrivateKey }
hosts:
  - name: app1
    address: 10.0.0.1
    hostKey: ${KEY}
    groups: [app]
  - name: app2
    address: 10.0.0.2
    hostKey: ${KEY}
    groups: [app]
  - name: db1
    address: 10.0.0.3
    hostKey: ${KEY}
${compose}`,
  );
  return file;
}

/** The problems of a fleet file, as `line:col path: message` lines. */
function problemsOf(file: string): string[] {
  try {
    const spec = loader.loadFleet(file);
    new fleetModule.Fleet(`bad-${path.basename(path.dirname(file))}`, { spec, config: read });
  } catch (e) {
    if (e instanceof loader.FleetFileError) return e.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

test("a compose section runs the project on every host it names, the file read beside the fleet file, the .env a secret", async (t) => {
  const before = await settle(created);
  const file = fleetFile(`compose:
  - project: shop
    on: [app]
    file: shop.yaml
    env:
      TAG: "1.25"
      DB_PASSWORD: { config: dbPassword }
    removeVolumesOnDestroy: true
    waitTimeout: 120
`);
  const f = new fleetModule.Fleet("compose", { spec: loader.loadFleet(file), config: read });
  t.deepEqual(Object.keys(f.composeProjects).sort(), ["app1", "app2"]);
  t.deepEqual(Object.keys(f.composeProjects.app1), ["shop"]);
  const mine = await registeredSince(created, before);
  const projects = mine.filter((r) => r.type === "dockyard:index:ComposeProject");
  t.deepEqual(projects.map((r) => r.name).sort(), ["app1-shop-compose-compose", "app2-shop-compose-compose"]);
  const spec = projects[0].inputs.spec as Record<string, unknown>;
  t.is(spec.project, "shop");
  t.is(spec.composeYaml, COMPOSE);
  t.deepEqual(spec.services, ["backend", "web"]);
  t.is(spec.removeVolumesOnDestroy, true);
  t.is(spec.waitTimeout, 120);
  // The .env is made from the map, config references read (the component makes it a secret).
  // Recorded as Pulumi's secret envelope: the .env is a secret.
  t.deepEqual(projects[0].inputs.env, {
    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    value: "TAG='1.25'\nDB_PASSWORD='s3cret-db'\n",
  });
});

test("a compose entry is refused with file:line and the field: unknown host, a project twice on a host, a missing or broken file", (t) => {
  t.deepEqual(
    problemsOf(
      fleetFile(`compose:
  - project: shop
    on: [app, ap2]
    file: shop.yaml
  - project: shop
    on: [app1]
    file: shop.yaml
  - project: Bad_Name
    on: [db1]
    file: shop.yaml
`),
    ),
    [
      '17:15 compose[0].on[1]: "ap2" is not a host or group of this fleet; did you mean "app2"?',
      '19:5 compose[1].project: compose project "shop" is declared twice on host app1 (also compose[0])',
      '22:5 compose[2].project: must be a compose project name of lower-case letters, digits, _ and - starting with a letter or digit (got "Bad_Name")',
    ],
  );
  const missing = problemsOf(
    fleetFile(
      `compose:
  - project: shop
    on: [db1]
    file: nowhere.yaml
`,
      undefined,
    ),
  );
  t.is(missing.length, 1);
  t.regex(missing[0], /^18:5 compose\[0\]\.file: cannot be read \(ENOENT\): .*nowhere\.yaml$/);
  const broken = problemsOf(fleetFile(`compose:\n  - project: shop\n    on: [db1]\n    file: shop.yaml\n`, "services: [1, 2]\n"));
  t.is(broken.length, 1);
  t.regex(broken[0], /^18:5 compose\[0\]\.file: /);
});
