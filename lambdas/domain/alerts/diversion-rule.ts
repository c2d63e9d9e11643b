/**
 * DIVERSION_BELOW_TARGET (docs/contract.md section 6): the day so far at each
 * ticket instant (the batch step and the scheduled run) and the complete day
 * (the scheduled run). Pure; see rules.ts for the rules' shared conventions.
 */
import {
  addMovement,
  DEFAULT_TIME_ZONE,
  emptyTotals,
  type KpiMovement,
  type KpiPoint,
  type KpiTotals,
  kpiValues,
} from '../kpis.ts';
import { localDate } from '../time.ts';
import type { AlertRuleSettings, Evaluation, TimeWindow } from './model.ts';
import { evaluation, isAtLeast, isBelow, pct, tonnes, type Verdict } from './rule-verdict.ts';

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
 * be complete, docs/contract.md section 6) but only the complete day clears: the
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
