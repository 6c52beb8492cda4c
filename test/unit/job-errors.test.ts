import test from "ava";
import { utils } from "ssh2";
import { errorLinesOf, failureMessage, redact } from "../../scripts/job-errors";

// The main job's failure messages (issue #16, item 3): a failed `pulumi config set-all` once
// printed its whole command line, private SSH key included. The Automation API's CommandError
// message holds that line; the job prints the CLI's own words instead, redacted.
const key = utils.generateKeyPairSync("ed25519").private;

/** What the Automation API throws when `pulumi config set-all` fails (its message repeats the command line). */
function setAllFailure(): Error & { commandResult: { stdout: string; stderr: string } } {
  const cmd = `pulumi config set-all --path --plaintext dockyard:sandbox1Address=172.18.0.3 --secret dockyard:sshPrivateKey=${key} --stack local`;
  const stderr = "error: could not set config: passphrase must be set with PULUMI_CONFIG_PASSPHRASE";
  return Object.assign(new Error(`code: 255\n stdout: \n stderr: ${stderr}\n err?: Error: Command failed with exit code 255: ${cmd}\n${stderr}\n`), {
    name: "CommandError",
    commandResult: { stdout: "", stderr: `${stderr}\n` },
  });
}

test("a failed config set-all: the CLI's words and the keys, never the command line or the key", (t) => {
  const e = setAllFailure();
  t.true(e.message.includes(key.split("\n")[1]), "the raw error does hold the key (what used to be printed)");
  const m = failureMessage(e, [key], "setting the stack's config (dockyard:sshPrivateKey, dockyard:sandbox1Address)");
  t.is(m, "setting the stack's config (dockyard:sshPrivateKey, dockyard:sandbox1Address) failed:\n  error: could not set config: passphrase must be set with PULUMI_CONFIG_PASSPHRASE");
  for (const line of key.split("\n").filter((l) => l.length > 10)) t.false(m.includes(line));
  t.false(m.includes("set-all --path"), "no command line");
});

test("a failed up: its error lines once each, without the generic 'update failed'", (t) => {
  const e = { commandResult: { stdout: "Updating...\n    error: root@10.0.0.1:22: host key mismatch\n  error: root@10.0.0.1:22: host key mismatch\n  error: update failed\n", stderr: "" } };
  t.is(errorLinesOf(e, []), "  error: root@10.0.0.1:22: host key mismatch");
  t.is(failureMessage(e, [], "pulumi up of stack local"), "pulumi up of stack local failed:\n  error: root@10.0.0.1:22: host key mismatch");
});

test("redact: a secret, and each long line of a multi-line one, printed alone", (t) => {
  const lines = key.split("\n");
  t.is(redact(`x ${key} y`, [key]), "x [secret] y");
  t.is(redact(`begin ${lines[1]} end`, [key]), "begin [secret] end");
  t.is(redact("nothing here", [key, ""]), "nothing here");
  t.is(failureMessage(new Error(`boom ${key}`), [key], "a step"), "a step failed: boom [secret]");
});
