/**
 * The Timestream reader's side of the KPI rollup: one query for all four
 * counters (`readCounterReadings`), and `readKpiCounterSlots`, which takes
 * current slots from the rollup and reads only the others raw, with answers
 * that give exactly the KPIs of the raw readings.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { planReadingWrites } from '../../../lambdas/adapters/timestream/records.ts';
import { InvalidMetricsQueryError } from '../../../lambdas/adapters/timestream-query/errors.ts';
import {
  rawRanges,
  type TimestreamMetricsReader,
} from '../../../lambdas/adapters/timestream-query/timestream-metrics-reader.ts';
import {
  computeKpisFromSlots,
  type KpiRollupReader,
  type KpiSlot,
  SLOT_MS,
  slotStartOf,
  slotStartsIn,
  summarizeSlots,
} from '../../../lambdas/domain/kpi-rollup.ts';
import { computeKpisForBuckets, KPI_COUNTER_METRICS, kpiBuckets } from '../../../lambdas/domain/kpis.ts';
import type { StoredReading } from '../../../lambdas/domain/ports.ts';
import { MINUTE, makeReader, NOW, PLANT, reading } from './fixtures.ts';
import { applyPlans, TimestreamQueryFake } from './timestream-query-fake.ts';

const HOUR = 60 * MINUTE;
/** A slot-aligned range of six hours ending at NOW (12:00Z). */
const FROM = NOW - 6 * HOUR;
const TO = NOW;
const CORRECTED_AT = 1_764_000_000_000;

/** Four counters on three lines, every 5 minutes from 8 hours before NOW, with a reset, BAD readings and corrections. */
function dataset(): StoredReading[] {
  const out: StoredReading[] = [];
  const lines = {
    waste_fed: 'boiler-1',
    electricity_generated: 'turbine',
    electricity_exported: 'turbine',
    heat_exported: 'heat',
  };
  for (const [m, metric] of KPI_COUNTER_METRICS.entries()) {
    let value = 1000 * (m + 1) + 0.125;
    for (let ts = NOW - 8 * HOUR; ts < NOW + 10 * MINUTE; ts += 5 * MINUTE) {
      value = ts === NOW - 3 * HOUR && metric === 'waste_fed' ? 1.5 : value + 0.1 + ((ts / MINUTE) % 7) / 3;
      const bad = (ts / MINUTE) % 35 === 0;
      out.push(
        reading({
          metric,
          line: lines[metric],
          ts,
          value: bad ? 5 : value,
          quality: bad ? 'BAD' : 'GOOD',
        }),
      );
    }
  }
  return out;
}

function correctionsOf(readings: readonly StoredReading[]): StoredReading[] {
  return readings
    .filter((_, i) => i % 17 === 3)
    .map((r, i) => ({
      ...r,
      value: r.value + 0.75,
      quality: 'GOOD' as const,
      version: CORRECTED_AT + i,
      correction: true,
    }));
}

class MemoryRollup implements KpiRollupReader {
  readonly calls: Array<[number, number]> = [];
  constructor(readonly slots: Map<number, KpiSlot>) {}
  async readRolledSlots(_plantId: string, from: number, to: number): Promise<ReadonlyMap<number, KpiSlot>> {
    this.calls.push([from, to]);
    // these slots were rolled up with their tickets (none): only counters are under test here
    return new Map(
      [...this.slots]
        .filter(([start]) => start >= from && start < to)
        .map(([start, slot]) => [start, { ...slot, movements: slot.movements ?? [] }]),
    );
  }
}

let fake: TimestreamQueryFake | undefined;
afterEach(() => fake?.restore());

/** A corrected gauge reading: the table then has the `v` column, as any table after its first correction. */
const GAUGE_FIX = reading({ ts: NOW - 30 * HOUR, version: CORRECTED_AT, correction: true });

function over(
  readings: readonly StoredReading[][],
  rollup?: KpiRollupReader,
  pageSize = 4,
): TimestreamMetricsReader {
  fake?.restore();
  fake = new TimestreamQueryFake({
    tables: {
      readings: applyPlans([...readings, [GAUGE_FIX]].map((batch) => planReadingWrites(batch))),
      movements: [],
    },
    pageSize,
    permuteColumns: true,
    seed: 5,
  });
  return makeReader(fake.client, { ...(rollup ? { rollup } : {}), lastBeforeLookbackMs: 2 * HOUR });
}

const queries = () =>
  (fake?.requests ?? []).filter((r) => r.NextToken === undefined).map((r) => r.QueryString ?? '');

describe('readCounterReadings', () => {
  it('reads all four counters in one query, page by page, latest version of each reading', async () => {
    const original = dataset();
    const fixes = correctionsOf(original);
    const reader = over([original, fixes], undefined, 3);
    const got = await reader.readCounterReadings(PLANT, FROM, TO);
    expect(queries()).toEqual([
      `SELECT "line", measure_name, time, "wfc", "eg", "ee", "hx", "q", "v" FROM "wte"."readings" WHERE time >= from_milliseconds(${FROM}) AND time < from_milliseconds(${TO}) AND "plant" = '${PLANT}' AND measure_name LIKE 'm.%' AND ("wfc" IS NOT NULL OR "eg" IS NOT NULL OR "ee" IS NOT NULL OR "hx" IS NOT NULL)`,
    ]);
    // NextToken pages of the same run: an empty first page, then pages of 3 rows
    const pages = fake?.requests ?? [];
    expect(pages.length).toBeGreaterThan(30);
    expect(
      pages.slice(1).every((r) => r.NextToken !== undefined && r.QueryString === pages[0]?.QueryString),
    ).toBe(true);

    const latest = new Map<string, StoredReading>();
    for (const r of [...original, ...fixes])
      if (r.ts >= FROM && r.ts < TO && (latest.get(`${r.metric}|${r.ts}`)?.version ?? 0) < r.version)
        latest.set(`${r.metric}|${r.ts}`, r);
    const order = (a: StoredReading, b: StoredReading) =>
      a.metric.localeCompare(b.metric) || a.ts - b.ts || a.line.localeCompare(b.line);
    expect([...got].sort(order)).toEqual(applyLatest([...latest.values()]).sort(order));
    expect(got.some((r) => r.correction)).toBe(true);
  });

  it('names only the counter columns the table has, and finds nothing when it has none', async () => {
    const fedOnly = dataset().filter((r) => r.metric === 'waste_fed' && r.quality === 'GOOD');
    const reader = over([fedOnly]);
    const got = await reader.readCounterReadings(PLANT, FROM, TO);
    expect(got.length).toBe(fedOnly.filter((r) => r.ts >= FROM && r.ts < TO).length);
    const last = queries().at(-1) ?? '';
    expect(last).toContain('CAST(NULL AS DOUBLE) AS "hx"');
    expect(last).toContain('CAST(NULL AS VARCHAR) AS "q"');
    expect(last).toContain('AND ("wfc" IS NOT NULL)');

    // Timestream refuses each counter column the table lacks; with none left, the answer is empty.
    const gauges = over([[reading({ metric: 'furnace_temperature', ts: NOW - HOUR })]]);
    expect(await gauges.readCounterReadings(PLANT, FROM, TO)).toEqual([]);
    expect(queries().at(-1)).toContain('AND ("hx" IS NOT NULL)');
    const sentBefore = queries().length;
    expect(await gauges.readCounterReadings(PLANT, TO, FROM)).toEqual([]);
    expect(queries()).toHaveLength(sentBefore);
  });

  it('refuses a plant id that is not one before any query', async () => {
    const reader = over([dataset()]);
    await expect(reader.readCounterReadings("x' OR 1=1 --", FROM, TO)).rejects.toBeInstanceOf(
      InvalidMetricsQueryError,
    );
    expect(fake?.requests).toEqual([]);
  });
});

describe('rawRanges', () => {
  const s = (n: number) => n * SLOT_MS;
  it('joins contiguous slots and merges the closest ranges down to the maximum', () => {
    expect(rawRanges([s(3), s(1), s(2), s(7), s(20)], 4)).toEqual([
      [s(1), s(4)],
      [s(7), s(8)],
      [s(20), s(21)],
    ]);
    expect(rawRanges([s(1), s(3), s(7), s(20)], 2)).toEqual([
      [s(1), s(8)],
      [s(20), s(21)],
    ]);
    expect(rawRanges([s(1), s(9)], 1)).toEqual([[s(1), s(10)]]);
    expect(rawRanges([], 4)).toEqual([]);
  });
});

describe('readKpiCounterSlots', () => {
  const readings = dataset();
  const all = summarizeSlots(applyLatest(readings));
  const rolled = (keep: (start: number) => boolean) =>
    new MemoryRollup(
      new Map(
        slotStartsIn(FROM - 2 * HOUR, TO)
          .filter(keep)
          .map((start) => [start, all.find((x) => x.start === start) ?? { start, series: [] }]),
      ),
    );

  it('exists only with a rollup, whose lookback must be whole slots', () => {
    expect(over([readings]).readKpiCounterSlots).toBeUndefined();
    expect(
      over(
        [readings],
        rolled(() => true),
      ).readKpiCounterSlots,
    ).toBeTypeOf('function');
    expect(() =>
      makeReader(fake?.client as never, { rollup: rolled(() => true), lastBeforeLookbackMs: HOUR + 1 }),
    ).toThrow(/multiple of 900000/);
  });

  it('sends no Timestream query when every slot is rolled up', async () => {
    const rollup = rolled(() => true);
    const reader = over([readings], rollup);
    const answer = await reader.readKpiCounterSlots?.(PLANT, FROM, TO);
    expect(queries()).toEqual([]);
    expect(rollup.calls).toEqual([[FROM - 2 * HOUR, TO]]);
    expect(answer?.slots).toEqual(all.filter((x) => x.start >= FROM && x.start < TO));
    expect(answer?.before.map((r) => [r.metric, r.ts])).toEqual(
      KPI_COUNTER_METRICS.map((metric) => [metric, FROM - 5 * MINUTE]),
    );
  });

  it('reads raw only the slots the rollup does not have, in one query per range', async () => {
    const openSlot = slotStartOf(TO - 1);
    const lateSlot = FROM + 8 * SLOT_MS;
    const rollup = rolled(
      (start) => start !== openSlot && start !== lateSlot && start !== lateSlot + SLOT_MS,
    );
    const reader = over([readings], rollup);
    const answer = await reader.readKpiCounterSlots?.(PLANT, FROM, TO);
    const rangeOf = (q: string) =>
      /from_milliseconds\((\d+)\) AND time < from_milliseconds\((\d+)\)/.exec(q)?.slice(1).map(Number);
    expect(
      queries()
        .filter((q) => q.includes('"readings"'))
        .map(rangeOf),
    ).toEqual([
      [lateSlot, lateSlot + 2 * SLOT_MS],
      [openSlot, TO],
    ]);
    // their tickets too, in one read: within twice the ticket horizon the two scans would overlap
    const tickets = queries().filter((q) => q.includes('"movements"'));
    expect(
      tickets.map((q) =>
        /IN \(SELECT .* from_milliseconds\((\d+)\) AND time < from_milliseconds\((\d+)\)/
          .exec(q)
          ?.slice(1)
          .map(Number),
      ),
    ).toEqual([[lateSlot, TO]]);
    expect(answer?.movements).toEqual([]);
    expect(answer?.slots).toEqual(all.filter((x) => x.start >= FROM && x.start < TO));
  });

  it('fills the lookback from raw readings where a later predecessor could hide', async () => {
    // the slot just before the range is not rolled up: the predecessors are there
    const rollup = rolled((start) => start !== FROM - SLOT_MS);
    const reader = over([readings], rollup);
    const answer = await reader.readKpiCounterSlots?.(PLANT, FROM, TO);
    expect(queries()).toHaveLength(1);
    expect(queries()[0]).toContain(
      `from_milliseconds(${FROM - SLOT_MS}) AND time < from_milliseconds(${FROM})`,
    );
    expect(answer?.before.every((r) => r.ts === FROM - 5 * MINUTE)).toBe(true);
  });

  it('gives the KPIs of the raw readings, hour and day buckets, corrections and a reset included', async () => {
    const fixes = correctionsOf(readings);
    const current = summarizeSlots(applyLatest([...readings, ...fixes]));
    // the rollup lags: slots with corrections are not current in it
    const corrected = new Set(fixes.map((r) => slotStartOf(r.ts)));
    const rollup = new MemoryRollup(
      new Map(
        slotStartsIn(NOW - 2 * 24 * HOUR, TO)
          .filter((start) => !corrected.has(start) && start < slotStartOf(TO - 1))
          .map((start) => [start, current.find((x) => x.start === start) ?? { start, series: [] }]),
      ),
    );
    const reader = over([readings, fixes], rollup);
    for (const interval of ['1h', '1d'] as const) {
      const buckets = kpiBuckets(interval, 'Asia/Almaty', FROM, TO);
      const first = buckets[0]?.start ?? 0;
      const last = buckets.at(-1)?.end ?? 0;
      const raw: StoredReading[] = [];
      for (const metric of KPI_COUNTER_METRICS) {
        raw.push(...(await reader.readLastBefore(PLANT, metric, first)));
        raw.push(...(await reader.readReadings({ plantId: PLANT, metric, from: first, to: last })));
      }
      const slots = await reader.readKpiCounterSlots?.(PLANT, first, last);
      if (!slots) throw new Error('no slots');
      const expected = computeKpisForBuckets(buckets, NOW, raw, []);
      expect(computeKpisFromSlots(buckets, NOW, slots, []), interval).toEqual(expected);
      expect(expected.some((p) => p.fed_t > 0 && p.heat_exported_mwh > 0)).toBe(true);
    }
  });

  it('refuses ranges off the slot grid before any call', async () => {
    const rollup = rolled(() => true);
    const reader = over([readings], rollup);
    await expect(reader.readKpiCounterSlots?.(PLANT, FROM + 1, TO)).rejects.toBeInstanceOf(
      InvalidMetricsQueryError,
    );
    await expect(reader.readKpiCounterSlots?.('Bad Plant', FROM, TO)).rejects.toBeInstanceOf(
      InvalidMetricsQueryError,
    );
    expect(rollup.calls).toEqual([]);
    expect(await reader.readKpiCounterSlots?.(PLANT, TO, TO)).toEqual({ before: [], slots: [] });
  });
});

/** The latest version of each reading identity. */
function applyLatest(readings: readonly StoredReading[]): StoredReading[] {
  const latest = new Map<string, StoredReading>();
  for (const r of readings) {
    const key = `${r.line}|${r.metric}|${r.ts}`;
    if ((latest.get(key)?.version ?? 0) < r.version) latest.set(key, r);
  }
  return [...latest.values()].map((r) => ({ ...r, value: Number(r.value.toPrecision(12)) }));
}
