// OpenPGP public keys as a repository serves them (ASCII armor), read far enough to tell their
// fingerprints (RFC 4880 §12.2, RFC 9580 §5.5.4): the signing key of a package repository is
// compared with a pinned fingerprint before any host trusts it. Pure: the host sends the key back
// over the session and the controller decides.
import { createHash } from "node:crypto";

/** The fingerprints of an armored key file: its primary keys and its subkeys, upper-case hex. */
export interface KeyFingerprints {
  primary: string[];
  subkeys: string[];
}

/** Upper-case hex without spaces: how fingerprints are compared. */
export function normalizeFingerprint(fp: string): string {
  return fp.replace(/\s+/g, "").toUpperCase();
}

/** Groups of four hex digits, as gpg prints a fingerprint. */
export function formatFingerprint(fp: string): string {
  return (
    normalizeFingerprint(fp)
      .match(/.{1,4}/g)
      ?.join(" ") ?? ""
  );
}

/** The binary packets of an ASCII-armored public key block; throws when there is none. */
export function dearmor(armored: string): Buffer {
  const lines = armored.replace(/\r/g, "").split("\n");
  const begin = lines.findIndex((l) => l.trim() === "-----BEGIN PGP PUBLIC KEY BLOCK-----");
  const end = lines.findIndex((l, i) => i > begin && l.trim() === "-----END PGP PUBLIC KEY BLOCK-----");
  if (begin < 0 || end < 0) throw new Error("not an ASCII-armored OpenPGP public key block");
  let i = begin + 1;
  // Armor headers (Version:, Comment:) end at the first blank line.
  if (lines.slice(i, end).some((l) => l.trim() === "")) {
    while (i < end && lines[i].trim() !== "") i++;
    i++;
  }
  const body = lines
    .slice(i, end)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("="));
  const b64 = body.join("");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new Error("the armored key is not valid base64");
  const bytes = Buffer.from(b64, "base64");
  if (!bytes.length) throw new Error("the armored key is empty");
  return bytes;
}

/** Fingerprint of a public key packet body (tag 6 or 14), by its version. */
function fingerprintOf(body: Buffer): string {
  const version = body[0];
  const len = Buffer.alloc(4);
  if (version === 4) {
    len.writeUInt16BE(body.length);
    return createHash("sha1")
      .update(Buffer.from([0x99]))
      .update(len.subarray(0, 2))
      .update(body)
      .digest("hex")
      .toUpperCase();
  }
  if (version === 5 || version === 6) {
    len.writeUInt32BE(body.length);
    return createHash("sha256")
      .update(Buffer.from([version === 5 ? 0x9a : 0x9b]))
      .update(len)
      .update(body)
      .digest("hex")
      .toUpperCase();
  }
  throw new Error(`a public key packet of version ${version} (only 4, 5 and 6 are known)`);
}

/** The fingerprints of every primary key and subkey in an ASCII-armored key file. */
export function keyFingerprints(armored: string): KeyFingerprints {
  const data = dearmor(armored);
  const out: KeyFingerprints = { primary: [], subkeys: [] };
  let p = 0;
  while (p < data.length) {
    const h = data[p++];
    if (!(h & 0x80)) throw new Error(`not an OpenPGP packet at byte ${p - 1}`);
    let tag: number;
    let len: number;
    if (h & 0x40) {
      tag = h & 0x3f;
      const o1 = data[p++];
      if (o1 < 192) len = o1;
      else if (o1 < 224) len = ((o1 - 192) << 8) + data[p++] + 192;
      else if (o1 === 255) {
        len = data.readUInt32BE(p);
        p += 4;
      } else throw new Error("a partial-length packet (not used in key files)");
    } else {
      tag = (h >> 2) & 0x0f;
      const type = h & 3;
      if (type === 3) throw new Error("an indeterminate-length packet (not used in key files)");
      const size = [1, 2, 4][type];
      len = size === 1 ? data[p] : size === 2 ? data.readUInt16BE(p) : data.readUInt32BE(p);
      p += size;
    }
    if (p + len > data.length) throw new Error("a packet runs past the end of the key");
    const body = data.subarray(p, p + len);
    p += len;
    if (tag === 6) out.primary.push(fingerprintOf(body));
    else if (tag === 14) out.subkeys.push(fingerprintOf(body));
    else if (tag === 5 || tag === 7) throw new Error("a secret key packet (a public key was expected)");
  }
  return out;
}

/**
 * Why an armored key file is not the pinned key, or undefined when it is: every primary key in
 * it has the pinned fingerprint (a second key appended to the file would be trusted too).
 */
export function signingKeyProblem(armored: string, pinned: string): string | undefined {
  let fps: KeyFingerprints;
  try {
    fps = keyFingerprints(armored);
  } catch (e) {
    return `it is not a readable OpenPGP public key (${(e as Error).message})`;
  }
  const want = normalizeFingerprint(pinned);
  if (!fps.primary.length) return "it holds no OpenPGP public key";
  const others = fps.primary.filter((f) => f !== want);
  if (!others.length) return undefined;
  return `its fingerprint is ${fps.primary.map(formatFingerprint).join(", ")}, but ${formatFingerprint(want)} is pinned`;
}
