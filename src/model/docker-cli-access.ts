// What an operator's docker CLI needs to reach an engine over SSH with the host key Dockyard pins:
// the `ssh://` DOCKER_HOST, the known_hosts line(s), a `docker context create` command and an
// ssh_config block. Pure formatting of the Host's connection; no key material goes in (the
// operator's own key stays in their agent or ~/.ssh/config).
import { DEFAULT_SSH_PORT } from "./defaults";
import { shq } from "./shell";

/** The part of a Host's connection the docker CLI needs (no key material). */
export interface CliConnection {
  host: string;
  port?: number;
  user: string;
  hostKey?: string;
  insecureSkipHostKeyCheck?: boolean;
  jump?: { host: string; port?: number; user: string; hostKey?: string; insecureSkipHostKeyCheck?: boolean };
}

/** What the docker CLI needs to reach one engine, as the DockerEngine outputs carry it. */
export interface DockerCliAccess {
  /** `ssh://user@address:port` (IPv6 in brackets), for DOCKER_HOST or `docker context create --docker host=...`. */
  dockerHost: string;
  /** The context's name: the Host's name, kept to what `docker context create` accepts. */
  contextName: string;
  /** The pinned host key as known_hosts line(s): the host's, then the jump host's; empty when only a fingerprint is pinned. */
  knownHostsLine: string;
  /** `docker context create <name> --docker host=ssh://...`, every argument single-quoted. */
  dockerContextCommand: string;
  /** ssh_config block(s) for the host (and its jump host): port, user, the known_hosts file, strict checking, ProxyJump. */
  sshConfig: string;
}

const KEY_ALGORITHMS =
  /^(?:ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,3}$/;

/** `::1` for `[::1]`: the address as ssh and known_hosts take it. */
export function bareAddress(address: string): string {
  return address.replace(/^\[(.*)\]$/, "$1");
}

const isIpv6 = (address: string) => bareAddress(address).includes(":");

/**
 * `ssh://user@address:port`, Docker's ssh form (the port always written). An IPv6 address goes in
 * brackets and its zone's `%` is escaped, as a URL has them; docker passes the address to ssh bare.
 */
export function dockerHostUrl(c: Pick<CliConnection, "host" | "port" | "user">): string {
  const address = bareAddress(c.host);
  const host = isIpv6(address) ? `[${address.replace(/%/g, "%25")}]` : address;
  return `ssh://${encodeURIComponent(c.user).replace(/%24/g, "$")}@${host}:${c.port ?? DEFAULT_SSH_PORT}`;
}

/** The algorithm and base64 key of a pinned host key line (with or without a host field and comment); undefined for a fingerprint. */
export function hostKeyFields(hostKey: string | undefined): string | undefined {
  const fields = (hostKey ?? "").trim().split(/\s+/);
  const at = fields.findIndex((f) => KEY_ALGORITHMS.test(f));
  if (at < 0 || !BASE64.test(fields[at + 1] ?? "")) return undefined;
  return `${fields[at]} ${fields[at + 1]}`;
}

/** The name known_hosts files a host under: the bare address on port 22, `[address]:port` on any other (OpenSSH's own form). */
export function knownHostsName(address: string, port = DEFAULT_SSH_PORT): string {
  const bare = bareAddress(address);
  return port === 22 ? bare : `[${bare}]:${port}`;
}

/** One known_hosts line for a pinned key, or undefined when no full key is pinned (a fingerprint, or host-key checking off). */
export function knownHostsEntry(c: Pick<CliConnection, "host" | "port" | "hostKey" | "insecureSkipHostKeyCheck">): string | undefined {
  if (c.insecureSkipHostKeyCheck) return undefined;
  const key = hostKeyFields(c.hostKey);
  return key && `${knownHostsName(c.host, c.port)} ${key}`;
}

/**
 * A docker context name from a Host's name: docker takes `[A-Za-z0-9][A-Za-z0-9_.+-]+` and refuses
 * `default`; anything else becomes `-`.
 */
export function dockerContextName(hostName: string): string {
  let name = hostName.replace(/[^A-Za-z0-9_.+-]/g, "-").replace(/^[^A-Za-z0-9]+/, "");
  if (name.length < 2 || name === "default") name = `${name || "host"}-docker`;
  return name;
}

/** Where the sshConfig block tells ssh to find the host's known_hosts line(s). */
export function knownHostsFile(contextName: string): string {
  return `~/.ssh/dockyard-${contextName}.known_hosts`;
}

/** `[user@]address[:port]` as ProxyJump takes it (IPv6 in brackets when a port follows). */
function jumpSpec(j: NonNullable<CliConnection["jump"]>): string {
  const address = bareAddress(j.host);
  const port = j.port ?? DEFAULT_SSH_PORT;
  return `${j.user}@${isIpv6(address) ? `[${address}]` : address}:${port}`;
}

/** One ssh_config `Host` block: the lines indented under it. */
function hostBlock(pattern: string, lines: string[]): string {
  return [`Host ${pattern}`, ...lines.map((l) => `  ${l}`)].join("\n");
}

/** Everything the docker CLI needs to reach the engine on `c`, named after the Host `hostName`. */
export function dockerCliAccess(hostName: string, c: CliConnection): DockerCliAccess {
  const contextName = dockerContextName(hostName);
  const dockerHost = dockerHostUrl(c);
  const file = knownHostsFile(contextName);
  const lines = [knownHostsEntry(c), c.jump && knownHostsEntry(c.jump)].filter((l): l is string => !!l);
  const checking = (port: number) => [`UserKnownHostsFile ${file}`, "StrictHostKeyChecking yes", `Port ${port}`];
  const blocks: string[] = [];
  // The docker CLI runs `ssh -l user -p port -- address`: ssh matches the block by that address.
  const target = [`HostName ${bareAddress(c.host)}`, `User ${c.user}`, ...checking(c.port ?? DEFAULT_SSH_PORT)];
  if (c.jump) target.push(`ProxyJump ${jumpSpec(c.jump)}`);
  blocks.push(hostBlock(bareAddress(c.host), target));
  // ProxyJump starts a second ssh to the jump host, which reads its own block: its key is checked too.
  if (c.jump) {
    const j = c.jump;
    blocks.push(
      hostBlock(bareAddress(j.host), [`HostName ${bareAddress(j.host)}`, `User ${j.user}`, ...checking(j.port ?? DEFAULT_SSH_PORT)]),
    );
  }
  return {
    dockerHost,
    contextName,
    knownHostsLine: lines.join("\n"),
    dockerContextCommand: `docker context create ${shq(contextName)} --docker ${shq(`host=${dockerHost}`)}`,
    sshConfig: blocks.join("\n\n") + "\n",
  };
}
