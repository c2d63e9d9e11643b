/**
 * Grouping and order of deliveries, with conflicting contents of one version.
 *
 * The rule: within one call, the contents of an identity apply one after
 * another, lowest version first and then in fingerprint order, each against
 * what is stored at that moment. Calls apply in the order they are made.
 *
 * Invariant 1 (exact): writing deliveries cut into calls, in any grouping and
 * any order within each call, ends in the same table, stores the same number
 * per call and refuses the same (identity, version, content, kind, reason)
 * multiset per call as writing each delivery alone, call after call, each
 * call's deliveries in (version, fingerprint) order.
 *
 * "Each delivery alone in fingerprint order" over all the deliveries does not
 * hold across calls: of two contents of one version arriving in different
 * calls, the first to arrive is kept, whatever their fingerprints (an
 * earlier call cannot be reordered after a later one). What is order- and
 * grouping-independent is checked as invariant 2, straight from the
 * deliveries: each identity ends at its highest version delivered; if that
 * version came with one content, with that content; at that version every
 * delivery of another content than the final one is refused and every
 * delivery of the final one is stored; a refusal is always a conflict and
 * never of the final content; without two contents of one version, nothing
 * is refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { readingFingerprint, readingKey } from '../../../lambdas/domain/identity.ts';
import type { WriteResult } from '../../../lambdas/domain/metrics-ports.ts';
import { BASE_VERSION, type StoredReading } from '../../../lambdas/domain/ports.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { ALL_TIME, MINUTE, NOW, reading } from './fixtures.ts';

const PLANT = 'kz-ast-01';
/** Identities; (line, ts) differ, as the Timestream twin of this test needs. */
const IDENTITIES = [
  { line: 'L1', metric: 'furnace_temperature', kind: 'gauge', unit: 'degC', ts: NOW - MINUTE },
  { line: 'L1', metric: 'steam_flow', kind: 'gauge', unit: 't/h', ts: NOW - 2 * MINUTE },
  { line: 'L2', metric: 'waste_fed', kind: 'counter', unit: 't', ts: NOW - MINUTE },
] as const;
const METRICS_USED = [...new Set(IDENTITIES.map((i) => i.metric))];
const VERSIONS = [BASE_VERSION, NOW - 2 * MINUTE, NOW - MINUTE];

/** One delivery: an identity, a version and a content; small pools, so contents collide often. */
const delivery = fc
  .record({
    identity: fc.constantFrom(...IDENTITIES),
    version: fc.constantFrom(...VERSIONS),
    // 1 + 1e-13 is 1 at 12 significant digits: the same content.
    value: fc.constantFrom(1, 2, 3, 1 + 1e-13),
    quality: fc.constantFrom('GOOD' as const, 'BAD' as const),
  })
  .map(({ identity, version, value, quality }) =>
    reading({ plantId: PLANT, ...identity, value, quality, version, correction: version !== BASE_VERSION }),
  );

/** Deliveries, some delivered again, shuffled, cut into calls of 1 to 6. */
const scenario = fc
  .tuple(fc.array(delivery, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 6 }))
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

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byVersionThenFingerprint = (a: StoredReading, b: StoredReading): number =>
  a.version - b.version || compareText(readingFingerprint(a), readingFingerprint(b));

/** What a result says about each item, comparable across runs (the plant suffix left out). */
function outcomeOf(result: WriteResult<StoredReading>) {
  return {
    stored: result.stored,
    rejected: result.rejected
      .map((r) =>
        JSON.stringify([
          readingKey({ ...r.item, plantId: PLANT }),
          r.item.version,
          readingFingerprint(r.item),
          r.kind,
          r.reason,
        ]),
      )
      .sort(),
  };
}

function sumOutcomes(results: readonly WriteResult<StoredReading>[]) {
  return outcomeOf({
    stored: results.reduce((n, r) => n + r.stored, 0),
    rejected: results.flatMap((r) => r.rejected),
  });
}

async function table(store: DuckDbMetricsStore, plantId: string): Promise<StoredReading[]> {
  const rows: StoredReading[] = [];
  for (const metric of METRICS_USED)
    rows.push(...(await store.readReadings({ plantId, metric, ...ALL_TIME })));
  return rows
    .map((r) => ({ ...r, plantId: PLANT }))
    .sort((a, b) => compareText(readingKey(a), readingKey(b)));
}

const contentOf = (r: StoredReading): string =>
  JSON.stringify([readingKey(r), r.version, readingFingerprint(r)]);
const tally = (items: readonly StoredReading[]): string[] => items.map(contentOf).sort();

/** Invariant 2: what any grouping and order of the same deliveries must give. */
function expectOrderIndependentFacts(
  deliveries: readonly StoredReading[],
  final: readonly StoredReading[],
  refused: readonly StoredReading[],
): void {
  const finalByKey = new Map(final.map((r) => [readingKey(r), r]));
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

describe('DuckDbMetricsStore: grouping and order of deliveries with conflicting contents', () => {
  it('equals writing each delivery alone, call after call, each call in (version, fingerprint) order; and what holds in any order', async () => {
    const store = await DuckDbMetricsStore.open({ path: ':memory:', clock: new FixedClock(NOW) });
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(scenario, async (calls) => {
          run++;
          const grouped = `${PLANT}-${run}-grouped`;
          const alone = `${PLANT}-${run}-alone`;
          const deliveries = calls.flat();
          const refused: StoredReading[] = [];

          for (const call of calls) {
            const result = await store.writeReadings(call.map((r) => ({ ...r, plantId: grouped })));
            expect(result.stored + result.rejected.length).toBe(call.length);
            for (const rejection of result.rejected) expect(rejection.kind).toBe('conflict');
            refused.push(...result.rejected.map((r) => ({ ...r.item, plantId: PLANT })));
            const reference: WriteResult<StoredReading>[] = [];
            for (const item of [...call].sort(byVersionThenFingerprint))
              reference.push(await store.writeReadings([{ ...item, plantId: alone }]));
            // Invariant 1, call by call.
            expect(outcomeOf(result)).toEqual(sumOutcomes(reference));
          }
          const final = await table(store, grouped);
          expect(final).toStrictEqual(await table(store, alone));

          // Invariant 2, from the deliveries alone.
          expectOrderIndependentFacts(deliveries, final, refused);
        }),
        { numRuns: 200, seed: 20261124 },
      );
    } finally {
      await store.close();
    }
  });
});
