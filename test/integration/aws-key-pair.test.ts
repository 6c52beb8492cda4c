import test from "ava";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { SshKeyPairResource } from "../../src/providers/ssh-key-pair-resource";
import { changesOf } from "./support/programs";
import { pulumiEngine, testStack } from "./support/engine";

// The generated keys an AwsHost relies on (its host key, its login key), run by the real CLI on a
// local backend: no AWS account and no rig host are needed for this part.

test.before(async () => {
  await pulumiEngine();
});

function readTree(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
}

test.serial("a generated key pair is made once, kept across up and refresh, the private half a secret in the state", async (t) => {
  const { stack, backendDir, cleanup } = await testStack("dockyard-aws-keys", "keys", async () => {
    const key = new SshKeyPairResource("web-host-key", { comment: "dockyard-host-web" });
    return { publicKey: key.publicKey, privateKey: key.privateKey };
  });
  try {
    const up = await stack.up();
    t.is(up.summary.result, "succeeded");
    const publicKey = up.outputs.publicKey.value as string;
    t.regex(publicKey, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\S+ dockyard-host-web$/);
    t.false(up.outputs.publicKey.secret);
    t.true(up.outputs.privateKey.secret, "the private half is a secret output");
    const privateKey = up.outputs.privateKey.value as string;
    const body = privateKey.split("\n")[1];
    const state = readTree(backendDir);
    t.false(state.includes(body), "private key in plain text in the state");
    t.regex(state, /"privateKey":\s*\{\s*"4dabf18193072939515e22adb298388d"/, "stored as a secret");
    t.false(up.stdout.includes(body));

    const refresh = await stack.refresh();
    t.deepEqual(changesOf(refresh.summary), {});
    const again = await stack.up();
    t.deepEqual(changesOf(again.summary), {});
    t.is(again.outputs.publicKey.value, publicKey, "the same key on every up");
    t.is(again.outputs.privateKey.value, privateKey);

    const destroy = await stack.destroy();
    t.is(destroy.summary.result, "succeeded");
  } finally {
    await cleanup();
  }
});
