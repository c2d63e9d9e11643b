/**
 * The DuckDB query reads' `readKpiCounterReadings` (two queries) against
 * what the raw KPI path reads without it (a last GOOD reading and a range per
 * counter, eight queries): the same readings in the same order, so KPIs
 * summed from either are the same doubles.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import type { MetricName } from '../../../lambdas/domain/catalog.ts';
import { KPI_COUNTER_METRICS } from '../../../lambdas/domain/kpis.ts';
import { BASE_VERSION, type StoredReading } from '../../../lambdas/domain/ports.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { MINUTE, NOW, reading } from '../../support/stored-items.ts';

const METRICS: MetricName[] = [...KPI_COUNTER_METRICS, 'furnace_temperature'];
const LINES = ['L1', 'L2', 'turbine'];
const QUALITIES = ['GOOD', 'GOOD', 'BAD', 'UNCERTAIN'] as const;
const SPAN = 120; // minutes before NOW the readings lie in
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const stored = fc
  .record({
    metric: fc.constantFrom(...METRICS),
    line: fc.constantFrom(...LINES),
    minutesAgo: fc.integer({ min: 1, max: SPAN }),
    value: fc.integer({ min: 0, max: 1_000_000 }).map((v) => v / 8),
    quality: fc.constantFrom(...QUALITIES),
    later: fc.integer({ min: 0, max: 2 }),
  })
  .map(({ metric, line, minutesAgo, value, quality, later }) =>
    reading({
      metric,
      line,
      ts: NOW - minutesAgo * MINUTE,
      value,
      quality,
      correction: later > 0,
      version: BASE_VERSION + later,
    }),
  );

const view = (rs: readonly StoredReading[]) =>
  rs.map((r) => `${r.metric}/${r.line}@${r.ts}v${r.version}:${r.value}:${r.quality}`);

describe('readKpiCounterReadings (DuckDB query reads)', () => {
  let store: DuckDbMetricsStore;
  let run = 0;
  beforeAll(async () => {
    store = await DuckDbMetricsStore.open({ path: ':memory:', clock: new FixedClock(NOW) });
  });
  afterAll(() => store.close());

  it('gives the per-counter reads in their order, for any readings and range', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stored, { maxLength: 60 }),
        fc.integer({ min: 0, max: SPAN + 10 }),
        fc.integer({ min: 1, max: SPAN }),
        async (generated, fromAgo, length) => {
          // A plant per run: the runs share one store.
          const plantId = `kz-run-${++run}`;
          const readings = generated.map((r) => ({ ...r, plantId }));
          await store.writeReadings(readings); // conflicting contents are refused, as they would be anywhere
          const reads = store.queries();
          const from = NOW - fromAgo * MINUTE;
          const to = from + length * MINUTE;
          const oneByOne: StoredReading[] = [];
          for (const metric of KPI_COUNTER_METRICS) {
            oneByOne.push(...(await reads.readLastBefore(plantId, metric, from)));
            oneByOne.push(...(await reads.readReadings({ plantId, metric, from, to })));
          }
          const together = await reads.readKpiCounterReadings?.(plantId, from, to);
          expect(view(together ?? [])).toEqual(view(oneByOne));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('the last reading before a range, on DuckDB', () => {
  it('looks back a week, as the Timestream and lake readers do', async () => {
    const store = await DuckDbMetricsStore.open({ path: ':memory:', clock: new FixedClock(NOW) });
    try {
      const from = NOW - 2 * DAY;
      const counter = (ts: number, value: number) =>
        reading({ plantId: 'kz-week-01', metric: 'waste_fed', line: 'L1', ts, value });
      await store.writeReadings([counter(from - 8 * DAY, 100), counter(from + HOUR, 610)]);
      const reads = store.queries();
      // Eight days back: outside the look back, so the range's first reading has no step before it.
      expect(await reads.readLastBefore('kz-week-01', 'waste_fed', from)).toEqual([]);
      expect(view((await reads.readKpiCounterReadings?.('kz-week-01', from, NOW)) ?? [])).toEqual(
        view([counter(from + HOUR, 610)]),
      );
      await store.writeReadings([counter(from - 6 * DAY, 600)]);
      expect(view(await reads.readLastBefore('kz-week-01', 'waste_fed', from))).toEqual(
        view([counter(from - 6 * DAY, 600)]),
      );
      expect(view((await reads.readKpiCounterReadings?.('kz-week-01', from, NOW)) ?? [])).toEqual(
        view([counter(from - 6 * DAY, 600), counter(from + HOUR, 610)]),
      );
    } finally {
      await store.close();
    }
  });
});
