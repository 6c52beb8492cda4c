import { DEFAULT_SSH_PORT, DEFAULT_SSH_USER } from "../model/defaults";
import type { TimeBounds } from "../model/time-bounds";

/**
 * How to reach one machine over SSH, and how long its waits may last (`commandTimeout`,
 * `engineApiTimeout`, `pullTimeout`, `downloadTimeout`, `engineStartTimeout`, `swarmWaitTimeout`: seconds, defaults
 * in `src/model/time-bounds.ts`). Plain data, so it can travel through Pulumi state.
 */
export interface ConnectionSpec extends TimeBounds {
  /** DNS name or IP address. */
  host: string;
  /** @default 22 */
  port?: number;
  /** @default "root" */
  user?: string;
  /** PEM/OpenSSH private key text. A secret: never logged, never in plain state. */
  privateKey: string;
  /** Passphrase of the private key, when it has one. */
  privateKeyPassphrase?: string;
  /**
   * The server's public host key (OpenSSH line) or its `SHA256:` fingerprint. Required unless
   * `insecureSkipHostKeyCheck` is set.
   */
  hostKey?: string;
  /** Accept any host key. Exposes the connection to a man in the middle; for throwaway labs only. */
  insecureSkipHostKeyCheck?: boolean;
  /** Run commands through `sudo -n` (for a non-root user with passwordless sudo). @default false */
  sudo?: boolean;
  /** A bastion to reach this host through (SSH port forwarding). */
  jump?: ConnectionSpec;
  /** Seconds to wait for each connection attempt. @default 20 */
  connectTimeout?: number;
  /** Connection attempts for an unreachable host, with exponential backoff. @default 5 */
  connectAttempts?: number;
}

/** `user@host:port`, the name a host goes by in every error and log line. */
export function targetOf(spec: Pick<ConnectionSpec, "host" | "port" | "user">): string {
  return `${spec.user ?? DEFAULT_SSH_USER}@${spec.host}:${spec.port ?? DEFAULT_SSH_PORT}`;
}
