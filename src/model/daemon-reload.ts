// Which daemon.json keys dockerd takes on SIGHUP ("configuration reload behavior" in dockerd's
// reference), so that a change to them only is a reload: no restart, no container stopped even
// without live-restore. Kept to the keys every supported docker (20.10 on) reloads; dockerd
// reloads a key only when the new file sets it (`IsValueSet`), so a key taken out needs a restart.
import { isDeepStrictEqual } from "node:util";

/** The keys dockerd 20.10 and later reload on SIGHUP. */
export const RELOADABLE_KEYS: ReadonlySet<string> = new Set([
  "debug",
  "labels",
  "live-restore",
  "max-concurrent-downloads",
  "max-concurrent-uploads",
  "max-download-attempts",
  "shutdown-timeout",
  "insecure-registries",
  "registry-mirrors",
  "allow-nondistributable-artifacts",
]);

/** The keys whose value differs between two daemon.json files (added, changed or taken out). */
export function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => !isDeepStrictEqual(before[k], after[k])).sort();
}

/**
 * True when going from `before` to `after` is a reload: something changed, every changed key is
 * reloadable and still set in `after`.
 */
export function reloadSuffices(before: Record<string, unknown>, after: Record<string, unknown>): boolean {
  const changed = changedKeys(before, after);
  return changed.length > 0 && changed.every((k) => RELOADABLE_KEYS.has(k) && k in after);
}
