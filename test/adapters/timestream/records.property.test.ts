import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { naiveBilledKiB } from '../../../bench/naive-records.ts';
import {
  callsOf,
  doubleText,
  planBilledKiB,
  planMovementWrites,
  planReadingWrites,
  type RecordLimits,
  readingsOfRow,
  recordBytes,
  type WriteRecordsBody,
} from '../../../lambdas/adapters/timestream/records.ts';
import { canonicalUnitOf, METRIC_NAMES, METRICS } from '../../../lambdas/domain/catalog.ts';
import type { StoredMovement, StoredReading } from '../../../lambdas/domain/ports.ts';
import { QUALITIES } from '../../../lambdas/domain/telemetry.ts';
import { NOW } from './fixtures.ts';

const readingArb: fc.Arbitrary<StoredReading> = fc
  .record({
    plantId: fc.constantFrom('kz-ast-01', 'kz-shy-02', 'p'),
    line: fc.constantFrom('boiler-1', 'turbine', 'L', 'a-long-line-name-with.dots:and-colons'),
    metric: fc.constantFrom(...METRIC_NAMES),
    ts: fc.integer({ min: 0, max: 5 }).map((i) => NOW - i * 10_000),
    value: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
    quality: fc.constantFrom(...QUALITIES),
    version: fc.constantFrom(1, 1, 1, NOW - 5, NOW),
  })
  .map((r) => ({
    ...r,
    kind: METRICS[r.metric].kind,
    unit: canonicalUnitOf(r.metric),
    correction: r.version !== 1,
  }));

const limitsArb: fc.Arbitrary<Partial<RecordLimits>> = fc.record(
  {
    maxRecordsPerCall: fc.integer({ min: 1, max: 100 }),
    maxRecordBytes: fc.integer({ min: 120, max: 2048 }),
    maxMeasuresPerRecord: fc.integer({ min: 2, max: 256 }),
  },
  { requiredKeys: [] },
);

/** A permutation of `items` drawn from a seed. */
function permute<T>(items: readonly T[], seed: number): T[] {
  return fc.sample(fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length }), {
    seed,
    numRuns: 1,
  })[0] as T[];
}

function fullRecords(body: WriteRecordsBody) {
  return body.Records.map((r) => ({
    ...r,
    Dimensions: [...(body.CommonAttributes?.Dimensions ?? []), ...(r.Dimensions ?? [])],
  }));
}

const contentKey = (r: StoredReading) =>
  JSON.stringify([r.plantId, r.line, r.metric, r.ts, r.version, doubleText(r.value), r.quality]);

describe('planReadingWrites properties', () => {
  it('builds the same requests from any permutation of the readings', () => {
    fc.assert(
      fc.property(
        fc.array(readingArb, { maxLength: 120 }),
        fc.integer(),
        limitsArb,
        (readings, seed, limits) => {
          const plan = planReadingWrites(readings, limits);
          const again = planReadingWrites(permute(readings, seed), limits);
          expect(callsOf(again).map((c) => c.body)).toEqual(callsOf(plan).map((c) => c.body));
          expect(again.rejected.map((r) => contentKey(r.item)).sort()).toEqual(
            plan.rejected.map((r) => contentKey(r.item)).sort(),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('respects the limits, accounts for every reading once, and decodes to what was written', () => {
    fc.assert(
      fc.property(fc.array(readingArb, { maxLength: 200 }), limitsArb, (readings, limits) => {
        const plan = planReadingWrites(readings, limits);
        const maxRecords = limits.maxRecordsPerCall ?? 100;
        const maxBytes = limits.maxRecordBytes ?? 2048;
        const maxMeasures = limits.maxMeasuresPerRecord ?? 256;
        const carried: StoredReading[] = [];
        for (const round of plan.rounds) {
          const identities = new Set<string>();
          for (const call of round) {
            expect(call.body.Records.length).toBeGreaterThan(0);
            expect(call.body.Records.length).toBeLessThanOrEqual(maxRecords);
            expect(call.body.CommonAttributes).toMatchObject({
              MeasureValueType: 'MULTI',
              TimeUnit: 'MILLISECONDS',
            });
            for (const [i, record] of fullRecords(call.body).entries()) {
              expect(recordBytes(record)).toBeLessThanOrEqual(maxBytes);
              expect(record.MeasureValues?.length ?? 0).toBeLessThanOrEqual(maxMeasures);
              const identity = JSON.stringify([record.Dimensions, record.Time, record.MeasureName]);
              expect(identities.has(identity)).toBe(false);
              identities.add(identity);
              const items = call.items[i] ?? [];
              carried.push(...items);
              const row = {
                dimensions: Object.fromEntries(record.Dimensions.map((d) => [d.Name, d.Value])),
                time: Number(record.Time),
                measureName: record.MeasureName ?? '',
                measures: Object.fromEntries((record.MeasureValues ?? []).map((m) => [m.Name, m.Value])),
              };
              const decoded = new Set(readingsOfRow(row).map(contentKey));
              for (const item of items) {
                expect(record.Version).toBe(item.version);
                expect(decoded.has(contentKey(item))).toBe(true);
              }
            }
          }
        }
        const accounted = [...carried, ...plan.rejected.map((r) => r.item)];
        expect(accounted.length).toBe(readings.length);
        expect(new Set(accounted)).toEqual(new Set(readings));
      }),
      { numRuns: 300 },
    );
  });

  it('sends every valid reading (several contents of one version go to later rounds), and never bills more than the naive design', () => {
    fc.assert(
      fc.property(fc.array(readingArb, { maxLength: 150 }), (readings) => {
        const plan = planReadingWrites(readings);
        expect(plan.rejected).toEqual([]);
        const kept = callsOf(plan).flatMap((c) => c.items.flat());
        if (kept.length > 0) expect(planBilledKiB(plan)).toBeLessThanOrEqual(naiveBilledKiB(kept));
      }),
      { numRuns: 200 },
    );
  });
});

const movementArb: fc.Arbitrary<StoredMovement> = fc
  .record({
    plantId: fc.constantFrom('kz-ast-01', 'kz-shy-02'),
    ticketId: fc.constantFrom('WB-1', 'WB-2', 'WB-3', 'WB/2026/000981'),
    ts: fc.integer({ min: 0, max: 3 }).map((i) => NOW - i * 60_000),
    direction: fc.constantFrom('in' as const, 'out' as const),
    netTonnes: fc.double({ min: 0.01, max: 100, noNaN: true }),
    material: fc.constantFrom('mixed_waste' as const, 'bottom_ash' as const),
    destination: fc.option(fc.constantFrom('landfill' as const, 'recycling' as const), { nil: undefined }),
    operationCode: fc.option(fc.constantFrom('R1', 'D1'), { nil: undefined }),
    version: fc.constantFrom(1, NOW),
  })
  .map(({ destination, operationCode, ...m }) => ({
    ...m,
    ...(destination === undefined ? {} : { destination }),
    ...(operationCode === undefined ? {} : { operationCode }),
    correction: m.version !== 1,
  }));

describe('planMovementWrites properties', () => {
  it('is deterministic and accounts for every ticket once', () => {
    fc.assert(
      fc.property(fc.array(movementArb, { maxLength: 150 }), fc.integer(), (movements, seed) => {
        const plan = planMovementWrites(movements);
        expect(callsOf(planMovementWrites(permute(movements, seed))).map((c) => c.body)).toEqual(
          callsOf(plan).map((c) => c.body),
        );
        const carried = callsOf(plan).flatMap((c) => c.items.flat());
        expect(carried.length + plan.rejected.length).toBe(movements.length);
        for (const call of callsOf(plan)) expect(call.body.Records.length).toBeLessThanOrEqual(100);
      }),
      { numRuns: 200 },
    );
  });
});
