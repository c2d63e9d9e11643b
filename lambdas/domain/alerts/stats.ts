/**
 * Small, exact statistics for the alert rules (docs/reference/domain.md section 7.2): median
 * and MAD for robust baselines, population standard deviation for flatline
 * tests, and an exponentially weighted mean and variance for drift charts.
 * Pure; callers pass finite values only.
 */

/** Consistency constant: 1.4826 × MAD estimates σ for normally distributed data. */
export const MAD_SCALE = 1.4826;

/** Median of the values; `NaN` for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

/** Median absolute deviation from the median (unscaled); `NaN` for none. */
export function medianAbsoluteDeviation(values: readonly number[]): number {
  const centre = median(values);
  return median(values.map((v) => Math.abs(v - centre)));
}

/** Arithmetic mean; `NaN` for none. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * Population standard deviation, two passes over the values shifted by the
 * first one: a flat series gives exactly 0 (not rounding noise from summing
 * a thousand 850.1s), and large levels with small spread lose no precision.
 * `NaN` for none.
 */
export function populationStd(values: readonly number[]): number {
  const [shift] = values;
  if (shift === undefined) return Number.NaN;
  const centre = mean(values.map((v) => v - shift));
  let squares = 0;
  for (const v of values) squares += (v - shift - centre) ** 2;
  return Math.sqrt(squares / values.length);
}

export interface EwmaState {
  /** Exponentially weighted mean. */
  readonly mean: number;
  /** Exponentially weighted variance of the values around that mean. */
  readonly variance: number;
  readonly count: number;
}

export interface EwmaClip {
  /** A value further than this many σ from the running mean enters the average at that distance. */
  readonly sigmas: number;
  /** σ used for clipping is at least this fraction of |mean|, so a flat start does not freeze the average. */
  readonly sigmaFloorFraction: number;
}

/**
 * Exponentially weighted mean and variance in one pass, in the given order
 * (oldest first): `mean ← mean + λ·(x − mean)` and
 * `var ← (1 − λ)·(var + λ·(x − mean)²)` (Finch 2009, "Incremental calculation
 * of weighted mean and variance"). Starts from the first value with variance
 * 0, so both forget old data at the same rate λ. With `clip`, each later value
 * is first limited to mean ± clip.sigmas·σ (a Huber-type robust EWMA): one
 * outlier moves the baseline by at most λ·clip.sigmas·σ, while a lasting shift
 * is still learned, over several steps. `undefined` for no values.
 */
export function ewma(values: readonly number[], lambda: number, clip?: EwmaClip): EwmaState | undefined {
  const [first, ...rest] = values;
  if (first === undefined) return undefined;
  let m = first;
  let variance = 0;
  for (const value of rest) {
    let x = value;
    if (clip) {
      const reach = clip.sigmas * Math.max(Math.sqrt(variance), clip.sigmaFloorFraction * Math.abs(m));
      x = Math.min(Math.max(x, m - reach), m + reach);
    }
    const diff = x - m;
    const increment = lambda * diff;
    m += increment;
    variance = (1 - lambda) * (variance + diff * increment);
  }
  return { mean: m, variance, count: values.length };
}
