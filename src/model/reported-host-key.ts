// An instance's own SSH host key, as it reports it on its serial console at first boot. The
// instance makes its key itself, so no private key is ever handed to it (EC2 user data is readable
// by every process on the machine, containers included, through the instance metadata service);
// the public half comes back over the EC2 API (GetConsoleOutput), a channel the instance's
// network neighbours cannot write to, and is read once, at creation, before Dockyard runs anything
// there.

/** What starts the line the instance prints on its console: `dockyard-host-key: ssh-ed25519 AAAA...`. */
export const HOST_KEY_REPORT_MARKER = "dockyard-host-key:";

/** An OpenSSH ed25519 public key blob: the type name and 32 bytes of key (68 base64 characters). */
const ED25519_LINE = /^ssh-ed25519 (AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43}=?)$/;

/** What the console shows: the key, nothing yet, or more than one key (never pinned). */
export type ReportedHostKey = { kind: "key"; publicKey: string } | { kind: "none" } | { kind: "ambiguous"; count: number };

/**
 * The host key in an instance's console output. The marker may come after a prefix the console
 * adds (a kernel timestamp, `cloud-init[123]:`); the same key printed twice (one line on each of
 * two consoles) is one key. Two different keys are ambiguous: something else wrote to the console.
 */
export function parseReportedHostKey(consoleOutput: string): ReportedHostKey {
  const keys = new Set<string>();
  for (const raw of consoleOutput.split(/\r?\n/)) {
    const at = raw.indexOf(HOST_KEY_REPORT_MARKER);
    if (at < 0) continue;
    const m = ED25519_LINE.exec(
      raw
        .slice(at + HOST_KEY_REPORT_MARKER.length)
        .replace(/\r/g, "")
        .trim(),
    );
    if (m && Buffer.from(m[1], "base64").length === 51) keys.add(`ssh-ed25519 ${m[1]}`);
  }
  if (keys.size === 1) return { kind: "key", publicKey: [...keys][0] };
  return keys.size === 0 ? { kind: "none" } : { kind: "ambiguous", count: keys.size };
}
