// What may reach a host's shell or files. Dockyard is root on every host, so each value that ends
// up in a script or a file there is checked here, by one strict pattern per kind, wherever it
// enters: the component's argument check, the fleet file's schema and the provider's own `check`
// share these records, so a provider refuses what the component would have refused. Values are
// written into scripts only through `shq` (model/shell.ts).
import { invalid } from "./input-error";

/** A kind of value that reaches a host, with the pattern it must match and what the pattern says. */
export interface HostValueKind {
  /** Matches the whole value; anchored, no flags that widen it (`s`, `m`). */
  pattern: RegExp;
  /** Completes "must be ..." in the error. */
  says: string;
}

// URL pieces, RFC 3986 without the characters a shell or a file format gives meaning to: userinfo
// and path take unreserved characters and percent-escapes only (anything else is percent-encoded).
const HOST = String.raw`(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])`;
const USERINFO = String.raw`(?:[A-Za-z0-9._~%!+-]+(?::[A-Za-z0-9._~%!+-]*)?@)?`;
const PORT = String.raw`(?::[0-9]{1,5})?`;
const PATH = String.raw`(?:/[A-Za-z0-9._~%+@:,=-]*)*`;

/** Every kind of value that reaches a host, by name. */
export const HOST_VALUES = {
  /** An http(s) base URL: scheme, optional credentials, host, port and path; no query, no fragment. */
  url: {
    pattern: new RegExp(`^https?://${USERINFO}${HOST}${PORT}${PATH}$`),
    says: "an http(s) URL of letters, digits and -._~%+@:,= (percent-encode anything else), without query or fragment",
  },
  /** An absolute path on a host. */
  // `:` for the certificate directory of a registry (`/etc/docker/certs.d/host:5000`).
  absolutePath: { pattern: /^(\/[A-Za-z0-9._+@:-]+)+\/?$|^\/$/, says: "an absolute path of letters, digits and -._+@:" },
  /** A package version as a package manager lists it (`5:24.0.7-1~debian.12~bookworm`, `3:24.0.7-1.el9`). */
  packageVersion: { pattern: /^[A-Za-z0-9.+~:_-]{1,128}$/, says: "a package version of letters, digits and .+~:_-" },
  /** A release or series the user pins (`24.0.7`, `24.0`). */
  releasePin: { pattern: /^[0-9]+(\.[0-9]+){0,2}$/, says: 'a release like "24.0.7" or a series like "24.0"' },
  /** A name of a container, network, volume, project, user or unit. */
  name: { pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, says: "a name of letters, digits and _.- starting with a letter or digit" },
  /** A hex digest (sha256 of a bundle). */
  sha256: { pattern: /^[0-9a-fA-F]{64}$/, says: "64 hex digits" },
  /** An OpenPGP key fingerprint (v4: 40 hex digits, v5/v6: 64), one or two spaces allowed between groups (as gpg prints it). */
  pgpFingerprint: {
    pattern: /^(?:[0-9A-Fa-f]{4} {0,2}){10}$|^(?:[0-9A-Fa-f]{4} {0,2}){16}$/,
    says: 'an OpenPGP fingerprint of 40 (or 64) hex digits, like "9DC8 5822 9FC7 DD38 854A E2D8 8D81 803C 0EBF CD88"',
  },
  /** An entry of a proxy's no-proxy list (NO_PROXY): a host, a domain with a leading dot, an address or a CIDR. */
  noProxyEntry: {
    pattern: /^[A-Za-z0-9.*:_[\]/-]{1,255}$/,
    says: "a host name, domain (.example.com), address or CIDR",
  },
  /** A package name as apt and rpm spell them (`docker.io`, `podman-docker`, `containerd.io`). */
  packageName: {
    pattern: /^[A-Za-z0-9][A-Za-z0-9+._-]{0,127}$/,
    says: "a package name of letters, digits and +._- starting with a letter or digit",
  },
  /** A unix login name (docker group members, SSH users): the portable set, no `$` (it has shell meaning). */
  userName: {
    pattern: /^[a-z_][a-z0-9_-]{0,31}$/,
    says: "a user name (lower-case letters, digits, _ and -, starting with a letter or _, at most 32)",
  },
  /** A file mode in octal (`0600`, `644`). */
  fileMode: { pattern: /^0?[0-7]{3}$/, says: 'an octal file mode like "0600"' },
  /** A machine's address: a host name (DNS, or an SSH alias with `_`), an IPv4 or an IPv6 address (bare or in brackets). */
  address: {
    pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$|^\[?[0-9A-Fa-f:.]+(?:%[A-Za-z0-9]+)?\]?$/,
    says: "a host name, an IPv4 or an IPv6 address",
  },
  /** The login of an SSH connection (what the Host component accepts; never put into a script). */
  loginName: { pattern: /^[A-Za-z_][A-Za-z0-9_.-]{0,63}\$?$/, says: "a user name of letters, digits and _.- (and a final $)" },
  /** An IP address (a port's host address, a network's gateway). */
  ipAddress: { pattern: /^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/, says: "an IPv4 or IPv6 address" },
  /** An address range in CIDR notation (`10.0.0.0/16`). */
  cidr: { pattern: /^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)\/[0-9]{1,3}$/, says: "a CIDR like 10.0.0.0/16" },
  /** An image reference (`nginx:1.25`, `10.0.0.5:5000/app/web:2`, `repo@sha256:...`): Docker's characters only. */
  imageRef: {
    pattern: /^[A-Za-z0-9](?:[A-Za-z0-9._/:@-]{0,510}[A-Za-z0-9])?$/,
    says: "an image reference like nginx:1.25 (letters, digits and ._/:@-)",
  },
  /** A network or volume driver (`bridge`, `local`, `vieux/sshfs:latest`). */
  driver: { pattern: /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/, says: "a driver name like bridge (letters, digits and _.:/-)" },
  /** An environment variable's name (`.` and `-` too: Docker passes them, some programs read them; never `=`). */
  envName: {
    pattern: /^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/,
    says: "an environment variable name (letters, digits and _.-, not starting with a digit)",
  },
  /** A compose project name, as compose itself accepts it (lower case; it prefixes container and volume names). */
  composeProject: {
    pattern: /^[a-z0-9][a-z0-9_-]{0,62}$/,
    says: "a compose project name of lower-case letters, digits, _ and - starting with a letter or digit",
  },
  /** A compose service name, as compose accepts it. */
  composeService: {
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
    says: "a service name of letters, digits and ._- starting with a letter or digit",
  },
  /** A label's key (containers, networks, volumes, services, swarm nodes). */
  labelKey: { pattern: /^[A-Za-z0-9](?:[A-Za-z0-9_./-]{0,253}[A-Za-z0-9])?$/, says: "a label name of letters, digits and _./-" },
  /** A container's user: a name or uid, optionally `:group` or `:gid` (`nginx`, `101:101`), as `docker run --user` takes it. */
  containerUser: {
    pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?$/,
    says: "a user name or uid, optionally :group or :gid (letters, digits and _.-)",
  },
  /** A Linux capability as the Engine API takes it (`NET_BIND_SERVICE`, `CAP_CHOWN`, `ALL`). */
  capability: { pattern: /^(?:CAP_)?[A-Z][A-Z_]{1,31}$/, says: "a capability in upper case like NET_BIND_SERVICE (or ALL)" },
  /**
   * A container security option: an AppArmor profile (loaded on the host), seccomp off, or an
   * SELinux label. A seccomp profile of one's own is the daemon's `seccomp-profile` (a file on the host).
   */
  securityOpt: {
    pattern: /^(?:apparmor=[A-Za-z0-9_.-]{1,64}|seccomp=unconfined|label=(?:user|role|type|level):[A-Za-z0-9_.:,-]{1,128}|label=disable)$/,
    says: "apparmor=<profile>, seccomp=unconfined, label=user|role|type|level:<value> or label=disable",
  },
  /** Mount options of a tmpfs (`rw,noexec,nosuid,size=64m,mode=1777`); empty for the engine's own. */
  mountOptions: {
    pattern: /^(?:[A-Za-z0-9_.-]{1,32}(?:=[A-Za-z0-9_.-]{1,32})?(?:,[A-Za-z0-9_.-]{1,32}(?:=[A-Za-z0-9_.-]{1,32})?){0,15})?$/,
    says: "mount options like rw,noexec,nosuid,size=64m (letters, digits, _.- and =, comma-separated)",
  },
  /** A resource limit's name, as `docker run --ulimit` takes it. */
  ulimitName: {
    pattern: /^(?:core|cpu|data|fsize|locks|memlock|msgqueue|nice|nofile|nproc|rss|rtprio|rttime|sigpending|stack)$/,
    says: "a ulimit name: core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending or stack",
  },
  /**
   * Free text that travels as one JSON string through the Engine API (an env or label value, a
   * command argument, a placement constraint) and is never put into a script: anything but NUL,
   * which ends the value early where the engine hands it to the kernel.
   */
  text: { pattern: /^[^\0]{0,65536}$/, says: "text without NUL characters, at most 65536 long" },
} as const satisfies Record<string, HostValueKind>;

export type HostValueKindName = keyof typeof HOST_VALUES;

/** Whether the value matches its kind's pattern (a string, whole, nothing else). */
export function isHostValue(kind: HostValueKindName, value: unknown): value is string {
  return typeof value === "string" && HOST_VALUES[kind].pattern.test(value);
}

/**
 * Throws the bad-argument error naming `path` unless the value matches its kind. The value is
 * quoted with JSON so a newline or a control character shows as an escape; a URL's credentials
 * are never quoted.
 */
export function checkHostValue(kind: HostValueKindName, path: string, value: unknown): asserts value is string {
  if (isHostValue(kind, value)) return;
  const shown = kind === "url" ? "" : ` (got ${JSON.stringify(value)})`;
  invalid(path, `must be ${HOST_VALUES[kind].says}${shown}`);
}

/** Options of an http(s) URL check. */
export interface UrlCheckOptions {
  /**
   * Accept plain `http:`. Off by default: whoever is on the path of a plain-http download decides
   * what runs as root. Named loudly where users set it.
   */
  allowInsecureHttp?: boolean;
}

/** Checks an http(s) URL (and that plain http is allowed only where the user said so). */
export function checkHttpUrl(path: string, value: unknown, opts: UrlCheckOptions = {}): asserts value is string {
  checkHostValue("url", path, value);
  if (value.startsWith("http:") && !opts.allowInsecureHttp) {
    invalid(
      path,
      "is a plain http:// URL: what it serves would run as root unchecked in transit; use https:// or opt in with allowInsecureHttp",
    );
  }
}
