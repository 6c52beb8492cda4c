// Where a Fleet's spec comes from when the program is not TypeScript: `file`, a fleet file's path
// (what a Pulumi YAML or Go program names), or `spec` as a fleet file's text; both built through
// the plugin's construct, as another language's program reaches them.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test from "ava";
import type * as pulumiType from "@pulumi/pulumi";
import { keyPair } from "../rig/keys";
import { MOCK_DEBIAN_12 } from "./fixtures/os-release";
import { registeredSince, setUnitMocks, type Registered } from "./support/mocks";

let pulumi: typeof pulumiType;
let created: Registered[] = [];
let plugin: typeof import("../../src/plugin/dispatch");
let loader: typeof import("../../src/fleet/load-fleet");

const sshKey = keyPair().private;
const hostKey = keyPair().public;
const dir = mkdtempSync(path.join(os.tmpdir(), "dockyard-fleet-sources-"));
const FLEET = `hosts:
  - name: edge1
    address: 10.0.0.31
    hostKey: ${hostKey}
    privateKey: { config: sshPrivateKey }
    engine:
      method: offline
      bundle: bundles/docker.tgz
      bundleSha256: ${"ab".repeat(32)}
containers:
  - name: web
    image: nginx
    on: all
    ports: ["80:80"]
`;
const cwd = process.cwd();

test.before(async () => {
  ({ pulumi, created } = await setUnitMocks({ facts: MOCK_DEBIAN_12, state: "running", digest: "sha256:" + "a".repeat(64) }));
  // The stack's config, as the construct request carries it: the key is a secret.
  pulumi.runtime.setAllConfig({ "dockyard:sshPrivateKey": sshKey }, ["dockyard:sshPrivateKey"]);
  plugin = require("../../src/plugin/dispatch");
  loader = require("../../src/fleet/load-fleet");
  mkdirSync(path.join(dir, "fleets"));
  writeFileSync(path.join(dir, "fleets", "edge.yaml"), FLEET);
  // The plugin runs in the program's directory; relative paths are relative to it.
  process.chdir(dir);
});

test.after.always(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

const construct = (name: string, inputs: Record<string, unknown>) =>
  plugin.dockyardProvider().construct!(name, "dockyard:fleet:Fleet", inputs as pulumiType.Inputs, {});

/** The engine and container the fleet registered, and whether the host's key went in as a secret. */
async function built(from: number, fleet: string) {
  const mine = await registeredSince(created, from);
  const engine = mine.find((r) => r.type === "dockyard:index:DockerEngine" && r.name === "edge1-docker-engine");
  const container = mine.find((r) => r.type === "dockyard:index:Container" && r.name === "edge1-web");
  const facts = mine.find((r) => r.type === "dockyard:index:HostFacts" && r.name === "edge1");
  // The secret marker the mocks see: the key from the stack's config went in as a secret.
  const credentials = facts?.inputs.credentials as Record<string, unknown> | undefined;
  return {
    fleet,
    bundle: (engine?.inputs as { spec?: { bundle?: { path?: string } } } | undefined)?.spec?.bundle?.path,
    containerName: (container?.inputs as { spec?: { name?: string } } | undefined)?.spec?.name,
    keySecret:
      credentials?.["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270" &&
      (credentials.value as { privateKey?: string } | undefined)?.privateKey === sshKey,
  };
}

test.serial("file: a fleet file's path, relative to the program's directory; bundle paths relative to the file", async (t) => {
  const from = created.length;
  await construct("edge", { file: "fleets/edge.yaml" });
  t.deepEqual(await built(from, "edge"), {
    fleet: "edge",
    bundle: path.join(dir, "fleets", "bundles", "docker.tgz"),
    containerName: "web",
    keySecret: true,
  });
});

test.serial("spec as a fleet file's text: the same fleet; bundle paths relative to the program's directory", async (t) => {
  const from = created.length;
  await construct("edge-text", { spec: readFileSync(path.join(dir, "fleets", "edge.yaml"), "utf8") });
  t.deepEqual(await built(from, "edge-text"), {
    fleet: "edge-text",
    bundle: path.join(dir, "bundles", "docker.tgz"),
    containerName: "web",
    keySecret: true,
  });
});

test.serial("a fleet file's problems name file:line:col, from a path or from text", async (t) => {
  writeFileSync(path.join(dir, "fleets", "bad.yaml"), FLEET.replace('["80:80"]', '["80:99999"]'));
  const fromFile = await t.throwsAsync(construct("bad", { file: "fleets/bad.yaml" }));
  t.regex(fromFile.message, /fleets\/bad\.yaml:14:\d+: containers\[0\]\.ports\[0\]/);
  const fromText = await t.throwsAsync(construct("bad-text", { spec: readFileSync(path.join(dir, "fleets", "bad.yaml"), "utf8") }));
  t.regex(fromText.message, /Fleet bad-text spec:14:\d+: containers\[0\]\.ports\[0\]/);
  const missing = await t.throwsAsync(construct("gone", { file: "fleets/gone.yaml" }));
  t.regex(missing.message, /fleets\/gone\.yaml: cannot read the fleet file/);
});

test.serial("file and spec: exactly one, known when the program runs", async (t) => {
  const both = await t.throwsAsync(construct("both", { file: "fleets/edge.yaml", spec: FLEET }));
  t.true(pulumi.InputPropertyError.isInstance(both), String(both));
  t.regex(both.message, /Fleet both: file and spec are both given/);
  const blank = await t.throwsAsync(construct("blank", { file: " " }));
  t.regex(blank.message, /Fleet blank: file must be the path of a fleet file/);
  const pending = t.throws(() => loader.fleetSpecFrom({ spec: pulumi.output(FLEET) }, "Fleet later"));
  t.regex(pending.message, /spec must be known when the program runs/);
  const neither = await t.throwsAsync(construct("none", {}));
  t.regex(neither.message, /is empty: a fleet needs at least `hosts:`/);
});
