import { keyPair } from "../rig/keys";
import test from "ava";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Host } from "pulumi-dockyard";
import { Rig } from "../rig/rig";
import { pulumiEngine, testStack } from "./support/engine";

// One rig host shared by the tests of this file.
let rig: Rig;

test.before(async () => {
  // Fails the file loudly (with the build's own error) when no Pulumi CLI can be had.
  await pulumiEngine();
  rig = await Rig.start({ hosts: 1 });
});

test.after.always(async () => {
  await rig?.stop();
});

/** Every file under a directory, concatenated: the state backend as it is on disk. */
function readTree(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
}

function hostProgram(hostKey: string) {
  return async () => {
    const h = rig.hosts[0];
    const host = new Host("h1", {
      address: h.address,
      privateKey: pulumi.secret(rig.privateKey),
      hostKey,
    });
    return { facts: host.facts };
  };
}

test.serial("up reads the host's facts over SSH; refresh and a second up change nothing; destroy empties the stack", async (t) => {
  const h = rig.hosts[0];
  const { stack, backendDir, cleanup } = await testStack("dockyard-roundtrip", "facts", hostProgram(h.hostKey));
  try {
    const up = await stack.up();
    t.is(up.summary.result, "succeeded");
    const facts = up.outputs.facts.value;
    t.is(facts.kernel, (await rig.exec(h, "uname -r")).trim());
    t.is(facts.arch, (await rig.exec(h, "uname -m")).trim());
    const osRelease = await rig.exec(h, '. /etc/os-release; echo "$ID|$VERSION_ID|$PRETTY_NAME"');
    t.is(`${facts.osId}|${facts.osVersionId}|${facts.osPrettyName}`, osRelease.trim());
    t.is(facts.init, "systemd");
    t.true(facts.systemd);

    // The private key is a secret: not in the state in plain text, not in the CLI's output.
    // (exportStack() decrypts secrets, so the state files themselves are read.)
    const state = readTree(backendDir);
    t.regex(state, /"credentials":\s*\{\s*"4dabf18193072939515e22adb298388d"/, "credentials stored as a secret");
    const keyBody = rig.privateKey.split("\n")[1];
    t.false(state.includes(keyBody), "private key in plain text in the state");
    t.false(up.stdout.includes(keyBody), "private key in the CLI output");

    const refresh = await stack.refresh();
    t.is(refresh.summary.result, "succeeded");
    const refreshChanges = { ...refresh.summary.resourceChanges };
    delete refreshChanges.same;
    t.deepEqual(refreshChanges, {}, `refresh reported changes: ${JSON.stringify(refresh.summary.resourceChanges)}`);

    const again = await stack.up();
    const upChanges = { ...again.summary.resourceChanges };
    delete upChanges.same;
    t.deepEqual(upChanges, {}, `second up reported changes: ${JSON.stringify(again.summary.resourceChanges)}`);

    const destroy = await stack.destroy();
    t.is(destroy.summary.result, "succeeded");
    const after = await stack.exportStack();
    t.deepEqual(after.deployment.resources ?? [], []);
  } finally {
    await cleanup();
  }
});

test.serial("a wrong pinned host key is refused, naming the host, and nothing is created", async (t) => {
  const h = rig.hosts[0];
  const impostor = keyPair().public;
  const { stack, cleanup } = await testStack("dockyard-roundtrip", "wrongkey", hostProgram(impostor));
  try {
    const err = await t.throwsAsync(stack.up());
    t.regex(err!.message, new RegExp(`root@${h.address.replace(/\./g, "\\.")}:22: host key mismatch`));
    t.regex(err!.message, /not the pinned key/);
    const state = await stack.exportStack();
    const types = (state.deployment.resources ?? []).map((r: { type: string }) => r.type);
    t.false(
      types.some((ty: string) => ty === "dockyard:index:HostFacts"),
      `created: ${types.join(", ")}`,
    );
  } finally {
    await cleanup();
  }
});
