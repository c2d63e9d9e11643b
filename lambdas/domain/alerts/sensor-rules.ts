/**
 * SENSOR_STALE and SENSOR_STUCK: a series that stopped sending GOOD data, and
 * one that flatlined. The scheduled run's, never the batch step's. Pure.
 */
import { isMetricName, METRICS } from '../catalog.ts';
import { counterSteps } from '../counters.ts';
import { MINUTE_MS } from '../time.ts';
import { goodSeries, type RuleReading, type SeriesPoint } from './good-series.ts';
import type { AlertRuleSettings, Evaluation } from './model.ts';
import { evaluation, minutes, type Verdict } from './rule-verdict.ts';
import { populationStd } from './stats.ts';

/** A flatline clears once the window's std is this many times the stuck limit. */
export const STUCK_CLEAR_FACTOR = 2;

/** Activity of one series, as the stale rule needs it. */
export interface SeriesActivity {
  readonly line: string;
  readonly metric: string;
  /** Epoch ms of the last GOOD reading; absent when the series never sent GOOD data. */
  readonly lastGoodTs?: number;
  /** Epoch ms the series was first seen (any quality). */
  readonly firstSeenTs: number;
}

// ---------------------------------------------------------------------------
// SENSOR_STALE
// ---------------------------------------------------------------------------

/**
 * Series that stopped sending GOOD data (docs/contract.md section 6): firing when
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
 * A flatlined sensor (docs/reference/domain.md section 7.2): GOOD readings of the last
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
  const { windowMinutes, minSamples } = settings.stuck;
  const subject = `${line}/${metric}`;
  const all = goodSeries(windowReadings, line, metric);
  const latest = all.at(-1)?.ts ?? 0;
  const inWindow = all.filter((p) => p.ts >= latest - windowMinutes * MINUTE_MS);
  const window = { start: inWindow[0]?.ts ?? latest, end: latest };
  const flat: FlatWindow = {
    subject,
    points: inWindow,
    baseline: goodSeries(baselineReadings, line, metric),
    span: minutes(window.end - window.start),
    enough: inWindow.length >= minSamples,
  };
  const verdict =
    isMetricName(metric) && METRICS[metric].kind === 'counter'
      ? totalizerVerdict(flat)
      : gaugeVerdict(flat, settings.stuck);
  return [evaluation(plantId, 'SENSOR_STUCK', subject, 'warning', window, verdict)];
}

/** The window a flatline is judged on, and its baseline. */
interface FlatWindow {
  readonly subject: string;
  readonly points: SeriesPoint[];
  readonly baseline: SeriesPoint[];
  /** The window's length, in words. */
  readonly span: string;
  /** At least `minSamples` readings in the window. */
  readonly enough: boolean;
}

/** A totalizer is alive while it rises: stuck only when it rose before and has enough readings without a rise. */
function totalizerVerdict({ subject, points, baseline, span, enough }: FlatWindow): Verdict {
  const rise = (series: SeriesPoint[]) =>
    counterSteps(series.map((p) => ({ ...p, quality: 'GOOD' as const }))).reduce(
      (sum, s) => sum + s.increase,
      0,
    );
  const windowRise = rise(points);
  if (windowRise > 0) {
    return {
      status: 'clear',
      value: windowRise,
      threshold: 0,
      message: `Totalizer ${subject} is rising again`,
    };
  }
  const firing = enough && rise(baseline) > 0;
  return {
    status: firing ? 'firing' : 'holding',
    value: 0,
    threshold: 0,
    message: firing
      ? `Totalizer ${subject} stuck for ${span} (${points.length} readings), rose before`
      : `Totalizer ${subject} unchanged for ${span} (${points.length} readings)`,
  };
}

/** A gauge is flat when its std falls below `minStdRatio` × the baseline's, clear at STUCK_CLEAR_FACTOR times that. */
function gaugeVerdict(
  { subject, points, baseline, span, enough }: FlatWindow,
  { minStdRatio, minSamples }: AlertRuleSettings['stuck'],
): Verdict {
  const values = points.map((p) => p.value);
  const baselineValues = baseline.map((p) => p.value);
  const baselineStd = baselineValues.length >= 2 ? populationStd(baselineValues) : 0;
  const std = values.length > 0 ? populationStd(values) : 0;
  const limit = minStdRatio * baselineStd;
  const about = `${subject} std ${std.toPrecision(3)} over ${span}`;
  if (!enough || !hasVariation(baselineStd, baselineValues[0] ?? 0)) {
    return {
      status: 'holding',
      value: std,
      threshold: limit,
      message: `${about} (${values.length} readings): needs ${minSamples} and a baseline that varies`,
    };
  }
  const baselineText = `${baselineStd.toPrecision(3)} before`;
  if (std < limit) {
    return { status: 'firing', value: std, threshold: limit, message: `Flat: ${about} vs ${baselineText}` };
  }
  if (std >= STUCK_CLEAR_FACTOR * limit) {
    return {
      status: 'clear',
      value: std,
      threshold: limit,
      message: `Varying again: ${about} vs ${baselineText}`,
    };
  }
  return {
    status: 'holding',
    value: std,
    threshold: limit,
    message: `Nearly flat: ${about} vs ${baselineText}`,
  };
}
