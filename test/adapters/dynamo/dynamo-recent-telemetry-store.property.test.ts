/**
 * The recent telemetry store answers what DuckDB answers for the same
 * writes, whatever the order, duplication and chunking of the calls:
 * readings with corrections and exact redeliveries, tickets moved by
 * corrections. Each run writes plants of its own into one dynalite table
 * and one DuckDB store.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import {
  createRecentTelemetryTable,
  DynamoRecentTelemetryStore,
} from '../../../lambdas/adapters/dynamo/dynamo-recent-telemetry-store.ts';
import type { MetricName } from '../../../lambdas/domain/catalog.ts';
import { BASE_VERSION, type StoredMovement, type StoredReading } from '../../../lambdas/domain/ports.ts';
import { QUALITIES } from '../../../lambdas/domain/telemetry.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { MINUTE, movement, NOW, reading } from '../../support/stored-items.ts';

const HOUR = 60 * MINUTE;
const LINES = ['L1', 'L2'] as const;
const METRICS: readonly MetricName[] = ['steam_flow', 'waste_fed'];
/** A span across two UTC days, so packs split by day. */
const FIRST_TS = NOW - 14 * HOUR;

const versionsOf = fc
  .record({
    original: fc.boolean(),
    corrections: fc.uniqueArray(fc.integer({ min: NOW - 60 * MINUTE, max: NOW }), { maxLength: 3 }),
  })
  .filter((v) => v.original || v.corrections.length > 0)
  .map((v) => [...(v.original ? [BASE_VERSION] : []), ...v.corrections]);

/** One reading identity in its versions, each version with one content (values of at most 12 digits). */
const readingHistory = fc
  .record({
    line: fc.constantFrom(...LINES),
    metric: fc.constantFrom(...METRICS),
    minute: fc.integer({ min: 0, max: 14 * 60 }),
    versions: versionsOf,
    values: fc.array(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 4, maxLength: 4 }),
    qualities: fc.array(fc.constantFrom(...QUALITIES), { minLength: 4, maxLength: 4 }),
  })
  .map((h): StoredReading[] =>
    h.versions.map((version, i) =>
      reading({
        line: h.line,
        metric: h.metric,
        ts: FIRST_TS + h.minute * MINUTE,
        value: (h.values[i] ?? 0) / 100,
        quality: h.qualities[i] ?? 'GOOD',
        correction: version !== BASE_VERSION,
        version,
      }),
    ),
  );

/** One ticket in its versions; a correction may move it by hours. */
const ticketHistory = fc
  .record({
    ticket: fc.integer({ min: 1, max: 6 }),
    versions: versionsOf,
    minutes: fc.array(fc.integer({ min: 0, max: 14 * 60 }), { minLength: 4, maxLength: 4 }),
    tonnes: fc.array(fc.integer({ min: 1, max: 4000 }), { minLength: 4, maxLength: 4 }),
  })
  .map((h): StoredMovement[] =>
    h.versions.map((version, i) =>
      movement({
        ticketId: `T${h.ticket}`,
        ts: FIRST_TS + (h.minutes[i] ?? 0) * MINUTE,
        netTonnes: (h.tonnes[i] ?? 1) / 100,
        correction: version !== BASE_VERSION,
        version,
      }),
    ),
  );

/** Every item delivered once or more, shuffled and cut into calls. */
function deliveries<T>(histories: fc.Arbitrary<T[][]>) {
  return histories.chain((all) => {
    const items = all.flat();
    return fc.record({
      items: fc
        .tuple(
          fc.shuffledSubarray(items, { minLength: items.length }),
          fc.array(fc.constantFrom(...(items.length > 0 ? items : [undefined])), { maxLength: items.length }),
        )
        .map(([once, again]) => [...once, ...again].filter((x): x is T => x !== undefined))
        .chain((list) => fc.shuffledSubarray(list, { minLength: list.length })),
      sizes: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 10 }),
    });
  });
}

const scenario = fc.record({
  readings: deliveries(
    fc.uniqueArray(readingHistory, {
      maxLength: 12,
      selector: (h) => `${h[0]?.line} ${h[0]?.metric} ${h[0]?.ts}`,
    }),
  ),
  movements: deliveries(fc.uniqueArray(ticketHistory, { maxLength: 6, selector: (h) => h[0]?.ticketId })),
  cuts: fc.array(fc.integer({ min: 0, max: 14 * 60 }), { minLength: 2, maxLength: 2 }),
});

function chunks<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  const result: T[][] = [];
  for (let at = 0, i = 0; at < items.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    result.push(items.slice(at, at + size));
    at += size;
  }
  return result;
}

let dynamo: RunningDynalite;
beforeAll(async () => {
  dynamo = await startDynalite();
  await createRecentTelemetryTable(dynamo.client, 'recent-property');
});
afterAll(async () => {
  await dynamo.close();
});

describe('DynamoRecentTelemetryStore against DuckDB', () => {
  it('answers every read as DuckDB does, whatever the order, duplication and chunking of the writes', async () => {
    const clock = new FixedClock(NOW);
    const duck = await DuckDbMetricsStore.open({ path: ':memory:', clock });
    const recent = new DynamoRecentTelemetryStore({
      client: dynamo.client,
      tableName: 'recent-property',
      clock,
      maxPackBytes: 300,
    });
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(scenario, async ({ readings, movements, cuts }) => {
          const plantId = `p-${++run}`;
          const own = <T extends { plantId: string }>(x: T): T => ({ ...x, plantId });
          for (const call of chunks(readings.items.map(own), readings.sizes)) {
            await duck.writeReadings(call);
            await recent.writeReadings(call);
          }
          for (const call of chunks(movements.items.map(own), movements.sizes)) {
            await duck.writeMovements(call);
            await recent.writeMovements(call);
          }
          const [a, b] = [...cuts].sort((x, y) => x - y) as [number, number];
          const from = FIRST_TS + a * MINUTE;
          const to = FIRST_TS + b * MINUTE + 1;
          for (const metric of METRICS) {
            for (const range of [
              { from: FIRST_TS, to: NOW + 1 },
              { from, to },
            ]) {
              const query = { plantId, metric, ...range };
              expect(await recent.readReadings(query)).toEqual(await duck.readReadings(query));
              expect(await recent.readReadings({ ...query, line: 'L2' })).toEqual(
                await duck.readReadings({ ...query, line: 'L2' }),
              );
            }
            for (const before of [to, NOW + 1])
              expect(await recent.readLastBefore(plantId, metric, before)).toEqual(
                await duck.readLastBefore(plantId, metric, before),
              );
          }
          for (const range of [
            [FIRST_TS, NOW + 1],
            [from, to],
          ] as const)
            expect(await recent.readMovements(plantId, ...range)).toEqual(
              await duck.readMovements(plantId, ...range),
            );
        }),
        { numRuns: 40 },
      );
    } finally {
      await duck.close();
    }
  }, 120_000);
});
