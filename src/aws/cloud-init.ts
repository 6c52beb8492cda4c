import { stringify } from "yaml";
import { DockyardError } from "../model/error-codes";

/** The SSH host key an instance is given at boot: an ed25519 pair in OpenSSH form. */
export interface HostKeyPair {
  /** `ssh-ed25519 AAAA... comment` */
  publicKey: string;
  /** `-----BEGIN OPENSSH PRIVATE KEY-----...` (a secret) */
  privateKey: string;
}

/** sshd drop-in that makes the server offer the pinned key and no other. */
export const HOST_KEY_DROP_IN = "/etc/ssh/sshd_config.d/00-dockyard-host-key.conf";

/**
 * The shell run once cloud-init has finished (runcmd): removes every host key but the pinned
 * ed25519 pair (some images' sshd-keygen makes RSA and ECDSA keys when sshd first starts), and
 * restarts a running sshd once its configuration checks out, so it offers the pinned key only.
 * A socket-activated sshd (Ubuntu 24.04) that is not running picks it up on the next connection.
 */
export function renderHostKeyCleanup(): string {
  return [
    "set -eu",
    "for f in /etc/ssh/ssh_host_*key /etc/ssh/ssh_host_*key.pub /etc/ssh/ssh_host_*key-cert.pub; do",
    '  case "$f" in',
    "    /etc/ssh/ssh_host_ed25519_key | /etc/ssh/ssh_host_ed25519_key.pub) ;;",
    '    *) rm -f -- "$f" ;;',
    "  esac",
    "done",
    "chmod 600 /etc/ssh/ssh_host_ed25519_key",
    "chmod 644 /etc/ssh/ssh_host_ed25519_key.pub",
    "if command -v restorecon >/dev/null 2>&1; then restorecon -R /etc/ssh || true; fi",
    "sshd=/usr/sbin/sshd",
    '[ -x "$sshd" ] || sshd=$(command -v sshd)',
    '"$sshd" -t',
    "for unit in sshd.service ssh.service; do",
    '  if systemctl is-active --quiet "$unit"; then',
    '    systemctl restart "$unit"',
    "    break",
    "  fi",
    "done",
    "",
  ].join("\n");
}

/**
 * Cloud-init user data that gives an instance a known SSH host key before sshd first starts, so
 * the first connection is already pinned (no trust on first use):
 *
 * - `ssh_keys` installs the pair; with it, cloud-init deletes the image's host keys
 *   (`ssh_deletekeys`) and generates none. This runs in cloud-init's network stage, which every
 *   supported image orders before sshd.
 * - a drop-in in `/etc/ssh/sshd_config.d/` (read first by every supported image's sshd_config)
 *   names the key and limits `HostKeyAlgorithms` to ssh-ed25519.
 * - `runcmd` removes any other host key made since and restarts sshd (see `renderHostKeyCleanup`).
 *
 * The result holds the private host key: treat it as a secret.
 */
export function renderHostKeyUserData(hostKey: HostKeyPair): string {
  const publicKey = hostKey.publicKey.trim();
  if (!/^ssh-ed25519 [A-Za-z0-9+/]+=*( .*)?$/.test(publicKey)) {
    throw new DockyardError("DOCKYARD_INVALID_ARGUMENT", "the host public key must be an OpenSSH ssh-ed25519 line");
  }
  if (!/^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\s*$/.test(hostKey.privateKey.trim() + "\n")) {
    throw new DockyardError("DOCKYARD_INVALID_ARGUMENT", "the host private key must be in OpenSSH form");
  }
  const config = {
    ssh_deletekeys: true,
    ssh_genkeytypes: [],
    ssh_keys: {
      ed25519_private: hostKey.privateKey.trim() + "\n",
      ed25519_public: publicKey,
    },
    write_files: [
      {
        path: HOST_KEY_DROP_IN,
        owner: "root:root",
        permissions: "0644",
        content: [
          "# Written by Dockyard: offer only the host key pinned in the Pulumi state.",
          "HostKey /etc/ssh/ssh_host_ed25519_key",
          "HostKeyAlgorithms ssh-ed25519",
          "",
        ].join("\n"),
      },
    ],
    runcmd: [renderHostKeyCleanup()],
  };
  return "#cloud-config\n" + stringify(config, { lineWidth: 0 });
}
