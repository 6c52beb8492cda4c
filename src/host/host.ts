import * as pulumi from "@pulumi/pulumi";
import { noticeOn, resourceComponentOptions, type ResourceComponentType } from "../components/resource-component";
import { checked, invalid } from "../model/input-error";
import type { ConnectionInputs } from "../providers/connection-inputs";
import type { HostFactsResourceArgs } from "../providers/host-facts-resource";
import { DockyardResource } from "../providers/dockyard-resource";
import { parsePinnedHostKey } from "../remote/host-key";
import type { HostFacts } from "../model/host-facts";
import type { PreflightPolicy } from "../model/preflight";
import { pending } from "../model/pending";
import { DEFAULT_SSH_PORT, DEFAULT_SSH_USER } from "../model/defaults";
import { checkConnectionNumbers, pickBounds, TIME_BOUND_NAMES, type TimeBoundName } from "../model/time-bounds";

/** A bastion the host is reached through. */
export interface JumpHostArgs {
  /**
   * Address of the jump host.
   * @example "bastion.example.com"
   */
  address: pulumi.Input<string>;
  /**
   * SSH port of the jump host.
   * @default 22
   * @example 2222
   */
  port?: pulumi.Input<number>;
  /**
   * Login user on the jump host.
   * @default "root"
   * @example "ops"
   */
  user?: pulumi.Input<string>;
  /**
   * Private key for the jump host; stored as a Pulumi secret.
   * @default the host's own `privateKey`
   * @example config.requireSecret("bastionKey")
   */
  privateKey?: pulumi.Input<string>;
  /**
   * The jump host's public host key or its `SHA256:` fingerprint.
   * @default none: required unless `insecureSkipHostKeyCheck`
   * @example "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI..."
   */
  hostKey?: pulumi.Input<string>;
  /**
   * Accept any host key from the jump host. Insecure; see `HostArgs.insecureSkipHostKeyCheck`.
   * @default false
   * @example true
   */
  insecureSkipHostKeyCheck?: boolean;
}

export interface HostArgs {
  /**
   * DNS name or IP address the machine answers SSH on.
   * @example "10.0.0.12"
   */
  address: pulumi.Input<string>;
  /**
   * SSH port.
   * @default 22
   * @example 2222
   */
  port?: pulumi.Input<number>;
  /**
   * Login user. A user other than root needs passwordless sudo and `sudo: true`.
   * @default "root"
   * @example "ubuntu"
   */
  user?: pulumi.Input<string>;
  /**
   * Private key (OpenSSH or PEM text). Always stored as a Pulumi secret.
   * @example config.requireSecret("sshKey")
   */
  privateKey: pulumi.Input<string>;
  /**
   * Passphrase of the private key, if it has one. Stored as a Pulumi secret.
   * @default none
   * @example config.requireSecret("sshKeyPassphrase")
   */
  privateKeyPassphrase?: pulumi.Input<string>;
  /**
   * The machine's public host key (a line of `ssh-keyscan` or `/etc/ssh/ssh_host_ed25519_key.pub`)
   * or its `SHA256:` fingerprint (`ssh-keygen -lf`). The connection is refused when the machine
   * presents another key.
   * @default none: required unless `insecureSkipHostKeyCheck`
   * @example "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI..."
   */
  hostKey?: pulumi.Input<string>;
  /**
   * Accept whatever host key the machine presents. This turns off the only protection against a
   * man in the middle; every run warns while it is set. For throwaway lab machines only.
   * @default false
   * @example true
   */
  insecureSkipHostKeyCheck?: boolean;
  /**
   * Run commands through `sudo -n` (for a non-root `user`).
   * @default false
   * @example true
   */
  sudo?: pulumi.Input<boolean>;
  /**
   * A bastion to reach the machine through.
   * @default none: direct connection
   * @example { address: "bastion.example.com", hostKey: "ssh-ed25519 AAAA..." }
   */
  jump?: JumpHostArgs;
  /**
   * Seconds to wait for one connection attempt.
   * @default 20
   * @example 60
   */
  connectTimeout?: pulumi.Input<number>;
  /**
   * Connection attempts before an unreachable machine fails the run (exponential backoff, 1 s
   * doubling up to 15 s). Authentication and host-key failures are never retried.
   * @default 5
   * @example 10
   */
  connectAttempts?: pulumi.Input<number>;
  /**
   * Seconds one command on the machine (an install, a restart, a read) may run. A command that
   * runs longer is ended (its channel closed, its process signalled) and the step fails with one
   * line naming the host, the step and this bound.
   * @default 600
   * @example 1800
   */
  commandTimeout?: pulumi.Input<number>;
  /**
   * Seconds one Docker Engine API call (reading or changing an image, container, network, volume,
   * swarm) may go without an answer, and each `docker version`/`docker info` of a read. A dockerd
   * that is stopped or stalled fails the step within this bound instead of hanging the run.
   * @default 30
   * @example 60
   */
  engineApiTimeout?: pulumi.Input<number>;
  /**
   * Seconds one image pull (or build) may take. A registry or mirror that accepts connections and
   * never answers ends the pull at this bound; dockerd cancels it, so nothing half-pulled is tagged.
   * @default 600
   * @example 1800
   */
  pullTimeout?: pulumi.Input<number>;
  /**
   * Seconds a download on the machine (apt, yum/dnf and curl fetching from a docker-ce mirror)
   * may go without data. A mirror that accepts connections and never answers fails the step
   * within this bound (apt retries it 3 times), with the package manager's own words.
   * @default 60
   * @example 300
   */
  downloadTimeout?: pulumi.Input<number>;
  /**
   * Seconds dockerd has to start or restart and answer (after an install, a repair, a changed
   * daemon.json).
   * @default 60
   * @example 120
   */
  engineStartTimeout?: pulumi.Input<number>;
  /**
   * Seconds a swarm step waits for the cluster: a joined node listed as ready, a drained node
   * emptied, a removed service's networks let go.
   * @default 60
   * @example 180
   */
  swarmWaitTimeout?: pulumi.Input<number>;
  /**
   * What the machine must satisfy before anything is changed on it: kernel, OS family and
   * release (detected by os-release ID_LIKE, not ID alone), systemd, architecture. Checked on
   * every `up`; a failure names the host and every reason.
   * @default { minKernel: "3.10", requireSupportedOs: true, requireSystemd: true }
   * @example { minKernel: "4.18" }
   */
  preflight?: PreflightPolicy;
}

/** Checks what can be checked before anything connects; names the property at fault. */
function checkConnection(
  prefix: string,
  c: { address?: unknown; port?: unknown; user?: unknown; hostKey?: unknown; insecureSkipHostKeyCheck?: boolean } & Partial<
    Record<"connectTimeout" | "connectAttempts" | TimeBoundName, unknown>
  >,
): void {
  if (pending(c.address)) {
    // checked when it resolves
  } else if (typeof c.address !== "string" || c.address.trim() === "" || /\s/.test(c.address)) {
    invalid(`${prefix}address`, "must be a host name or IP address");
  }
  if (c.port !== undefined && !pending(c.port) && (!Number.isInteger(c.port) || (c.port as number) < 1 || (c.port as number) > 65535)) {
    invalid(`${prefix}port`, `must be an integer 1-65535 (got ${JSON.stringify(c.port)})`);
  }
  // connectTimeout > 0, connectAttempts >= 1 and every bound >= 1 s: a zero would turn a wait off.
  checkConnectionNumbers(prefix, c, pending);
  if (c.user !== undefined && !pending(c.user) && (typeof c.user !== "string" || !/^[a-z_][a-z0-9_.-]*\$?$/i.test(c.user))) {
    invalid(`${prefix}user`, `must be a login name (got ${JSON.stringify(c.user)})`);
  }
  if (pending(c.hostKey)) {
    // checked when it resolves
  } else if (c.hostKey !== undefined) {
    try {
      parsePinnedHostKey(typeof c.hostKey === "string" ? c.hostKey : JSON.stringify(c.hostKey));
    } catch (e) {
      invalid(`${prefix}hostKey`, (e as Error).message.replace(/^hostKey:? ?/, ""));
    }
  } else if (!c.insecureSkipHostKeyCheck) {
    invalid(
      `${prefix}hostKey`,
      "is required: pin the machine's host key (ssh-keyscan output or SHA256 fingerprint), or set insecureSkipHostKeyCheck: true to accept any key",
    );
  }
}

function checkPrivateKey(privateKey: unknown): void {
  if (typeof privateKey !== "string" || !privateKey.includes("PRIVATE KEY")) {
    invalid("privateKey", "must be the text of a private key (PEM or OpenSSH format)");
  }
}

/** The schema's component type, and where a stack made before 0.4.0 keeps a Host. */
const HOST_TYPE: ResourceComponentType = { token: "dockyard:host:Host", kind: "HostFacts", legacySuffix: "-facts" };

/**
 * A Linux machine reached over SSH, and the facts read from it on every `up` and `refresh`. It is
 * the one resource it manages (served by the plugin), not a component around it.
 *
 * @example
 * const web1 = new Host("web1", {
 *   address: "10.0.0.12",
 *   user: "root",
 *   privateKey: config.requireSecret("sshKey"),
 *   hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI...",
 * });
 * export const kernel = web1.facts.kernel;
 */
export class Host extends DockyardResource {
  /** The schema's component type it is served as in other languages. */
  static readonly schemaType = HOST_TYPE;
  /** What the machine reported: OS, kernel, arch, init system, docker. */
  declare readonly facts: pulumi.Output<HostFacts>;
  // Made from the arguments (known in a preview), not read back from the resource.
  /** The connection (no key material), for components that act on this host. */
  readonly connection: pulumi.Output<ConnectionInputs>;
  /** The private key material, as a secret, for components that act on this host. */
  readonly credentials: pulumi.Output<{ privateKey: string; privateKeyPassphrase?: string; jumpPrivateKey?: string }>;
  /** The resource that the host's dependents should depend on (connected and checked): the host itself. */
  readonly ready: pulumi.Resource;

  constructor(name: string, args: HostArgs, opts?: pulumi.ComponentResourceOptions) {
    const what = `Host ${name}`;
    // Plain values are checked now, so bad input fails the program before anything is registered.
    checked(what, () => {
      if (!args || args.privateKey === undefined) invalid("privateKey", "is required");
      checkConnection("", args);
      if (args.preflight?.minKernel !== undefined && !/^[0-9]+(\.[0-9]+)*$/.test(args.preflight.minKernel)) {
        invalid("preflight.minKernel", `must be a dotted version like "3.10" (got ${JSON.stringify(args.preflight.minKernel)})`);
      }
      if (args.jump) checkConnection("jump.", args.jump);
      if (!pending(args.privateKey)) checkPrivateKey(args.privateKey);
    });
    const jump = args.jump;

    const bounds = pulumi.all(Object.fromEntries(TIME_BOUND_NAMES.map((n) => [n, args[n]])) as Record<TimeBoundName, pulumi.Input<number>>);
    const connection = pulumi
      .all([args.address, args.port, args.user, args.hostKey, args.sudo, args.connectTimeout, args.connectAttempts, bounds])
      .apply(([address, port, user, hostKey, sudo, connectTimeout, connectAttempts, given]) => {
        checked(what, () =>
          checkConnection("", {
            address,
            port,
            user,
            hostKey,
            insecureSkipHostKeyCheck: args.insecureSkipHostKeyCheck,
            connectTimeout,
            connectAttempts,
            ...given,
          }),
        );
        const c: ConnectionInputs = { host: address, port: port ?? DEFAULT_SSH_PORT, user: user ?? DEFAULT_SSH_USER };
        if (hostKey !== undefined) c.hostKey = hostKey.trim();
        if (args.insecureSkipHostKeyCheck) c.insecureSkipHostKeyCheck = true;
        if (sudo) c.sudo = true;
        if (connectTimeout !== undefined) c.connectTimeout = connectTimeout;
        if (connectAttempts !== undefined) c.connectAttempts = connectAttempts;
        // Only the bounds given: an older state without them reads the same.
        Object.assign(c, pickBounds(given));
        return c;
      });
    const jumpConnection = jump
      ? pulumi.all([jump.address, jump.port, jump.user, jump.hostKey]).apply(([address, port, user, hostKey]) => {
          checked(what, () =>
            checkConnection("jump.", { address, port, user, hostKey, insecureSkipHostKeyCheck: jump.insecureSkipHostKeyCheck }),
          );
          const j: Omit<ConnectionInputs, "jump"> = { host: address, port: port ?? DEFAULT_SSH_PORT, user: user ?? DEFAULT_SSH_USER };
          if (hostKey !== undefined) j.hostKey = hostKey.trim();
          if (jump.insecureSkipHostKeyCheck) j.insecureSkipHostKeyCheck = true;
          return j;
        })
      : undefined;
    const fullConnection = pulumi.all([connection, jumpConnection]).apply(([c, j]) => (j ? { ...c, jump: j } : c));
    const credentials = pulumi.secret(
      pulumi.all([args.privateKey, args.privateKeyPassphrase, jump?.privateKey]).apply(([privateKey, passphrase, jumpKey]) => {
        checked(what, () => checkPrivateKey(privateKey));
        const creds: { privateKey: string; privateKeyPassphrase?: string; jumpPrivateKey?: string } = { privateKey };
        if (passphrase) creds.privateKeyPassphrase = passphrase;
        if (jumpKey) creds.jumpPrivateKey = jumpKey;
        return creds;
      }),
    );

    super(
      "HostFacts",
      name,
      { connection: fullConnection, credentials, preflight: args.preflight } satisfies HostFactsResourceArgs,
      resourceComponentOptions(HOST_TYPE, name, opts, []),
    );
    // The SDK set these to the resource's outputs; dependents take the declared ones.
    this.connection = fullConnection;
    this.credentials = credentials;
    this.ready = this;
    if (args.insecureSkipHostKeyCheck) {
      noticeOn(
        this,
        "warn",
        `${what}: insecureSkipHostKeyCheck is set: ANY host key is accepted, so a man in the middle can take this connection.`,
      );
    }
    if (jump?.insecureSkipHostKeyCheck) {
      noticeOn(this, "warn", `${what}: jump.insecureSkipHostKeyCheck is set: ANY jump host key is accepted.`);
    }
  }
}
