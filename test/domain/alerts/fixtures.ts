/**
 * Synthetic plant data for the alert tests: KPI days in Asia/Almaty, a seeded
 * random source, furnace readings, and a harness that feeds rule verdicts
 * through the lifecycle the way the evaluator does.
 */

import type { RuleReading } from '../../../lambdas/domain/alerts/good-series.ts';
import { advance } from '../../../lambdas/domain/alerts/lifecycle.ts';
import {
  type Alert,
  type AlertRuleSettings,
  type AlertTransition,
  DEFAULT_ALERT_RULES,
  type Evaluation,
} from '../../../lambdas/domain/alerts/model.ts';
import { type KpiPoint, kpiValues } from '../../../lambdas/domain/kpis.ts';
import type { Quality } from '../../../lambdas/domain/telemetry.ts';
import { MINUTE_MS, zonedTimeToEpoch } from '../../../lambdas/domain/time.ts';
import { prng as seeded } from '../../../lambdas/sim/fleet.ts';

export const TZ = 'Asia/Almaty';
export const PLANT = 'kz-ast-01';
export const RULES: AlertRuleSettings = DEFAULT_ALERT_RULES;

/** Start of plant-local day `i`, counted from Sunday 2026-11-01 (day 23 is Tuesday 2026-11-24). */
export const dayStart = (i: number): number => zonedTimeToEpoch(2026, 11, 1 + i, 0, TZ);

export interface DayTotals {
  readonly received?: number;
  readonly landfilled?: number;
  readonly recycled?: number;
  readonly fed?: number;
  readonly exported?: number;
  readonly unburnt?: number;
}

/** A KPI day computed from totals with the real KPI arithmetic. */
export function kpiDay(i: number, t: DayTotals, complete = true): KpiPoint {
  return {
    start: dayStart(i),
    end: dayStart(i + 1),
    complete,
    ...kpiValues({
      received_t: t.received ?? 0,
      landfilled_t: t.landfilled ?? 0,
      recycled_t: t.recycled ?? 0,
      unburnt_out_t: t.unburnt ?? 0,
      fed_t: t.fed ?? 0,
      electricity_generated_mwh: (t.exported ?? 0) * 1.15,
      electricity_exported_mwh: t.exported ?? 0,
      heat_exported_mwh: 0,
    }),
  };
}

/** A KPI day with fields set directly (for exact boundary values). */
export function kpiPoint(i: number, fields: Partial<KpiPoint>): KpiPoint {
  return { ...kpiDay(i, { received: 100, fed: 100, exported: 55 }), ...fields };
}

/**
 * An ordinary day: ~1,200 t in, ~25 % landfilled (diversion ~75 %), feed
 * within ±2 % of receipts less 10 t sent out unburnt, ~0.55 MWh/t exported.
 */
export function normalTotals(random: () => number): Required<DayTotals> {
  const received = 1200 + 100 * (random() - 0.5);
  const fed = (received - 10) * (1 + 0.04 * (random() - 0.5));
  return {
    received,
    landfilled: received * (0.25 + 0.04 * (random() - 0.5)),
    recycled: received * 0.05,
    fed,
    exported: fed * (0.55 + 0.02 * (random() - 0.5)),
    unburnt: 10,
  };
}

export function normalDays(count: number, seed: number): KpiPoint[] {
  const random = seeded(seed);
  return Array.from({ length: count }, (_, i) => kpiDay(i, normalTotals(random)));
}

export type DailyRule = 'diversion' | 'spike' | 'massBalance' | 'energy';

const keyOf = (e: Evaluation) => `${e.plantId}|${e.type}|${e.subject}`;

/** Feeds verdicts through the lifecycle in order, keeping the latest alert per (plant, type, subject). */
export class AlertHarness {
  readonly alerts = new Map<string, Alert>();
  readonly transitions: AlertTransition[] = [];
  readonly evaluations: Evaluation[] = [];

  constructor(readonly settings: AlertRuleSettings = RULES) {}

  apply(evaluations: readonly Evaluation[]): AlertTransition[] {
    const emitted: AlertTransition[] = [];
    for (const evaluation of evaluations) {
      this.evaluations.push(evaluation);
      const change = advance(this.alerts.get(keyOf(evaluation)), evaluation, this.settings);
      if (!change) continue;
      this.alerts.set(keyOf(evaluation), change.next);
      if (change.transition) emitted.push(change.transition);
    }
    this.transitions.push(...emitted);
    return emitted;
  }

  kinds(): string[] {
    return this.transitions.map((t) => `${t.kind} ${t.alert.type}/${t.alert.subject}`);
  }
}

export interface FurnaceSample {
  readonly minute: number;
  readonly value: number;
  readonly quality?: Quality;
}

export const FURNACE_T0 = Date.parse('2026-11-24T08:00:00+05:00');

export function furnaceReadings(samples: readonly FurnaceSample[], line = 'boiler-1'): RuleReading[] {
  return samples.map((s) => ({
    line,
    metric: 'furnace_temperature',
    ts: FURNACE_T0 + s.minute * MINUTE_MS,
    value: s.value,
    quality: s.quality ?? 'GOOD',
  }));
}

/** One sample a minute: `values[i]` at minute `i`. */
export const perMinute = (values: readonly number[]): FurnaceSample[] =>
  values.map((value, minute) => ({ minute, value }));

/** mulberry32, the fleet simulator's seeded generator: the same "random" data on every run. */
export { seeded };
