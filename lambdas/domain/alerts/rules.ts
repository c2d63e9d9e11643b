/**
 * Alert rules (CONTRACT.md section 6, domain.md section 7): each turns KPI
 * points or readings into verdicts (`Evaluation`) about one subject. Pure and
 * deterministic: they judge data time only, and take `now` as a parameter
 * where a rule needs the current time.
 *
 * Hysteresis lives here: between `firing` and `clear` every rule leaves a
 * `holding` band (a deadband on the value, or an off-delay in data time), so
 * a value wobbling around a limit cannot open and resolve alerts in turn. The
 * lifecycle (lifecycle.ts) only reacts to `firing` and `clear`.
 */
import { isMetricName, METRICS } from '../catalog.ts';
import { counterSteps } from '../counters.ts';
import {
  addMovement,
  DEFAULT_TIME_ZONE,
  emptyTotals,
  type KpiMovement,
  type KpiPoint,
  type KpiTotals,
  kpiValues,
} from '../kpis.ts';
import type { Reading } from '../telemetry.ts';
import { DAY_MS, localDate, MINUTE_MS } from '../time.ts';
import type { AlertRuleSettings, AlertSeverity, AlertType, Evaluation, TimeWindow } from './model.ts';
import { ewma, MAD_SCALE, median, medianAbsoluteDeviation, populationStd } from './stats.ts';

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
/** A gap between GOOD furnace readings longer than this breaks a run (one missed 1-minute sample is tolerated). */
export const COMBUSTION_MAX_GAP_MS = 2 * MINUTE_MS;
/** A flatline clears once the window's std is this many times the stuck limit. */
export const STUCK_CLEAR_FACTOR = 2;

/** The reading fields the sensor rules use. */
export type RuleReading = Pick<Reading, 'line' | 'metric' | 'ts' | 'value' | 'quality'> & {
  readonly correction?: boolean;
};

/** Activity of one series, as the stale rule needs it. */
export interface SeriesActivity {
  readonly line: string;
  readonly metric: string;
  /** Epoch ms of the last GOOD reading; absent when the series never sent GOOD data. */
  readonly lastGoodTs?: number;
  /** Epoch ms the series was first seen (any quality). */
  readonly firstSeenTs: number;
}

// Limits are compared with a tolerance of 1e-9 (relative for limits above 1),
// so 0.42 clears a 0.40 + 0.02 band although 0.4 + 0.02 is 0.42000000000000004.
const slack = (limit: number): number => 1e-9 * Math.max(1, Math.abs(limit));
const isBelow = (value: number, limit: number): boolean => value < limit - slack(limit);
const isAbove = (value: number, limit: number): boolean => value > limit + slack(limit);
const isAtLeast = (value: number, limit: number): boolean => !isBelow(value, limit);

const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)} %`;
const tonnes = (t: number): string => `${t.toFixed(1)} t`;
const minutes = (ms: number): string => `${Math.floor(ms / MINUTE_MS)} min`;
const degC = (value: number): string => `${value.toFixed(1)} °C`;

interface Verdict {
  readonly status: Evaluation['status'];
  readonly value: number;
  readonly threshold: number;
  readonly message: string;
}

function evaluation(
  plantId: string,
  type: AlertType,
  subject: string,
  severity: AlertSeverity,
  window: TimeWindow,
  verdict: Verdict,
): Evaluation {
  return { plantId, type, subject, severity, window: { start: window.start, end: window.end }, ...verdict };
}

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
// DIVERSION_BELOW_TARGET
// ---------------------------------------------------------------------------

function judgeDiversion(point: KpiPoint, when: string, settings: AlertRuleSettings): Verdict {
  const { target, minReceivedT, deadband } = settings.diversion;
  const rate = point.diversion_rate;
  if (rate === null || isBelow(point.received_t, minReceivedT)) {
    return {
      status: 'holding',
      value: point.received_t,
      threshold: minReceivedT,
      message: `Only ${tonnes(point.received_t)} received ${when}: diversion is judged from ${tonnes(minReceivedT)}`,
    };
  }
  const base = { value: rate, threshold: target };
  if (isBelow(rate, target)) {
    return {
      ...base,
      status: 'firing',
      message: point.complete
        ? `Landfill diversion ${pct(rate)} ${when} is below the ${pct(target)} target`
        : `Landfill diversion ${pct(rate)} ${when} so far (day not complete) is below the ${pct(target)} target`,
    };
  }
  if (isAtLeast(rate, target + deadband)) {
    // A running rate swings with every truck: only a complete day clears, so one bad day is one alert.
    if (!point.complete) {
      return {
        ...base,
        status: 'holding',
        message: `Landfill diversion ${pct(rate)} ${when} so far is above the ${pct(target)} target; a complete day decides`,
      };
    }
    return {
      ...base,
      status: 'clear',
      message: `Landfill diversion ${pct(rate)} ${when} is back above the ${pct(target)} target`,
    };
  }
  return {
    ...base,
    status: 'holding',
    message: `Landfill diversion ${pct(rate)} ${when} is within the deadband above the ${pct(target)} target`,
  };
}

/**
 * Diversion rate against the target, with a deadband above it: firing below
 * `target`, clear at `target + deadband` or more, holding in between and while
 * fewer than `minReceivedT` tonnes were received. One subject per
 * plant-local day, `day/{YYYY-MM-DD}`: each day that misses the target is one
 * alert about that day, which a later good day does not resolve (only that
 * day's own figure, corrected, can). A live day so far may fire (it need not
 * be complete, CONTRACT.md section 6) but only the complete day clears: the
 * running rate of a day swings with each truck, and an alert must not resolve
 * and reopen with it. Severity warning.
 */
export function evaluateDiversion(
  plantId: string,
  day: KpiPoint,
  settings: AlertRuleSettings,
  timeZone: string = DEFAULT_TIME_ZONE,
): Evaluation {
  const date = localDate(day.start, timeZone);
  return evaluation(
    plantId,
    'DIVERSION_BELOW_TARGET',
    `day/${date}`,
    'warning',
    day,
    judgeDiversion(day, `on ${date}`, settings),
  );
}

/**
 * DIVERSION_BELOW_TARGET judged at every ticket instant of a plant-local day
 * in [`from`, `upTo`]: the day so far, tickets up to and including that
 * instant. The verdict only changes at a ticket, so these instants are all
 * the checkpoints there are; a verdict about instant t depends only on the
 * tickets at or before t, so once every ticket of the settle delay has
 * arrived (the engine judges instants no later than `now - settleMinutes`),
 * the verdicts, and the transitions they cause, do not depend on the order
 * tickets arrived in. `day` is the day's calendar bucket; `movements` its
 * tickets (any order). For live days only: the complete day is judged by
 * `evaluateDiversion` once complete (completeness.ts), a backfilled day only so.
 */
export function evaluateDiversionCheckpoints(
  plantId: string,
  day: TimeWindow,
  movements: readonly KpiMovement[],
  judged: { readonly from: number; readonly upTo: number },
  settings: AlertRuleSettings,
  timeZone: string = DEFAULT_TIME_ZONE,
): Evaluation[] {
  const first = Math.max(day.start, judged.from);
  const last = Math.min(day.end - 1, judged.upTo);
  const at = (instant: number, totals: KpiTotals): Evaluation =>
    evaluateDiversion(
      plantId,
      { start: day.start, end: instant + 1, ...kpiValues(totals), complete: false },
      settings,
      timeZone,
    );
  if (!inTimeOrder(movements)) {
    const instants = [...new Set(movements.map((m) => m.ts).filter((ts) => ts >= first && ts <= last))];
    return instants
      .sort((a, b) => a - b)
      .map((instant) => {
        const totals = emptyTotals();
        for (const m of movements) if (m.ts >= day.start && m.ts <= instant) addMovement(totals, m);
        return at(instant, totals);
      });
  }
  // In time order (as every store reads them) the day so far at an instant is a prefix: one pass sums
  // each prefix in the same order, so every checkpoint's figures are the same doubles.
  const evaluations: Evaluation[] = [];
  const totals = emptyTotals();
  for (let i = 0; i < movements.length; ) {
    const ts = (movements[i] as KpiMovement).ts;
    if (ts > last) break;
    for (; i < movements.length && (movements[i] as KpiMovement).ts === ts; i++) {
      if (ts >= day.start) addMovement(totals, movements[i] as KpiMovement);
    }
    if (ts >= first) evaluations.push(at(ts, totals));
  }
  return evaluations;
}

function inTimeOrder(movements: readonly KpiMovement[]): boolean {
  for (let i = 1; i < movements.length; i++)
    if ((movements[i] as KpiMovement).ts < (movements[i - 1] as KpiMovement).ts) return false;
  return true;
}

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
 * Robust baseline of landfilled tonnes (domain.md section 7.1 #1): the
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
 * Gate-to-feed closure of a complete day (domain.md section 5.4): firing when
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
 * `day` that have a value, oldest first (domain.md section 7.2): mean and σ
 * both from the exponentially weighted mean and variance with the rule's λ
 * (σ rather than a sample std, so the spread forgets old data as the mean
 * does). A day more than `sigmas` σ away enters the baseline at that limit
 * (Huber clipping): the first days of a drop cannot drag the baseline down and
 * resolve their own alert, while a lasting change is still learned over
 * several days (domain.md 7.2: do not let abnormal data become "normal" at once).
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

// ---------------------------------------------------------------------------
// Sensor series helpers
// ---------------------------------------------------------------------------

interface SeriesPoint {
  readonly ts: number;
  readonly value: number;
  readonly correction: boolean;
}

/**
 * GOOD, finite readings of one series, one per instant, in time order. Of two
 * readings at one instant a correction wins, then the lower value: the choice
 * does not depend on arrival order.
 */
function goodSeries(
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

// ---------------------------------------------------------------------------
// COMBUSTION_TEMPERATURE_LOW
// ---------------------------------------------------------------------------

/**
 * Furnace temperature below `minTempC` (IED Art. 50: 850 °C), with delays in
 * data time. The rule looks at the run that ends with the last GOOD reading at
 * or before `now` (later, future-dated readings are ignored): consecutive GOOD
 * readings on the same side of the limit, no two more than `maxGapMs` apart (a
 * longer gap in the data breaks the run: nothing is known about the hole).
 * The run lasts from its first to its last reading. Firing when a run below
 * the limit has lasted `onDelayMinutes`; clear when a run at or above it has
 * lasted `offDelayMinutes`; holding otherwise. Subject
 * `{line}/furnace_temperature`; critical; value = the run's lowest temperature.
 */
export function evaluateCombustion(
  plantId: string,
  line: string,
  readings: Iterable<RuleReading>,
  now: number,
  settings: AlertRuleSettings,
  maxGapMs: number = COMBUSTION_MAX_GAP_MS,
): Evaluation[] {
  const series = goodSeries(readings, line, 'furnace_temperature', now);
  return combustionAt(plantId, line, series, series.length - 1, now, settings, maxGapMs);
}

/**
 * `evaluateCombustion` at each of `instants` (ascending), with the series
 * built once: the series up to an instant is a prefix of the whole one.
 */
export function evaluateCombustionAt(
  plantId: string,
  line: string,
  readings: Iterable<RuleReading>,
  instants: readonly number[],
  settings: AlertRuleSettings,
  maxGapMs: number = COMBUSTION_MAX_GAP_MS,
): Evaluation[] {
  const series = goodSeries(readings, line, 'furnace_temperature');
  const out: Evaluation[] = [];
  let end = -1;
  for (const instant of instants) {
    while (end + 1 < series.length && (series[end + 1] as SeriesPoint).ts <= instant) end++;
    out.push(...combustionAt(plantId, line, series, end, instant, settings, maxGapMs));
  }
  return out;
}

/** The verdict at `now`, from the run that ends at `series[end]` (the last point at or before `now`). */
function combustionAt(
  plantId: string,
  line: string,
  series: readonly SeriesPoint[],
  end: number,
  now: number,
  settings: AlertRuleSettings,
  maxGapMs: number,
): Evaluation[] {
  const { minTempC, onDelayMinutes, offDelayMinutes } = settings.combustion;
  const subject = `${line}/furnace_temperature`;
  const last = series[end];
  if (!last) {
    return [
      evaluation(
        plantId,
        'COMBUSTION_TEMPERATURE_LOW',
        subject,
        'critical',
        { start: now, end: now },
        {
          status: 'holding',
          value: 0,
          threshold: minTempC,
          message: `No GOOD furnace temperature from ${line} yet`,
        },
      ),
    ];
  }
  const below = isBelow(last.value, minTempC);
  let first = last;
  let lowest = last.value;
  for (let i = end - 1; i >= 0; i--) {
    const point = series[i] as SeriesPoint;
    if (first.ts - point.ts > maxGapMs || isBelow(point.value, minTempC) !== below) break;
    first = point;
    lowest = Math.min(lowest, point.value);
  }
  const lasted = last.ts - first.ts;
  const window = { start: first.ts, end: last.ts };
  const limit = degC(minTempC);
  let verdict: Verdict;
  if (below) {
    const firing = lasted >= onDelayMinutes * MINUTE_MS;
    verdict = {
      status: firing ? 'firing' : 'holding',
      value: lowest,
      threshold: minTempC,
      message: firing
        ? `Furnace on ${line} below ${limit} for ${minutes(lasted)} (lowest ${degC(lowest)})`
        : `Furnace on ${line} below ${limit} for ${minutes(lasted)}, on-delay ${onDelayMinutes} min`,
    };
  } else {
    const clear = lasted >= offDelayMinutes * MINUTE_MS;
    verdict = {
      status: clear ? 'clear' : 'holding',
      value: lowest,
      threshold: minTempC,
      message: clear
        ? `Furnace on ${line} back at or above ${limit} for ${minutes(lasted)}`
        : `Furnace on ${line} at or above ${limit} for ${minutes(lasted)}, off-delay ${offDelayMinutes} min`,
    };
  }
  return [evaluation(plantId, 'COMBUSTION_TEMPERATURE_LOW', subject, 'critical', window, verdict)];
}

// ---------------------------------------------------------------------------
// SENSOR_STALE
// ---------------------------------------------------------------------------

/**
 * Series that stopped sending GOOD data (CONTRACT.md section 6): firing when
 * more than `afterMinutes` passed between the last GOOD reading (or, for a
 * series that never sent GOOD data, its first sighting) and `now`; clear
 * otherwise: fresh data is the recovery, there is no band to wait out. One
 * evaluation per `{line}/{metric}` (duplicates merged: latest GOOD, earliest
 * sighting), sorted by subject; warning; value = minutes without GOOD data.
 * With two or more series, a plant-wide verdict (subject `all-series`) comes
 * first: when every series is silent that is one alert, and the series
 * verdicts hold, so an outage never floods ops with one alert per sensor.
 */
/** Subject of the SENSOR_STALE alert for a plant whose every series went silent. */
export const PLANT_WIDE_SUBJECT = 'all-series';

export function evaluateStale(
  plantId: string,
  series: readonly SeriesActivity[],
  now: number,
  settings: AlertRuleSettings,
): Evaluation[] {
  const { afterMinutes } = settings.stale;
  const merged = new Map<string, SeriesActivity>();
  for (const s of series) {
    const subject = `${s.line}/${s.metric}`;
    const held = merged.get(subject);
    const lastGoodTs =
      held?.lastGoodTs === undefined
        ? s.lastGoodTs
        : Math.max(held.lastGoodTs, s.lastGoodTs ?? held.lastGoodTs);
    merged.set(subject, {
      line: s.line,
      metric: s.metric,
      firstSeenTs: Math.min(held?.firstSeenTs ?? s.firstSeenTs, s.firstSeenTs),
      ...(lastGoodTs === undefined ? {} : { lastGoodTs }),
    });
  }
  const subjects = [...merged.keys()].sort();
  const perSeries = subjects.map((subject) => {
    const s = merged.get(subject) as SeriesActivity;
    const since = s.lastGoodTs ?? s.firstSeenTs;
    const ageMs = now - since;
    const window = { start: Math.min(since, now), end: now };
    const verdict: Verdict =
      ageMs > afterMinutes * MINUTE_MS
        ? {
            status: 'firing',
            value: ageMs / MINUTE_MS,
            threshold: afterMinutes,
            message: `No GOOD data from ${subject} for ${minutes(ageMs)}`,
          }
        : {
            status: 'clear',
            value: Math.max(ageMs, 0) / MINUTE_MS,
            threshold: afterMinutes,
            message: `GOOD data from ${subject} again, last ${minutes(Math.max(ageMs, 0))} ago`,
          };
    return evaluation(plantId, 'SENSOR_STALE', subject, 'warning', window, verdict);
  });
  if (perSeries.length < 2) return perSeries;
  // Every series silent is one fault (the gateway or its link), not one alert per series.
  const allSilent = perSeries.every((e) => e.status === 'firing');
  const newest = Math.max(...[...merged.values()].map((s) => s.lastGoodTs ?? s.firstSeenTs));
  const ageMs = Math.max(now - newest, 0);
  const plantVerdict: Verdict = allSilent
    ? {
        status: 'firing',
        value: ageMs / MINUTE_MS,
        threshold: afterMinutes,
        message: `No GOOD data from any of ${perSeries.length} series for ${minutes(ageMs)}: gateway or link down?`,
      }
    : {
        status: 'clear',
        value: ageMs / MINUTE_MS,
        threshold: afterMinutes,
        message: `GOOD data from the plant again, last ${minutes(ageMs)} ago`,
      };
  const plantWide = evaluation(
    plantId,
    'SENSOR_STALE',
    PLANT_WIDE_SUBJECT,
    'warning',
    { start: Math.min(newest, now), end: now },
    plantVerdict,
  );
  return [
    plantWide,
    // While the whole plant is silent, series alerts neither open nor resolve.
    ...(allSilent ? perSeries.map((e) => ({ ...e, status: 'holding' as const })) : perSeries),
  ];
}

// ---------------------------------------------------------------------------
// SENSOR_STUCK
// ---------------------------------------------------------------------------

/** Standard deviations this small relative to the level are rounding noise, not variation. */
const hasVariation = (std: number, level: number): boolean => std > 1e-9 * Math.max(1, Math.abs(level));

/**
 * A flatlined sensor (domain.md section 7.2): GOOD readings of the last
 * `windowMinutes` (counted back from the latest window reading) against a
 * baseline. Gauges: firing when the window has at least `minSamples` readings
 * and its std is below `minStdRatio` × the baseline std; clear at
 * STUCK_CLEAR_FACTOR times that limit or more; holding in between, with too
 * few samples, or when the baseline itself has no variation. Counters
 * (totalizers) are alive while they rise, whatever their std: a window with
 * any increase is clear; a window of `minSamples` readings without any
 * increase fires only when the baseline rose. Subject `{line}/{metric}`;
 * warning.
 */
export function evaluateStuck(
  plantId: string,
  line: string,
  metric: string,
  windowReadings: Iterable<RuleReading>,
  baselineReadings: Iterable<RuleReading>,
  settings: AlertRuleSettings,
): Evaluation[] {
  const { windowMinutes, minStdRatio, minSamples } = settings.stuck;
  const subject = `${line}/${metric}`;
  const all = goodSeries(windowReadings, line, metric);
  const latest = all.at(-1)?.ts ?? 0;
  const inWindow = all.filter((p) => p.ts >= latest - windowMinutes * MINUTE_MS);
  const baseline = goodSeries(baselineReadings, line, metric);
  const window = { start: inWindow[0]?.ts ?? latest, end: latest };
  const span = minutes(window.end - window.start);
  const emit = (verdict: Verdict) => [
    evaluation(plantId, 'SENSOR_STUCK', subject, 'warning', window, verdict),
  ];
  const enough = inWindow.length >= minSamples;

  if (isMetricName(metric) && METRICS[metric].kind === 'counter') {
    const rise = (points: SeriesPoint[]) =>
      counterSteps(points.map((p) => ({ ...p, quality: 'GOOD' as const }))).reduce(
        (sum, s) => sum + s.increase,
        0,
      );
    const windowRise = rise(inWindow);
    if (windowRise > 0) {
      return emit({
        status: 'clear',
        value: windowRise,
        threshold: 0,
        message: `Totalizer ${subject} is rising again`,
      });
    }
    const firing = enough && rise(baseline) > 0;
    return emit({
      status: firing ? 'firing' : 'holding',
      value: 0,
      threshold: 0,
      message: firing
        ? `Totalizer ${subject} stuck for ${span} (${inWindow.length} readings), rose before`
        : `Totalizer ${subject} unchanged for ${span} (${inWindow.length} readings)`,
    });
  }

  const values = inWindow.map((p) => p.value);
  const baselineValues = baseline.map((p) => p.value);
  const baselineStd = baselineValues.length >= 2 ? populationStd(baselineValues) : 0;
  const std = values.length > 0 ? populationStd(values) : 0;
  const limit = minStdRatio * baselineStd;
  const about = `${subject} std ${std.toPrecision(3)} over ${span}`;
  if (!enough || !hasVariation(baselineStd, baselineValues[0] ?? 0)) {
    return emit({
      status: 'holding',
      value: std,
      threshold: limit,
      message: `${about} (${values.length} readings): needs ${minSamples} and a baseline that varies`,
    });
  }
  const baselineText = `${baselineStd.toPrecision(3)} before`;
  if (std < limit) {
    return emit({
      status: 'firing',
      value: std,
      threshold: limit,
      message: `Flat: ${about} vs ${baselineText}`,
    });
  }
  if (std >= STUCK_CLEAR_FACTOR * limit) {
    return emit({
      status: 'clear',
      value: std,
      threshold: limit,
      message: `Varying again: ${about} vs ${baselineText}`,
    });
  }
  return emit({
    status: 'holding',
    value: std,
    threshold: limit,
    message: `Nearly flat: ${about} vs ${baselineText}`,
  });
}
