import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { keyPair } from "../rig/keys";
import { MOCK_DEBIAN_12 } from "./fixtures/os-release";

// A DaemonConfig declared for an engine in the same turn hands its settings to the engine's
// resource (its `daemon` input), so that a fresh engine starts once, with them (issue 28, item 1).
const inputs = new Map<string, Record<string, unknown>>();

test.before(async () => {
  await pulumi.runtime.setMocks({
    newResource: (args) => {
      inputs.set(`${args.type}::${args.name}`, args.inputs as Record<string, unknown>);
      return { id: `${args.name}-id`, state: { ...args.inputs, facts: MOCK_DEBIAN_12, version: "24.0.7", content: {} } };
    },
    call: () => ({}),
  });
});

// Loaded after setMocks, as the code under test must be.
const load = () => ({
  Host: (require("../../src/host/host") as typeof import("../../src/host/host")).Host,
  DockerEngine: (require("../../src/engine/docker-engine") as typeof import("../../src/engine/docker-engine")).DockerEngine,
  DaemonConfig: (require("../../src/engine/daemon-config") as typeof import("../../src/engine/daemon-config")).DaemonConfig,
});
const settle = () => new Promise((r) => setTimeout(r, 300));
const pair = keyPair();
const hostPair = keyPair();
const engineDaemon = (name: string) => inputs.get(`dockyard:index:DockerEngine::${name}-engine`)?.daemon;

test.serial("a DaemonConfig in the same turn: its settings, policy and proxy reach the engine's resource", async (t) => {
  const { Host, DockerEngine, DaemonConfig } = load();
  await pulumi.runtime.runInPulumiStack(async () => {
    const host = new Host("h1", { address: "10.0.0.12", privateKey: pair.private, hostKey: hostPair.public });
    const engine = new DockerEngine("docker", { host });
    new DaemonConfig("daemon", { engine, registryMirrors: ["https://mirror.example"], proxy: { https: "http://proxy:3128" } });
    return {};
  });
  await settle();
  // A secret (the proxy may carry credentials), as the engine's state keeps it.
  t.deepEqual(engineDaemon("docker"), {
    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    value: { settings: { "registry-mirrors": ["https://mirror.example"] }, policy: "merge", proxy: { https: "http://proxy:3128" } },
  });
});

test.serial(
  "none handed over: two DaemonConfigs on one engine, settings made from a resource, a DaemonConfig after an await",
  async (t) => {
    const { Host, DockerEngine, DaemonConfig } = load();
    await pulumi.runtime.runInPulumiStack(async () => {
      const host = new Host("h2", { address: "10.0.0.13", privateKey: pair.private, hostKey: hostPair.public });
      const two = new DockerEngine("two", { host });
      new DaemonConfig("a", { engine: two, liveRestore: true });
      new DaemonConfig("b", { engine: two, maxConcurrentDownloads: 5 });
      const fromResource = new DockerEngine("from-resource", { host });
      // A mirror made from the engine's own output would wait on the engine: never handed over.
      new DaemonConfig("c", { engine: fromResource, registryMirrors: fromResource.version.apply((v) => [`https://${v}.example`]) });
      const late = new DockerEngine("late", { host });
      await new Promise((r) => setTimeout(r, 50));
      new DaemonConfig("d", { engine: late, liveRestore: true });
      return {};
    });
    await settle();
    for (const name of ["two", "from-resource", "late"]) t.is(engineDaemon(name), undefined, name);
    t.truthy(inputs.get("dockyard:index:DaemonConfig::c"), "the DaemonConfig itself is registered as before");
  },
);
