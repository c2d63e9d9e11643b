/**
 * The lake store refuses what DuckDB refuses (issue #18 item 3): readings
 * are judged against the recent store (on dynalite) before Firehose (mocked
 * at the SDK, accepting everything) gets them. For any sequence of calls
 * (redeliveries, corrections, same-version conflicts within and across
 * calls, shuffles) it returns DuckDB's WriteResults item for item and reads
 * back what DuckDB reads; redeliveries send nothing again; readings older
 * than the recent store's horizon are not checked (documented).
 */
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import {
  createRecentTelemetryTable,
  DynamoRecentTelemetryStore,
} from '../../../lambdas/adapters/dynamo/dynamo-recent-telemetry-store.ts';
import { FirehoseMetricsWriter } from '../../../lambdas/adapters/lake/firehose-metrics-writer.ts';
import { LakeMetricsStore } from '../../../lambdas/adapters/lake/lake-metrics-store.ts';
import type { LakeReads } from '../../../lambdas/adapters/lake/tiered-metrics-reader.ts';
import { conflictReason } from '../../../lambdas/adapters/write-rules.ts';
import type { MetricName } from '../../../lambdas/domain/catalog.ts';
import { BASE_VERSION, type StoredReading } from '../../../lambdas/domain/ports.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { MINUTE, NOW, reading } from '../../support/stored-items.ts';

const DAY = 86_400_000;
const METRICS: readonly MetricName[] = ['steam_flow', 'furnace_temperature'];
/** 20 s apart across three UTC minutes, so calls touch several minute packs. */
const FIRST_TS = NOW - 30 * MINUTE - 40_000;
const CONFLICT = conflictReason('time, dimensions, measure name', BASE_VERSION);

const firehose = new FirehoseClient({ region: 'local' });
const firehoseMock = mockClient(firehose);
/** Records Firehose received, per PutRecordBatch call. */
let sent: number[] = [];

/** The lake reader is not asked about anything inside the horizon; older reads find nothing. */
const emptyLake: LakeReads = {
  readReadings: async () => [],
  readLastBefore: async () => [],
  readMovements: async () => [],
  readCounterReadings: async () => [],
};

let dynamo: RunningDynalite;
let tables = 0;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(() => {
  sent = [];
  firehoseMock.reset();
  firehoseMock.on(PutRecordBatchCommand).callsFake((input) => {
    sent.push(input.Records?.length ?? 0);
    return {
      FailedPutCount: 0,
      RequestResponses: (input.Records ?? []).map((_: unknown, i: number) => ({ RecordId: `r${i}` })),
    };
  });
});

async function lakeStore(clock: FixedClock): Promise<LakeMetricsStore> {
  const tableName = `recent-lake-${++tables}`;
  await createRecentTelemetryTable(dynamo.client, tableName);
  return new LakeMetricsStore({
    writer: new FirehoseMetricsWriter({
      client: firehose,
      readingsStreamName: 'readings',
      movementsStreamName: 'movements',
      clock,
      sleep: async () => {},
      random: () => 0,
    }),
    recent: new DynamoRecentTelemetryStore({ client: dynamo.client, tableName, clock, maxPackBytes: 300 }),
    lake: emptyLake,
    clock,
  });
}

/** One reading: an identity of a small pool, one of a few contents, one of three versions. */
const item = fc
  .record({
    line: fc.constantFrom('L1', 'L2'),
    metric: fc.constantFrom(...METRICS),
    slot: fc.integer({ min: 0, max: 6 }),
    // 40.00000000000001 has 40's fingerprint (12 significant digits): the same content, another float.
    value: fc.constantFrom(40, 40.00000000000001, 41, Number.NaN),
    quality: fc.constantFrom('GOOD' as const, 'BAD' as const),
    version: fc.constantFrom(BASE_VERSION, NOW - 5 * MINUTE, NOW - 2 * MINUTE),
  })
  .map(
    (r): StoredReading =>
      reading({
        line: r.line,
        metric: r.metric,
        ts: FIRST_TS + r.slot * 20_000,
        value: r.value,
        quality: r.quality,
        version: r.version,
        correction: r.version !== BASE_VERSION,
      }),
  );

/** New calls, or a redelivery of an earlier call (the same items, shuffled). */
const calls = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.array(item, { minLength: 1, maxLength: 7 }).map((items) => ({ items })) },
    { weight: 1, arbitrary: fc.record({ again: fc.nat(), seed: fc.nat() }) },
  ),
  { minLength: 1, maxLength: 8 },
);

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed + 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('LakeMetricsStore against DuckDB', () => {
  it('returns DuckDB’s WriteResults item for item and reads back what DuckDB reads', async () => {
    const clock = new FixedClock(NOW);
    const lake = await lakeStore(clock);
    const duck = await DuckDbMetricsStore.open({ path: ':memory:', clock });
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(calls, async (plan) => {
          const plantId = `p-${++run}`;
          const made: StoredReading[][] = [];
          for (const step of plan) {
            const call =
              'items' in step
                ? step.items.map((r) => ({ ...r, plantId }))
                : shuffled(made[step.again % Math.max(made.length, 1)] ?? [], step.seed);
            made.push(call);
            expect(await lake.writeReadings(call)).toEqual(await duck.writeReadings(call));
          }
          for (const metric of METRICS) {
            const query = { plantId, metric, from: FIRST_TS - MINUTE, to: NOW + 1 };
            expect(await lake.readReadings(query)).toEqual(await duck.readReadings(query));
            expect(await lake.readLastBefore(plantId, metric, NOW + 1)).toEqual(
              await duck.readLastBefore(plantId, metric, NOW + 1),
            );
          }
        }),
        { numRuns: 60 },
      );
    } finally {
      await duck.close();
    }
  }, 120_000);
});

describe('LakeMetricsStore conflict check', () => {
  it('sends nothing to Firehose when a call is redelivered, and only the new reading beside a redelivery', async () => {
    const lake = await lakeStore(new FixedClock(NOW));
    const call = [reading({ ts: NOW - MINUTE }), reading({ ts: NOW - 2 * MINUTE, line: 'boiler-2' })];
    expect(await lake.writeReadings(call)).toEqual({ stored: 2, rejected: [] });
    expect(sent).toEqual([2]);
    expect(await lake.writeReadings([...call].reverse())).toEqual({ stored: 2, rejected: [] });
    expect(sent).toEqual([2]);
    const fresh = reading({ ts: NOW - 3 * MINUTE });
    expect(await lake.writeReadings([...call, fresh])).toEqual({ stored: 3, rejected: [] });
    expect(sent).toEqual([2, 1]);
  });

  it('refuses a different content at the stored version in a later call, in DuckDB’s words, and does not send it', async () => {
    const lake = await lakeStore(new FixedClock(NOW));
    await lake.writeReadings([reading({ value: 900 })]);
    const conflicting = reading({ value: 901 });
    expect(await lake.writeReadings([conflicting])).toEqual({
      stored: 0,
      rejected: [{ item: conflicting, kind: 'conflict', reason: CONFLICT }],
    });
    expect(sent).toEqual([1]);
    const query = { plantId: conflicting.plantId, metric: conflicting.metric, from: NOW - DAY, to: NOW };
    expect((await lake.readReadings(query)).map((r) => r.value)).toEqual([900]);
  });

  it('applies a correction, then counts the superseded original as stored without sending it', async () => {
    const lake = await lakeStore(new FixedClock(NOW));
    const correction = reading({ value: 950, version: NOW - MINUTE, correction: true });
    expect(await lake.writeReadings([correction])).toEqual({ stored: 1, rejected: [] });
    expect(await lake.writeReadings([reading({ value: 900 })])).toEqual({ stored: 1, rejected: [] });
    expect(sent).toEqual([1]);
  });

  it('does not check a reading older than the horizon: the table may no longer hold the original', async () => {
    const lake = await lakeStore(new FixedClock(NOW));
    const old = NOW - 41 * DAY;
    await lake.writeReadings([reading({ ts: old, value: 900 })]);
    // DuckDB would refuse this; the lake stores it beside the first, and readers keep the smaller value.
    expect(await lake.writeReadings([reading({ ts: old, value: 901 })])).toEqual({ stored: 1, rejected: [] });
    expect(sent).toEqual([1, 1]);
  });
});
