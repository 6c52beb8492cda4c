import type * as pulumi from "@pulumi/pulumi";
import { randomBytes } from "node:crypto";
import { utils } from "ssh2";

export interface SshKeyPairInputs {
  /** Key type. Only ed25519 is made. */
  algorithm: "ed25519";
  /** Comment at the end of the public key line. */
  comment: string;
}

export interface SshKeyPairOutputs extends SshKeyPairInputs {
  /** `ssh-ed25519 AAAA... comment` */
  publicKey: string;
  /** OpenSSH private key, no passphrase (secret). */
  privateKey: string;
}

/**
 * An ed25519 key pair from ssh2's generator that ssh2 reads back. The generator drops leading
 * zero bytes of the public key, so about one pair in 256 is one its own parser (and so every
 * later connection) refuses as malformed: such a pair is thrown away and made again.
 */
export function readableKeyPair(opts: Parameters<typeof utils.generateKeyPairSync>[1] = {}): { private: string; public: string } {
  const passphrase = (opts as { passphrase?: string }).passphrase;
  for (let attempt = 0; attempt < 32; attempt++) {
    const pair = utils.generateKeyPairSync("ed25519", opts);
    if (!(utils.parseKey(pair.private, passphrase) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
  throw new Error("ssh2 made no readable ed25519 key pair in 32 attempts");
}

/** Makes an ed25519 key pair: the public half in OpenSSH form, the private half in OpenSSH's own format. */
export function generateSshKeyPair(inputs: SshKeyPairInputs): SshKeyPairOutputs {
  const pair = readableKeyPair({ comment: inputs.comment });
  return { ...inputs, publicKey: pair.public.trim(), privateKey: pair.private };
}

/**
 * An SSH key pair made once and kept in the state (the private half as a secret), so it is the
 * same on every `up`: an instance's host key is pinned from its first boot, and a login key stays
 * in the instance's authorized_keys. Made again only when the algorithm changes. Local only.
 */
export const sshKeyPair = {
  async create(inputs: SshKeyPairInputs): Promise<pulumi.dynamic.CreateResult<SshKeyPairOutputs>> {
    return { id: `sshkey-${randomBytes(6).toString("hex")}`, outs: generateSshKeyPair(inputs) };
  },
  async diff(_id: string, olds: SshKeyPairOutputs, news: SshKeyPairInputs): Promise<pulumi.dynamic.DiffResult> {
    // A changed comment alone is not worth a new key (and a rebuilt instance).
    return olds.algorithm !== news.algorithm ? { changes: true, replaces: ["algorithm"], deleteBeforeReplace: false } : { changes: false };
  },
  async read(id: string, props: SshKeyPairOutputs): Promise<pulumi.dynamic.ReadResult<SshKeyPairOutputs>> {
    return { id, props };
  },
  async update(_id: string, olds: SshKeyPairOutputs): Promise<pulumi.dynamic.UpdateResult<SshKeyPairOutputs>> {
    return { outs: olds };
  },
  async delete(): Promise<void> {},
};
