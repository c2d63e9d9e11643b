import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  energyBaseline,
  evaluateCombustion,
  evaluateDiversion,
  evaluateEnergyDrop,
  evaluateLandfillSpike,
  evaluateMassBalance,
  evaluateStale,
  evaluateStuck,
  landfillBaseline,
  type RuleReading,
} from '../../../lambdas/domain/alerts/rules.ts';
import type { MetricName } from '../../../lambdas/domain/catalog.ts';
import type { KpiPoint } from '../../../lambdas/domain/kpis.ts';
import { MINUTE_MS } from '../../../lambdas/domain/time.ts';
import {
  FURNACE_T0,
  furnaceReadings,
  kpiDay,
  kpiPoint,
  PLANT,
  perMinute,
  RULES,
  seeded,
  TZ,
} from './fixtures.ts';

const NOV_24 = 23;

describe('evaluateDiversion', () => {
  it('words the message as the contract does, with the plant-local date', () => {
    // Day 2026-11-24 in Almaty starts at 2026-11-23T19:00Z: a UTC date would be wrong.
    const day = evaluateDiversion(PLANT, kpiDay(NOV_24, { received: 100, landfilled: 65 }), RULES, TZ);
    expect(day).toEqual({
      plantId: PLANT,
      type: 'DIVERSION_BELOW_TARGET',
      subject: 'day/2026-11-24',
      status: 'firing',
      severity: 'warning',
      window: { start: Date.parse('2026-11-23T19:00:00Z'), end: Date.parse('2026-11-24T19:00:00Z') },
      value: expect.closeTo(0.35, 12),
      threshold: 0.4,
      message: 'Landfill diversion 35.0 % on 2026-11-24 is below the 40.0 % target',
    });
  });

  it.each([
    { name: 'well below the target', received: 100, landfilled: 65, status: 'firing' },
    { name: 'just below the target', received: 10_000, landfilled: 6_001, status: 'firing' },
    { name: 'exactly at the target (not below)', received: 100, landfilled: 60, status: 'holding' },
    { name: 'inside the deadband', received: 100, landfilled: 59, status: 'holding' },
    { name: 'just short of target + deadband', received: 10_000, landfilled: 5_801, status: 'holding' },
    {
      name: 'exactly target + deadband (0.42 despite rounding)',
      received: 100,
      landfilled: 58,
      status: 'clear',
    },
    { name: 'well above', received: 100, landfilled: 25, status: 'clear' },
    { name: 'too little received to judge', received: 19.9, landfilled: 19, status: 'holding' },
    { name: 'exactly the minimum received is judged', received: 20, landfilled: 19, status: 'firing' },
    { name: 'nothing received', received: 0, landfilled: 0, status: 'holding' },
  ])('$name → $status', ({ received, landfilled, status }) => {
    const day = evaluateDiversion(PLANT, kpiDay(NOV_24, { received, landfilled }), RULES, TZ);
    expect(day.status).toBe(status);
  });

  it.each([
    { rate: 0.4, status: 'holding' },
    { rate: 0.42, status: 'clear' }, // 0.4 + 0.02 is 0.42000000000000004 in binary: still clears
    { rate: 0.41999, status: 'holding' },
  ])('compares limits with a tolerance for binary rounding: $rate → $status', ({ rate, status }) => {
    const day = kpiPoint(NOV_24, { received_t: 100, diversion_rate: rate });
    expect(evaluateDiversion(PLANT, day, RULES).status).toBe(status);
  });

  it('judges an incomplete day once enough was received (evaluated on the day, not after it)', () => {
    const day = evaluateDiversion(PLANT, kpiDay(NOV_24, { received: 30, landfilled: 20 }, false), RULES);
    expect(day.status).toBe('firing');
  });

  it('uses per-plant settings', () => {
    const settings = {
      ...RULES,
      diversion: { ...RULES.diversion, target: 0.6, minReceivedT: 50, deadband: 0.05 },
    };
    const status = (landfilled: number) =>
      evaluateDiversion(PLANT, kpiDay(NOV_24, { received: 100, landfilled }), settings).status;
    expect([status(45), status(38), status(35)]).toEqual(['firing', 'holding', 'clear']);
  });
});

describe('evaluateMassBalance', () => {
  it.each([
    { name: 'gap above tolerance', gap: 0.15, complete: true, status: 'firing' },
    { name: 'negative gap above tolerance', gap: -0.15, complete: true, status: 'firing' },
    { name: 'exactly the tolerance', gap: 0.1, complete: true, status: 'holding' },
    { name: 'inside the deadband', gap: -0.09, complete: true, status: 'holding' },
    { name: 'exactly tolerance − deadband', gap: 0.08, complete: true, status: 'clear' },
    { name: 'small gap', gap: 0.01, complete: true, status: 'clear' },
    { name: 'incomplete day, however large', gap: 0.5, complete: false, status: 'holding' },
  ])('$name → $status', ({ gap, complete, status }) => {
    const [e] = evaluateMassBalance(PLANT, kpiPoint(NOV_24, { mass_balance_gap: gap, complete }), RULES, TZ);
    expect(e?.status).toBe(status);
    expect(e?.subject).toBe('plant');
  });

  it('holds when nothing was received (the gap is undefined)', () => {
    const day = kpiDay(NOV_24, { received: 0, fed: 50 });
    expect(day.mass_balance_gap).toBeNull();
    expect(evaluateMassBalance(PLANT, day, RULES)[0]?.status).toBe('holding');
  });

  it('computes from real totals and says which way the gap goes', () => {
    const [e] = evaluateMassBalance(
      PLANT,
      kpiDay(NOV_24, { received: 100, fed: 70, unburnt: 10 }),
      RULES,
      TZ,
    );
    expect(e).toMatchObject({ status: 'firing', value: expect.closeTo(0.2, 12), threshold: 0.1 });
    expect(e?.message).toBe('Mass balance gap +20.0 % on 2026-11-24 is beyond ±10.0 %');
  });
});

describe('evaluateLandfillSpike', () => {
  const history = (n: number, landfilled: (daysBack: number) => number, before = NOV_24) =>
    Array.from({ length: n }, (_, k) =>
      kpiDay(before - 1 - k, { received: 1000, landfilled: landfilled(k + 1) }),
    );
  const judge = (trailing: KpiPoint[], landfilled: number, complete = true) =>
    evaluateLandfillSpike(
      PLANT,
      kpiDay(NOV_24, { received: 1000, landfilled }, complete),
      trailing,
      RULES,
      TZ,
    )[0];

  it('holds during warm-up however large the spike, and fires once warm', () => {
    const noisy = (k: number) => 200 + (k % 5) * 4;
    expect(judge(history(13, noisy), 900)?.status).toBe('holding');
    expect(judge(history(14, noisy), 900)).toMatchObject({
      status: 'firing',
      subject: 'plant',
      severity: 'warning',
    });
  });

  it('counts only complete days before the judged day, inside the trailing window, towards warm-up', () => {
    const days = history(13, () => 200);
    const noise = [
      kpiDay(NOV_24 - 14, { received: 1000, landfilled: 200 }, false), // incomplete
      kpiDay(NOV_24, { received: 1000, landfilled: 200 }), // the day itself
      kpiDay(NOV_24 + 1, { received: 1000, landfilled: 200 }), // after it
      kpiDay(NOV_24 - 29, { received: 1000, landfilled: 200 }), // outside 28 trailing days
    ];
    expect(landfillBaseline(kpiDay(NOV_24, {}), [...days, ...noise], RULES)?.historyDays).toBe(13);
    expect(judge([...days, ...noise], 900)?.status).toBe('holding');
  });

  it('does not treat every change after a flat history as a spike (σ floor)', () => {
    const flat = history(28, () => 200);
    expect(landfillBaseline(kpiDay(NOV_24, {}), flat, RULES)?.sigma).toBe(20);
    expect(judge(flat, 260)?.status).toBe('holding'); // z = 3
    expect(judge(flat, 271)?.status).toBe('firing'); // z = 3.55
    expect(judge(flat, 215)?.status).toBe('clear'); // z = 0.75 < 3.5 − 1
    expect(judge(flat, 255)?.status).toBe('holding'); // z = 2.75: inside the clear deadband
  });

  it('takes σ as 1.4826 × MAD of the baseline days', () => {
    const spread = history(28, (back) => (back % 2 === 0 ? 170 : 230)); // median 200, MAD 30
    expect(landfillBaseline(kpiDay(NOV_24, {}), spread, RULES)).toMatchObject({
      median: 200,
      sigma: 1.4826 * 30,
    });
    expect(judge(spread, 200 + 3.5 * 44.478 + 0.01)?.status).toBe('firing');
    expect(judge(spread, 200 + 3.5 * 44.478 - 0.01)?.status).toBe('holding');
  });

  it('never fires below minTonnes', () => {
    const tiny = history(28, () => 1);
    expect(judge(tiny, 9.9)?.status).toBe('holding');
    expect(judge(tiny, 10)?.status).toBe('firing');
  });

  it('prefers the same weekday once four are known', () => {
    // Tuesdays landfill 600 t, other days 200 t: a busy Tuesday is normal, a Tuesday-sized Monday is not.
    const weekly = history(28, (back) => (back % 7 === 0 ? 600 : 200));
    const baseline = landfillBaseline(kpiDay(NOV_24, {}), weekly, RULES);
    expect(baseline).toMatchObject({ sameWeekday: true, median: 600, baselineDays: 4 });
    expect(judge(weekly, 610)?.status).toBe('clear');
    const monday = evaluateLandfillSpike(
      PLANT,
      kpiDay(NOV_24 - 1, { received: 1000, landfilled: 600 }),
      history(28, (back) => (back % 7 === 6 ? 600 : 200), NOV_24 - 1),
      RULES,
    )[0];
    expect(monday?.status).toBe('firing');
  });

  it('falls back to all trailing days with fewer than four of the same weekday', () => {
    const weekly = history(21, (back) => (back % 7 === 0 ? 600 : 200));
    expect(landfillBaseline(kpiDay(NOV_24, {}), weekly, RULES)).toMatchObject({
      sameWeekday: false,
      median: 200,
    });
    expect(judge(weekly, 600)?.status).toBe('firing');
  });

  it('may fire on an incomplete day (tonnage only grows) but clears only on a complete one', () => {
    const flat = history(28, () => 200);
    expect(judge(flat, 400, false)?.status).toBe('firing');
    expect(judge(flat, 150, false)?.status).toBe('holding');
    expect(judge(flat, 150, true)?.status).toBe('clear');
  });

  it('reports the tonnes at the limit as the threshold', () => {
    const e = judge(
      history(28, () => 200),
      400,
    );
    expect(e).toMatchObject({ value: 400, threshold: 200 + 3.5 * 20 });
    expect(e?.message).toBe('Landfilled 400.0 t on 2026-11-24 vs the usual 200.0 t (robust z 10.0)');
  });
});

describe('evaluateEnergyDrop', () => {
  const history = (values: Array<number | null>, before = NOV_24) =>
    values.map((v, k) =>
      kpiPoint(before - values.length + k, { net_mwh_per_t: v, fed_t: v === null ? 0 : 100, complete: true }),
    );
  const judge = (trailing: KpiPoint[], value: number | null, complete = true) =>
    evaluateEnergyDrop(PLANT, kpiPoint(NOV_24, { net_mwh_per_t: value, complete }), trailing, RULES, TZ)[0];
  const flat = history(Array(10).fill(0.55));

  it.each([
    { value: 0.5, status: 'firing' }, // limit 0.55 − 3 × 0.011 = 0.517
    { value: 0.516, status: 'firing' },
    { value: 0.52, status: 'holding' },
    { value: 0.527, status: 'holding' },
    { value: 0.528, status: 'clear' }, // 0.55 − 2 × 0.011
    { value: 0.6, status: 'clear' },
  ])('flat 0.55 MWh/t history (σ floor 2 %): $value → $status', ({ value, status }) => {
    expect(judge(flat, value)?.status).toBe(status);
  });

  it('lets one bad day move the EWMA baseline by at most λ·sigmas·σ (clipped)', () => {
    const baseline = energyBaseline(kpiPoint(NOV_24, {}), history([...Array(10).fill(0.55), 0.1]), RULES);
    // 0.1 enters at 0.55 − 3 × 0.011 = 0.517: mean 0.55 − 0.3 × 0.033; variance 0.7 × 0.033 × (0.3 × 0.033)
    expect(baseline?.mean).toBeCloseTo(0.55 - 0.3 * 0.033, 12);
    expect(baseline?.sigma).toBeCloseTo(Math.sqrt(0.7 * 0.033 * 0.3 * 0.033), 12);
    expect(baseline?.days).toBe(11);
  });

  it('keeps firing through the first days of a drop, and learns a lasting change within a week', () => {
    const afterLowDays = (lowDays: number) =>
      judge(history([...Array(10).fill(0.7), ...Array(lowDays).fill(0.5)]), 0.5);
    expect(afterLowDays(0)?.status).toBe('firing');
    expect(afterLowDays(1)?.status).toBe('firing');
    expect(afterLowDays(2)?.status).toBe('firing');
    expect(afterLowDays(5)?.status).toBe('clear');
  });

  it('holds during warm-up, skipping days without a value', () => {
    expect(judge(history([0.55, 0.55, 0.55, 0.55, 0.55, 0.55]), 0.1)?.status).toBe('holding');
    expect(judge(history([0.55, 0.55, 0.55, null, 0.55, 0.55, 0.55]), 0.1)?.status).toBe('holding');
    expect(judge(history([0.55, 0.55, 0.55, null, 0.55, 0.55, 0.55, 0.55]), 0.1)?.status).toBe('firing');
  });

  it('judges only complete days with a value', () => {
    expect(judge(flat, 0.1, false)?.status).toBe('holding');
    expect(judge(flat, null)?.status).toBe('holding');
  });

  it('words the message with the baseline and limit', () => {
    expect(judge(flat, 0.4)?.message).toBe(
      'Net export 0.400 MWh/t on 2026-11-24 vs expected 0.550 (limit 0.517)',
    );
  });
});

describe('evaluateCombustion', () => {
  const judge = (readings: RuleReading[], now = FURNACE_T0 + 600 * MINUTE_MS, settings = RULES) =>
    evaluateCombustion(PLANT, 'boiler-1', readings, now, settings)[0];
  const dip = (below: number, after: number[] = []) =>
    furnaceReadings(perMinute([900, 900, ...Array(below).fill(840), ...after]));

  it.each([
    { name: '5 readings below span 4 minutes: on-delay not met', readings: dip(5), status: 'holding' },
    { name: '6 readings below span 5 minutes: on-delay met', readings: dip(6), status: 'firing' },
    { name: 'back above for 1 minute: off-delay not met', readings: dip(8, [860, 860]), status: 'holding' },
    { name: 'back above for 2 minutes: off-delay met', readings: dip(8, [860, 860, 860]), status: 'clear' },
    {
      name: 'exactly 850 counts as not below',
      readings: furnaceReadings(perMinute(Array(7).fill(850))),
      status: 'clear',
    },
  ])('$name → $status', ({ readings, status }) => {
    expect(judge(readings)?.status).toBe(status);
  });

  it('reports the lowest temperature of the run, the limit, and the run as the window', () => {
    const readings = furnaceReadings(perMinute([900, 845, 820, 812.4, 830, 849, 849.9]));
    expect(judge(readings)).toMatchObject({
      status: 'firing',
      subject: 'boiler-1/furnace_temperature',
      severity: 'critical',
      value: 812.4,
      threshold: 850,
      window: { start: FURNACE_T0 + MINUTE_MS, end: FURNACE_T0 + 6 * MINUTE_MS },
      message: 'Furnace on boiler-1 below 850.0 °C for 5 min (lowest 812.4 °C)',
    });
  });

  it('breaks a run at a gap longer than 2 minutes of data', () => {
    const gap = furnaceReadings([
      ...[0, 1, 2, 3].map((minute) => ({ minute, value: 840 })),
      ...[6, 7, 8].map((minute) => ({ minute, value: 840 })), // 3 minutes without data before minute 6
    ]);
    expect(judge(gap)?.status).toBe('holding');
    const oneMissed = furnaceReadings([0, 1, 2, 4, 5].map((minute) => ({ minute, value: 840 })));
    expect(judge(oneMissed)?.status).toBe('firing'); // a 2-minute gap is tolerated
  });

  it('uses GOOD readings only', () => {
    const bad = furnaceReadings(
      perMinute(Array(10).fill(700)).map((s) => ({ ...s, quality: 'BAD' as const })),
    );
    expect(judge(bad)?.status).toBe('holding');
    const badBlip = dip(8).map((r, i) => (i === 5 ? { ...r, value: 950, quality: 'UNCERTAIN' as const } : r));
    expect(judge(badBlip)?.status).toBe('firing');
  });

  it('ignores other lines, other metrics and readings after now', () => {
    const other = furnaceReadings(perMinute(Array(10).fill(700)), 'boiler-2');
    const steam = furnaceReadings(perMinute(Array(10).fill(700))).map((r) => ({
      ...r,
      metric: 'steam_temperature' as const,
    }));
    const future = furnaceReadings(perMinute(Array(10).fill(700)));
    expect(judge([...other, ...steam])?.status).toBe('holding');
    expect(judge(future, FURNACE_T0 - 1)?.status).toBe('holding');
    expect(judge(future, FURNACE_T0 + 4 * MINUTE_MS)?.status).toBe('holding');
    expect(judge(future, FURNACE_T0 + 5 * MINUTE_MS)?.status).toBe('firing');
  });

  it('gives the same verdict whatever the order of the readings, duplicates included (property)', () => {
    const samples = fc.array(
      fc.record({ minute: fc.integer({ min: 0, max: 30 }), value: fc.integer({ min: 800, max: 900 }) }),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(
        samples.chain((s) =>
          fc.tuple(fc.constant(s), fc.shuffledSubarray(s, { minLength: s.length, maxLength: s.length })),
        ),
        ([inOrder, shuffled]) => {
          expect(judge(furnaceReadings(shuffled))).toEqual(judge(furnaceReadings(inOrder)));
        },
      ),
      { numRuns: 1_000, seed: 850 },
    );
  });
});

describe('evaluateStale', () => {
  const now = FURNACE_T0 + 120 * MINUTE_MS;
  const ago = (minutes: number) => now - minutes * MINUTE_MS;

  it.each([
    { name: 'GOOD data 1 minute ago', lastGood: 1, status: 'clear' },
    { name: 'exactly 15 minutes ago', lastGood: 15, status: 'clear' },
    { name: '15 minutes and 1 ms ago', lastGood: 15 + 1 / MINUTE_MS, status: 'firing' },
    { name: '40 minutes ago', lastGood: 40, status: 'firing' },
  ])('$name → $status', ({ lastGood, status }) => {
    const [e] = evaluateStale(
      PLANT,
      [{ line: 'boiler-1', metric: 'co', lastGoodTs: ago(lastGood), firstSeenTs: ago(100) }],
      now,
      RULES,
    );
    expect(e).toMatchObject({ status, subject: 'boiler-1/co', severity: 'warning', threshold: 15 });
  });

  it('counts from the first sighting for a series that never sent GOOD data', () => {
    const out = evaluateStale(
      PLANT,
      [
        { line: 'l', metric: 'dust', firstSeenTs: ago(20) },
        { line: 'l', metric: 'hcl', firstSeenTs: ago(5) },
      ],
      now,
      RULES,
    );
    expect(out.map((e) => [e.subject, e.status])).toEqual([
      ['all-series', 'clear'],
      ['l/dust', 'firing'],
      ['l/hcl', 'clear'],
    ]);
  });

  it('merges duplicate series (latest GOOD wins) and sorts by subject', () => {
    const out = evaluateStale(
      PLANT,
      [
        { line: 'b', metric: 'co', lastGoodTs: ago(30), firstSeenTs: ago(60) },
        { line: 'a', metric: 'co', lastGoodTs: ago(30), firstSeenTs: ago(60) },
        { line: 'b', metric: 'co', lastGoodTs: ago(2), firstSeenTs: ago(90) },
      ],
      now,
      RULES,
    );
    expect(out.map((e) => [e.subject, e.status, e.value])).toEqual([
      ['all-series', 'clear', 2],
      ['a/co', 'firing', 30],
      ['b/co', 'clear', 2],
    ]);
    expect(out[1]?.message).toBe('No GOOD data from a/co for 30 min');
  });

  it('raises one plant-wide alert, not one per series, when every series is silent', () => {
    const series = ['co', 'nox', 'dust', 'so2'].map((metric, i) => ({
      line: 'stack',
      metric,
      lastGoodTs: ago(40 + i),
      firstSeenTs: ago(600),
    }));
    const out = evaluateStale(PLANT, series, now, RULES);
    expect(out.filter((e) => e.status === 'firing').map((e) => [e.subject, e.value])).toEqual([
      ['all-series', 40],
    ]);
    expect(out.filter((e) => e.subject !== 'all-series').every((e) => e.status === 'holding')).toBe(true);
    expect(out[0]?.message).toBe('No GOOD data from any of 4 series for 40 min: gateway or link down?');
    // One series back: the plant-wide alert clears and the silent ones are judged one by one.
    const partly = evaluateStale(
      PLANT,
      [{ ...series[0], lastGoodTs: ago(1) } as (typeof series)[number], ...series.slice(1)],
      now,
      RULES,
    );
    expect(partly.map((e) => [e.subject, e.status])).toEqual([
      ['all-series', 'clear'],
      ['stack/co', 'clear'],
      ['stack/dust', 'firing'],
      ['stack/nox', 'firing'],
      ['stack/so2', 'firing'],
    ]);
  });
});

describe('evaluateStuck', () => {
  const random = seeded(42);
  const at = (minute: number) => FURNACE_T0 + minute * MINUTE_MS;
  const series = (metric: MetricName, values: number[], fromMinute = 0, line = 'boiler-1'): RuleReading[] =>
    values.map((value, i) => ({ line, metric, ts: at(fromMinute + i * 5), value, quality: 'GOOD' as const }));
  const noisy = (n: number, level = 930, spread = 40) =>
    Array.from({ length: n }, () => level + spread * (random() - 0.5));
  const baseline = series('furnace_temperature', noisy(100), -1000);
  const judge = (window: RuleReading[], base = baseline, metric: MetricName = 'furnace_temperature') =>
    evaluateStuck(PLANT, 'boiler-1', metric, window, base, RULES)[0];

  it('fires on a flatline against a varying baseline', () => {
    expect(judge(series('furnace_temperature', Array(12).fill(931.5)))).toMatchObject({
      status: 'firing',
      subject: 'boiler-1/furnace_temperature',
      severity: 'warning',
      value: 0,
    });
  });

  it('clears when the window varies like the baseline', () => {
    expect(judge(series('furnace_temperature', noisy(12)))?.status).toBe('clear');
  });

  it('holds between the stuck limit and twice it (hysteresis)', () => {
    const limit = judge(series('furnace_temperature', Array(12).fill(930)))?.threshold ?? 0;
    const around = (amplitude: number) =>
      Array.from({ length: 12 }, (_, i) => 930 + (i % 2 === 0 ? amplitude : -amplitude));
    expect(judge(series('furnace_temperature', around(limit * 0.9)))?.status).toBe('firing');
    expect(judge(series('furnace_temperature', around(limit * 1.5)))?.status).toBe('holding');
    expect(judge(series('furnace_temperature', around(limit * 2.1)))?.status).toBe('clear');
  });

  it('holds with fewer than minSamples GOOD readings or a baseline without variation', () => {
    expect(judge(series('furnace_temperature', Array(9).fill(930)))?.status).toBe('holding');
    const badTenth = [
      ...series('furnace_temperature', Array(9).fill(930)),
      { ...series('furnace_temperature', [930], 50)[0], quality: 'BAD' } as RuleReading,
    ];
    expect(judge(badTenth)?.status).toBe('holding');
    expect(
      judge(
        series('furnace_temperature', Array(12).fill(930)),
        series('furnace_temperature', Array(50).fill(930), -500),
      )?.status,
    ).toBe('holding');
  });

  it('looks only at the last windowMinutes of the window readings', () => {
    const old = series('furnace_temperature', noisy(12), -200);
    expect(judge([...old, ...series('furnace_temperature', Array(13).fill(931))])?.status).toBe('firing');
  });

  it('never judges a rising totalizer stuck, however small its steps', () => {
    const weekOfFeed = series(
      'waste_fed',
      Array.from({ length: 100 }, (_, i) => i * 100),
      -1000,
    );
    const creeping = series(
      'waste_fed',
      Array.from({ length: 12 }, (_, i) => 10_000 + i * 0.001),
    );
    expect(judge(creeping, weekOfFeed, 'waste_fed')).toMatchObject({ status: 'clear', threshold: 0 });
  });

  it('fires on a totalizer that stopped moving after moving in the baseline', () => {
    const weekOfFeed = series(
      'waste_fed',
      Array.from({ length: 100 }, (_, i) => i * 100),
      -1000,
    );
    expect(judge(series('waste_fed', Array(12).fill(10_000)), weekOfFeed, 'waste_fed')?.status).toBe(
      'firing',
    );
    const idleBaseline = series('waste_fed', Array(100).fill(10_000), -1000);
    expect(judge(series('waste_fed', Array(12).fill(10_000)), idleBaseline, 'waste_fed')?.status).toBe(
      'holding',
    );
  });
});
