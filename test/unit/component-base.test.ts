import { keyPair } from "../rig/keys";
import test from "ava";
import type * as pulumiType from "@pulumi/pulumi";
import { type Registered, setUnitMocks, settle } from "./support/mocks";
import { MOCK_DEBIAN_12 } from "./fixtures/os-release";

// A component's `dependsOn` must reach the resources it creates: Pulumi does not pass it on to
// children by itself, so a Host told to wait for another host's preflight (or a firewall rule)
// would connect at once. The mocks' `newResource` does not see dependencies; the monitor's
// registration request does, so it is recorded there.
let pulumi: typeof pulumiType;
let created: Registered[] = [];
let Host: typeof import("../../src/host/host").Host;
let DockerEngine: typeof import("../../src/engine/docker-engine").DockerEngine;
/** Resource name -> the URNs its registration said it depends on. */
const dependencies = new Map<string, string[]>();

const pair = keyPair();
const hostPair = keyPair();
const hostArgs = () => ({ address: "10.0.0.12", privateKey: pair.private, hostKey: hostPair.public });

test.before(async () => {
  ({ pulumi, created } = await setUnitMocks({ facts: MOCK_DEBIAN_12 }));
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: { getName(): string; getDependenciesList(): string[] }, callback: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    dependencies.set(req.getName(), req.getDependenciesList());
    return register(req, callback);
  };
  // require (not import): the mocks above must be set before these modules load.
  ({ Host } = require("../../src/host/host"));
  ({ DockerEngine } = require("../../src/engine/docker-engine"));
});

/** A plain resource to wait for, and its URN once registered. */
async function marker(name: string): Promise<{ resource: pulumiType.CustomResource; urn: string }> {
  class Marker extends pulumi.CustomResource {
    constructor(n: string) {
      super("test:index:Marker", n, {});
    }
  }
  const resource = new Marker(name);
  const urn = await (resource.urn as unknown as { promise(): Promise<string> }).promise();
  return { resource, urn };
}

test.serial("a dependsOn given to a Host reaches its SSH resource (the facts read)", async (t) => {
  const { resource, urn } = await marker("before-web1");
  new Host("web1", hostArgs(), { dependsOn: [resource] });
  await settle(created);
  t.truthy(
    created.find((r) => r.name === "web1"),
    "the facts resource is registered",
  );
  t.true(dependencies.get("web1")?.includes(urn), `web1 depends on ${urn}: ${JSON.stringify(dependencies.get("web1"))}`);
});

test.serial("a single resource as dependsOn (not a list) reaches it too", async (t) => {
  const { resource, urn } = await marker("before-web2");
  new Host("web2", hostArgs(), { dependsOn: resource });
  await settle(created);
  t.true(dependencies.get("web2")?.includes(urn));
});

test.serial("without a dependsOn the facts resource waits for nothing of the program's", async (t) => {
  new Host("web3", hostArgs());
  await settle(created);
  t.truthy(created.find((r) => r.name === "web3"));
  t.deepEqual(dependencies.get("web3"), []);
});

test.serial("the engine's resource waits for its host's facts and for the engine's own dependsOn", async (t) => {
  const { resource, urn } = await marker("before-web4-docker");
  const host = new Host("web4", hostArgs());
  new DockerEngine("web4-docker", { host }, { dependsOn: [resource] });
  await settle(created);
  const deps = dependencies.get("web4-docker-engine") ?? [];
  t.true(deps.includes(urn), "the engine's dependsOn");
  t.true(
    deps.some((d) => d.endsWith("::web4")),
    `the host's facts: ${JSON.stringify(deps)}`,
  );
});
