import { describe, expect, it } from 'vitest';
import { exactSum } from '../../lambdas/domain/exact-sum.ts';
import {
  bucketsAlignWithSlots,
  computeKpisFromSlots,
  DEFAULT_SETTLE_POLICY,
  type KpiSlot,
  lastReadingsBefore,
  SLOT_MS,
  seriesKey,
  seriesOf,
  settleTime,
  slotIncrements,
  slotStartOf,
  summarizeSlots,
  touchedKpiSlots,
} from '../../lambdas/domain/kpi-rollup.ts';
import { computeKpisForBuckets, type KpiReading, kpiBuckets } from '../../lambdas/domain/kpis.ts';
import { HOUR_MS, MINUTE_MS } from '../../lambdas/domain/time.ts';

const at = (iso: string): number => Date.parse(iso);
const T0 = at('2026-11-24T00:00:00Z');
const min = (n: number) => T0 + n * MINUTE_MS;

const fed = (
  ts: number,
  value: number,
  quality: KpiReading['quality'] = 'GOOD',
  line = 'boiler-1',
): KpiReading => ({
  line,
  metric: 'waste_fed',
  ts,
  value,
  quality,
});

describe('slots', () => {
  it('are 15-minute UTC intervals', () => {
    expect(SLOT_MS).toBe(900_000);
    expect(slotStartOf(min(14) + 59_999)).toBe(T0);
    expect(slotStartOf(min(15))).toBe(min(15));
    expect(slotStartOf(-1)).toBe(-SLOT_MS);
  });

  it.each([
    ['Asia/Almaty', '2026-11-20T00:00:00Z', true],
    ['Asia/Kolkata', '2026-11-20T00:00:00Z', true], // +5:30: hours start at :30 UTC
    ['Asia/Kathmandu', '2026-11-20T00:00:00Z', true], // +5:45
    ['Australia/Lord_Howe', '2026-04-03T00:00:00Z', true], // 30-minute DST shift on 2026-04-05
    ['America/St_Johns', '2010-11-06T00:00:00Z', true], // -3:30, DST ended at 00:01 local on 2010-11-07
    ['Antarctica/Casey', '2022-09-30T00:00:00Z', true], // moved at 00:01 local on 2022-10-01
    ['Africa/Monrovia', '1971-06-01T00:00:00Z', false], // -0:44:30 until 1972-01-07
    ['Pacific/Kiritimati', '1975-06-01T00:00:00Z', false], // -10:40 until 1979-10-01
  ])('tile the plant-local hours and days of %s from %s: %s', (zone, from, aligned) => {
    for (const interval of ['1h', '1d'] as const) {
      const buckets = kpiBuckets(interval, zone, at(from), at(from) + 5 * 24 * HOUR_MS);
      expect(bucketsAlignWithSlots(buckets), interval).toBe(aligned);
    }
  });
});

describe('summarizeSlots', () => {
  it('keeps the first and last GOOD reading of a slot and the exact steps between them', () => {
    const slots = summarizeSlots([
      fed(min(1), 100),
      fed(min(5), 110),
      fed(min(7), 5, 'BAD'), // neither a step nor a reset
      fed(min(9), 3), // reset: counts 3
      fed(min(9), 4), // same instant, given later: wins
      fed(min(14), 0.1),
      fed(min(16), 0.3), // next slot
      fed(min(20), 7, 'UNCERTAIN'),
      { line: 'turbine', metric: 'power_gross', ts: min(2), value: 40, quality: 'GOOD' }, // not a counter
    ]);
    expect(slots.map((slot) => slot.start)).toEqual([T0, min(15)]);
    const [first, second] = slots.map((slot) => slot.series);
    expect(first).toEqual([
      {
        line: 'boiler-1',
        metric: 'waste_fed',
        first: { ts: min(1), value: 100 },
        last: { ts: min(14), value: 0.1 },
        inner: expect.any(Array),
      },
    ]);
    // 100 -> 110 (+10), reset onto 4 (+4), reset onto 0.1 (+0.1): kept exactly, rounded once
    expect(exactSum(first?.[0]?.inner ?? [])).toBe(14.1);
    expect(second).toEqual([
      {
        line: 'boiler-1',
        metric: 'waste_fed',
        first: { ts: min(16), value: 0.3 },
        last: { ts: min(16), value: 0.3 },
        inner: [],
      },
    ]);
  });

  it('orders series by metric, then line, and leaves out slots with no GOOD counter reading', () => {
    const [slot, ...rest] = summarizeSlots([
      fed(min(1), 1, 'GOOD', 'line-b'),
      { line: 'turbine', metric: 'electricity_exported', ts: min(2), value: 5, quality: 'GOOD' },
      fed(min(3), 1, 'GOOD', 'line-a'),
      fed(min(31), 9, 'BAD'),
    ]);
    expect(rest).toEqual([]);
    expect(slot?.series.map((s) => `${s.metric}/${s.line}`)).toEqual([
      'waste_fed/line-a',
      'waste_fed/line-b',
      'electricity_exported/turbine',
    ]);
  });
});

describe('computeKpisFromSlots equals the raw computation', () => {
  // Steps across slot and bucket edges, a reset onto a slot's first reading, and a series quiet for hours.
  const readings: KpiReading[] = [
    fed(min(-30), 990), // before the range: the first step counts from it
    fed(min(5), 1000.1),
    fed(min(14), 1000.3),
    fed(min(16), 1000.7),
    fed(min(44), 2.5), // reset onto a slot's first reading
    fed(min(59), 3.25),
    fed(min(61), 3.5), // next hour
    fed(min(300), 9), // after hours of silence
    fed(min(301), 1, 'BAD'),
    { line: 'turbine', metric: 'electricity_generated', ts: min(10), value: 50.05, quality: 'GOOD' },
    { line: 'turbine', metric: 'electricity_generated', ts: min(100), value: 50.15, quality: 'GOOD' },
  ];
  const from = T0;
  const to = T0 + 6 * HOUR_MS;
  const inRange = readings.filter((r) => r.ts >= from);
  const before = readings.filter((r) => r.ts < from);

  it.each(['1h', '1d'] as const)('%s buckets', (interval) => {
    const buckets = kpiBuckets(interval, 'Asia/Almaty', from, to);
    const start = buckets[0]?.start ?? from;
    const raw = computeKpisForBuckets(buckets, to, readings, []);
    const rolled = computeKpisFromSlots(
      buckets,
      to,
      {
        before: readings.filter((r) => r.ts < start).slice(-1),
        slots: summarizeSlots(readings.filter((r) => r.ts >= start)),
      },
      [],
    );
    expect(rolled).toEqual(raw);
    expect(raw.some((p) => p.fed_t > 0)).toBe(true);
  });

  it('attributes the step into a slot to that slot, from the previous non-empty slot', () => {
    const increments = slotIncrements({ before, slots: summarizeSlots(inRange) }).filter(
      (i) => i.metric === 'waste_fed',
    );
    expect(increments).toContainEqual({ metric: 'waste_fed', ts: min(5), parts: [1000.1 - 990] });
    expect(increments).toContainEqual({ metric: 'waste_fed', ts: min(44), parts: [2.5] });
    expect(increments).toContainEqual({ metric: 'waste_fed', ts: min(300), parts: [9 - 3.5] });
  });

  it('refuses buckets that do not align with slots, and data outside the range', () => {
    const monrovia = kpiBuckets(
      '1d',
      'Africa/Monrovia',
      at('1971-06-01T00:00:00Z'),
      at('1971-06-03T00:00:00Z'),
    );
    expect(() => computeKpisFromSlots(monrovia, 0, { before: [], slots: [] }, [])).toThrow(RangeError);
    const buckets = kpiBuckets('1h', 'Asia/Almaty', from, to);
    expect(() => computeKpisFromSlots(buckets, 0, { before: [fed(from, 1)], slots: [] }, [])).toThrow(
      /before the range/,
    );
    expect(() =>
      computeKpisFromSlots(buckets, 0, { before: [], slots: [{ start: to, series: [] }] }, []),
    ).toThrow(/not a slot/);
    expect(computeKpisFromSlots([], 0, { before: [], slots: [] }, [])).toEqual([]);
  });
});

describe('lastReadingsBefore', () => {
  const slot = (start: number, ...series: Array<[line: string, ts: number, value: number]>): KpiSlot => ({
    start,
    series: series.map(([line, ts, value]) => ({
      line,
      metric: 'waste_fed',
      first: { ts, value },
      last: { ts, value },
      inner: [],
    })),
  });
  const a = seriesKey('a', 'waste_fed');
  const b = seriesKey('b', 'waste_fed');
  const from = T0 + 4 * SLOT_MS;

  it('walks back to each series’ latest slot within the window', () => {
    const slots = new Map([
      [T0 + 3 * SLOT_MS, slot(T0 + 3 * SLOT_MS, ['a', T0 + 3 * SLOT_MS + 5, 7])],
      [T0 + 2 * SLOT_MS, slot(T0 + 2 * SLOT_MS)],
      [T0 + SLOT_MS, slot(T0 + SLOT_MS, ['a', T0 + SLOT_MS, 6], ['b', T0 + SLOT_MS + 1, 2])],
      [T0, slot(T0, ['b', T0, 1])],
    ]);
    expect(lastReadingsBefore(slots, new Set([a, b]), from, T0)).toEqual({
      before: [
        { line: 'a', metric: 'waste_fed', ts: T0 + 3 * SLOT_MS + 5, value: 7, quality: 'GOOD' },
        { line: 'b', metric: 'waste_fed', ts: T0 + SLOT_MS + 1, value: 2, quality: 'GOOD' },
      ],
      unknown: [],
    });
    // nothing before the window
    expect(lastReadingsBefore(slots, new Set([b]), from, T0 + 2 * SLOT_MS).before).toEqual([]);
  });

  it('names the unknown slots that could hide a later reading', () => {
    const slots = new Map([[T0 + SLOT_MS, slot(T0 + SLOT_MS, ['a', T0 + SLOT_MS, 6])]]);
    expect(lastReadingsBefore(slots, new Set([a]), from, T0).unknown).toEqual([
      T0 + 2 * SLOT_MS,
      T0 + 3 * SLOT_MS,
    ]);
    // b is never found: every unknown slot of the window matters
    expect(lastReadingsBefore(slots, new Set([a, b]), from, T0).unknown).toEqual([
      T0,
      T0 + 2 * SLOT_MS,
      T0 + 3 * SLOT_MS,
    ]);
    expect(seriesOf(slots.values())).toEqual(new Set([a]));
  });
});

describe('marking and settling', () => {
  it('marks the slots of KPI counter readings of every quality, per plant', () => {
    expect(
      touchedKpiSlots([
        { plantId: 'p2', metric: 'waste_fed', ts: min(1) },
        { plantId: 'p1', metric: 'heat_exported', ts: min(20) },
        { plantId: 'p1', metric: 'heat_exported', ts: min(16) },
        { plantId: 'p1', metric: 'electricity_generated', ts: min(3) },
        { plantId: 'p1', metric: 'furnace_temperature', ts: min(40) },
      ]),
    ).toEqual([
      { plantId: 'p1', slotStarts: [T0, min(15)] },
      { plantId: 'p2', slotStarts: [T0] },
    ]);
  });

  it('waits longer for slots the write sends to the magnetic store', () => {
    const policy = { ...DEFAULT_SETTLE_POLICY, memoryRetentionMs: 12 * HOUR_MS };
    const now = T0 + 24 * HOUR_MS;
    expect(settleTime(now - HOUR_MS, now, policy)).toBe(now + policy.settleMs);
    expect(settleTime(now - 12 * HOUR_MS, now, policy)).toBe(now + policy.magneticSettleMs);
    expect(settleTime(now - HOUR_MS, now, DEFAULT_SETTLE_POLICY)).toBe(now + policy.magneticSettleMs);
    expect(policy.magneticSettleMs).toBeGreaterThan(6 * HOUR_MS);
  });
});
