/**
 * The rules that judge a complete day against its trailing history
 * (LANDFILL_SPIKE, ENERGY_RECOVERY_DROP) or on its own (MASS_BALANCE_GAP):
 * the scheduled run's, never the batch step's. Pure.
 */
import { DEFAULT_TIME_ZONE, type KpiPoint } from '../kpis.ts';
import { DAY_MS, localDate } from '../time.ts';
import type { AlertRuleSettings, Evaluation } from './model.ts';
import { evaluation, isAbove, isAtLeast, isBelow, pct, tonnes, type Verdict } from './rule-verdict.ts';
import { ewma, MAD_SCALE, median, medianAbsoluteDeviation } from './stats.ts';

/** Robust z-score must fall this far below `zLimit` before a landfill spike clears. */
export const SPIKE_CLEAR_DEADBAND = 1;
/** Same-weekday days needed before the spike baseline uses them instead of all trailing days. */
export const MIN_SAME_WEEKDAY_DAYS = 4;
/** The spike rule's σ is never below this many tonnes (a flat history is not infinitely sensitive)... */
export const SPIKE_SIGMA_FLOOR_T = 1;
/** ...nor below this fraction of the baseline median. */
export const SPIKE_SIGMA_FLOOR_FRACTION = 0.1;
/** The energy rule's σ is never below this fraction of the EWMA baseline. */
export const ENERGY_SIGMA_FLOOR_FRACTION = 0.02;

/** Complete KPI days before `day`, one per start (the last given wins), oldest first. */
function completeDaysBefore(day: KpiPoint, trailing: readonly KpiPoint[]): KpiPoint[] {
  const byStart = new Map<number, KpiPoint>();
  for (const point of trailing) {
    if (point.complete && point.end <= day.start) byStart.set(point.start, point);
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}

/** Whole plant-local days between two day starts; rounding absorbs the ±1 h of a DST change. */
const daysBetween = (earlier: number, later: number): number => Math.round((later - earlier) / DAY_MS);

// ---------------------------------------------------------------------------
// LANDFILL_SPIKE
// ---------------------------------------------------------------------------

export interface LandfillBaseline {
  /** Median landfilled tonnes of the baseline days. */
  readonly median: number;
  /** Robust σ: max(1.4826 × MAD, SPIKE_SIGMA_FLOOR_T, SPIKE_SIGMA_FLOOR_FRACTION × median). */
  readonly sigma: number;
  /** Complete trailing days inside `trailingDays` (the warm-up counts these). */
  readonly historyDays: number;
  /** Days the baseline was taken over. */
  readonly baselineDays: number;
  readonly sameWeekday: boolean;
}

/**
 * Robust baseline of landfilled tonnes (docs/reference/domain.md section 7.1 #1): the
 * complete days of the last `trailingDays` before `day`; of those, the same
 * weekday only when there are at least MIN_SAME_WEEKDAY_DAYS of them (deliveries
 * follow the week), otherwise all. `undefined` when there is no history.
 */
export function landfillBaseline(
  day: KpiPoint,
  trailing: readonly KpiPoint[],
  settings: AlertRuleSettings,
): LandfillBaseline | undefined {
  const history = completeDaysBefore(day, trailing).filter((d) => {
    const back = daysBetween(d.start, day.start);
    return back >= 1 && back <= settings.landfillSpike.trailingDays;
  });
  if (history.length === 0) return undefined;
  const sameWeekday = history.filter((d) => daysBetween(d.start, day.start) % 7 === 0);
  const useWeekday = sameWeekday.length >= MIN_SAME_WEEKDAY_DAYS;
  const values = (useWeekday ? sameWeekday : history).map((d) => d.landfilled_t);
  const centre = median(values);
  const sigma = Math.max(
    MAD_SCALE * medianAbsoluteDeviation(values),
    SPIKE_SIGMA_FLOOR_T,
    SPIKE_SIGMA_FLOOR_FRACTION * Math.abs(centre),
  );
  return {
    median: centre,
    sigma,
    historyDays: history.length,
    baselineDays: values.length,
    sameWeekday: useWeekday,
  };
}

/**
 * Landfilled tonnes far above the robust baseline (median/MAD). Holding during
 * warm-up (fewer than `warmupDays` complete days of history). Firing when the
 * robust z-score exceeds `zLimit` and at least `minTonnes` went to landfill:
 * an incomplete day may fire (its tonnage only grows) but only a complete day
 * clears, when z < zLimit − SPIKE_CLEAR_DEADBAND. Subject `plant`; warning.
 */
export function evaluateLandfillSpike(
  plantId: string,
  day: KpiPoint,
  trailing: readonly KpiPoint[],
  settings: AlertRuleSettings,
  timeZone: string = DEFAULT_TIME_ZONE,
): Evaluation[] {
  const { warmupDays, zLimit, minTonnes } = settings.landfillSpike;
  const date = localDate(day.start, timeZone);
  const landfilled = day.landfilled_t;
  const emit = (verdict: Verdict) => [
    evaluation(plantId, 'LANDFILL_SPIKE', 'plant', 'warning', day, verdict),
  ];
  const baseline = landfillBaseline(day, trailing, settings);
  const historyDays = baseline?.historyDays ?? 0;
  if (!baseline || historyDays < warmupDays) {
    return emit({
      status: 'holding',
      value: historyDays,
      threshold: warmupDays,
      message: `Landfill spike detection is warming up: ${historyDays} of ${warmupDays} complete days of history`,
    });
  }
  const z = (landfilled - baseline.median) / baseline.sigma;
  const verdict = { value: landfilled, threshold: baseline.median + zLimit * baseline.sigma };
  const usual = `the usual ${tonnes(baseline.median)} (robust z ${z.toFixed(1)})`;
  const about = `Landfilled ${tonnes(landfilled)} on ${date}`;
  if (isAbove(z, zLimit) && isAtLeast(landfilled, minTonnes)) {
    return emit({
      ...verdict,
      status: 'firing',
      message: `${about} vs ${usual}`,
    });
  }
  if (day.complete && isBelow(z, zLimit - SPIKE_CLEAR_DEADBAND)) {
    return emit({
      ...verdict,
      status: 'clear',
      message: `${about} is near ${usual}`,
    });
  }
  return emit({
    ...verdict,
    status: 'holding',
    message: `${about} vs ${usual}: between the spike and clear limits`,
  });
}

// ---------------------------------------------------------------------------
// MASS_BALANCE_GAP
// ---------------------------------------------------------------------------

/**
 * Gate-to-feed closure of a complete day (docs/reference/domain.md section 5.4): firing when
 * |mass_balance_gap| > tolerance, clear at tolerance − deadband or less,
 * holding in between, on incomplete days, and when nothing was received.
 * Subject `plant`; warning.
 */
export function evaluateMassBalance(
  plantId: string,
  day: KpiPoint,
  settings: AlertRuleSettings,
  timeZone: string = DEFAULT_TIME_ZONE,
): Evaluation[] {
  const { tolerance, deadband } = settings.massBalance;
  const date = localDate(day.start, timeZone);
  const emit = (verdict: Verdict) => [
    evaluation(plantId, 'MASS_BALANCE_GAP', 'plant', 'warning', day, verdict),
  ];
  const gap = day.mass_balance_gap;
  if (!day.complete || gap === null || !(day.received_t > 0)) {
    return emit({
      status: 'holding',
      value: gap ?? 0,
      threshold: tolerance,
      message: `Mass balance of ${date} is judged once the day is complete and waste was received`,
    });
  }
  const size = Math.abs(gap);
  const signed = `${gap >= 0 ? '+' : '-'}${pct(size)}`;
  const about = `Mass balance gap ${signed} on ${date}`;
  const verdict = { value: gap, threshold: tolerance };
  if (isAbove(size, tolerance)) {
    return emit({
      ...verdict,
      status: 'firing',
      message: `${about} is beyond ±${pct(tolerance)}`,
    });
  }
  if (!isAbove(size, tolerance - deadband)) {
    return emit({
      ...verdict,
      status: 'clear',
      message: `${about} is within ±${pct(tolerance)}`,
    });
  }
  return emit({
    ...verdict,
    status: 'holding',
    message: `${about} is close to ±${pct(tolerance)}`,
  });
}

// ---------------------------------------------------------------------------
// ENERGY_RECOVERY_DROP
// ---------------------------------------------------------------------------

export interface EnergyBaseline {
  readonly mean: number;
  /** max(√(EW variance), ENERGY_SIGMA_FLOOR_FRACTION × |mean|). */
  readonly sigma: number;
  readonly days: number;
}

/**
 * EWMA baseline of net MWh per tonne over the complete trailing days before
 * `day` that have a value, oldest first (docs/reference/domain.md section 7.2): mean and σ
 * both from the exponentially weighted mean and variance with the rule's λ
 * (σ rather than a sample std, so the spread forgets old data as the mean
 * does). A day more than `sigmas` σ away enters the baseline at that limit
 * (Huber clipping): the first days of a drop cannot drag the baseline down and
 * resolve their own alert, while a lasting change is still learned over
 * several days (docs/reference/domain.md 7.2: do not let abnormal data become "normal" at once).
 */
export function energyBaseline(
  day: KpiPoint,
  trailing: readonly KpiPoint[],
  settings: AlertRuleSettings,
): EnergyBaseline | undefined {
  const values: number[] = [];
  for (const d of completeDaysBefore(day, trailing)) {
    if (d.net_mwh_per_t !== null && Number.isFinite(d.net_mwh_per_t)) values.push(d.net_mwh_per_t);
  }
  const { lambda, sigmas } = settings.energyDrop;
  const state = ewma(values, lambda, { sigmas, sigmaFloorFraction: ENERGY_SIGMA_FLOOR_FRACTION });
  if (!state) return undefined;
  const sigma = Math.max(Math.sqrt(state.variance), ENERGY_SIGMA_FLOOR_FRACTION * Math.abs(state.mean));
  return { mean: state.mean, sigma, days: state.count };
}

const mwhPerT = (value: number): string => `${value.toFixed(3)} MWh/t`;

/**
 * Net energy recovery per tonne below its EWMA baseline, complete days only:
 * firing below mean − sigmas·σ, clear at mean − (sigmas − 1)·σ or above,
 * holding in between, during warm-up (fewer than `warmupDays` days with a
 * value) and when the day has no value. Subject `plant`; warning.
 */
export function evaluateEnergyDrop(
  plantId: string,
  day: KpiPoint,
  trailing: readonly KpiPoint[],
  settings: AlertRuleSettings,
  timeZone: string = DEFAULT_TIME_ZONE,
): Evaluation[] {
  const { sigmas, warmupDays } = settings.energyDrop;
  const date = localDate(day.start, timeZone);
  const emit = (verdict: Verdict) => [
    evaluation(plantId, 'ENERGY_RECOVERY_DROP', 'plant', 'warning', day, verdict),
  ];
  const baseline = energyBaseline(day, trailing, settings);
  const days = baseline?.days ?? 0;
  if (!baseline || days < warmupDays) {
    return emit({
      status: 'holding',
      value: days,
      threshold: warmupDays,
      message: `Energy recovery baseline is warming up: ${days} of ${warmupDays} complete days with a value`,
    });
  }
  const value = day.net_mwh_per_t;
  const limit = baseline.mean - sigmas * baseline.sigma;
  if (!day.complete || value === null || !Number.isFinite(value)) {
    return emit({
      status: 'holding',
      value: value ?? 0,
      threshold: limit,
      message: `Net export per tonne on ${date} is judged once the day is complete and waste was fed`,
    });
  }
  const about = `Net export ${mwhPerT(value)} on ${date}`;
  const expected = `expected ${baseline.mean.toFixed(3)}`;
  if (isBelow(value, limit)) {
    return emit({
      status: 'firing',
      value,
      threshold: limit,
      message: `${about} vs ${expected} (limit ${limit.toFixed(3)})`,
    });
  }
  if (isAtLeast(value, baseline.mean - (sigmas - 1) * baseline.sigma)) {
    return emit({
      status: 'clear',
      value,
      threshold: limit,
      message: `${about} is back near the ${expected}`,
    });
  }
  return emit({
    status: 'holding',
    value,
    threshold: limit,
    message: `${about} is somewhat below the ${expected}`,
  });
}
