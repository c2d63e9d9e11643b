/**
 * Counter (totalizer) arithmetic, docs/contract.md section 3: the increase of a
 * counter is the sum of positive steps between consecutive GOOD readings in
 * time order; a drop is a reset, after which the counter counts from zero, so
 * the step onto the dropped value contributes that value itself.
 */
import type { Quality } from './telemetry.ts';

export interface CounterPoint {
  readonly ts: number;
  readonly value: number;
  readonly quality: Quality;
}

export interface CounterStep {
  /** Time of the later reading: the step is attributed to its bucket. */
  readonly ts: number;
  readonly increase: number;
}

/**
 * Steps of one counter series. Non-GOOD readings are skipped (a BAD spike
 * neither counts nor fakes a reset); order of arrival does not matter; of two
 * readings at the same instant the last one given wins.
 */
export function counterSteps(points: Iterable<CounterPoint>): CounterStep[] {
  const byTs = new Map<number, number>();
  for (const point of points) {
    if (point.quality === 'GOOD' && Number.isFinite(point.value)) byTs.set(point.ts, point.value);
  }
  const ordered = [...byTs.entries()].sort((a, b) => a[0] - b[0]);
  const steps: CounterStep[] = [];
  for (let i = 1; i < ordered.length; i++) {
    const [, previous] = ordered[i - 1] as [number, number];
    const [ts, current] = ordered[i] as [number, number];
    steps.push({ ts, increase: current >= previous ? current - previous : Math.max(current, 0) });
  }
  return steps;
}

/** Total increase of one counter series over the half-open interval [from, to). */
export function counterIncrease(points: Iterable<CounterPoint>, from: number, to: number): number {
  let total = 0;
  for (const step of counterSteps(points)) {
    if (step.ts >= from && step.ts < to) total += step.increase;
  }
  return total;
}
