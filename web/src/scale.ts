/**
 * A y scale that one reading cannot wreck: the axis holds every value within
 * SPREADS robust spreads of the median, and values beyond are clipped to the
 * axis edge, counted and marked (docs/validation.md, "Charts"). The spread
 * is 1.4826 x the median absolute deviation (the standard deviation for
 * normal data) but at least a quarter of |median|, so a flat signal with one
 * spike keeps its real excursions on the axis.
 */

export const SPREADS = 10;
const MAD_TO_SIGMA = 1.4826;
const MIN_RELATIVE_SPREAD = 0.25;

export interface RobustScale {
  /** Lowest and highest value kept on the axis (before padding). */
  readonly lo: number;
  readonly hi: number;
  /** How many values lie below `lo` / above `hi`, and the most extreme of them. */
  readonly below: number;
  readonly above: number;
  readonly lowest?: number;
  readonly highest?: number;
}

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The scale of the finite values among `values`; `undefined` when there are none. */
export function robustScale(values: Iterable<number | null | undefined>): RobustScale | undefined {
  const finite: number[] = [];
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) finite.push(v);
  if (finite.length === 0) return undefined;
  finite.sort((a, b) => a - b);
  const center = median(finite);
  const deviations = finite.map((v) => Math.abs(v - center)).sort((a, b) => a - b);
  let spread = Math.max(MAD_TO_SIGMA * median(deviations), MIN_RELATIVE_SPREAD * Math.abs(center));
  // Half the values or more equal the median (and it is 0): the nearest other value sets the spread.
  if (spread === 0) spread = deviations.find((d) => d > 0) ?? 0;
  const low = center - SPREADS * spread;
  const high = center + SPREADS * spread;
  const kept = finite.filter((v) => v >= low && v <= high);
  const under = finite.filter((v) => v < low);
  const over = finite.filter((v) => v > high);
  return {
    lo: kept[0] ?? center,
    hi: kept.at(-1) ?? center,
    below: under.length,
    above: over.length,
    ...(under.length > 0 ? { lowest: under[0] } : {}),
    ...(over.length > 0 ? { highest: over.at(-1) } : {}),
  };
}

/** The value drawn for `value` on the scale: clipped to the axis edge. */
export function clip(value: number | null, scale: RobustScale): number | null {
  if (value === null || !Number.isFinite(value)) return value;
  return Math.min(scale.hi, Math.max(scale.lo, value));
}

/** A caption note for clipped values, e.g. "1 value off the scale (up to 1.2e+6)"; empty when none. */
export function offScaleNote(scale: RobustScale, format: (v: number) => string): string {
  const parts: string[] = [];
  if (scale.above > 0 && scale.highest !== undefined) parts.push(`up to ${format(scale.highest)}`);
  if (scale.below > 0 && scale.lowest !== undefined) parts.push(`down to ${format(scale.lowest)}`);
  const count = scale.above + scale.below;
  if (count === 0) return '';
  return `${count} value${count === 1 ? '' : 's'} off the scale (${parts.join(', ')}), drawn on its edge`;
}

export interface AxisOptions {
  /** A value the axis must show too (a target, a minimum temperature). */
  readonly threshold?: number | undefined;
  /** The narrowest span the axis may have, so a 1 % change does not fill the chart. */
  readonly minSpan?: number | undefined;
  /** Start at zero (quantities whose size matters: tonnes). */
  readonly zeroBased?: boolean | undefined;
}

/**
 * The y axis for data from `min` to `max`: the threshold included, some air
 * above and below, at least `minSpan` wide (centred on the data), never
 * below zero for data that is not.
 */
export function axisRange(
  min: number | null,
  max: number | null,
  options: AxisOptions = {},
): [number, number] {
  const values = [min, max, options.threshold].filter(
    (v): v is number => typeof v === 'number' && Number.isFinite(v),
  );
  if (values.length === 0) return [0, options.minSpan ?? 1];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const nonNegative = lo >= 0;
  const pad = (hi - lo) * 0.12 || Math.abs(hi) * 0.1 || 1;
  lo = (options.zeroBased || lo - pad < 0) && nonNegative ? 0 : lo - pad;
  hi += pad;
  const minSpan = options.minSpan ?? 0;
  if (hi - lo < minSpan) {
    const mid = (lo + hi) / 2;
    lo = mid - minSpan / 2;
    hi = mid + minSpan / 2;
  }
  if (nonNegative && lo < 0) {
    hi -= lo;
    lo = 0;
  }
  return [lo, hi];
}
