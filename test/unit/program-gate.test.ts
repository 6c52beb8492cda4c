import test from "ava";
import * as pulumi from "@pulumi/pulumi";

// Dockyard's resources wait for the end of the program's turn and are dropped when the program
// threw by then (src/providers/program-gate.ts): a bad argument to a later component must not let
// the resources declared before it reach the engine.
const registered: string[] = [];
const programError = new Error("DaemonConfig d: policy must be merge or replace");

// The dropped registrations reject with the program's own error, which the runtime reports once.
process.on("unhandledRejection", (reason: unknown, promise: Promise<unknown>) => {
  if (reason === programError) promise.catch(() => undefined);
});

test.before(async () => {
  await pulumi.runtime.setMocks({
    newResource: (args) => {
      registered.push(`${args.type}::${args.name}`);
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: () => ({}),
  });
});

// Loaded after setMocks, as the code under test must be.
const loadResource = () =>
  require("../../src/providers/ssh-key-pair-resource") as typeof import("../../src/providers/ssh-key-pair-resource");
const settle = () => new Promise((r) => setTimeout(r, 200));

test.serial("a program that throws in the same turn: the resources declared before the throw are never registered", async (t) => {
  const { SshKeyPairResource } = loadResource();
  registered.length = 0;
  const run = pulumi.runtime.runInPulumiStack(async () => {
    new SshKeyPairResource("declared-before", { comment: "x" });
    throw programError;
  });
  t.is(await t.throwsAsync(run), programError);
  await settle();
  t.deepEqual(
    registered.filter((r) => r.includes("declared-before")),
    [],
  );
});

test.serial("a program that does not throw: its resources are registered", async (t) => {
  const { SshKeyPairResource } = loadResource();
  registered.length = 0;
  await pulumi.runtime.runInPulumiStack(async () => {
    new SshKeyPairResource("kept", { comment: "x" });
    return {};
  });
  await settle();
  t.deepEqual(
    registered.filter((r) => r.includes("kept")),
    ["dockyard:index:SshKeyPair::kept"],
  );
});
