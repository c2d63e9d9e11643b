import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { readingKey } from '../../../lambdas/domain/identity.ts';
import { BASE_VERSION, type StoredReading } from '../../../lambdas/domain/ports.ts';
import { QUALITIES } from '../../../lambdas/domain/telemetry.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { ALL_TIME, MINUTE, NOW, reading } from './fixtures.ts';

const PLANTS = ['kz-ast-01', 'kz-ala-02'] as const;
const LINES = ['L1', 'L2'] as const;
const SERIES_METRICS = [
  { metric: 'steam_flow', kind: 'gauge', unit: 't/h' },
  { metric: 'waste_fed', kind: 'counter', unit: 't' },
] as const;

const content = fc.record({
  value: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  quality: fc.constantFrom(...QUALITIES),
});

/** One reading identity delivered in up to four versions: maybe the original, and corrections of distinct versions. */
const history = fc
  .record({
    plantId: fc.constantFrom(...PLANTS),
    line: fc.constantFrom(...LINES),
    series: fc.constantFrom(...SERIES_METRICS),
    minutesAgo: fc.integer({ min: 0, max: 3 }),
    original: fc.boolean(),
    corrections: fc.uniqueArray(fc.integer({ min: NOW - 60 * MINUTE, max: NOW }), { maxLength: 3 }),
    contents: fc.array(content, { minLength: 4, maxLength: 4 }),
  })
  .filter((h) => h.original || h.corrections.length > 0)
  .map((h): StoredReading[] => {
    const versions = [...(h.original ? [BASE_VERSION] : []), ...h.corrections];
    return versions.map((version, i) =>
      reading({
        plantId: h.plantId,
        line: h.line,
        metric: h.series.metric,
        kind: h.series.kind,
        unit: h.series.unit,
        ts: NOW - h.minutesAgo * MINUTE,
        correction: version !== BASE_VERSION,
        version,
        ...h.contents[i],
      }),
    );
  });

/** Every version of every identity, each delivered at least once, shuffled, cut into batches. */
const scenario = fc
  .uniqueArray(history, {
    minLength: 1,
    maxLength: 10,
    selector: (versions) => readingKey(versions[0] as StoredReading),
  })
  .chain((histories) => {
    const deliveries = histories.flat();
    return fc.record({
      histories: fc.constant(histories),
      order: fc
        .tuple(
          fc.shuffledSubarray(deliveries, { minLength: deliveries.length }),
          fc.array(fc.constantFrom(...deliveries), { maxLength: deliveries.length * 2 }),
        )
        .chain(([once, again]) =>
          fc.shuffledSubarray([...once, ...again], { minLength: once.length + again.length }),
        ),
      batchSizes: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 20 }),
    });
  });

function cutIntoBatches<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  const batches: T[][] = [];
  for (let at = 0, i = 0; at < items.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    batches.push(items.slice(at, at + size));
    at += size;
  }
  return batches;
}

async function finalTable(store: DuckDbMetricsStore, run: number): Promise<StoredReading[]> {
  const all: StoredReading[] = [];
  for (const plant of PLANTS) {
    for (const { metric } of SERIES_METRICS) {
      all.push(...(await store.readReadings({ plantId: `${plant}-${run}`, metric, ...ALL_TIME })));
    }
  }
  return all.sort((a, b) => readingKey(a).localeCompare(readingKey(b)));
}

describe('DuckDbMetricsStore under redelivery and reordering', () => {
  it('ends in the same table, the highest version of each reading, whatever the order, duplication and batching', async () => {
    // One store for every run (opening one costs more than a run); each run writes plants of its own.
    const store = await DuckDbMetricsStore.open({ path: ':memory:', clock: new FixedClock(NOW) });
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(scenario, async ({ histories, order, batchSizes }) => {
          run++;
          const own = (r: StoredReading): StoredReading => ({ ...r, plantId: `${r.plantId}-${run}` });
          for (const batch of cutIntoBatches(order.map(own), batchSizes)) {
            expect(await store.writeReadings(batch)).toEqual({ stored: batch.length, rejected: [] });
          }
          const expected = histories
            .map((versions) => own(versions.reduce((a, b) => (b.version > a.version ? b : a))))
            // Stored as Timestream stores a DOUBLE: 12 significant digits.
            .map((r) => ({ ...r, value: Number(r.value.toPrecision(12)) }))
            .sort((a, b) => readingKey(a).localeCompare(readingKey(b)));
          expect(await finalTable(store, run)).toStrictEqual(expected);
        }),
        { numRuns: 300, seed: 20261124 },
      );
    } finally {
      await store.close();
    }
  });
});
