/** Levenshtein distance: the fewest single-character edits that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The candidate nearest to `typed` and its distance (the first of equals wins); undefined when there are none. */
export function nearest<T extends string>(typed: string, candidates: readonly T[]): { match: T; distance: number } | undefined {
  let best: { match: T; distance: number } | undefined;
  for (const c of candidates) {
    const distance = editDistance(typed, c);
    if (!best || distance < best.distance) best = { match: c, distance };
  }
  return best;
}
