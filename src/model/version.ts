/**
 * Compares dotted numeric versions by their leading numeric part (`3.10.0-1127.el7` vs `3.10`,
 * `24.0.10` vs `24.0.9`): negative, zero or positive. Missing components count as 0.
 */
export function compareVersions(a: string, b: string): number {
  const pa = numericPrefix(a);
  const pb = numericPrefix(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The numeric components a version starts with: `24.0.7-1~debian` -> [24, 0, 7]. */
export function numericPrefix(version: string): number[] {
  return (version.match(/^[0-9]+(\.[0-9]+)*/)?.[0] ?? "0").split(".").map(Number);
}
