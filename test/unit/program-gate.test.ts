import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { keyPair } from "../rig/keys";
import { MOCK_DEBIAN_12 } from "./fixtures/os-release";

// Dockyard's resources wait for the end of the program's turn and are dropped when the program
// threw by then (src/components/program-gate.ts, applied by the component base to every child): a
// bad argument to a later component must not let the resources declared before it reach the
// engine. Every resource class is created by a component, so the gate is tested through one.
const registered: string[] = [];

test.before(async () => {
  await pulumi.runtime.setMocks({
    newResource: (args) => {
      registered.push(`${args.type}::${args.name}`);
      return { id: `${args.name}-id`, state: { ...args.inputs, facts: MOCK_DEBIAN_12 } };
    },
    call: () => ({}),
  });
});

// Loaded after setMocks, as the code under test must be.
const loadHost = () => (require("../../src/host/host") as typeof import("../../src/host/host")).Host;
const settle = () => new Promise((r) => setTimeout(r, 200));
const pair = keyPair();
const hostPair = keyPair();
const hostArgs = (address: string) => ({ address, privateKey: pair.private, hostKey: hostPair.public });
/** What reaches a machine: the plugin's resources, not the components around them. */
const pluginResources = () => registered.filter((r) => r.startsWith("dockyard:index:"));

test.serial(
  "a later component's bad argument in the same turn: the resources of the components declared before it are never registered",
  async (t) => {
    const Host = loadHost();
    registered.length = 0;
    let thrown: unknown;
    // The runtime reports the program's error once; the held registrations reject with it too.
    const swallow = (reason: unknown, promise: Promise<unknown>) => {
      if (reason === thrown) promise.catch(() => undefined);
    };
    process.on("unhandledRejection", swallow);
    try {
      const run = pulumi.runtime.runInPulumiStack(async () => {
        new Host("declared-before", hostArgs("10.0.0.12"));
        try {
          new Host("bad", { ...hostArgs("10.0.0.13"), port: 70000 });
        } catch (e) {
          thrown = e;
          throw e;
        }
        return {};
      });
      const err = await t.throwsAsync(run);
      t.regex(err?.message ?? "", /Host bad: port/);
      await settle();
      t.deepEqual(pluginResources(), []);
    } finally {
      process.off("unhandledRejection", swallow);
    }
  },
);

test.serial("a program that does not throw: its components' resources are registered", async (t) => {
  const Host = loadHost();
  registered.length = 0;
  await pulumi.runtime.runInPulumiStack(async () => {
    new Host("kept", hostArgs("10.0.0.12"));
    return {};
  });
  await settle();
  t.deepEqual(pluginResources(), ["dockyard:index:HostFacts::kept"]);
});
