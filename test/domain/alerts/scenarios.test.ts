/**
 * End-to-end alert scenarios on synthetic plant data: rule verdicts fed
 * through the lifecycle in data-time order, as the evaluator does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { remind } from '../../../lambdas/domain/alerts/lifecycle.ts';
import type { Evaluation } from '../../../lambdas/domain/alerts/model.ts';
import {
  evaluateCombustion,
  evaluateDiversion,
  evaluateEnergyDrop,
  evaluateLandfillSpike,
  evaluateMassBalance,
  evaluateStale,
  evaluateStuck,
  type RuleReading,
} from '../../../lambdas/domain/alerts/rules.ts';
import type { KpiPoint } from '../../../lambdas/domain/kpis.ts';
import { MINUTE_MS } from '../../../lambdas/domain/time.ts';
import {
  AlertHarness,
  type DailyRule,
  dayStart,
  FURNACE_T0,
  furnaceReadings,
  kpiDay,
  normalDays,
  normalTotals,
  PLANT,
  perMinute,
  RULES,
  seeded,
  TZ,
} from './fixtures.ts';

const ALL_DAILY: readonly DailyRule[] = ['diversion', 'spike', 'massBalance', 'energy'];

function dailyEvaluations(days: readonly KpiPoint[], i: number, rules: readonly DailyRule[]): Evaluation[] {
  const day = days[i] as KpiPoint;
  const trailing = days.slice(0, i);
  const out: Evaluation[] = [];
  if (rules.includes('diversion')) out.push(evaluateDiversion(PLANT, day, RULES, TZ));
  if (rules.includes('spike')) out.push(...evaluateLandfillSpike(PLANT, day, trailing, RULES, TZ));
  if (rules.includes('massBalance')) out.push(...evaluateMassBalance(PLANT, day, RULES, TZ));
  if (rules.includes('energy')) out.push(...evaluateEnergyDrop(PLANT, day, trailing, RULES, TZ));
  return out;
}

function runDays(
  days: readonly KpiPoint[],
  from: number,
  rules: readonly DailyRule[] = ALL_DAILY,
): AlertHarness {
  const harness = new AlertHarness();
  for (let i = from; i < days.length; i++) harness.apply(dailyEvaluations(days, i, rules));
  return harness;
}

/** 28 ordinary days of history, then the scenario's days (given as diversion rates, the rest ordinary). */
function withDiversion(rates: readonly number[], seed = 7): KpiPoint[] {
  const days = normalDays(28, seed);
  const random = seeded(seed + 1);
  rates.forEach((rate, k) => {
    const t = normalTotals(random);
    days.push(kpiDay(28 + k, { ...t, landfilled: t.received * (1 - rate) }));
  });
  return days;
}

describe('daily KPI rules over synthetic plant days', () => {
  it.each([1, 2, 3, 4, 5])('an ordinary week after four ordinary weeks raises nothing (seed %i)', (seed) => {
    const harness = runDays(normalDays(35, seed), 28);
    expect(harness.evaluations).toHaveLength(7 * 4);
    expect(harness.evaluations.filter((e) => e.status === 'firing')).toEqual([]);
    expect(harness.transitions).toEqual([]);
  });

  it('a diversion drop raises one alert for each day below target, and the good days after it resolve none', () => {
    const harness = runDays(withDiversion([0.35, 0.33, 0.36, 0.41, 0.45, 0.7]), 28, ['diversion']);
    expect(harness.kinds()).toEqual([
      'opened DIVERSION_BELOW_TARGET/day/2026-11-29',
      'opened DIVERSION_BELOW_TARGET/day/2026-11-30',
      'opened DIVERSION_BELOW_TARGET/day/2026-12-01',
    ]);
    const [opened] = harness.transitions;
    expect(opened?.alert).toMatchObject({
      openedAt: dayStart(29),
      value: expect.closeTo(0.35, 9),
      severity: 'warning',
      state: 'open',
    });
    expect(opened?.subject).toMatch(
      /^\[WARNING\] kz-ast-01: Landfill diversion 35\.0 % on 2026-11-29 is below/,
    );
    // Each day's alert stays open for an operator: a later good day is not that day's figure.
    expect(harness.transitions.every((t) => t.alert.state === 'open')).toBe(true);
  });

  it('the same outage also trips the landfill-spike rule once, and nothing else', () => {
    const harness = runDays(withDiversion([0.35, 0.33, 0.36, 0.41, 0.45, 0.75]), 28);
    expect(harness.kinds()).toEqual([
      'opened DIVERSION_BELOW_TARGET/day/2026-11-29',
      'opened LANDFILL_SPIKE/plant',
      'opened DIVERSION_BELOW_TARGET/day/2026-11-30',
      'opened DIVERSION_BELOW_TARGET/day/2026-12-01',
      'resolved LANDFILL_SPIKE/plant',
    ]);
  });

  it('a rate flapping around the target opens one alert per day below it, at most one a day, never resolved and reopened', () => {
    const flapping = Array.from({ length: 12 }, (_, k) => (k % 2 === 0 ? 0.39 : 0.41));
    const harness = runDays(withDiversion(flapping), 28, ['diversion']);
    expect(harness.kinds()).toEqual(
      ['11-29', '12-01', '12-03', '12-05', '12-07', '12-09'].map(
        (d) => `opened DIVERSION_BELOW_TARGET/day/2026-${d}`,
      ),
    );
    expect(harness.alerts.get(`${PLANT}|DIVERSION_BELOW_TARGET|day/2026-12-09`)).toMatchObject({
      state: 'open',
      sequence: 1,
      value: expect.closeTo(0.39, 9),
      window: { start: dayStart(38), end: dayStart(39) },
    });
  });

  it('any rate path that never drops below the target raises nothing (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.4, max: 0.95, noNaN: true }), { minLength: 1, maxLength: 10 }),
        (rates) => {
          const days = withDiversion(rates.map((r) => Math.max(r, 0.4000001)));
          expect(runDays(days, 28, ['diversion']).transitions).toEqual([]);
        },
      ),
      { numRuns: 200, seed: 40 },
    );
  });

  it('landfill spikes wait for warm-up, then open once and resolve on the next ordinary day', () => {
    const random = seeded(99);
    const spikeOn = (n: number) => {
      const days = normalDays(n, 11);
      days.push(kpiDay(n, { ...normalTotals(random), landfilled: 900 }));
      days.push(kpiDay(n + 1, normalTotals(random)));
      return runDays(days, n, ['spike']);
    };
    expect(spikeOn(10).transitions).toEqual([]);
    expect(spikeOn(10).evaluations.map((e) => e.status)).toEqual(['holding', 'holding']);
    expect(spikeOn(28).kinds()).toEqual(['opened LANDFILL_SPIKE/plant', 'resolved LANDFILL_SPIKE/plant']);
  });

  it('an energy-per-tonne collapse opens one alert and resolves when output recovers', () => {
    const random = seeded(5);
    const days = normalDays(20, 3);
    for (const ratio of [0.4, 0.38, 0.55]) {
      const t = normalTotals(random);
      days.push(kpiDay(days.length, { ...t, exported: t.fed * ratio }));
    }
    expect(runDays(days, 20).kinds()).toEqual([
      'opened ENERGY_RECOVERY_DROP/plant',
      'resolved ENERGY_RECOVERY_DROP/plant',
    ]);
  });

  it('a weighbridge fault opens one mass-balance alert for its days', () => {
    const random = seeded(8);
    const days = normalDays(20, 4);
    for (const factor of [0.8, 0.75, 1]) {
      const t = normalTotals(random);
      days.push(kpiDay(days.length, { ...t, fed: t.fed * factor, exported: t.fed * factor * 0.55 }));
    }
    expect(runDays(days, 20).kinds()).toEqual([
      'opened MASS_BALANCE_GAP/plant',
      'resolved MASS_BALANCE_GAP/plant',
    ]);
  });
});

/** Evaluates after every reading, with the readings so far and now = that reading's time, plus reminders. */
function streamFurnace(values: readonly number[], reminders = false): AlertHarness {
  const harness = new AlertHarness();
  const readings = furnaceReadings(perMinute(values));
  const key = `${PLANT}|COMBUSTION_TEMPERATURE_LOW|boiler-1/furnace_temperature`;
  readings.forEach((reading, i) => {
    const seen = readings.slice(Math.max(0, i - 30), i + 1);
    harness.apply(evaluateCombustion(PLANT, 'boiler-1', seen, reading.ts, RULES));
    const alert = harness.alerts.get(key);
    const change = reminders && alert ? remind(alert, reading.ts, RULES) : undefined;
    if (change?.transition) {
      harness.alerts.set(key, change.next);
      harness.transitions.push(change.transition);
    }
  });
  return harness;
}

const minuteOf = (ms: number | undefined) => ((ms ?? Number.NaN) - FURNACE_T0) / MINUTE_MS;

describe('furnace temperature, streamed minute by minute', () => {
  const steady = (n: number) => Array.from({ length: n }, (_, i) => 900 + (i % 3) * 5);

  it('a dip shorter than the on-delay raises nothing', () => {
    const harness = streamFurnace([...steady(20), 840, 835, 845, 849, ...steady(20)]);
    expect(harness.transitions).toEqual([]);
  });

  it('a longer dip raises exactly one critical alert, resolved after the off-delay', () => {
    const dip = [840, 830, 820, 815, 825, 830, 835, 840, 845, 848, 849, 849.5];
    const harness = streamFurnace([...steady(20), ...dip, ...steady(20)]);
    expect(harness.transitions.map((t) => t.kind)).toEqual(['opened', 'resolved']);
    const [opened, resolved] = harness.transitions;
    expect(opened?.alert).toMatchObject({ severity: 'critical', threshold: 850 });
    expect(minuteOf(opened?.alert.openedAt)).toBe(25); // below from minute 20, on-delay 5 min
    expect(opened?.subject).toBe(
      '[CRITICAL] kz-ast-01: Furnace on boiler-1 below 850.0 °C for 5 min (lowest 815.0 °C)',
    );
    expect(minuteOf(resolved?.alert.resolvedAt)).toBe(34); // above from minute 32, off-delay 2 min
  });

  it('a relapse during the off-delay keeps the alert open without a second one', () => {
    const harness = streamFurnace([
      ...steady(20),
      ...Array(10).fill(830),
      900,
      845,
      900,
      900,
      900,
      ...steady(5),
    ]);
    expect(harness.transitions.map((t) => t.kind)).toEqual(['opened', 'resolved']);
    expect(minuteOf(harness.transitions[1]?.alert.resolvedAt)).toBe(34);
  });

  it('reminds of a long unacknowledged dip every hour of data time', () => {
    const harness = streamFurnace([...steady(10), ...Array(150).fill(830), ...steady(5)], true);
    expect(
      harness.transitions.map((t) => [
        t.kind,
        minuteOf(t.kind === 'resolved' ? t.alert.resolvedAt : t.alert.updatedAt),
      ]),
    ).toEqual([
      ['opened', 15],
      ['reminder', 75],
      ['reminder', 135],
      ['resolved', 162],
    ]);
    expect(harness.transitions.map((t) => t.alert.sequence)).toEqual([1, 2, 3, 4]);
  });

  it('never opens on dips shorter than the on-delay, whatever the pattern (property)', () => {
    const episode = fc.tuple(
      fc.array(fc.double({ min: 850, max: 1000, noNaN: true }), { minLength: 1, maxLength: 8 }),
      fc.array(fc.double({ min: 600, max: 849.9, noNaN: true }), { minLength: 1, maxLength: 5 }),
    );
    fc.assert(
      fc.property(fc.array(episode, { maxLength: 8 }), (episodes) => {
        expect(streamFurnace(episodes.flatMap(([above, below]) => [...above, ...below])).transitions).toEqual(
          [],
        );
      }),
      { numRuns: 300, seed: 2 },
    );
  });

  it('opens exactly once and resolves exactly once for any single long dip (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 850, max: 1000, noNaN: true }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.double({ min: 600, max: 849.9, noNaN: true }), { minLength: 6, maxLength: 40 }),
        fc.array(fc.double({ min: 850, max: 1000, noNaN: true }), { minLength: 3, maxLength: 10 }),
        (before, dip, after) => {
          const harness = streamFurnace([...before, ...dip, ...after]);
          expect(harness.transitions.map((t) => t.kind)).toEqual(['opened', 'resolved']);
          expect(minuteOf(harness.transitions[0]?.alert.openedAt)).toBe(before.length + 5);
          expect(harness.transitions[1]?.alert.value).toBeGreaterThanOrEqual(850);
          expect(minuteOf(harness.transitions[1]?.alert.resolvedAt)).toBe(before.length + dip.length + 2);
        },
      ),
      { numRuns: 300, seed: 3 },
    );
  });
});

describe('sensor health, streamed', () => {
  it('a series that goes quiet is stale once after 15 minutes, and recovers when data returns', () => {
    const harness = new AlertHarness();
    let lastGoodTs = FURNACE_T0;
    for (let minute = 1; minute <= 40; minute++) {
      const now = FURNACE_T0 + minute * MINUTE_MS;
      if (minute >= 30) lastGoodTs = now; // data is back from minute 30
      harness.apply(
        evaluateStale(
          PLANT,
          [{ line: 'stack', metric: 'co', lastGoodTs, firstSeenTs: FURNACE_T0 - 1 }],
          now,
          RULES,
        ),
      );
    }
    expect(harness.kinds()).toEqual(['opened SENSOR_STALE/stack/co', 'resolved SENSOR_STALE/stack/co']);
    expect(minuteOf(harness.transitions[0]?.alert.openedAt)).toBe(16);
    expect(minuteOf(harness.transitions[1]?.alert.resolvedAt)).toBe(30);
  });

  it('a transmitter that freezes is stuck once, and clears when it varies again', () => {
    const random = seeded(77);
    const readings: RuleReading[] = [];
    const valueAt = (minute: number) => (minute >= 300 && minute < 420 ? 931.2 : 930 + 30 * (random() - 0.5));
    for (let minute = 0; minute < 600; minute++) {
      readings.push({
        line: 'boiler-1',
        metric: 'steam_temperature',
        ts: FURNACE_T0 + minute * MINUTE_MS,
        value: valueAt(minute),
        quality: 'GOOD',
      });
    }
    const harness = new AlertHarness();
    for (let minute = 240; minute < 600; minute += 5) {
      const now = FURNACE_T0 + minute * MINUTE_MS;
      const window = readings.filter((r) => r.ts <= now && r.ts > now - 60 * MINUTE_MS);
      // Baseline: the 4 hours before the window, so a freeze does not become the new normal at once.
      const baseline = readings.filter((r) => r.ts <= now - 60 * MINUTE_MS && r.ts > now - 300 * MINUTE_MS);
      harness.apply(evaluateStuck(PLANT, 'boiler-1', 'steam_temperature', window, baseline, RULES));
    }
    expect(harness.kinds()).toEqual([
      'opened SENSOR_STUCK/boiler-1/steam_temperature',
      'resolved SENSOR_STUCK/boiler-1/steam_temperature',
    ]);
    expect(minuteOf(harness.transitions[0]?.alert.openedAt)).toBe(360); // the first window of frozen readings only
    expect(minuteOf(harness.transitions[1]?.alert.resolvedAt)).toBe(420);
  });
});
