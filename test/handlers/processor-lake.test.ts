/**
 * The processor over the lake store refuses a conflicting reading as it does
 * over DuckDB (issue #18 item 3): a reading whose identity and version were
 * stored by an earlier MQTT message, sent again with another value and no
 * `correction`, is quarantined under the later message's id, once however
 * often that message is redelivered; a correction applies; and gateways get
 * the same rejection notices from both stores. Firehose is mocked at the
 * SDK; the recent telemetry table and the state table run on dynalite.
 */
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import {
  createRecentTelemetryTable,
  DynamoRecentTelemetryStore,
} from '../../lambdas/adapters/dynamo/dynamo-recent-telemetry-store.ts';
import { createStateTable, DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { FirehoseMetricsWriter } from '../../lambdas/adapters/lake/firehose-metrics-writer.ts';
import { LakeMetricsStore } from '../../lambdas/adapters/lake/lake-metrics-store.ts';
import { makeProcessorHandler } from '../../lambdas/handlers/processor.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';
import { FixedClock, MemoryRejections } from '../support/memory-ports.ts';

const PLANT = 'kz-ast-01';
const START = Date.parse('2026-11-23T19:00:00Z');
const clock = new FixedClock(START + 3_600_000);

const firehose = new FirehoseClient({ region: 'local' });
const firehoseMock = mockClient(firehose);
let records = 0;

let dynalite: RunningDynalite;
let tables = 0;
beforeAll(async () => {
  dynalite = await startDynalite();
  firehoseMock.on(PutRecordBatchCommand).callsFake((input) => {
    records += input.Records?.length ?? 0;
    return {
      FailedPutCount: 0,
      RequestResponses: (input.Records ?? []).map((_: unknown, i: number) => ({ RecordId: `r${i}` })),
    };
  });
});
afterAll(async () => {
  await dynalite.close();
});

type Store = DuckDbMetricsStore | LakeMetricsStore;

async function pipeline(kind: 'duckdb' | 'lake') {
  const n = ++tables;
  await createStateTable(dynalite.client, `state-lake-${n}`);
  const state = new DynamoStateStore({ client: dynalite.client, tableName: `state-lake-${n}` });
  let metrics: Store;
  if (kind === 'duckdb') metrics = await DuckDbMetricsStore.open({ path: ':memory:', clock });
  else {
    await createRecentTelemetryTable(dynalite.client, `recent-proc-${n}`);
    metrics = new LakeMetricsStore({
      writer: new FirehoseMetricsWriter({
        client: firehose,
        readingsStreamName: 'readings',
        movementsStreamName: 'movements',
        clock,
        sleep: async () => {},
        random: () => 0,
      }),
      recent: new DynamoRecentTelemetryStore({
        client: dynalite.client,
        tableName: `recent-proc-${n}`,
        clock,
      }),
      lake: {
        readReadings: async () => [],
        readLastBefore: async () => [],
        readMovements: async () => [],
        readCounterReadings: async () => [],
      },
      clock,
    });
  }
  const rejections = new MemoryRejections();
  const process = makeProcessorHandler({ metrics, state, rejections });
  return { metrics, state, rejections, process };
}

const mqtt = (receivedAt: number, messageId: string, value: number, correction = false) =>
  JSON.stringify({
    v: 1,
    source: 'mqtt',
    plantId: PLANT,
    receivedAt,
    payload: Buffer.from(
      JSON.stringify({
        schema: 'wte.telemetry.v1',
        messageId,
        readings: [
          {
            ts: START + 60_000,
            line: 'boiler-1',
            metric: 'furnace_temperature',
            value,
            ...(correction ? { correction: true } : {}),
          },
        ],
      }),
    ).toString('base64'),
  });

let sqs = 0;
async function deliver(p: Awaited<ReturnType<typeof pipeline>>, bodies: readonly string[]): Promise<void> {
  for (const body of bodies) {
    const { batchItemFailures } = await p.process({
      Records: [{ messageId: `sqs-${++sqs}`, body } as SQSRecord],
    });
    expect(batchItemFailures).toEqual([]);
  }
}

async function outcome(kind: 'duckdb' | 'lake', bodies: readonly string[]) {
  const p = await pipeline(kind);
  await deliver(p, bodies);
  const { items } = await p.state.listQuarantine(PLANT, 10);
  const stored = await p.metrics.readReadings({
    plantId: PLANT,
    metric: 'furnace_temperature',
    from: START,
    to: START + 3_600_000,
  });
  if (p.metrics instanceof DuckDbMetricsStore) await p.metrics.close();
  return {
    quarantine: items,
    values: stored.map((r) => r.value),
    notices: p.rejections.notices,
  };
}

describe('processor over the lake store: conflicting readings', () => {
  it('quarantines a conflicting reading of a later message once, as over DuckDB, and sends it to Firehose never', async () => {
    const first = mqtt(START + 120_000, 'm1', 900);
    const conflicting = mqtt(START + 180_000, 'm2', 901);
    const bodies = [first, conflicting, conflicting, first, conflicting];
    const duck = await outcome('duckdb', bodies);
    records = 0;
    const lake = await outcome('lake', bodies);
    expect(lake).toEqual(duck);
    expect(lake.quarantine).toHaveLength(1);
    expect(lake.quarantine[0]).toMatchObject({
      messageId: 'm2',
      itemKind: 'reading',
      type: 'urn:wte:problem:conflict',
    });
    expect(lake.values).toEqual([900]);
    // The first message's reading, once: redeliveries and the conflict send nothing.
    expect(records).toBe(1);
  });

  it('applies a correction, and takes a late redelivery of the original as superseded without sending it', async () => {
    const original = mqtt(START + 120_000, 'm1', 900);
    const bodies = [original, mqtt(START + 240_000, 'm3', 905, true), original];
    const duck = await outcome('duckdb', bodies);
    records = 0;
    const lake = await outcome('lake', bodies);
    expect(lake).toEqual(duck);
    expect(lake.values).toEqual([905]);
    expect(lake.quarantine).toEqual([]);
    expect(records).toBe(2);
  });
});
