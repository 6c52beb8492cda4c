// The CLI wrapper the main job and the door tests use: config values reach `pulumi` on stdin,
// never in its arguments, so neither a process list nor a failure message can show a secret.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test from "ava";
import { PulumiCli } from "../../scripts/pulumi-cli";

const SECRET = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n";

/** A stand-in `pulumi` that records its arguments and stdin, and fails `config set` of `bad`. */
function fakeBin(): { bin: string; log: string; cleanup(): void } {
  const bin = mkdtempSync(path.join(os.tmpdir(), "dockyard-fake-pulumi-"));
  const log = path.join(bin, "calls.log");
  writeFileSync(
    path.join(bin, "pulumi"),
    `#!/bin/sh\nprintf 'ARGS %s\\n' "$*" >> ${log}\nprintf 'STDIN ' >> ${log}\ncat >> ${log}\nprintf '\\n' >> ${log}\ncase "$*" in *" bad "*) echo "error: could not set bad" >&2; exit 3;; esac\nexit 0\n`,
  );
  chmodSync(path.join(bin, "pulumi"), 0o755);
  return { bin, log, cleanup: () => rmSync(bin, { recursive: true, force: true }) };
}

test("config values go in on stdin, secrets with --secret, never in the arguments", async (t) => {
  const fake = fakeBin();
  try {
    const cli = new PulumiCli({ cwd: fake.bin, stack: "dev", backendUrl: "file:///nowhere", passphrase: "p", bin: fake.bin });
    await cli.setConfig({ sshPrivateKey: { value: SECRET, secret: true }, address: { value: "10.0.0.5" } });
    const calls = readFileSync(fake.log, "utf8");
    const args = calls.split("\n").filter((l) => l.startsWith("ARGS "));
    t.deepEqual(args, [
      "ARGS config set --secret --raw sshPrivateKey --stack dev --non-interactive",
      "ARGS config set --plaintext --raw address --stack dev --non-interactive",
    ]);
    t.true(calls.includes(`STDIN ${SECRET}`), "the key reached the CLI whole, trailing newline included");
  } finally {
    fake.cleanup();
  }
});

test("a failing command names itself and the stack, and not the value it was given", async (t) => {
  const fake = fakeBin();
  try {
    const cli = new PulumiCli({ cwd: fake.bin, stack: "dev", backendUrl: "file:///nowhere", passphrase: "p", bin: fake.bin });
    const err = await t.throwsAsync(cli.setConfig({ bad: { value: SECRET, secret: true } }));
    t.regex(err!.message, /^pulumi config set --secret --raw bad \(stack dev\) exited with 3:\nerror: could not set bad$/);
    t.false(err!.message.includes("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"));
  } finally {
    fake.cleanup();
  }
});
