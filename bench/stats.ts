/** Summaries of repeated measurements: every figure is a median, shown with its min and max. */

export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  /** Every run, in run order. */
  readonly runs: readonly number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function spread(values: readonly number[]): Spread {
  return {
    min: Math.min(...values),
    median: median(values),
    max: Math.max(...values),
    runs: [...values],
  };
}

/** Nearest-rank percentile (p in 0..100) of `values`; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

/** Rounds to `digits` significant digits for the JSON file (keeps it readable, loses nothing that matters). */
export function round(value: number, digits = 4): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}

export function roundSpread(s: Spread, digits = 4): Spread {
  return {
    min: round(s.min, digits),
    median: round(s.median, digits),
    max: round(s.max, digits),
    runs: s.runs.map((v) => round(v, digits)),
  };
}
