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
 * Makes an ed25519 key pair: the public half in OpenSSH form, the private half in OpenSSH's own
 * format. ssh2's generator drops leading zero bytes of the public key, so about one pair in 256
 * is one its own parser (and so every later connection) refuses as malformed: such a pair is
 * thrown away and made again.
 */
export function generateSshKeyPair(inputs: SshKeyPairInputs): SshKeyPairOutputs {
  for (let attempt = 0; attempt < 32; attempt++) {
    const pair = utils.generateKeyPairSync("ed25519", { comment: inputs.comment });
    if (utils.parseKey(pair.private) instanceof Error || utils.parseKey(pair.public) instanceof Error) continue;
    return { ...inputs, publicKey: pair.public.trim(), privateKey: pair.private };
  }
  throw new Error("ssh2 made no ed25519 key pair it can read in 32 attempts");
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
