import { createHash } from "node:crypto";

/** A pinned host key: the key itself (OpenSSH public key line) or only its SHA256 fingerprint. */
export interface PinnedHostKey {
  /** Key algorithm, e.g. `ssh-ed25519`, when the full key was given. */
  algorithm?: string;
  /** `SHA256:<base64, no padding>`, as `ssh-keygen -l` prints it. */
  fingerprint: string;
}

const KEY_LINE =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)\s+([A-Za-z0-9+/]+={0,3})(?:\s.*)?$/;
const FINGERPRINT = /^SHA256:([A-Za-z0-9+/]{43})=?$/;

/** `SHA256:...` fingerprint of a raw host key blob, as OpenSSH prints it. */
export function fingerprintOf(blob: Buffer): string {
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

/**
 * Parses a pinned host key. Accepts an OpenSSH public key line (`ssh-ed25519 AAAA... comment`, a
 * known_hosts entry without its host field, or `ssh-keyscan` output with the host field) or a
 * `SHA256:` fingerprint. Throws with the reason when it is neither.
 */
export function parsePinnedHostKey(text: string): PinnedHostKey {
  const value = text.trim();
  const fp = FINGERPRINT.exec(value);
  if (fp) return { fingerprint: `SHA256:${fp[1]}` };
  // ssh-keyscan and known_hosts put the host name(s) first.
  const fields = value.split(/\s+/);
  const line = KEY_LINE.test(value) ? value : fields.slice(1).join(" ");
  const m = KEY_LINE.exec(line);
  if (!m) {
    throw new Error("hostKey must be an OpenSSH public key line (e.g. 'ssh-ed25519 AAAA...') or a 'SHA256:...' fingerprint");
  }
  const blob = Buffer.from(m[2], "base64");
  // The blob starts with its own algorithm name; a mismatch means a pasted or truncated key.
  const nameLength = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (nameLength < 0 || blob.subarray(4, 4 + nameLength).toString() !== m[1]) {
    throw new Error(`hostKey: the base64 data is not a ${m[1]} key`);
  }
  return { algorithm: m[1], fingerprint: fingerprintOf(blob) };
}

/** Every server host key algorithm offered for a fingerprint pin, most preferred first. */
export const ALL_HOST_KEY_ALGORITHMS: readonly string[] = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];

/**
 * The algorithms that present a key of this type: an `ssh-rsa` key is signed with rsa-sha2-512
 * or rsa-sha2-256 by current servers (OpenSSH 8.8+ and RHEL 9 refuse plain ssh-rsa), with ssh-rsa
 * by old ones; any other key type has one algorithm of its own name.
 */
export function algorithmsForKeyType(type: string): string[] {
  return type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type];
}

/** The key type a raw host key blob names (its first field), e.g. `ssh-ed25519`. */
export function keyTypeOf(blob: Buffer): string {
  const n = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  return blob.subarray(4, 4 + n).toString();
}

/**
 * The server host key algorithms to offer first for a pin: those that present the pinned key's
 * type, so a server with several keys presents the pinned one. A `SHA256:` fingerprint says
 * nothing of the type: every algorithm is offered, and when the server presents a key of another
 * type the connection is made again without that type (`SshSession`), until the fingerprint
 * matches or every type was seen.
 */
export function hostKeyAlgorithmsFor(pinned: PinnedHostKey): string[] {
  return pinned.algorithm ? algorithmsForKeyType(pinned.algorithm) : [...ALL_HOST_KEY_ALGORITHMS];
}
