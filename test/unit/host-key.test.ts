import { keyPair } from "../rig/keys";
import test from "ava";
import { createHash } from "node:crypto";
import { fingerprintOf, parsePinnedHostKey } from "../../src/remote/host-key";

const pair = keyPair();
const blob = Buffer.from(pair.public.split(" ")[1], "base64");
const expected = "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");

test("fingerprint matches OpenSSH's SHA256 form", (t) => {
  t.is(fingerprintOf(blob), expected);
  t.regex(expected, /^SHA256:[A-Za-z0-9+/]{43}$/);
});

test("a public key line pins algorithm and fingerprint", (t) => {
  t.deepEqual(parsePinnedHostKey(`${pair.public} root@h1\n`), { algorithm: "ssh-ed25519", fingerprint: expected });
});

test("ssh-keyscan output (host field first) is accepted", (t) => {
  t.deepEqual(parsePinnedHostKey(`10.0.0.5 ${pair.public}`), { algorithm: "ssh-ed25519", fingerprint: expected });
});

test("a bare fingerprint pins the fingerprint only", (t) => {
  t.deepEqual(parsePinnedHostKey(expected), { fingerprint: expected });
  t.deepEqual(parsePinnedHostKey(expected + "="), { fingerprint: expected });
});

test("garbage and mislabelled keys are refused with the reason", (t) => {
  t.throws(() => parsePinnedHostKey("not a key"), { message: /OpenSSH public key line/ });
  t.throws(() => parsePinnedHostKey(""), { message: /OpenSSH public key line/ });
  const rsaLabelled = `ssh-rsa ${pair.public.split(" ")[1]}`;
  t.throws(() => parsePinnedHostKey(rsaLabelled), { message: /not a ssh-rsa key/ });
  t.throws(() => parsePinnedHostKey("SHA256:short"), { message: /OpenSSH public key line/ });
});
