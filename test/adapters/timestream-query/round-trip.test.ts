/**
 * The write design and the read design agree: readings and tickets planned
 * into records by the write side (records.ts), stored the way Timestream
 * applies WriteRecords, and returned the way Timestream returns multi-measure
 * records (one row per record, a column per measure, NULL where a record
 * lacks one), read back through TimestreamMetricsReader, equal what the
 * metrics-store contract says (the DuckDB adapter's semantics): the latest
 * version of each reading, every quality, in time order.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { planMovementWrites, planReadingWrites } from '../../../lambdas/adapters/timestream/records.ts';
import { TimestreamMetricsWriter } from '../../../lambdas/adapters/timestream/timestream-metrics-writer.ts';
import {
  DEFAULT_LAST_BEFORE_LOOKBACK_MS,
  type TimestreamMetricsReader,
} from '../../../lambdas/adapters/timestream-query/timestream-metrics-reader.ts';
import type { MetricName } from '../../../lambdas/domain/catalog.ts';
import { movementKey, readingKey } from '../../../lambdas/domain/identity.ts';
import type { SeriesQuery } from '../../../lambdas/domain/metrics-ports.ts';
import type { StoredMovement, StoredReading } from '../../../lambdas/domain/ports.ts';
import { QUALITIES } from '../../../lambdas/domain/telemetry.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { TimestreamFake } from '../timestream/timestream-fake.ts';
import { DAY, MINUTE, makeReader, movement, NOW, PLANT, reading } from './fixtures.ts';
import { applyPlans, type StoredRecord, TimestreamQueryFake } from './timestream-query-fake.ts';

const OTHER_PLANT = 'kz-shy-02';
const LINES = ['boiler-1', 'stack', 'turbine'] as const;
const METRICS: readonly MetricName[] = [
  'waste_feed_rate',
  'furnace_temperature',
  'flue_gas_o2',
  'waste_fed',
  'co',
];
const CORRECTED_AT = 1_764_000_000_000;

const stored = (value: number): number => Number(value.toPrecision(12));
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The contract's answer: latest version of each reading identity, filtered, rounded as stored, time order. */
function expectedSeries(written: readonly StoredReading[], query: SeriesQuery): StoredReading[] {
  const latest = new Map<string, StoredReading>();
  for (const r of written) {
    const current = latest.get(readingKey(r));
    if (current === undefined || r.version > current.version) latest.set(readingKey(r), r);
  }
  return [...latest.values()]
    .filter(
      (r) =>
        r.plantId === query.plantId &&
        r.metric === query.metric &&
        r.ts >= query.from &&
        r.ts < query.to &&
        (query.line === undefined || r.line === query.line),
    )
    .map((r) => ({ ...r, value: stored(r.value) }))
    .sort((a, b) => a.ts - b.ts || compareText(a.line, b.line));
}

function expectedLastBefore(
  written: readonly StoredReading[],
  plantId: string,
  metric: MetricName,
  before: number,
): StoredReading[] {
  const last = new Map<string, StoredReading>();
  for (const r of expectedSeries(written, {
    plantId,
    metric,
    from: before - DEFAULT_LAST_BEFORE_LOOKBACK_MS,
    to: before,
  }))
    if (r.quality === 'GOOD') last.set(r.line, r);
  return [...last.values()].sort((a, b) => compareText(a.line, b.line));
}

let fake: TimestreamQueryFake | undefined;
afterEach(() => fake?.restore());

function readerOver(tables: Record<string, readonly StoredRecord[]>, seed = 1): TimestreamMetricsReader {
  fake?.restore();
  fake = new TimestreamQueryFake({ tables, pageSize: 4, permuteColumns: true, seed });
  return makeReader(fake.client);
}

/** A message's worth of readings: several metrics per line at one instant. */
function message(plantId: string, ts: number, seed: number): StoredReading[] {
  const out: StoredReading[] = [];
  for (const [l, line] of LINES.entries())
    for (const [m, metric] of METRICS.entries()) {
      if ((l + m + seed) % 3 === 0) continue;
      out.push(
        reading({
          plantId,
          line,
          metric,
          ts,
          value: Math.round((ts / 1000 + seed * 7 + m * 13 + l) % 997) / 10 + 1 / 3,
          quality: QUALITIES[(l * 5 + m + seed) % 4 === 0 ? 1 + ((l + seed) % 2) : 0],
        }),
      );
    }
  return out;
}

describe('write design and read design agree', () => {
  const originals = [0, 1, 2, 3, 4].flatMap((k) => [
    ...message(PLANT, NOW - (k + 1) * MINUTE, k),
    ...message(OTHER_PLANT, NOW - (k + 1) * MINUTE, k + 1),
  ]);
  // Corrections of single metrics go into records of their own family; one correction re-sends a whole
  // message's metric set (the same record identity, a higher version).
  const single = originals
    .filter((r, i) => r.plantId === PLANT && i % 5 === 0)
    .map((r, i) => ({
      ...r,
      value: r.value + 100,
      quality: 'BAD' as const,
      version: CORRECTED_AT + i,
      correction: true,
    }));
  const whole = originals
    .filter((r) => r.plantId === PLANT && r.ts === NOW - 3 * MINUTE && r.line === 'stack')
    .map((r) => ({
      ...r,
      value: r.value * 2,
      quality: 'GOOD' as const,
      version: CORRECTED_AT + 999,
      correction: true,
    }));
  const written = [...originals, ...single, ...whole];
  const records = applyPlans([
    planReadingWrites(originals),
    planReadingWrites(single),
    planReadingWrites(whole),
  ]);

  it('returns the latest version of every reading, for each plant, metric and line, in time order', async () => {
    expect(single.length).toBeGreaterThan(3);
    expect(whole.length).toBeGreaterThan(1);
    const reader = readerOver({ readings: records });
    let compared = 0;
    for (const plantId of [PLANT, OTHER_PLANT])
      for (const metric of METRICS)
        for (const line of [undefined, ...LINES]) {
          const query = { plantId, metric, from: NOW - 4 * MINUTE, to: NOW, ...(line ? { line } : {}) };
          const expected = expectedSeries(written, query);
          expect(await reader.readReadings(query), JSON.stringify(query)).toEqual(expected);
          compared += expected.length;
        }
    expect(compared).toBeGreaterThan(100);
  });

  it('returns the last GOOD reading of each line before an instant', async () => {
    const reader = readerOver({ readings: records });
    let found = 0;
    for (const plantId of [PLANT, OTHER_PLANT])
      for (const metric of METRICS)
        for (const before of [NOW - 4 * MINUTE, NOW - 2 * MINUTE - 1, NOW]) {
          const expected = expectedLastBefore(written, plantId, metric, before);
          expect(await reader.readLastBefore(plantId, metric, before)).toEqual(expected);
          found += expected.length;
        }
    expect(found).toBeGreaterThan(20);
  });

  it('agrees for arbitrary readings, versions and batches', async () => {
    const spec = fc.record({
      plantId: fc.constantFrom(PLANT, OTHER_PLANT),
      line: fc.constantFrom(...LINES),
      metric: fc.constantFrom(...METRICS),
      ts: fc.integer({ min: 0, max: 5 }).map((k) => NOW - k * 10_000),
      version: fc.constantFrom(1, CORRECTED_AT, CORRECTED_AT + 500),
      value: fc
        .double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true })
        .filter((v) => !Object.is(v, -0)),
      quality: fc.constantFrom(...QUALITIES),
      batch: fc.integer({ min: 0, max: 2 }),
    });
    const identity = (s: { plantId: string; line: string; metric: string; ts: number; version: number }) =>
      `${s.plantId}|${s.line}|${s.metric}|${s.ts}|${s.version}`;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(spec, { selector: identity, maxLength: 40 }),
        fc.integer(),
        async (specs, seed) => {
          const items = specs.map(({ batch, ...s }) => ({
            batch,
            item: reading({ ...s, correction: s.version > 1 }),
          }));
          const batches = [0, 1, 2].map((b) => items.filter((i) => i.batch === b).map((i) => i.item));
          const reader = readerOver({ readings: applyPlans(batches.map((b) => planReadingWrites(b))) }, seed);
          const all = items.map((i) => i.item);
          for (const plantId of [PLANT, OTHER_PLANT])
            for (const metric of METRICS) {
              const query = { plantId, metric, from: NOW - 40_000, to: NOW + 1 };
              expect(await reader.readReadings(query)).toEqual(expectedSeries(all, query));
              expect(await reader.readLastBefore(plantId, metric, NOW - 15_000)).toEqual(
                expectedLastBefore(all, plantId, metric, NOW - 15_000),
              );
            }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('returns the latest version of each ticket weighed in range', async () => {
    const tickets = [
      movement({ ticketId: 'WB-1', ts: NOW - 2 * DAY }),
      movement({
        ticketId: 'WB-2',
        ts: NOW - 20 * MINUTE,
        direction: 'out',
        material: 'bottom_ash',
        destination: 'landfill',
        operationCode: 'D1',
      }),
      movement({ ticketId: 'WB-3', ts: NOW - 10 * MINUTE, netTonnes: 7.25 }),
      movement({ ticketId: 'WB-4', ts: NOW - 5 * MINUTE, material: 'recyclables' }),
    ];
    const corrections = [
      // WB-3 re-weighed: same ts, new tonnes (an upsert in place).
      { ...tickets[2], netTonnes: 7.5, version: CORRECTED_AT, correction: true },
      // WB-4's time corrected to before the range; WB-1's into it.
      { ...tickets[3], ts: NOW - 3 * DAY, version: CORRECTED_AT + 1, correction: true },
      { ...tickets[0], ts: NOW - 30 * MINUTE, version: CORRECTED_AT + 2, correction: true },
    ] as StoredMovement[];
    const reader = readerOver({
      movements: applyPlans([planMovementWrites(tickets), planMovementWrites(corrections)]),
    });
    const latest = new Map<string, StoredMovement>();
    for (const m of [...tickets, ...corrections] as StoredMovement[]) {
      const current = latest.get(movementKey(m));
      if (current === undefined || m.version > current.version) latest.set(movementKey(m), m);
    }
    const from = NOW - DAY;
    const expected = [...latest.values()]
      .filter((m) => m.ts >= from && m.ts < NOW)
      .sort((a, b) => a.ts - b.ts);
    expect(expected.map((m) => m.ticketId)).toEqual(['WB-1', 'WB-2', 'WB-3']);
    expect(await reader.readMovements(PLANT, from, NOW)).toEqual(expected);
  });

  it('agrees with what the Timestream write adapter stores, corrections and missing columns included', async () => {
    const clock = new FixedClock(NOW);
    const store = new TimestreamFake({ clock });
    try {
      const writer = new TimestreamMetricsWriter({
        client: store.client,
        databaseName: store.databaseName,
        readingsTableName: 'readings',
        movementsTableName: 'movements',
        clock,
        sleep: async () => undefined,
        random: () => 0.5,
      });
      // All GOOD, no correction: the table has neither a q nor a v column yet.
      const good = [0, 1, 2].flatMap((k) =>
        METRICS.map((metric, m) => reading({ metric, ts: NOW - (k + 1) * MINUTE, value: 10 * k + m })),
      );
      expect(await writer.writeReadings(good)).toEqual({ stored: good.length, rejected: [] });
      const before = readerOver({ readings: store.records('readings') });
      const query = { plantId: PLANT, metric: 'furnace_temperature' as const, from: 0, to: NOW };
      expect(await before.readReadings(query)).toEqual(expectedSeries(good, query));
      expect(fake?.requests.some((r) => r.QueryString?.includes('CAST(NULL AS BIGINT) AS "v"'))).toBe(true);

      const fixes = good
        .filter((r) => r.metric === 'furnace_temperature')
        .map((r, i) => ({
          ...r,
          value: r.value + 0.5,
          quality: 'UNCERTAIN' as const,
          version: CORRECTED_AT + i,
          correction: true,
        }));
      expect(await writer.writeReadings(fixes)).toEqual({ stored: fixes.length, rejected: [] });
      const after = readerOver({ readings: store.records('readings') });
      expect(await after.readReadings(query)).toEqual(expectedSeries([...good, ...fixes], query));
      expect(await after.readLastBefore(PLANT, 'furnace_temperature', NOW)).toEqual([]);
      expect(await after.readLastBefore(PLANT, 'waste_feed_rate', NOW)).toEqual(
        expectedLastBefore(good, PLANT, 'waste_feed_rate', NOW),
      );
    } finally {
      store.restore();
    }
  });
});
