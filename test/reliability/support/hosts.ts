import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import type { ExecutionContext } from "ava";
import { Rig, type RigHost } from "../../rig/rig";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Everything on a host that Dockyard could change, in one text: /etc/docker (every file with
 * its sha256), the package repository files (sources.list and sources.list.d, keyrings), the
 * docker binaries in /usr/bin (size, mode, mtime), systemd units (/etc/systemd/system and the
 * packaged docker/containerd units, with their enabled and active state), docker packages and
 * holds, and, when the host has a docker that answers, its containers and images.
 *
 * An empty directory does not count (a `mkdir -p /etc/docker` changes nothing a user sees);
 * every file in it does. Container lines carry ID, name, image, state and ports, not uptime.
 */
const FINGERPRINT_SCRIPT = [
  "export LC_ALL=C",
  "echo '## /etc/docker'",
  'find /etc/docker -xdev \\( -type f -o -type l \\) 2>/dev/null | sort | while read -r f; do echo "$f $(sha256sum < "$f" 2>/dev/null | cut -c1-16) $(stat -c %a "$f")"; done',
  "echo '## apt'",
  'find /etc/apt/sources.list /etc/apt/sources.list.d /etc/apt/keyrings /etc/apt/trusted.gpg.d /etc/apt/preferences.d -xdev \\( -type f -o -type l \\) 2>/dev/null | sort | while read -r f; do echo "$f $(sha256sum < "$f" | cut -c1-16)"; done',
  "echo '## binaries'",
  'for f in /usr/bin/docker* /usr/bin/containerd* /usr/bin/runc /usr/bin/ctr; do [ -e "$f" ] && stat -c \'%n %s %a %Y\' "$f"; done; true',
  "echo '## units'",
  'find /etc/systemd/system -xdev \\( -type f -o -type l \\) 2>/dev/null | sort | while read -r f; do if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"; else echo "$f $(sha256sum < "$f" | cut -c1-16)"; fi; done',
  'for f in /lib/systemd/system/docker* /lib/systemd/system/containerd*; do [ -e "$f" ] && echo "$f $(sha256sum < "$f" | cut -c1-16)"; done; true',
  'for u in docker.service docker.socket containerd.service; do echo "$u $(systemctl is-enabled $u 2>/dev/null || true) $(systemctl is-active $u 2>/dev/null || true)"; done',
  "echo '## packages'",
  "dpkg-query -W -f='${Package} ${Version} ${Status}\\n' 2>/dev/null | grep -E '^(docker|containerd|runc|moby|podman)' || true",
  "echo \"holds: $(apt-mark showhold 2>/dev/null | tr '\\n' ' ')\"",
  "echo '## containers'",
  "if docker version >/dev/null 2>&1; then",
  "  docker ps -a --no-trunc --format '{{.ID}} {{.Names}} {{.Image}} {{.State}} {{.Ports}}' | sort",
  "  echo '## images'",
  "  docker image ls -q --no-trunc | sort -u",
  "else echo 'no docker'; fi",
].join("\n");

export function fingerprint(rig: Rig, h: RigHost): Promise<string> {
  return rig.exec(h, FINGERPRINT_SCRIPT);
}

/** The lines of two fingerprints that differ, for a readable assertion message. */
export function fingerprintDiff(before: string, after: string): string {
  const a = new Set(before.split("\n"));
  const b = new Set(after.split("\n"));
  const gone = [...a].filter((l) => !b.has(l)).map((l) => `- ${l}`);
  const added = [...b].filter((l) => !a.has(l)).map((l) => `+ ${l}`);
  return [...gone, ...added].join("\n");
}

/**
 * Asserts the host looks exactly as before. Containers with a restart policy come back on their
 * own after a docker restart (a rolled-back daemon.json restarts docker twice), so a host whose
 * docker is still bringing them up gets a few seconds to settle; any lasting difference fails.
 */
export async function assertUnchanged(t: ExecutionContext, rig: Rig, h: RigHost, before: string, what = h.name): Promise<void> {
  let after = await fingerprint(rig, h);
  for (let i = 0; after !== before && i < 20; i++) {
    await sleep(1000);
    after = await fingerprint(rig, h);
  }
  t.is(after, before, `${what} changed:\n${fingerprintDiff(before, after)}`);
}

/** Every file under a directory, concatenated: a state backend as it is on disk. */
export function readTree(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
}

/** Escapes a string for use inside a RegExp. */
export const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Waits until `check` resolves true, polling; rejects with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Shared/exclusive access to one host: cases that must leave a host unchanged share it, a case
 * that may change it for a moment (a rollback, a container that is created and removed) has it
 * alone, so no case's before/after fingerprint sees another case's work.
 */
export class HostLock {
  private readers = 0;
  private writer = false;
  private queue: { exclusive: boolean; go: () => void }[] = [];

  shared<T>(fn: () => Promise<T>): Promise<T> {
    return this.with(false, fn);
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.with(true, fn);
  }

  private async with<T>(exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    await new Promise<void>((go) => {
      this.queue.push({ exclusive, go });
      this.pump();
    });
    try {
      return await fn();
    } finally {
      if (exclusive) this.writer = false;
      else this.readers--;
      this.pump();
    }
  }

  private pump(): void {
    // First come, first served: a waiting exclusive holder is not starved by later shared ones.
    while (this.queue.length && !this.writer) {
      const next = this.queue[0];
      if (next.exclusive && this.readers > 0) return;
      this.queue.shift();
      if (next.exclusive) this.writer = true;
      else this.readers++;
      next.go();
    }
  }
}
