/**
 * The GOOD series of one sensor as the sensor rules (combustion, stuck) read
 * it: finite readings, one per instant, in time order.
 */
import type { Reading } from '../telemetry.ts';

/** The reading fields the sensor rules use. */
export type RuleReading = Pick<Reading, 'line' | 'metric' | 'ts' | 'value' | 'quality'> & {
  readonly correction?: boolean;
};

export interface SeriesPoint {
  readonly ts: number;
  readonly value: number;
  readonly correction: boolean;
}

/**
 * GOOD, finite readings of one series, one per instant, in time order. Of two
 * readings at one instant a correction wins, then the lower value: the choice
 * does not depend on arrival order.
 */
export function goodSeries(
  readings: Iterable<RuleReading>,
  line: string,
  metric: string,
  notAfter = Number.POSITIVE_INFINITY,
): SeriesPoint[] {
  const byTs = new Map<number, SeriesPoint>();
  for (const r of readings) {
    if (r.line !== line || r.metric !== metric || r.quality !== 'GOOD') continue;
    if (!Number.isFinite(r.value) || !Number.isFinite(r.ts) || r.ts > notAfter) continue;
    const candidate = { ts: r.ts, value: r.value, correction: r.correction === true };
    const held = byTs.get(r.ts);
    const wins =
      !held ||
      (candidate.correction && !held.correction) ||
      (candidate.correction === held.correction && candidate.value < held.value);
    if (wins) byTs.set(r.ts, candidate);
  }
  return [...byTs.values()].sort((a, b) => a.ts - b.ts);
}
