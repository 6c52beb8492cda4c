import type * as pulumi from "@pulumi/pulumi";
import bcrypt from "bcryptjs";
import { randomBytes } from "node:crypto";

/** bcrypt's cost factor for registry users (the registry's own documentation uses 10 and up). */
const BCRYPT_COST = 10;

export interface HtpasswdUser {
  username: string;
  /** A secret: given as one by the component, so it is encrypted in the state's inputs. */
  password: string;
}

export interface HtpasswdInputs {
  users: HtpasswdUser[];
}

export interface HtpasswdOutputs {
  /** The user names, in order (not secret). */
  usernames: string[];
  /** The htpasswd file: one `user:bcrypt` line each. A secret output: the hashes are never in plain state. */
  content: string;
}

/** Each user's hash in an htpasswd file's text, by user name. */
export function parseHtpasswd(content: string | undefined): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const line of (content ?? "").split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) hashes.set(line.slice(0, i), line.slice(i + 1));
  }
  return hashes;
}

/** Whether a hash of the previous file still verifies the user's password. */
function stillValid(previous: string | undefined, password: string): boolean {
  try {
    return previous !== undefined && bcrypt.compareSync(password, previous);
  } catch {
    return false;
  }
}

/**
 * The htpasswd file for these users: a user whose password still verifies against the previous
 * file keeps its hash (no new file on every `up`); any other gets a new hash with a random salt.
 */
export function htpasswdContent(users: HtpasswdUser[], previous?: string): string {
  const old = parseHtpasswd(previous);
  const lines = users.map((u) => {
    const hash = old.get(u.username);
    return `${u.username}:${stillValid(hash, u.password) ? hash : bcrypt.hashSync(u.password, bcrypt.genSaltSync(BCRYPT_COST))}`;
  });
  return lines.join("\n") + "\n";
}

/** Whether the file must change: users added, removed or reordered, or a password that no longer verifies. */
export function htpasswdChanged(olds: HtpasswdOutputs, news: HtpasswdInputs): boolean {
  const old = parseHtpasswd(olds.content);
  if (olds.usernames?.join("\n") !== news.users.map((u) => u.username).join("\n")) return true;
  return news.users.some((u) => !stillValid(old.get(u.username), u.password));
}

/**
 * A registry's htpasswd file, made locally: bcrypt with a random salt per user, kept in the state
 * (a secret output) and made again only for a user whose password no longer verifies against it.
 */
export const htpasswd = {
  async create(inputs: HtpasswdInputs): Promise<pulumi.dynamic.CreateResult<HtpasswdOutputs>> {
    const outs = { usernames: inputs.users.map((u) => u.username), content: htpasswdContent(inputs.users) };
    return { id: `htpasswd-${randomBytes(6).toString("hex")}`, outs };
  },
  async diff(_id: string, olds: HtpasswdOutputs, news: HtpasswdInputs): Promise<pulumi.dynamic.DiffResult> {
    return { changes: htpasswdChanged(olds, news) };
  },
  async read(id: string, props: HtpasswdOutputs): Promise<pulumi.dynamic.ReadResult<HtpasswdOutputs>> {
    return { id, props };
  },
  async update(_id: string, olds: HtpasswdOutputs, news: HtpasswdInputs): Promise<pulumi.dynamic.UpdateResult<HtpasswdOutputs>> {
    return { outs: { usernames: news.users.map((u) => u.username), content: htpasswdContent(news.users, olds.content) } };
  },
  async delete(): Promise<void> {},
};
