// The shell that tells, on the host itself, whether a container's published TCP ports answer.
import { shq } from "../model/shell";

/** A published TCP port as the engine reports its binding. */
export interface ProbedPort {
  /** The bound address; all addresses (0.0.0.0, ::, empty) are probed on 127.0.0.1. */
  hostIp: string;
  hostPort: number;
}

/** The address a binding is reached at from the host itself. */
export function probeAddress(hostIp: string): string {
  return !hostIp || hostIp === "0.0.0.0" || hostIp === "::" ? "127.0.0.1" : hostIp;
}

/**
 * Prints `<address>:<port> open|closed` per port. Open means the connection was accepted and not
 * closed at once: docker's proxy accepts while the container is running and drops the connection
 * when nothing listens inside yet. Uses bash's /dev/tcp, else `nc -z`.
 */
export function renderPortProbe(ports: ProbedPort[]): string {
  const lines = [
    "probe() {",
    "  if command -v bash >/dev/null 2>&1; then",
    // read: data (0) or still open after 1 s (>128) is an answer; end of input (1) is a drop.
    "    # shellcheck disable=SC2016 # the inner script expands its own arguments",
    `    timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 1; read -r -t 1 -u 3 _; rc=$?; [ "$rc" -eq 0 ] || [ "$rc" -gt 128 ]' _ "$1" "$2" 2>/dev/null`,
    "  else",
    '    nc -z -w 2 "$1" "$2" 2>/dev/null',
    "  fi",
    "}",
    ...ports.map((p) => {
      const a = shq(probeAddress(p.hostIp));
      const port = String(Math.trunc(p.hostPort));
      return `if probe ${a} ${port}; then echo ${a}:${port} open; else echo ${a}:${port} closed; fi`;
    }),
  ];
  return lines.join("\n") + "\n";
}

/** The ports the probe found closed, as `address:port`. */
export function closedPorts(stdout: string): string[] {
  return stdout
    .split("\n")
    .map((l) => l.trim().split(" "))
    .filter(([, state]) => state === "closed")
    .map(([at]) => at);
}
