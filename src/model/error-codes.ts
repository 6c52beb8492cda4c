// The stable codes of every error Dockyard throws, with what each means and what to do about it.
// docs/errors.md is rendered from this table (a unit test keeps the two the same).
//
// A code is a name, not a number: `DOCKYARD_HOST_UNREACHABLE` in `pulumi up` output says what
// happened without a lookup, and the prefix finds Dockyard's errors among others in a log. A code
// is never renamed or reused once released; a new kind of failure gets a new code.

/** What a code means and what to do when it appears. */
export interface ErrorCodeInfo {
  /** The error class that carries it (all carry the code in `code` and in the message). */
  thrownAs: string;
  meaning: string;
  action: string;
}

const remote = "RemoteError";

export const ERROR_CODES = {
  // --- Reaching the machine ---
  DOCKYARD_HOST_UNREACHABLE: {
    thrownAs: "HostUnreachableError",
    meaning:
      "The TCP connection could not be made, the SSH handshake did not finish in time, or the connection dropped. Retried with backoff (connectAttempts) before it is reported.",
    action:
      "Check that the machine is up, the address and port are right and a firewall lets SSH through; raise connectTimeout or connectAttempts for a slow network.",
  },
  DOCKYARD_AUTHENTICATION_FAILED: {
    thrownAs: "AuthenticationError",
    meaning: "The SSH server refused every authentication method offered: wrong user, or a key it does not accept.",
    action:
      "Check user and privateKey (and privateKeyPassphrase); the public key must be in the user's ~/.ssh/authorized_keys on the machine.",
  },
  DOCKYARD_HOST_KEY_MISMATCH: {
    thrownAs: "HostKeyMismatchError",
    meaning: "The server presented a host key other than the pinned one. Nothing was sent to it. Never retried.",
    action:
      "If the machine was rebuilt, pin its new key (ssh-keyscan). Otherwise treat it as a possible man-in-the-middle and find out why.",
  },
  DOCKYARD_HOST_KEY_NOT_PINNED: {
    thrownAs: remote,
    meaning: "A connection was asked for without a pinned host key and without the insecure opt-in.",
    action: "Give hostKey (ssh-keyscan output or a SHA256 fingerprint), or set insecureSkipHostKeyCheck: true to accept any key.",
  },
  DOCKYARD_SSH_FAILED: {
    thrownAs: remote,
    meaning:
      "The SSH handshake failed for a reason other than reachability, authentication or the host key (for example no algorithm in common).",
    action: "Read the reason in the message; check the server's sshd configuration.",
  },
  DOCKYARD_REMOTE_COMMAND_FAILED: {
    thrownAs: "RemoteCommandError",
    meaning:
      "A command Dockyard ran on the machine exited non-zero. The message names the step and ends with the command's last output lines; `exitCode`, `stdout` and `stderr` are on the error.",
    action: "Read the step and the output; fix the machine (disk full, package mirror down, sudo not allowed) and run again.",
  },
  DOCKYARD_TIMED_OUT: {
    thrownAs: "TimedOutError",
    meaning:
      "A step on the machine hit its time bound and was ended (its channel closed, its process signalled): a command that ran too long, an Engine API call dockerd did not answer (stopped or stalled), a pull from a registry or mirror that never answered, dockerd not answering after a start. The message names the host, the step and the bound.",
    action:
      "Find out why the machine or the mirror did not answer (a stopped dockerd, a hanging mirror); raise the named bound on the host (commandTimeout, engineApiTimeout, pullTimeout, downloadTimeout, engineStartTimeout, swarmWaitTimeout) only when the step is just slow. The next run starts the step again.",
  },
  DOCKYARD_UPLOAD_FAILED: {
    thrownAs: remote,
    meaning: "A file sent to the machine arrived with another sha256, or the local file could not be read.",
    action: "Run again; if it repeats, check the local file and the disk space on the machine.",
  },
  DOCKYARD_REMOTE_FAILED: {
    thrownAs: remote,
    meaning: "Something else failed on the machine; the message says what.",
    action: "Read the message: it names the machine (user@address:port) and the step.",
  },
  // --- The machine itself ---
  DOCKYARD_PREFLIGHT_FAILED: {
    thrownAs: "PreflightError",
    meaning: "The machine does not meet the preflight policy (kernel, distribution, systemd, architecture). Nothing was changed on it.",
    action: "Use a machine that meets it, or relax Host's preflight policy if you know the engine will run there.",
  },
  DOCKYARD_UNSUPPORTED_OS: {
    thrownAs: remote,
    meaning: "The machine's distribution or release is not one Dockyard can install an engine on.",
    action: "See the support matrix; use a supported release, or method 'adopt' for an engine you install yourself.",
  },
  // --- The Docker engine ---
  DOCKYARD_ENGINE_UNAVAILABLE: {
    thrownAs: "EngineUnavailableError",
    meaning:
      "The machine answers over SSH but its Docker engine does not (not installed, stopped, socket masked). Reads report it as drift.",
    action: "Run `pulumi up`: DockerEngine repairs the engine first, then the resources on it follow.",
  },
  DOCKYARD_ENGINE_REFUSED: {
    thrownAs: remote,
    meaning: "The Docker engine refused a request (create, inspect, swarm operation); the message quotes what dockerd said.",
    action: "Read dockerd's reason in the message and fix the declaration or the machine.",
  },
  DOCKYARD_ENGINE_NOT_STARTED: {
    thrownAs: remote,
    meaning: "The engine was installed but docker does not answer afterwards.",
    action: "Look at `journalctl -u docker` on the machine; often a daemon.json setting or a kernel feature the engine needs.",
  },
  DOCKYARD_ENGINE_VERSION_NOT_FOUND: {
    thrownAs: remote,
    meaning: "No engine package version matches the pinned version in the repository. Nothing was installed.",
    action: "Pick a version from the list in the message, or check the mirror and channel.",
  },
  DOCKYARD_ENGINE_SOURCE_UNAVAILABLE: {
    thrownAs: remote,
    meaning: "The distribution has no Docker engine package of its own (source 'distro'). Nothing was changed.",
    action: "Use source 'docker-ce' (or a mirror of it).",
  },
  DOCKYARD_ENGINE_PREREQUISITE_MISSING: {
    thrownAs: remote,
    meaning:
      "An offline install on a machine that lacks what the static bundle does not bring (the iptables command dockerd sets up its networks with). Nothing was changed.",
    action:
      "Install it from the distribution (apt-get install iptables; dnf install iptables-nft), or use method 'online', whose packages bring it.",
  },
  DOCKYARD_BUNDLE_ARCH_MISSING: {
    thrownAs: remote,
    meaning:
      "An offline engine was given bundles per architecture and none for the machine's (`uname -m`). The message names the host, its architecture and the architectures given. Nothing was changed.",
    action:
      "Add a bundle for that architecture under `bundles` (Docker publishes x86_64, aarch64 and armhf static bundles), or install that host online.",
  },
  DOCKYARD_DOWNGRADE_REFUSED: {
    thrownAs: remote,
    meaning: "The version pin resolves to an engine older than the installed one. Nothing was changed.",
    action: "Set allowDowngrade: true to downgrade, or pin the installed version or a newer one.",
  },
  DOCKYARD_SIGNING_KEY_MISMATCH: {
    thrownAs: remote,
    meaning:
      "The signing key the docker-ce repository (or mirror) serves does not have the pinned fingerprint. Nothing was trusted or changed: the fetched key was removed.",
    action:
      "Check the mirror: a mirror that re-signs the packages needs its own key's fingerprint in mirrorKeyFingerprint; otherwise someone between this host and the mirror may be serving another key.",
  },
  DOCKYARD_ENGINE_IN_USE: {
    thrownAs: remote,
    meaning:
      "The install would remove packages that conflict with it, and the engine they run has containers that the removal would stop. Nothing was changed.",
    action: 'Use method "adopt" to keep the engine as it is, or name the packages in replacePackages to replace it.',
  },
  DOCKYARD_CONFLICT_DEPENDENTS: {
    thrownAs: remote,
    meaning:
      "Removing the packages that conflict with the engine would also remove installed packages that depend on them (podman, cri-o, ...). Nothing was changed.",
    action: "Name those packages in replacePackages too to remove them, or remove the conflicting packages yourself.",
  },
  DOCKYARD_BUNDLE_INVALID: {
    thrownAs: "DockyardError",
    meaning: "The offline engine bundle is missing, could not be downloaded, or its sha256 is not the bundleSha256 given.",
    action: "Check bundle (path or URL) and bundleSha256 (`sha256sum` of the file).",
  },
  // --- daemon.json ---
  DOCKYARD_DAEMON_JSON_UNPARSABLE: {
    thrownAs: remote,
    meaning: "/etc/docker/daemon.json on the machine is not valid JSON, so policy 'merge' cannot merge into it. Nothing was changed.",
    action: "Fix the file on the machine, or use policy 'replace'.",
  },
  DOCKYARD_DAEMON_SETTING_CONFLICT: {
    thrownAs: remote,
    meaning: "daemon.json already holds a value, not written by Dockyard, that a default would replace. Nothing was changed.",
    action: "Keep the machine's value (turn the default off) or declare the value you want.",
  },
  DOCKYARD_DAEMON_FLAG_CONFLICT: {
    thrownAs: remote,
    meaning:
      "A daemon.json setting is also given as a dockerd flag in docker.service; dockerd refuses to start with both. Nothing was changed.",
    action: "Remove the setting, or override ExecStart in a systemd drop-in as the message shows.",
  },
  DOCKYARD_DATA_ROOT_REFUSED: {
    thrownAs: remote,
    meaning:
      "data-root would move away from a root that holds containers, images or volumes, hiding them from docker. Nothing was changed.",
    action: "Move the data yourself (the message gives the commands) or prune it, then run again.",
  },
  DOCKYARD_DAEMON_JSON_REJECTED: {
    thrownAs: remote,
    meaning: "dockerd --validate refused the new daemon.json. Nothing was changed.",
    action: "Fix the setting dockerd names in the message.",
  },
  DOCKYARD_DAEMON_RESTART_FAILED: {
    thrownAs: remote,
    meaning: "docker did not come back after the new settings were applied; the old files were put back and docker restarted with them.",
    action: "Read the account in the message (and `journalctl -u docker`); fix the setting and run again.",
  },
  DOCKYARD_DAEMON_SETTINGS_NOT_APPLIED: {
    thrownAs: remote,
    meaning: "daemon.json was written and docker reloaded or restarted, but `docker info` does not show some settings.",
    action: "Check for a drop-in or flag that overrides them (systemctl cat docker).",
  },
  DOCKYARD_USER_MISSING: {
    thrownAs: remote,
    meaning: "A user to add to the docker group does not exist on the machine. Nothing was changed.",
    action: "Create the user first, or take it out of dockerUsers.",
  },
  // --- Images, containers, networks, volumes ---
  DOCKYARD_IMAGE_PULL_FAILED: {
    thrownAs: remote,
    meaning: "Pulling an image failed (registry unreachable, no such tag, credentials refused).",
    action: "Check the reference, the registry's address and credentials, and the engine's registry mirrors.",
  },
  DOCKYARD_IMAGE_ARCHIVE_INVALID: {
    thrownAs: "DockyardError",
    meaning:
      "An image archive is missing, its sha256 is not the one given, it is not a `docker save` or OCI archive, or it does not name the image's reference. Nothing was uploaded.",
    action:
      "Check the archive's path and sha256 (`sha256sum` of the file), and that `ref` is one of the tags it was saved with (`docker save nginx:1.25`).",
  },
  DOCKYARD_IMAGE_ARCHIVE_MISMATCH: {
    thrownAs: remote,
    meaning: "After `docker load` of an image archive, the engine's image under the reference is not the image the archive names.",
    action: "Check that no other image is tagged with the reference on the host (a later `docker tag`), then run `pulumi up` again.",
  },
  DOCKYARD_IMAGE_COPY_FAILED: {
    thrownAs: "DockyardError",
    meaning:
      "The machine running Pulumi could not fetch an image from its registry to copy it to the hosts (unreachable, no such tag or platform, credentials refused, a blob whose digest differs).",
    action:
      "Check `source.from` (or `ref`), the credentials, `source.insecure` for a plain-HTTP registry, and that this machine reaches the registry.",
  },
  DOCKYARD_IMAGE_BUILD_FAILED: {
    thrownAs: remote,
    meaning: "Building an image on the machine failed; the message quotes the build's error.",
    action: "Fix the Dockerfile or build context.",
  },
  DOCKYARD_IMAGE_PUSH_FAILED: {
    thrownAs: remote,
    meaning: "Pushing a built image to its registry failed.",
    action: "Check the registry's address and the push credentials.",
  },
  DOCKYARD_IMAGE_MISSING: {
    thrownAs: remote,
    meaning: "A container's image is not on the machine.",
    action: "Declare an Image for it (or pull it) first.",
  },
  DOCKYARD_NETWORK_MISSING: {
    thrownAs: remote,
    meaning: "A container is to join a network that is not on the machine.",
    action: "Declare a Network for it (or create it) first.",
  },
  DOCKYARD_NOT_MANAGED: {
    thrownAs: remote,
    meaning: "A container, network or service of that name exists and was not created by Dockyard. Nothing was changed.",
    action: "Remove or rename the existing one, or choose another name.",
  },
  DOCKYARD_CONTAINER_NOT_RUNNING: {
    thrownAs: remote,
    meaning:
      "A container exited, keeps restarting, is unhealthy or was not up in time after it started; the message ends with its last log lines.",
    action: "Read the log lines; fix the image, command, environment or health check.",
  },
  DOCKYARD_PORT_IN_USE: {
    thrownAs: remote,
    meaning: "A host port a container publishes is taken by another process or container. Nothing was left behind.",
    action: "Free the port, or publish the container on another one.",
  },
  DOCKYARD_NETWORK_IN_USE: {
    thrownAs: remote,
    meaning: "A network to change or remove is used by containers Dockyard does not manage. Nothing was changed.",
    action: "Disconnect them (`docker network disconnect`) and run again.",
  },
  DOCKYARD_VOLUME_CONFLICT: {
    thrownAs: remote,
    meaning: "A volume of that name exists with other settings; it may hold data, so it is not removed. Nothing was changed.",
    action: "Remove it by hand (`docker volume rm`) or choose another name.",
  },
  DOCKYARD_VOLUME_IN_USE: {
    thrownAs: remote,
    meaning: "A volume to remove is still used by a container; it was kept.",
    action: "Remove or change the container first.",
  },
  // --- Compose ---
  DOCKYARD_COMPOSE_PLUGIN_MISSING: {
    thrownAs: remote,
    meaning: "`docker compose` does not answer on the machine: the engine has no compose v2 plugin. Nothing was changed.",
    action: 'Install the engine with `plugins: ["compose"]` (the default with docker-ce), or install docker-compose-plugin.',
  },
  DOCKYARD_COMPOSE_INVALID: {
    thrownAs: remote,
    meaning: "`docker compose config -q` on the machine refused the compose file (with its .env). The running project was not touched.",
    action: "Fix the compose file (the message quotes compose's reason; `docker compose config` shows it locally).",
  },
  DOCKYARD_COMPOSE_UP_FAILED: {
    thrownAs: remote,
    meaning:
      "`docker compose up -d --wait` failed or its services did not become running (healthy, where they have a healthcheck) within the wait bound.",
    action:
      "Read compose's output in the message and `docker compose -p <project> logs` on the machine; raise waitTimeout only when the services are just slow.",
  },
  // --- Swarm ---
  DOCKYARD_SWARM_FOREIGN: {
    thrownAs: remote,
    meaning: "A node is already in another swarm. Nothing was changed on it.",
    action: "Run `docker swarm leave` on it first.",
  },
  DOCKYARD_SWARM_LOCKED: {
    thrownAs: remote,
    meaning: "The node's swarm is locked (autolock).",
    action: "Unlock it with `docker swarm unlock`.",
  },
  DOCKYARD_SWARM_NOT_CONVERGED: {
    thrownAs: remote,
    meaning: "The swarm is not as declared after the changes (a node not ready, a role not applied).",
    action: "Read the remaining steps in the message; check the nodes can reach each other on 2377, 7946 and 4789.",
  },
  DOCKYARD_SERVICE_UPDATE_FAILED: {
    thrownAs: remote,
    meaning: "A service update was paused or rolled back by the swarm; the message says which tasks failed where.",
    action: "Read the task errors; fix the image or the service's settings.",
  },
  DOCKYARD_SERVICE_NOT_CONVERGED: {
    thrownAs: remote,
    meaning: "A service did not reach its replica count within convergeTimeoutSeconds.",
    action: "Read the task errors in the message; raise convergeTimeoutSeconds for a slow pull.",
  },
  // --- Rolling changes ---
  DOCKYARD_ROLLOUT_STOPPED: {
    thrownAs: "RemoteError",
    meaning:
      "A rollout gate waited for the batch before it and its containers were not running and healthy (health check, or published ports answering) within the gate's timeout. The later batches were not changed.",
    action:
      "Fix the named host's containers (docker ps, docker logs) and run again: the later batches follow once the batch is healthy. Raise rollout.timeout for containers that start slowly.",
  },

  // --- The program ---
  DOCKYARD_INVALID_ARGUMENT: {
    thrownAs: "InvalidArgumentError (a pulumi.InputPropertyError)",
    meaning: "An argument of a component is not valid; the message names the resource and the argument. Nothing reached a machine.",
    action: "Fix the argument as the message says.",
  },
  DOCKYARD_FLEET_FILE_INVALID: {
    thrownAs: "FleetFileError",
    meaning: "A fleet file has problems; every one is listed as file:line:col, the path and what was expected.",
    action: "Fix the listed problems.",
  },
  DOCKYARD_CONFIG_MISSING: {
    thrownAs: "FleetFileError",
    meaning: "A fleet file refers to Pulumi config values that are not set.",
    action: "Set them with the `pulumi config set` commands the message gives.",
  },
  DOCKYARD_AWS_SUBNET_NOT_FOUND: {
    thrownAs: "DockyardError",
    meaning: "AwsHost found no subnet to put the instance in.",
    action: "Give subnetId, or a vpcId and availabilityZone that have a subnet.",
  },
  DOCKYARD_AWS_HOST_KEY_NOT_REPORTED: {
    thrownAs: "DockyardError",
    meaning:
      "An AwsHost instance did not print its SSH host key on its serial console (read with the EC2 API's GetConsoleOutput) within hostKeyTimeoutSeconds, or printed more than one. Nothing was run on it.",
    action:
      "Check that the instance boots (its console output in the EC2 console) and that the credentials may call ec2:GetConsoleOutput; raise hostKeyTimeoutSeconds for a slow image. An instance made by an older AwsHost (the key in its user data) reports none: replace it.",
  },
} as const satisfies Record<string, ErrorCodeInfo>;

export type DockyardErrorCode = keyof typeof ERROR_CODES;

const CODE_IN_TEXT = /\[(DOCKYARD_[A-Z0-9_]+)\]/g;

function isKnown(code: string): code is DockyardErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

/** The message as it is thrown: the code first, in brackets, so it reads the same in every output. */
export function withCode(code: DockyardErrorCode, message: string): string {
  return `[${code}] ${message}`;
}

/** The text without the codes in it (an error's detail that quotes another Dockyard error). */
export function withoutCodes(text: string): string {
  return text.replace(/\[DOCKYARD_[A-Z0-9_]+\] /g, "");
}

/**
 * Every Dockyard code in an error, outermost first: its `code` property, then the codes its
 * message shows (an Automation API error's message holds the whole `pulumi` output).
 */
export function dockyardErrorCodes(err: unknown): DockyardErrorCode[] {
  const codes: DockyardErrorCode[] = [];
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === "string" && isKnown(e.code)) codes.push(e.code);
  const text = typeof err === "string" ? err : typeof e?.message === "string" ? e.message : "";
  for (const m of text.matchAll(CODE_IN_TEXT)) if (isKnown(m[1]) && !codes.includes(m[1])) codes.push(m[1]);
  return codes;
}

/**
 * True when `err` is (or, for an Automation API or CLI error, reports) a Dockyard error, and of
 * `code` when one is given. Works across processes: it reads the code from the message, where an
 * error thrown by a provider arrives as text.
 * @example
 * try { await stack.up(); } catch (e) {
 *   if (isDockyardError(e, "DOCKYARD_HOST_UNREACHABLE")) retryLater();
 * }
 */
export function isDockyardError(err: unknown, code?: DockyardErrorCode): boolean {
  const codes = dockyardErrorCodes(err);
  return code === undefined ? codes.length > 0 : codes.includes(code);
}

/** An error with a Dockyard code, for failures that need no class of their own. */
export class DockyardError extends Error {
  constructor(
    readonly code: DockyardErrorCode,
    message: string,
  ) {
    super(withCode(code, withoutCodes(message)));
    this.name = new.target.name;
  }
}

/** docs/errors.md, rendered from ERROR_CODES. */
export function errorCodesMarkdown(): string {
  const lines = [
    "# Error codes",
    "",
    "<!-- Rendered from src/model/error-codes.ts by `npx tsx scripts/error-docs.ts`; do not edit by hand. -->",
    "",
    "Every error Dockyard throws carries one of these codes: first in its message, in brackets",
    "(`[DOCKYARD_HOST_UNREACHABLE] root@10.0.0.5:22: unreachable: ...`), as it reaches the `pulumi`",
    "output, and in the error's `code` property where it is thrown in the program's own process.",
    "A code is never renamed or reused. To recognise one from a program or an Automation API caller:",
    "",
    "```ts",
    'import { LocalWorkspace } from "@pulumi/pulumi/automation";',
    'import { isDockyardError } from "pulumi-dockyard";',
    "",
    "export async function deploy(): Promise<void> {",
    '  const stack = await LocalWorkspace.selectStack({ stackName: "prod", workDir: "." });',
    "  try {",
    "    await stack.up();",
    "  } catch (e) {",
    '    if (!isDockyardError(e, "DOCKYARD_HOST_UNREACHABLE")) throw e;',
    "    // the machine is down: try again later",
    "  }",
    "}",
    "```",
    "",
    "| Code | Thrown as | Meaning | What to do |",
    "| --- | --- | --- | --- |",
  ];
  for (const [code, info] of Object.entries(ERROR_CODES) as [DockyardErrorCode, ErrorCodeInfo][]) {
    const cell = (s: string) => s.replace(/\|/g, "\\|");
    lines.push(`| \`${code}\` | ${cell(info.thrownAs)} | ${cell(info.meaning)} | ${cell(info.action)} |`);
  }
  return lines.join("\n") + "\n";
}
