/**
 * The planner's common-case shortcut (reading-records-fast.ts) plans exactly
 * what the general planner plans, byte for byte, so stored records do not
 * depend on which path built them; and it is the path taken for the readings
 * the processor normally writes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastReadingRecords } from '../../../lambdas/adapters/timestream/reading-records-fast.ts';
import {
  planReadingWrites,
  planReadingWritesInGeneral,
  type RecordLimits,
  TIMESTREAM_LIMITS,
} from '../../../lambdas/adapters/timestream/records.ts';
import { canonicalUnitOf, METRIC_NAMES, METRICS } from '../../../lambdas/domain/catalog.ts';
import type { StoredReading } from '../../../lambdas/domain/ports.ts';
import { QUALITIES } from '../../../lambdas/domain/telemetry.ts';
import { NOW } from './fixtures.ts';

const stored = (r: Omit<StoredReading, 'kind' | 'unit' | 'correction'>): StoredReading => ({
  ...r,
  kind: METRICS[r.metric].kind,
  unit: canonicalUnitOf(r.metric),
  correction: r.version !== 1,
});

const value = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
  fc.constantFrom(0, -0, 912.4, 1e-7, 123456789012.5),
);

/** Small pools, so places, metrics and versions repeat: every case of the general planner comes up. */
const anyReading: fc.Arbitrary<StoredReading> = fc
  .record({
    plantId: fc.constantFrom('kz-ast-01', 'p', 'é-plant'),
    line: fc.constantFrom('boiler-1', 'turbine', 'L'),
    metric: fc.constantFrom(...METRIC_NAMES),
    ts: fc.integer({ min: 0, max: 3 }).map((i) => NOW - i * 10_000),
    value,
    quality: fc.constantFrom(...QUALITIES),
    version: fc.constantFrom(1, 1, 1, NOW - 5, NOW),
  })
  .map(stored);

/** Readings the stores refuse (the general planner reports them): the shortcut must step aside. */
const oddReading: fc.Arbitrary<StoredReading> = fc
  .tuple(
    anyReading,
    fc.constantFrom('nan', 'unit', 'kind', 'ts', 'version', 'line', 'quality', 'lone-line', 'lone-plant'),
  )
  .map(([r, what]) => {
    const broken: Record<string, unknown> = { ...r };
    if (what === 'nan') broken.value = Number.NaN;
    if (what === 'unit') broken.unit = 'degF';
    if (what === 'kind') broken.kind = r.kind === 'gauge' ? 'counter' : 'gauge';
    if (what === 'ts') broken.ts = 1.5;
    if (what === 'version') broken.version = 0;
    if (what === 'line') broken.line = '';
    if (what === 'quality') broken.quality = 'good';
    if (what === 'lone-line') broken.line = `${r.line}\uD800`;
    if (what === 'lone-plant') broken.plantId = `\uDC00${r.plantId}`;
    return broken as unknown as StoredReading;
  });

/** What the processor normally writes: whole messages, each metric once per line and ts, some corrections. */
const messages: fc.Arbitrary<StoredReading[]> = fc
  .array(
    fc.record({
      plantId: fc.constantFrom('kz-ast-01', 'kz-shy-02'),
      ts: fc.integer({ min: 0, max: 1_000 }).map((i) => NOW - i * 10_000),
      lines: fc.uniqueArray(fc.constantFrom('boiler-1', 'boiler-2', 'turbine', 'a-long-line.name:x'), {
        minLength: 1,
      }),
      metrics: fc.uniqueArray(fc.constantFrom(...METRIC_NAMES), { minLength: 1 }),
      corrected: fc.boolean(),
      quality: fc.constantFrom(...QUALITIES),
      values: fc.array(value, { minLength: 23, maxLength: 23 }),
    }),
    { maxLength: 25 },
  )
  .map((list) => {
    // One version per place, as in a batch without redeliveries.
    const seen = new Set<string>();
    return list.flatMap(({ plantId, ts, lines, metrics, corrected, quality, values }) =>
      lines.flatMap((line) => {
        if (seen.has(`${plantId}|${line}|${ts}`)) return [];
        seen.add(`${plantId}|${line}|${ts}`);
        return metrics.map((metric, i) =>
          stored({ plantId, line, metric, ts, value: values[i] ?? 0, quality, version: corrected ? NOW : 1 }),
        );
      }),
    );
  });

const limitsArb: fc.Arbitrary<Partial<RecordLimits>> = fc.oneof(
  fc.constant({}),
  fc.record(
    {
      maxRecordsPerCall: fc.integer({ min: 1, max: 100 }),
      maxRecordBytes: fc.integer({ min: 60, max: 2048 }),
      maxMeasuresPerRecord: fc.integer({ min: 1, max: 30 }),
    },
    { requiredKeys: [] },
  ),
);

describe('the common-case shortcut of planReadingWrites', () => {
  it('plans what the general planner plans, whatever the readings and limits', () => {
    const readings = fc.array(
      fc.oneof({ weight: 9, arbitrary: anyReading }, { weight: 1, arbitrary: oddReading }),
      {
        maxLength: 120,
      },
    );
    fc.assert(
      fc.property(fc.oneof(readings, messages), limitsArb, (items, limits) => {
        expect(planReadingWrites(items, limits)).toEqual(planReadingWritesInGeneral(items, limits));
      }),
      { numRuns: 2_000 },
    );
  });

  it('is the path the processor takes for whole messages, in any order', () => {
    fc.assert(
      fc.property(messages, fc.integer(), (items, seed) => {
        const shuffled = fc.sample(fc.shuffledSubarray(items, { minLength: items.length }), {
          seed,
          numRuns: 1,
        })[0];
        for (const batch of [items, shuffled ?? []]) {
          expect(fastReadingRecords(batch, TIMESTREAM_LIMITS)).toBeDefined();
          expect(planReadingWrites(batch)).toEqual(planReadingWritesInGeneral(batch));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('steps aside for a redelivered reading, a second version at one place, or a reading the stores refuse', () => {
    const base = stored({
      plantId: 'p',
      line: 'L',
      metric: 'nox',
      ts: NOW,
      value: 1,
      quality: 'GOOD',
      version: 1,
    });
    for (const second of [
      { ...base },
      { ...base, metric: 'co' as const, version: NOW, correction: true },
      { ...base, metric: 'co' as const, value: Number.POSITIVE_INFINITY },
    ]) {
      expect(fastReadingRecords([base, second], TIMESTREAM_LIMITS)).toBeUndefined();
      expect(planReadingWrites([base, second])).toEqual(planReadingWritesInGeneral([base, second]));
    }
    // The shortcut itself does not look for lone surrogates: planReadingWrites keeps such a batch from it.
    const lone = { ...base, line: 'L\uD800' };
    expect(planReadingWrites([base, lone])).toEqual(planReadingWritesInGeneral([base, lone]));
    expect(planReadingWrites([base, lone]).rejected.map((r) => r.item)).toEqual([lone]);
  });
});
