import { utils } from "ssh2";

/**
 * An ed25519 key pair that ssh2 reads back. Its generator makes an unreadable pair about one
 * time in 256 (leading zero bytes of the public key dropped), which made a rig's first
 * connection fail with "Malformed OpenSSH private key" now and then; such a pair is made again.
 */
export function keyPair(opts: Parameters<typeof utils.generateKeyPairSync>[1] = {}): { private: string; public: string } {
  const passphrase = (opts as { passphrase?: string }).passphrase;
  for (let attempt = 0; attempt < 32; attempt++) {
    const pair = utils.generateKeyPairSync("ed25519", opts);
    if (!(utils.parseKey(pair.private, passphrase) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
  throw new Error("ssh2 made no readable ed25519 key pair in 32 attempts");
}
