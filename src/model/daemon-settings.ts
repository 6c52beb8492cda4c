import { nearest } from "./edit-distance";
import { HOST_VALUES, isHostValue } from "./host-values";

/** The daemon.json keys Dockyard knows, with the JSON type dockerd expects for each. */
type Kind = "string" | "boolean" | "integer" | "string[]" | "object" | "object[]" | "string-map";

export const DAEMON_KEYS: Record<string, Kind> = {
  "allow-nondistributable-artifacts": "string[]",
  "authorization-plugins": "string[]",
  bip: "string",
  bridge: "string",
  "cgroup-parent": "string",
  containerd: "string",
  "containerd-namespace": "string",
  debug: "boolean",
  "default-address-pools": "object[]",
  "default-cgroupns-mode": "string",
  "default-gateway": "string",
  "default-ipc-mode": "string",
  "default-runtime": "string",
  "default-shm-size": "string",
  "default-ulimits": "object",
  dns: "string[]",
  "dns-opts": "string[]",
  "dns-search": "string[]",
  "data-root": "string",
  "exec-opts": "string[]",
  "exec-root": "string",
  experimental: "boolean",
  features: "object",
  "fixed-cidr": "string",
  "fixed-cidr-v6": "string",
  group: "string",
  hosts: "string[]",
  icc: "boolean",
  init: "boolean",
  "init-path": "string",
  "insecure-registries": "string[]",
  ip: "string",
  "ip-forward": "boolean",
  "ip-masq": "boolean",
  iptables: "boolean",
  ip6tables: "boolean",
  ipv6: "boolean",
  labels: "string[]",
  "live-restore": "boolean",
  "log-driver": "string",
  "log-level": "string",
  "log-opts": "string-map",
  "max-concurrent-downloads": "integer",
  "max-concurrent-uploads": "integer",
  "max-download-attempts": "integer",
  mtu: "integer",
  "no-new-privileges": "boolean",
  "oom-score-adjust": "integer",
  pidfile: "string",
  "raw-logs": "boolean",
  "registry-mirrors": "string[]",
  runtimes: "object",
  "seccomp-profile": "string",
  "selinux-enabled": "boolean",
  "shutdown-timeout": "integer",
  "storage-driver": "string",
  "storage-opts": "string[]",
  tls: "boolean",
  tlscacert: "string",
  tlscert: "string",
  tlskey: "string",
  tlsverify: "boolean",
  "userland-proxy": "boolean",
  "userland-proxy-path": "string",
  "userns-remap": "string",
};

/** dockerd command-line flags and the daemon.json key each one sets (dockerd refuses both at once). */
const FLAG_KEYS: Record<string, string> = {
  "-H": "hosts",
  "--host": "hosts",
  "-s": "storage-driver",
  "--storage-driver": "storage-driver",
  "--exec-opt": "exec-opts",
  "--insecure-registry": "insecure-registries",
  "--registry-mirror": "registry-mirrors",
  "--log-opt": "log-opts",
  "--storage-opt": "storage-opts",
  "--label": "labels",
  "--dns": "dns",
  "--dns-opt": "dns-opts",
  "--dns-search": "dns-search",
  "-b": "bridge",
  "-D": "debug",
  "-l": "log-level",
  "-G": "group",
  "-g": "data-root",
  "-p": "pidfile",
};

/** The known key closest to a misspelt one, if any is close. */
export function didYouMean(key: string, known: string[] = Object.keys(DAEMON_KEYS)): string | undefined {
  const best = nearest(key.toLowerCase(), known);
  return best && best.distance <= Math.max(2, Math.floor(key.length / 4)) ? best.match : undefined;
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  return typeof v;
}

/** Every problem with a daemon.json object: unknown keys (with a suggestion) and wrong types. */
export function daemonSettingsProblems(settings: Record<string, unknown>, path = "settings"): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(settings)) {
    const kind = DAEMON_KEYS[key];
    if (!kind) {
      const hint = didYouMean(key);
      problems.push(`${path}.${key}: not a dockerd setting${hint ? ` (did you mean '${hint}'?)` : ""}`);
      continue;
    }
    const ok =
      (kind === "string" && typeof value === "string") ||
      (kind === "boolean" && typeof value === "boolean") ||
      (kind === "integer" && Number.isInteger(value)) ||
      (kind === "string[]" && Array.isArray(value) && value.every((x) => typeof x === "string")) ||
      (kind === "object" && kindOf(value) === "object") ||
      (kind === "object[]" && Array.isArray(value) && value.every((x) => kindOf(x) === "object")) ||
      (kind === "string-map" && kindOf(value) === "object" && Object.values(value as object).every((x) => typeof x === "string"));
    if (!ok) problems.push(`${path}.${key}: must be ${describe(kind)} (got ${JSON.stringify(value)})`);
  }
  return problems;
}

function describe(kind: Kind): string {
  return {
    string: "a string",
    boolean: "true or false",
    integer: "an integer",
    "string[]": "a list of strings",
    object: "an object",
    "object[]": "a list of objects",
    "string-map": "a map of strings",
  }[kind];
}

/**
 * A registry mirror must be an http(s) base URL of the shared URL pattern (model/host-values),
 * without credentials: daemon.json is world-readable and dockerd takes none in a mirror URL.
 * Returns the problem, if any; the value is shown with any credentials masked.
 */
export function mirrorProblem(url: string): string | undefined {
  const got = ` (got ${JSON.stringify(maskUrl(url))})`;
  if (!isHostValue("url", url)) return `must be ${HOST_VALUES.url.says}${got}`;
  const u = new URL(url);
  if (u.username || u.password)
    return `must not carry credentials: daemon.json is readable by every local user (log in to the registry with a credential instead)${got}`;
  if (u.pathname !== "/" && u.pathname !== "") return `must be a registry base URL without a path${got}`;
  return undefined;
}

/** An insecure registry is host[:port] or a CIDR, never a URL. */
export function insecureRegistryProblem(entry: string): string | undefined {
  if (/^[a-z]+:\/\//i.test(entry)) return `must be host[:port] or a CIDR, without a scheme (got ${JSON.stringify(entry)})`;
  if (!/^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/.test(entry) && !/^[0-9a-fA-F:.]+\/[0-9]{1,3}$/.test(entry)) {
    return `must be host[:port] or a CIDR (got ${JSON.stringify(entry)})`;
  }
  return undefined;
}

/**
 * The daemon.json keys that a dockerd command line sets (from the unit's ExecStart), for the
 * conflict check: dockerd refuses to start when a setting is both a flag and in daemon.json.
 */
export function keysSetByFlags(execStart: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const token of execStart.split(/\s+/)) {
    const flag = token.split("=")[0];
    const key = FLAG_KEYS[flag] ?? (flag.startsWith("--") && DAEMON_KEYS[flag.slice(2)] ? flag.slice(2) : undefined);
    if (key && !found.has(key)) found.set(key, flag);
  }
  return found;
}

/** The content after applying ours to what is there: merge keeps foreign keys, ours win. */
export function mergeDaemonJson(
  current: Record<string, unknown>,
  ours: Record<string, unknown>,
  previouslyOurs: string[],
  policy: "merge" | "replace",
): Record<string, unknown> {
  if (policy === "replace") return sortKeys({ ...ours });
  const result: Record<string, unknown> = { ...current };
  // Keys we set before and no longer declare are ours to remove.
  for (const k of previouslyOurs) if (!(k in ours)) delete result[k];
  return sortKeys({ ...result, ...ours });
}

export function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  );
}

/** dockerd's proxy, as the systemd drop-in sets it. URLs may hold credentials: treat as secrets. */
export interface DaemonProxy {
  http?: string;
  https?: string;
  noProxy?: string[];
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

/**
 * Problems with a proxy setting, as [argument path, reason], by the shared patterns of
 * model/host-values (`url` for the proxies, `noProxyEntry` for the no-proxy list): the component,
 * the fleet file and the DaemonConfig provider refuse the same values. Never quotes a credential:
 * a URL is shown masked, one that does not parse is not shown past its scheme. Plain `http:` is a
 * proxy's usual scheme (https traffic goes through it in a CONNECT tunnel), so it needs no opt-in.
 */
export function proxyProblems(proxy: DaemonProxy, path = "proxy"): [string, string][] {
  const problems: [string, string][] = [];
  for (const key of Object.keys(proxy)) {
    if (!["http", "https", "noProxy"].includes(key)) problems.push([`${path}.${key}`, "is not a proxy setting (http, https, noProxy)"]);
  }
  for (const key of ["http", "https"] as const) {
    const url: unknown = proxy[key];
    if (url === undefined) continue;
    if (!isHostValue("url", url)) {
      problems.push([
        `${path}.${key}`,
        `must be an http:// or https:// URL (got ${JSON.stringify(maskUrl(url as string))}): ${HOST_VALUES.url.says}`,
      ]);
    }
  }
  if (proxy.noProxy !== undefined && !Array.isArray(proxy.noProxy)) return [...problems, [`${path}.noProxy`, "must be a list of hosts"]];
  (proxy.noProxy ?? []).forEach((entry, i) => {
    if (!isHostValue("noProxyEntry", entry)) {
      problems.push([
        `${path}.noProxy[${i}]`,
        `must be ${HOST_VALUES.noProxyEntry.says} (got ${JSON.stringify(maskCredentials(String(entry)))})`,
      ]);
    }
  });
  return problems;
}

/**
 * Every problem with the daemon.json keys and proxy that reach a host, as [path, reason]: the
 * DaemonConfig provider runs it on its inputs before it touches the host, so it refuses what the
 * component refuses (settings from a config value, an older state or another language included).
 */
export function daemonSpecProblems(spec: { settings?: unknown; policy?: unknown; proxy?: unknown }): [string, string][] {
  const problems: [string, string][] = [];
  if (spec.policy !== "merge" && spec.policy !== "replace") problems.push(["policy", "must be merge or replace"]);
  const settings = spec.settings;
  if (kindOf(settings) !== "object") return [...problems, ["settings", "must be an object of daemon.json keys"]];
  const s = settings as Record<string, unknown>;
  for (const p of daemonSettingsProblems(s)) {
    const m = /^([^:]+): (.*)$/.exec(p);
    problems.push(m ? [m[1], m[2]] : ["settings", p]);
  }
  if (problems.length) return problems;
  ((s["registry-mirrors"] as string[] | undefined) ?? []).forEach((m, i) => {
    const p = mirrorProblem(m);
    if (p) problems.push([`settings.registry-mirrors[${i}]`, p]);
  });
  ((s["insecure-registries"] as string[] | undefined) ?? []).forEach((r, i) => {
    const p = insecureRegistryProblem(r);
    if (p) problems.push([`settings.insecure-registries[${i}]`, p]);
  });
  if (s["data-root"] !== undefined && !isHostValue("absolutePath", s["data-root"]))
    problems.push(["settings.data-root", `must be ${HOST_VALUES.absolutePath.says} (got ${JSON.stringify(s["data-root"])})`]);
  if (spec.proxy !== undefined && spec.proxy !== null) {
    if (kindOf(spec.proxy) !== "object") problems.push(["proxy", "must be an object { http?, https?, noProxy? }"]);
    else problems.push(...proxyProblems(spec.proxy as DaemonProxy));
  }
  return problems;
}
