/** Index of the first item with ts >= `ts` in items ordered by ts (both read caches keep such arrays). */
export function firstAtOrAfter(items: ReadonlyArray<{ readonly ts: number }>, ts: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((items[mid] as { readonly ts: number }).ts < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
