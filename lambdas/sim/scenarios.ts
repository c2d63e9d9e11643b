/**
 * Simulator scenarios: what goes wrong, at which plant, and when. Episodes are
 * placed relative to the run so that each one is visible to the rule that
 * should catch it with the default settings of docs/contract.md section 6 (see
 * docs/simulator.md for the mapping and the conditions).
 */
import type { AlertType } from '../domain/alerts/model.ts';
import { bucketEnd, bucketStart, DAY_MS, HOUR_MS, MINUTE_MS } from '../domain/time.ts';
import { deliveryShare } from './deliveries.ts';

export const SCENARIO_NAMES = [
  'normal',
  'diversion-drop',
  'boiler-fouling',
  'sensor-stuck',
  'outage-backfill',
  'duplicates',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(name);
}

export interface ScenarioInfo {
  readonly summary: string;
  /** Alert types the scenario raises with default settings (and nothing else, given what `needs` says). */
  readonly raises: readonly AlertType[];
  readonly needs: string;
}

export const SCENARIOS: Readonly<Record<ScenarioName, ScenarioInfo>> = {
  normal: {
    summary: 'every plant runs normally',
    raises: [],
    needs: 'nothing',
  },
  'diversion-drop': {
    summary:
      'the bottom-ash reuse outlet closes and the stored ash is hauled to landfill through the day shift: the day so far falls to about 22 % and the complete day ends near 29 %, below the 40 % target',
    raises: ['DIVERSION_BELOW_TARGET'],
    needs: 'a plant-local day segment with at least 40 % of the day’s deliveries (any run of 24 h or more)',
  },
  'boiler-fouling': {
    summary:
      'boiler deposits build up after 7 days of normal operation: steam per tonne and net MWh per tonne fall about 3.5 % a day, boiler dp rises',
    raises: ['ENERGY_RECOVERY_DROP'],
    needs: 'at least 10 plant-local days (7 complete days of baseline, then the decline)',
  },
  'sensor-stuck': {
    summary: 'the 2-second-zone thermocouple of boiler-1 freezes at its last value (quality still GOOD)',
    raises: ['SENSOR_STUCK'],
    needs: 'a run of 2 h or more and a rate of at least 1 message per 5 minutes',
  },
  'outage-backfill': {
    summary:
      'the gateway loses its uplink for an hour, buffers, then uploads the backlog late and out of order (tickets keep their order)',
    raises: ['SENSOR_STALE'],
    needs:
      'a run of 3 h or more; the plant-wide stale alert (subject all-series) resolves when the backlog arrives',
  },
  duplicates: {
    summary: 'the gateway re-sends about 8 % of its messages (lost acknowledgements) and replays bursts',
    raises: [],
    needs: 'nothing: duplicates must change neither KPIs nor alerts',
  },
};

export interface RunWindow {
  /** Epoch ms of the first data. */
  readonly start: number;
  /** Epoch ms (exclusive) where the data ends; `Infinity` for a run until stopped. */
  readonly end: number;
  /** Epoch ms from which data is sent in real time (the wall clock when the run began). */
  readonly liveFrom: number;
  readonly timeZone: string;
}

export interface TimeSpan {
  readonly from: number;
  readonly to: number;
}

/** Where each scenario's episode falls in a run. */
export interface EpisodePlan {
  /** The plant-local day segment whose morning sees the ash haul to landfill. */
  readonly diversionDay?: TimeSpan;
  /** Fouling starts at `from`; online cleaning at `to` (Infinity: never within the run). */
  readonly fouling?: TimeSpan;
  readonly stuck?: TimeSpan & { readonly line: string; readonly metric: 'furnace_temperature' };
  readonly outage?: TimeSpan;
  readonly duplicates?: true;
}

/** The plant-local day segments of a run, in order (at most `limit`). */
export function daySegments(run: RunWindow, limit = 400): TimeSpan[] {
  const segments: TimeSpan[] = [];
  let dayStart = bucketStart(run.start, '1d', run.timeZone);
  while (dayStart < run.end && segments.length < limit) {
    const dayEnd = bucketEnd(dayStart, '1d', run.timeZone);
    segments.push({ from: Math.max(dayStart, run.start), to: Math.min(dayEnd, run.end) });
    dayStart = dayEnd;
  }
  return segments;
}

/** Share of a day's deliveries a segment holds. */
function segmentShare(segment: TimeSpan, timeZone: string): number {
  const dayStart = bucketStart(segment.from, '1d', timeZone);
  return deliveryShare(segment.from - dayStart, segment.to - dayStart);
}

/** Fouling declines for this long in a run that goes on (then the boiler is cleaned on line). */
export const FOULING_DAYS = 4;
/** Complete plant-local days of normal operation before fouling starts (the rule's warm-up is 7). */
export const FOULING_BASELINE_DAYS = 7;

export function episodePlan(scenario: ScenarioName, run: RunWindow): EpisodePlan {
  const span = run.end - run.start;
  const finite = Number.isFinite(run.end);
  switch (scenario) {
    case 'normal':
      return {};
    case 'duplicates':
      return { duplicates: true };
    case 'diversion-drop': {
      // Prefer a day the run holds to its end (only a complete day is judged as a whole), with most of its deliveries.
      const segments = daySegments(run);
      const shares = segments.map((s) => segmentShare(s, run.timeZone));
      const big = (i: number) => (shares[i] ?? 0) >= 0.4;
      const whole = (s: TimeSpan) =>
        s.to === bucketEnd(bucketStart(s.from, '1d', run.timeZone), '1d', run.timeZone);
      let best = segments.findIndex((s, i) => big(i) && whole(s));
      if (best < 0) best = segments.findIndex((_, i) => big(i));
      if (best < 0) best = shares.indexOf(Math.max(...shares));
      const day = segments[best];
      return day ? { diversionDay: day } : {};
    }
    case 'boiler-fouling': {
      const firstMidnight = bucketEnd(bucketStart(run.start, '1d', run.timeZone), '1d', run.timeZone);
      const onset = firstMidnight + FOULING_BASELINE_DAYS * DAY_MS;
      if (finite && onset + 2 * DAY_MS > run.end) {
        // Too short for the rule's baseline: show the decline in the KPIs anyway.
        return { fouling: { from: run.start + span / 3, to: Number.POSITIVE_INFINITY } };
      }
      return {
        fouling: { from: onset, to: finite ? Number.POSITIVE_INFINITY : onset + FOULING_DAYS * DAY_MS },
      };
    }
    case 'sensor-stuck': {
      const stuck = { line: 'boiler-1', metric: 'furnace_temperature' as const };
      if (finite) {
        // Until the end: the stuck rule judges the last hour before "now", so the flatline must reach it.
        return { stuck: { ...stuck, from: run.end - Math.min(3 * HOUR_MS, span / 2), to: run.end } };
      }
      const from = Math.max(run.start, run.liveFrom) + HOUR_MS;
      return { stuck: { ...stuck, from, to: from + 2 * HOUR_MS } };
    }
    case 'outage-backfill': {
      if (finite) {
        const length = Math.min(HOUR_MS, span / 3);
        const to = run.end - Math.min(30 * MINUTE_MS, span / 3);
        return { outage: { from: to - length, to } };
      }
      const from = Math.max(run.start, run.liveFrom) + 30 * MINUTE_MS;
      return { outage: { from, to: from + HOUR_MS } };
    }
  }
}
