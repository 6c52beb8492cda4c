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

/**
 * The URL for a message: credentials replaced by `***`. A value that is not an http(s) URL is
 * never printed (it could hold a password that failed to parse).
 */
export function maskUrl(url: string): string {
  const m = USERINFO_URL.exec(url);
  if (!m) return "<a value that is not an http(s) URL>";
  return m[2] === undefined ? url : `${m[1]}***@${m[4]}`;
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
 * Refuses a bundle URL with credentials: the controller's download (remote/bundle-cache) cannot
 * send them without putting them in its messages, so they are refused rather than leaked.
 */
export function checkBundleUrlCredentials(path: string, url: string): void {
  if (hasUrlCredentials(url)) {
    invalid(path, "carries credentials, which a bundle download cannot keep secret yet: serve it without them, or use a FileAsset");
  }
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
