/**
 * Every ticket ledger decides alike: the DynamoDB one (on dynalite, distinct
 * tickets written concurrently) and local mode's DuckDB one (one transaction
 * per batch) give each item of random batches the outcome the rule
 * (domain/ticket-ledger.ts) gives it applied one item after another, through
 * redeliveries and shuffles across batches, including the former ts each
 * outcome carries for a ticket a correction moved.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { movementKey } from '../../../lambdas/domain/identity.ts';
import type { LedgerResult, StoredMovement } from '../../../lambdas/domain/ports.ts';
import { judgeTicket } from '../../../lambdas/domain/ticket-ledger.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { freshStore, movement, T0 } from '../dynamo/fixtures.ts';

let dynamo: RunningDynalite;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});

/** Few identities, contents, times and versions, so batches repeat, correct, move, supersede and conflict. */
const ticket = fc
  .record({
    plantId: fc.constantFrom('astana-1', 'almaty-2'),
    ticketId: fc.constantFrom('WB-1', 'WB-2', 'WB-3'),
    ts: fc.constantFrom(T0, T0 + 60_000, T0 + 3_600_000),
    netTonnes: fc.constantFrom(5, 7.25, 18.42),
    correction: fc.boolean(),
    version: fc.constantFrom(T0 + 1000, T0 + 2000, T0 + 3000),
  })
  .map(({ correction, version, ...rest }) =>
    movement({ ...rest, correction, version: correction ? version : 1 }),
  );

/** Batches, some of them delivered again later (at-least-once) in another order. */
const deliveries = fc
  .array(fc.array(ticket, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 })
  .chain((batches) =>
    fc.array(fc.nat({ max: batches.length - 1 }), { maxLength: 3 }).chain((again) =>
      fc
        .shuffledSubarray(
          again.flatMap((i) => batches[i] ?? []),
          { minLength: 0 },
        )
        .map((redelivered) => (redelivered.length > 0 ? [...batches, redelivered] : batches)),
    ),
  );

function byRule(batches: readonly StoredMovement[][]): LedgerResult[][] {
  const held = new Map<string, { movement: StoredMovement; formerTs: readonly number[] }>();
  return batches.map((batch) =>
    batch.map((m) => {
      const ticket = held.get(movementKey(m));
      const decision = judgeTicket(m, ticket?.movement, ticket?.formerTs);
      if (decision.write) held.set(movementKey(m), { movement: m, formerTs: decision.formerTs });
      return decision.outcome;
    }),
  );
}

/** Compared by what the processor uses: the outcome and the content it keeps or refuses against. */
const summary = (results: LedgerResult[][]) =>
  results.map((batch) =>
    batch.map((r) => ({
      outcome: r.outcome,
      version: r.movement.version,
      netTonnes: r.movement.netTonnes,
      ...('current' in r ? { current: r.current.version } : {}),
      ...('previous' in r ? { previous: r.previous.version } : {}),
      ...('formerTs' in r ? { formerTs: r.formerTs } : {}),
    })),
  );

describe('ticket ledgers', () => {
  it('DynamoDB and DuckDB give every item the outcome of the rule applied in order', async () => {
    await fc.assert(
      fc.asyncProperty(deliveries, async (batches) => {
        const { store: dynamoLedger } = await freshStore(dynamo.client);
        const duck = await DuckDbMetricsStore.open({ path: ':memory:', clock: new FixedClock(T0) });
        try {
          const fromDynamo: LedgerResult[][] = [];
          const fromDuck: LedgerResult[][] = [];
          for (const batch of batches) {
            fromDynamo.push(await dynamoLedger.recordMovements(batch));
            fromDuck.push(await duck.recordMovements(batch));
          }
          const expected = summary(byRule(batches));
          expect(summary(fromDynamo)).toEqual(expected);
          expect(summary(fromDuck)).toEqual(expected);
        } finally {
          await duck.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
