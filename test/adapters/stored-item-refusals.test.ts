/**
 * Every metrics store refuses the same stored items with the same words
 * (lambdas/domain/stored-item-checks.ts): the Timestream writer (on its fake)
 * and the DuckDB store, given the same items, report the same rejections and
 * store the same number. The lake's rows use the same checks
 * (test/adapters/lake/lake-rows.test.ts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import type { MetricsStore, WriteResult } from '../../lambdas/domain/metrics-ports.ts';
import { FixedClock } from '../support/memory-ports.ts';
import { MINUTE, movement, NOW, reading } from '../support/stored-items.ts';
import { harness } from './timestream/fixtures.ts';

let duckdb: DuckDbMetricsStore;
beforeAll(async () => {
  duckdb = await DuckDbMetricsStore.open({ path: ':memory:', clock: new FixedClock(NOW) });
});
afterAll(async () => {
  await duckdb.close();
});

/** What a caller sees of a write: how many were stored and each refusal, in a stable order. */
const outcome = <T>(result: WriteResult<T>) => ({
  stored: result.stored,
  rejected: result.rejected.map((r) => JSON.stringify([r.item, r.kind, r.reason])).sort(),
});

/** The same write to a fresh Timestream writer (on its fake) and to the shared DuckDB store. */
async function bothStores<T>(
  write: (store: Pick<MetricsStore, 'writeReadings' | 'writeMovements'>) => Promise<WriteResult<T>>,
) {
  const timestream = harness();
  return { timestream: outcome(await write(timestream.writer)), duckdb: outcome(await write(duckdb)) };
}

const LONE_HIGH = 'L\uD800';
const LONE_LOW = '\uDFFFx';

describe('the Timestream writer and the DuckDB store refuse the same items in the same words', () => {
  it('refuses lone surrogates in a plant id, line, ticket id or operation code as invalid, and stores the rest', async () => {
    // Alone in an otherwise ordinary batch: the planner's shortcut must not let them through either.
    const readings = [
      reading({ ts: NOW - 2 * MINUTE }),
      reading({ ts: NOW - 2 * MINUTE, line: LONE_HIGH }),
      reading({ ts: NOW - 2 * MINUTE, plantId: LONE_LOW }),
    ];
    const movements = [
      movement({ ticketId: 'WB-ok' }),
      movement({ ticketId: `WB-${LONE_HIGH}` }),
      movement({ ticketId: 'WB-op', operationCode: LONE_LOW }),
    ];
    const r = await bothStores((s) => s.writeReadings(readings));
    expect(r.timestream).toEqual(r.duckdb);
    expect(r.timestream.stored).toBe(1);
    expect(r.timestream.rejected).toEqual(
      [
        [readings[1], 'invalid', `line must be well-formed Unicode, got ${JSON.stringify(LONE_HIGH)}`],
        [readings[2], 'invalid', `plantId must be well-formed Unicode, got ${JSON.stringify(LONE_LOW)}`],
      ]
        .map((x) => JSON.stringify(x))
        .sort(),
    );
    const m = await bothStores((s) => s.writeMovements(movements));
    expect(m.timestream).toEqual(m.duckdb);
    expect(m.timestream.stored).toBe(1);
    expect(m.timestream.rejected.map((x) => JSON.parse(x)[2]).sort()).toEqual([
      `operationCode must be well-formed Unicode, got ${JSON.stringify(LONE_LOW)}`,
      `ticketId must be well-formed Unicode, got ${JSON.stringify(`WB-${LONE_HIGH}`)}`,
    ]);
  });

  it('stores a well-formed surrogate pair (an emoji) in both', async () => {
    const r = await bothStores((s) =>
      s.writeReadings([reading({ ts: NOW - 3 * MINUTE, line: 'L\u{1F525}' })]),
    );
    expect(r.timestream).toEqual({ stored: 1, rejected: [] });
    expect(r.duckdb).toEqual(r.timestream);
  });

  it('gives the same answer for any mix of odd fields (property)', async () => {
    const text = fc.constantFrom('p', '', 'é', LONE_HIGH, LONE_LOW, 'a\u{1F525}', '\uD83D');
    const number = fc.constantFrom(0, 1.5, -1, Number.NaN, Number.POSITIVE_INFINITY, 912.5);
    const version = fc.constantFrom(1, 0, 1.5, NOW - 5);
    // Each run its own timestamp and ticket (DuckDB keys a ticket without its ts), so what one run
    // stores never meets another's items; the prefix keeps an empty id empty and a lone surrogate lone.
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({ plantId: text, line: text, value: number, version }),
        fc.record({ plantId: text, ticketId: text, operationCode: fc.option(text, { nil: undefined }) }),
        fc.record({ netTonnes: number, version }),
        async (r, ids, m) => {
          run++;
          const ts = NOW - 10 * MINUTE - run * 1_000;
          const readings = [reading({ ts }), reading({ ...r, ts, metric: 'nox' })];
          const ticketId = ids.ticketId === '' ? '' : `${run}${ids.ticketId}`;
          const movements = [movement({ ...ids, ...m, ticketId, ts })];
          const a = await bothStores((s) => s.writeReadings(readings));
          expect(a.timestream).toEqual(a.duckdb);
          const b = await bothStores((s) => s.writeMovements(movements));
          expect(b.timestream).toEqual(b.duckdb);
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);
});
