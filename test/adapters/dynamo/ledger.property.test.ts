/**
 * Order tolerance of the movement ledger against dynalite: any permutation,
 * with duplicates, of one ticket's deliveries (the original plus corrections
 * of distinct versions) leaves the same ticket stored, the highest-version
 * correction or else the original, whether the deliveries come one by one
 * or all at once.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoStateStore } from '../../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { movementFingerprint } from '../../../lambdas/domain/identity.ts';
import type { LedgerOutcome, StoredMovement } from '../../../lambdas/domain/ports.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import { correction, freshStore, movement, rawTicket, T0 } from './fixtures.ts';

const SEED = 20_261_124;
const RUNS = 300;
const PLANT = 'astana-1';

let dynamo: RunningDynalite;
let store: DynamoStateStore;
let tableName: string;

beforeAll(async () => {
  dynamo = await startDynalite();
  ({ store, tableName } = await freshStore(dynamo.client));
});
afterAll(async () => {
  await dynamo.close();
});

/** Few distinct values, so corrections often repeat earlier content (the version-only path). */
const content = fc.record({
  ts: fc.constantFrom(T0, T0 + 1000),
  netTonnes: fc.constantFrom(7.125, 12.5, 18.42),
  material: fc.constantFrom('mixed_waste' as const, 'recyclables' as const),
});

const ticket = fc.record({
  original: content,
  corrections: fc.uniqueArray(fc.record({ version: fc.integer({ min: 2, max: 2e12 }), content }), {
    selector: (c) => c.version,
    maxLength: 4,
  }),
});

/** Deliveries as indexes into the ticket's versions: each at least once, up to three times, shuffled. */
const scenario = ticket.chain((t) => {
  const versions = 1 + t.corrections.length;
  const copies = fc.array(fc.array(fc.integer(), { minLength: 1, maxLength: 3 }), {
    minLength: versions,
    maxLength: versions,
  });
  return fc.tuple(fc.constant(t), copies);
});

type Ticket = typeof ticket extends fc.Arbitrary<infer T> ? T : never;

function deliveriesOf(t: Ticket, ticketId: string): StoredMovement[] {
  return [
    movement({ plantId: PLANT, ticketId, ...t.original }),
    ...t.corrections.map((c) => correction(c.version, { plantId: PLANT, ticketId, ...c.content })),
  ];
}

function schedule(
  versions: readonly StoredMovement[],
  copies: readonly (readonly number[])[],
): StoredMovement[] {
  return copies
    .flatMap((keys, index) => keys.map((key) => ({ key, index })))
    .sort((a, b) => a.key - b.key || a.index - b.index)
    .map(({ index }) => ({ ...(versions[index] as StoredMovement) }));
}

/** The specification: the highest-version correction, or the original when there is none. */
function expectedFinal(versions: readonly StoredMovement[]): StoredMovement {
  return versions.reduce((best, m) => (m.version > best.version ? m : best));
}

/**
 * The ledger rules, one delivery at a time, as a reference for sequential delivery: the outcomes,
 * and the ts the ticket held before its last one, in the order it left them (its former ts).
 */
function model(deliveries: readonly StoredMovement[]): {
  outcomes: LedgerOutcome['outcome'][];
  formerTs: number[];
} {
  let stored: StoredMovement | undefined;
  let formerTs: number[] = [];
  const replace = (m: StoredMovement) => {
    const left = (stored as StoredMovement).ts;
    if (left !== m.ts) formerTs = [...formerTs.filter((ts) => ts !== left && ts !== m.ts), left];
    stored = m;
  };
  const outcomes = deliveries.map((m): LedgerOutcome['outcome'] => {
    if (stored === undefined) {
      stored = m;
      return 'stored';
    }
    const newer = m.correction && m.version > stored.version;
    if (movementFingerprint(m) === movementFingerprint(stored)) {
      if (newer) replace(m);
      return 'unchanged';
    }
    if (newer) {
      replace(m);
      return 'corrected';
    }
    return m.version < stored.version ? 'superseded' : 'conflict';
  });
  return { outcomes, formerTs };
}

async function storedTicket(ticketId: string): Promise<Record<string, unknown> | undefined> {
  return rawTicket(dynamo.client, tableName, PLANT, ticketId);
}

function checkOutcomes(outcomes: readonly LedgerOutcome[]): void {
  expect(outcomes.filter((o) => o.outcome === 'stored')).toHaveLength(1);
  for (const o of outcomes) {
    expect(o.outcome).not.toBe('conflict');
    if (o.outcome === 'corrected') expect(o.movement.version).toBeGreaterThan(o.previous.version);
    if (o.outcome === 'superseded') expect(o.current.version).toBeGreaterThan(o.movement.version);
  }
}

describe('movement ledger under redelivery and reordering', () => {
  it('ends in the same ticket for every order, one delivery at a time and all at once', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ([t, copies]) => {
        run += 1;
        const sequentialId = `seq-${run}`;
        const concurrentId = `par-${run}`;
        const sequential = schedule(deliveriesOf(t, sequentialId), copies);
        const concurrent = schedule(deliveriesOf(t, concurrentId), copies);

        const outcomes: LedgerOutcome[] = [];
        for (const m of sequential) outcomes.push(await store.recordMovement(m));
        const expected = model(sequential);
        expect(outcomes.map((o) => o.outcome)).toEqual(expected.outcomes);
        checkOutcomes(outcomes);
        const final = expectedFinal(deliveriesOf(t, sequentialId));
        // where the ticket was before is kept with it (only when it moved), and every later outcome tells it
        const former = expected.formerTs.length > 0 ? { formerTs: expected.formerTs } : {};
        expect(await storedTicket(sequentialId)).toEqual({
          ...final,
          pk: `PLANT#${PLANT}`,
          sk: `TICKET#${sequentialId}`,
          entity: 'movement',
          fingerprint: movementFingerprint(final),
          ...former,
        });
        const again = await store.recordMovement({ ...final });
        expect(again).toEqual({ outcome: 'unchanged', movement: final, ...former });

        const racing = await Promise.all(concurrent.map((m) => store.recordMovement(m)));
        checkOutcomes(racing);
        const raced = await storedTicket(concurrentId);
        expect(raced).toMatchObject({ ...expectedFinal(deliveriesOf(t, concurrentId)) });
        const racedFormer = (raced?.formerTs ?? []) as number[];
        expect(new Set(racedFormer).size).toBe(racedFormer.length);
        expect(racedFormer).not.toContain(raced?.ts);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
