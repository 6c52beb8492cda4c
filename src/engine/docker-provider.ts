import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as dockerTypes from "@pulumi/docker";
import { invalid } from "../model/input-error";
import type { ConnectionInputs } from "../providers/connection-inputs";
import { dockerHostUrl, knownHostsEntry } from "../model/docker-cli-access";

/** `host key` or `[host]:port key`, as OpenSSH's known_hosts has it (the model's entry; refused where none can be written). */
export function knownHostsLine(c: Pick<ConnectionInputs, "host" | "port" | "hostKey">): string {
  if (!c.hostKey) invalid("hostKey", "is needed to give a @pulumi/docker provider: host-key checking is never turned off");
  const line = knownHostsEntry(c);
  if (!line) invalid("hostKey", "must be the full public key (not only its fingerprint) to write a known_hosts file for the docker CLI");
  return line;
}

/** The `ssh://` URL and ssh options a @pulumi/docker provider needs, with host keys checked. */
export function dockerProviderSettings(
  c: ConnectionInputs,
  files: { knownHosts: string; identity: string },
): { host: string; sshOpts: string[] } {
  if (c.insecureSkipHostKeyCheck) {
    invalid("insecureSkipHostKeyCheck", "is set on this host: a @pulumi/docker provider is only given for hosts with a pinned key");
  }
  if (c.jump) invalid("jump", "is not supported for a @pulumi/docker provider yet: reach the host directly");
  return {
    host: dockerHostUrl(c),
    sshOpts: [
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      `UserKnownHostsFile=${files.knownHosts}`,
      "-o",
      "IdentitiesOnly=yes",
      "-i",
      files.identity,
    ],
  };
}

/**
 * Writes the known_hosts line and the private key (mode 0600) for the docker CLI that the
 * @pulumi/docker provider runs, under the user's cache, keyed by host and key.
 */
function writeSshFiles(c: ConnectionInputs, privateKey: string): { knownHosts: string; identity: string } {
  const id = createHash("sha256").update(`${c.host}:${c.port}\n${c.hostKey}\n${privateKey}`).digest("hex").slice(0, 16);
  const dir = path.join(process.env.DOCKYARD_CACHE ?? path.join(os.homedir(), ".cache", "dockyard"), "ssh", id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const knownHosts = path.join(dir, "known_hosts");
  const identity = path.join(dir, "id");
  writeFileSync(knownHosts, knownHostsLine(c) + "\n", { mode: 0o600 });
  writeFileSync(identity, privateKey.endsWith("\n") ? privateKey : privateKey + "\n", { mode: 0o600 });
  chmodSync(identity, 0o600);
  return { knownHosts, identity };
}

/** A @pulumi/docker Provider for a host's engine (ssh://, the pinned host key in a known_hosts file). */
export function dockerProviderFor(
  name: string,
  connection: pulumi.Output<ConnectionInputs>,
  credentials: pulumi.Output<{ privateKey: string }>,
  opts?: pulumi.CustomResourceOptions,
): dockerTypes.Provider {
  // Loaded on use: programs that never ask for it do not load @pulumi/docker.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded on use
  const docker = require("@pulumi/docker") as typeof dockerTypes;
  // The options hold file paths, not the key: they need not be secret, unlike what they came from.
  const settings = pulumi.unsecret(
    pulumi.all([connection, credentials]).apply(([c, cr]) => dockerProviderSettings(c, writeSshFiles(c, cr.privateKey))),
  );
  return new docker.Provider(name, { host: settings.host, sshOpts: settings.sshOpts }, opts);
}
