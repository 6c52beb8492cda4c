import { yaml } from "../model/yaml";
import { HOST_KEY_REPORT_MARKER } from "../model/reported-host-key";

/** sshd drop-in that makes the server offer the pinned key and no other. */
export const HOST_KEY_DROP_IN = "/etc/ssh/sshd_config.d/00-dockyard-host-key.conf";

/**
 * The shell run once cloud-init has finished (runcmd): removes every host key but the instance's
 * own ed25519 pair (some images' sshd-keygen makes RSA and ECDSA keys when sshd first starts),
 * restarts a running sshd once its configuration checks out, so it offers that key only, and
 * prints the public key to the serial console, where AwsHost reads it back (GetConsoleOutput).
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
    "# The public key only (type and key, no comment), on every console EC2 records.",
    "key=$(cut -d ' ' -f 1,2 /etc/ssh/ssh_host_ed25519_key.pub)",
    `line="${HOST_KEY_REPORT_MARKER} $key"`,
    "for c in /dev/ttyS0 /dev/console; do",
    '  if [ -w "$c" ]; then printf \'%s\\n\' "$line" > "$c" || true; fi',
    "done",
    "",
  ].join("\n");
}

/**
 * Cloud-init user data that has an instance make its own SSH host key and report its public half,
 * so the first connection is already pinned (no trust on first use) and no private key is ever in
 * the user data (which every process on the machine can read from the instance metadata service):
 *
 * - `ssh_deletekeys` deletes the image's host keys and `ssh_genkeytypes` makes one ed25519 key
 *   (cloud-init's network stage, which every supported image orders before sshd).
 * - a drop-in in `/etc/ssh/sshd_config.d/` (read first by every supported image's sshd_config)
 *   names the key and limits `HostKeyAlgorithms` to ssh-ed25519.
 * - `runcmd` removes any other host key made since, restarts sshd and prints the public key to
 *   the serial console (see `renderHostKeyCleanup`), where AwsHost reads it back.
 *
 * It holds nothing secret.
 */
export function renderHostKeyUserData(): string {
  const config = {
    ssh_deletekeys: true,
    ssh_genkeytypes: ["ed25519"],
    write_files: [
      {
        path: HOST_KEY_DROP_IN,
        owner: "root:root",
        permissions: "0644",
        content: [
          "# Written by Dockyard: offer only the host key the instance reported on its console (pinned in the Pulumi state).",
          "HostKey /etc/ssh/ssh_host_ed25519_key",
          "HostKeyAlgorithms ssh-ed25519",
          "",
        ].join("\n"),
      },
    ],
    runcmd: [renderHostKeyCleanup()],
  };
  return "#cloud-config\n" + yaml().stringify(config, { lineWidth: 0 });
}
