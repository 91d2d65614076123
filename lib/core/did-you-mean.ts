/**
 * "Did you mean …?" for a value that must come from a known list (regions, instance classes):
 * the closest entries by edit distance.
 *
 * Tested via: test/core/did-you-mean.test.ts
 */

/** Levenshtein distance (insertions, deletions, substitutions) between two strings. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The known values closest to `value` (ties all returned, in list order), or none when even the
 * closest is more than `maxDistance` edits away (then a suggestion would only confuse).
 */
export function closest(value: string, known: readonly string[], maxDistance = Math.max(2, Math.floor(value.length / 3))): string[] {
  const scored = known.map((k) => ({ k, d: editDistance(value, k) }));
  const best = Math.min(...scored.map((s) => s.d));
  return best <= maxDistance ? scored.filter((s) => s.d === best).map((s) => s.k) : [];
}

/** ` Did you mean "a" (or "b")?` or an empty string. */
export function didYouMean(value: string, known: readonly string[], maxDistance?: number): string {
  const hits = closest(value, known, maxDistance);
  return hits.length ? ` Did you mean ${hits.map((h) => JSON.stringify(h)).join(" or ")}?` : "";
}
