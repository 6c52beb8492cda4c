// Credentials in a mirror or bundle URL (`https://user:pass@mirror/...`). They never reach a
// host's command line or a world-readable file: scripts get the URL without them, and the
// credentials go over the session's stdin into root-only files (apt auth.conf.d, a 0600 .repo
// file) or into curl's config on stdin. Messages show the URL masked.
import { invalid } from "./input-error";

/** A URL split into the part a script may carry and the credentials that go over stdin. */
export interface UrlCredentials {
  /** The URL without userinfo. */
  url: string;
  /** The user name, percent-decoded (undefined: no credentials). */
  username?: string;
  /** The password, percent-decoded ("" when only a user name is given). */
  password?: string;
}

const USERINFO_URL = /^(https?:\/\/)(?:([^:@/]*)(?::([^@/]*))?@)?([^@]*)$/;

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Splits the credentials off a URL (one checked with checkHttpUrl). */
export function splitUrlCredentials(url: string): UrlCredentials {
  const m = USERINFO_URL.exec(url);
  if (!m || m[2] === undefined) return { url };
  return { url: `${m[1]}${m[4]}`, username: decode(m[2]), password: decode(m[3] ?? "") };
}

/** Whether the URL carries a user name or password. */
export function hasUrlCredentials(url: string): boolean {
  return splitUrlCredentials(url).username !== undefined;
}

/** What a masked URL shows in place of its credentials (as `docker info` shows them). */
export const MASKED_USERINFO = "xxxxx:xxxxx";

/** What is shown of a URL-like value that does not parse: never any part of it after the scheme. */
export const UNPARSABLE_URL = "<not a valid URL, not shown>";

const SCHEME_PREFIX = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const URL_SHAPE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/;

/**
 * A URL with its credentials replaced by `xxxxx:xxxxx`, as `docker info` shows it, for messages
 * and for checking `docker info`. A value that is not URL-like at all (no `://`, no `@`) cannot
 * carry URL credentials and comes back as it is. A URL-like value that does not parse cleanly
 * (whitespace or control characters, a parse error, an authority that is not where the parser put
 * it) is never shown: only its scheme, when it has one, and a fixed placeholder.
 */
export function maskCredentials(value: string): string {
  if (typeof value === "string" && !value.includes("@") && !value.includes("://")) return value;
  return maskUrl(value);
}

/**
 * maskCredentials for a value that must be a URL (a proxy, a mirror): anything that does not
 * parse cleanly as one is never shown, URL-like or not; only its scheme, when it has one.
 */
export function maskUrl(url: string): string {
  if (typeof url !== "string") return UNPARSABLE_URL;
  const scheme = SCHEME_PREFIX.exec(url)?.[1];
  const hidden = scheme ? `${scheme}://${UNPARSABLE_URL}` : UNPARSABLE_URL;
  // new URL() drops tabs and newlines and reads a backslash as a slash: only printable ASCII without a backslash is read here.
  if (!/^[\x21-\x5b\x5d-\x7e]+$/.test(url)) return hidden;
  const m = URL_SHAPE.exec(url);
  if (!m) return hidden;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return hidden;
  }
  const [, , authority, rest] = m;
  const at = authority.lastIndexOf("@");
  if (at < 0) return u.username || u.password ? hidden : url;
  return `${m[1]}://${MASKED_USERINFO}@${authority.slice(at + 1)}${rest}`;
}

/**
 * Free text (an error message, a command's output) with the userinfo of every URL-like word
 * masked: a word (between whitespace, quotes, brackets and commas) with an `@` whose part before
 * the last `@` has a scheme (`http://`, `http:/`, `http:\\`), starts with `//` or holds a `:`
 * loses that part. `root@host` and `name@example.com` stay. Errs on the side of masking too much.
 */
export function maskCredentialsIn(text: string): string {
  return text.replace(/[^\s"'<>()[\],]+/g, (word) => {
    const at = word.lastIndexOf("@");
    if (at < 0) return word;
    const [, scheme = "", userinfo] = /^([A-Za-z][A-Za-z0-9+.-]*:[/\\]*)?(.*)$/s.exec(word.slice(0, at))!;
    if (!scheme && !userinfo.startsWith("//") && !userinfo.includes(":")) return word;
    return `${scheme}${MASKED_USERINFO}${word.slice(at)}`;
  });
}

/** Host, port and path of a URL without scheme and credentials: what apt's auth.conf matches on. */
export function urlMachine(url: string): string {
  return splitUrlCredentials(url).url.replace(/^https?:\/\//, "");
}

/** A string for curl's config file syntax (`-K`): double-quoted, with its escapes. */
export function curlConfigString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t")}"`;
}

/**
 * Refuses credentials that would not stay one token once percent-decoded (whitespace, control
 * characters): apt's auth.conf and a .repo file are line- and word-based. Never quotes them.
 */
export function checkUrlCredentials(path: string, url: string): void {
  const c = splitUrlCredentials(url);
  if (c.username === undefined) return;
  if (/[\s\p{Cc}]/u.test(`${c.username}${c.password ?? ""}`)) {
    invalid(path, "has credentials that decode to whitespace or control characters; they cannot be written to apt's or yum's files");
  }
}
