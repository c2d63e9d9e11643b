/**
 * Grouping and order of deliveries, with conflicting contents of one version,
 * on the Timestream fake. The same rule and invariants as the DuckDB twin
 * (test/adapters/duckdb/duckdb-metrics-store.grouping.property.test.ts):
 *
 * Invariant 1 (exact): writing deliveries cut into calls, in any grouping and
 * any order within each call, ends in the same stored records, stores the
 * same number per call and refuses the same (identity, version, content,
 * kind, reason) multiset per call as writing each delivery alone, call after
 * call, each call's deliveries in (version, fingerprint) order.
 *
 * Invariant 2 (any grouping, any order): each identity ends at its highest
 * version delivered; if that version came with one content, with that
 * content; at that version every delivery of another content than the final
 * one is refused and every delivery of the final one is stored; a refusal is
 * always a conflict and never of the final content; without two contents of
 * one version, nothing is refused.
 *
 * Both hold when each (plant, line, ts) carries one metric, so that a
 * Timestream record is one reading. Readings sharing (plant, line, ts) share
 * a multi-measure record, and Timestream judges a record as a whole, and a
 * record's identity is its metric set: a conflicting value sent with another
 * metric set lands in another record unrefused (README, "Known gap"), and a
 * reading identical to the stored one is refused with a differing neighbour.
 * For those, the third property checks what still holds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readingsOfRow } from '../../../lambdas/adapters/timestream/records.ts';
import { readingFingerprint, readingKey } from '../../../lambdas/domain/identity.ts';
import type { WriteResult } from '../../../lambdas/domain/metrics-ports.ts';
import { BASE_VERSION, type StoredReading } from '../../../lambdas/domain/ports.ts';
import { harness, MINUTE, NOW, reading } from './fixtures.ts';
import type { TimestreamFake } from './timestream-fake.ts';

const VERSIONS = [BASE_VERSION, NOW - 2 * MINUTE, NOW - MINUTE];
/** One metric per (line, ts): one reading per record. */
const SINGLE = [
  { line: 'boiler-1', metric: 'furnace_temperature', ts: NOW - MINUTE },
  { line: 'boiler-1', metric: 'steam_flow', ts: NOW - 2 * MINUTE },
  { line: 'turbine', metric: 'power_gross', ts: NOW - MINUTE },
] as const;
/** Three metrics at one (line, ts) and one more beside: multi-measure records. */
const SHARED = [
  { line: 'boiler-1', metric: 'furnace_temperature', ts: NOW - MINUTE },
  { line: 'boiler-1', metric: 'flue_gas_o2', ts: NOW - MINUTE },
  { line: 'boiler-1', metric: 'steam_flow', ts: NOW - MINUTE },
  { line: 'turbine', metric: 'power_gross', ts: NOW - MINUTE },
] as const;

type Identity = (typeof SINGLE)[number] | (typeof SHARED)[number];

/** One delivery: an identity, a version and a content; small pools, so contents collide often. */
function delivery(identities: readonly Identity[]): fc.Arbitrary<StoredReading> {
  return fc
    .record({
      identity: fc.constantFrom(...identities),
      version: fc.constantFrom(...VERSIONS),
      // 1 + 1e-13 is 1 at 12 significant digits: the same content.
      value: fc.constantFrom(1, 2, 3, 1 + 1e-13),
      quality: fc.constantFrom('GOOD' as const, 'BAD' as const),
    })
    .map(({ identity, version, value, quality }) =>
      reading({ ...identity, value, quality, version, correction: version !== BASE_VERSION }),
    );
}

/** Deliveries, some delivered again, shuffled, cut into calls of 1 to 6. */
function scenario(deliveries: fc.Arbitrary<StoredReading[]>): fc.Arbitrary<StoredReading[][]> {
  return fc
    .tuple(deliveries, fc.array(fc.nat(), { maxLength: 6 }))
    .chain(([base, again]) => {
      const all = [...base, ...again.map((i) => base[i % base.length] as StoredReading)];
      return fc.record({
        order: fc.shuffledSubarray(all, { minLength: all.length }),
        sizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 }),
      });
    })
    .map(({ order, sizes }) => {
      const calls: StoredReading[][] = [];
      for (let at = 0, i = 0; at < order.length; i++) {
        const size = sizes[i % sizes.length] ?? 1;
        calls.push(order.slice(at, at + size));
        at += size;
      }
      return calls;
    });
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byVersionThenFingerprint = (a: StoredReading, b: StoredReading): number =>
  a.version - b.version || compareText(readingFingerprint(a), readingFingerprint(b));
const contentOf = (r: StoredReading): string =>
  JSON.stringify([readingKey(r), r.version, readingFingerprint(r)]);
const tally = (items: readonly StoredReading[]): string[] => items.map(contentOf).sort();

function outcomeOf(results: readonly WriteResult<StoredReading>[]) {
  return {
    stored: results.reduce((n, r) => n + r.stored, 0),
    rejected: results
      .flatMap((r) => r.rejected)
      .map((r) => JSON.stringify([contentOf(r.item), r.kind, r.reason]))
      .sort(),
  };
}

/** Every reading of every stored record, decoded. */
function storedReadings(fake: TimestreamFake): StoredReading[] {
  return fake.records('readings').flatMap((record) => readingsOfRow(record));
}

/** Invariant 2: what any grouping and order of the same deliveries must give. */
function expectOrderIndependentFacts(
  deliveries: readonly StoredReading[],
  final: readonly StoredReading[],
  refused: readonly StoredReading[],
): void {
  const finalByKey = new Map(final.map((r) => [readingKey(r), r]));
  expect(finalByKey.size).toBe(final.length);
  const contents = new Map<string, Set<string>>();
  for (const r of deliveries) {
    const id = JSON.stringify([readingKey(r), r.version]);
    contents.set(id, (contents.get(id) ?? new Set()).add(readingFingerprint(r)));
  }
  expect(new Set(finalByKey.keys())).toEqual(new Set(deliveries.map(readingKey)));
  for (const [key, stored] of finalByKey) {
    const top = Math.max(...deliveries.filter((r) => readingKey(r) === key).map((r) => r.version));
    expect(stored.version).toBe(top);
    const topContents = contents.get(JSON.stringify([key, top])) as Set<string>;
    expect(topContents.has(readingFingerprint(stored))).toBe(true);
  }
  const finalContents = new Set(final.map(contentOf));
  for (const r of refused) expect(finalContents.has(contentOf(r))).toBe(false);
  const atTop = (r: StoredReading) => r.version === finalByKey.get(readingKey(r))?.version;
  expect(tally(refused.filter(atTop))).toEqual(
    tally(deliveries.filter((r) => atTop(r) && !finalContents.has(contentOf(r)))),
  );
  if ([...contents.values()].every((set) => set.size === 1)) expect(refused).toEqual([]);
}

const RUNS = { numRuns: 200, seed: 20261124 } as const;

describe('TimestreamMetricsWriter: grouping and order of deliveries with conflicting contents', () => {
  it('equals writing each delivery alone, call after call, each call in (version, fingerprint) order; and what holds in any order', async () => {
    const single = scenario(fc.array(delivery(SINGLE), { minLength: 1, maxLength: 12 }));
    await fc.assert(
      fc.asyncProperty(single, async (calls) => {
        const grouped = harness();
        const alone = harness();
        try {
          const refused: StoredReading[] = [];
          for (const call of calls) {
            const result = await grouped.writer.writeReadings(call);
            expect(result.stored + result.rejected.length).toBe(call.length);
            for (const rejection of result.rejected) expect(rejection.kind).toBe('conflict');
            refused.push(...result.rejected.map((r) => r.item));
            const reference: WriteResult<StoredReading>[] = [];
            for (const item of [...call].sort(byVersionThenFingerprint))
              reference.push(await alone.writer.writeReadings([item]));
            // Invariant 1, call by call.
            expect(outcomeOf([result])).toEqual(outcomeOf(reference));
          }
          expect(grouped.fake.records('readings')).toEqual(alone.fake.records('readings'));

          // Invariant 2, from the deliveries alone.
          expectOrderIndependentFacts(calls.flat(), storedReadings(grouped.fake), refused);
        } finally {
          grouped.fake.restore();
          alone.fake.restore();
        }
      }),
      RUNS,
    );
  });

  it('with readings sharing records: each reading ends at its highest version, with a content delivered at it; exact without conflicting contents', async () => {
    const shared = scenario(fc.array(delivery(SHARED), { minLength: 1, maxLength: 12 }));
    await fc.assert(
      fc.asyncProperty(shared, async (calls) => {
        const { fake, writer } = harness();
        try {
          let refused = 0;
          for (const call of calls) {
            const result = await writer.writeReadings(call);
            expect(result.stored + result.rejected.length).toBe(call.length);
            for (const rejection of result.rejected) expect(rejection.kind).toBe('conflict');
            refused += result.rejected.length;
          }
          const deliveries = calls.flat();
          const delivered = new Set(deliveries.map(contentOf));
          const stored = storedReadings(fake);
          // Every stored reading is a delivered one: nothing invented, no neighbour's value.
          for (const r of stored) expect(delivered.has(contentOf(r))).toBe(true);
          // The highest version stored of each reading is its highest delivered.
          const top = new Map<string, number>();
          for (const r of stored) top.set(readingKey(r), Math.max(top.get(readingKey(r)) ?? 0, r.version));
          const topDelivered = new Map<string, number>();
          for (const r of deliveries)
            topDelivered.set(readingKey(r), Math.max(topDelivered.get(readingKey(r)) ?? 0, r.version));
          expect(top).toEqual(topDelivered);

          const contents = new Map<string, Set<string>>();
          for (const r of deliveries) {
            const id = JSON.stringify([readingKey(r), r.version]);
            contents.set(id, (contents.get(id) ?? new Set()).add(readingFingerprint(r)));
          }
          if ([...contents.values()].every((set) => set.size === 1)) {
            expect(refused).toBe(0);
            const latest = stored.filter((r) => r.version === top.get(readingKey(r)));
            expect(new Set(latest.map(contentOf))).toEqual(
              new Set(deliveries.filter((r) => r.version === top.get(readingKey(r))).map(contentOf)),
            );
          }
        } finally {
          fake.restore();
        }
      }),
      RUNS,
    );
  });
});
