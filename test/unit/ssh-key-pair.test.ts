import test from "ava";
import { utils } from "ssh2";
import { generateSshKeyPair } from "../../src/providers/ssh-key-pair";
import { keyPair } from "../rig/keys";

// ssh2's own generator makes a pair its parser refuses about once in 256; 2000 pairs would hold
// several such pairs if they were not made again.
const PAIRS = 2000;

test("every ed25519 key pair Dockyard makes is one ssh2 reads back, private and public half", (t) => {
  for (let i = 0; i < PAIRS; i++) {
    const pair = generateSshKeyPair({ algorithm: "ed25519", comment: "dockyard-test" });
    const priv = utils.parseKey(pair.privateKey);
    const pub = utils.parseKey(pair.publicKey);
    if (priv instanceof Error || pub instanceof Error)
      return t.fail(`pair ${i}: ${(priv instanceof Error ? priv : (pub as Error)).message}`);
    t.true(pair.publicKey.startsWith("ssh-ed25519 ") && pair.publicKey.endsWith(" dockyard-test"));
  }
});

test("the rig's key pairs are readable too, with and without a passphrase", (t) => {
  for (let i = 0; i < PAIRS / 4; i++) {
    const pair = keyPair();
    t.false(utils.parseKey(pair.private) instanceof Error);
    t.false(utils.parseKey(pair.public) instanceof Error);
  }
  const locked = keyPair({ passphrase: "p4ss", cipher: "aes256-ctr", rounds: 4 });
  t.false(utils.parseKey(locked.private, "p4ss") instanceof Error);
});
