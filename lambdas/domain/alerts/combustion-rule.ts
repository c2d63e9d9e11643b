/**
 * COMBUSTION_TEMPERATURE_LOW (IED Art. 50): the run of GOOD furnace readings
 * on one side of the limit, with on- and off-delays in data time. Run by the
 * batch step and the scheduled run. Pure.
 */
import { MINUTE_MS } from '../time.ts';
import { goodSeries, type RuleReading, type SeriesPoint } from './good-series.ts';
import type { AlertRuleSettings, Evaluation } from './model.ts';
import { degC, evaluation, isBelow, minutes, type Verdict } from './rule-verdict.ts';

/** A gap between GOOD furnace readings longer than this breaks a run (one missed 1-minute sample is tolerated). */
export const COMBUSTION_MAX_GAP_MS = 2 * MINUTE_MS;

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
