/**
 * The processor stores a chunk's quarantine in one state-store call (batched
 * by the store: docs/pipeline.md, Quarantine), and when that call fails it
 * stores each message's entries on its own, so an entry the store cannot take
 * fails its own message only.
 */
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { createStateTable, DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import type { QuarantineEntry, StateStore } from '../../lambdas/domain/ports.ts';
import { UnavailableError } from '../../lambdas/domain/ports.ts';
import { makeProcessorHandler } from '../../lambdas/handlers/processor.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';
import { FixedClock, MemoryRejections } from '../support/memory-ports.ts';

const START = Date.parse('2026-11-23T19:00:00Z');
const clock = new FixedClock(START + 7 * 3_600_000);

let dynalite: RunningDynalite;
let tables = 0;
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  await dynalite.close();
});

const ticket = (ticketId: string, netTonnes: number) => ({
  ticketId,
  ts: START + 60_000,
  direction: 'in',
  netTonnes,
  material: 'mixed_waste',
});
const mqtt = (messageId: string, receivedAt: number, movements: unknown[]) =>
  JSON.stringify({
    v: 1,
    source: 'mqtt',
    plantId: 'kz-ast-01',
    receivedAt,
    payload: Buffer.from(JSON.stringify({ schema: 'wte.telemetry.v1', messageId, movements })).toString(
      'base64',
    ),
  });
let sqs = 0;
const record = (body: string) => ({ messageId: `sqs-${++sqs}`, body }) as SQSRecord;

/** The real state store on dynalite, its putQuarantine calls recorded and optionally refused. */
async function pipeline(refuse: (entries: readonly QuarantineEntry[]) => Error | undefined) {
  const tableName = `quarantine-batch-${++tables}`;
  await createStateTable(dynalite.client, tableName);
  const store = new DynamoStateStore({ client: dynalite.client, tableName });
  const calls: string[][] = [];
  const state: StateStore = Object.assign(Object.create(store) as StateStore, {
    putQuarantine: async (entries: readonly QuarantineEntry[]) => {
      calls.push(entries.map((e) => e.messageId));
      const refusal = refuse(entries);
      if (refusal) throw refusal;
      return store.putQuarantine(entries);
    },
  });
  const metrics = await DuckDbMetricsStore.open({ path: ':memory:', clock });
  const process = makeProcessorHandler({ metrics, state, rejections: new MemoryRejections() });
  await process({ Records: [record(mqtt('m1', START + 120_000, [ticket('WB-1', 10), ticket('WB-2', 20)]))] });
  return { store, calls, process };
}

const conflicts = () => [
  record(mqtt('m2', START + 180_000, [ticket('WB-1', 11)])),
  record(mqtt('m3', START + 240_000, [ticket('WB-2', 21)])),
];

describe('processor quarantine in one call', () => {
  it("stores the conflicts of a chunk's messages in one call", async () => {
    const p = await pipeline(() => undefined);
    const { batchItemFailures } = await p.process({ Records: conflicts() });
    expect(batchItemFailures).toEqual([]);
    expect(p.calls).toEqual([['m2', 'm3']]);
    const listed = await p.store.listQuarantine('kz-ast-01', 10);
    expect(listed.items.map((e) => e.messageId).sort()).toEqual(['m2', 'm3']);
  });

  it('fails only the message whose entries the store refuses', async () => {
    // As DynamoDB refuses an item over 400 KB: a validation error, not an outage.
    const p = await pipeline((entries) =>
      entries.some((e) => e.messageId === 'm3') ? new Error('item too large (test)') : undefined,
    );
    const records = conflicts();
    const { batchItemFailures } = await p.process({ Records: records });
    expect(batchItemFailures).toEqual([{ itemIdentifier: records[1]?.messageId }]);
    expect(p.calls).toEqual([['m2', 'm3'], ['m2'], ['m3']]);
    const listed = await p.store.listQuarantine('kz-ast-01', 10);
    expect(listed.items.map((e) => e.messageId)).toEqual(['m2']);
  });

  it('fails every message at once, without a call per message, when the store is unavailable', async () => {
    const p = await pipeline(() => new UnavailableError('throttled (test)'));
    const records = conflicts();
    const { batchItemFailures } = await p.process({ Records: records });
    expect(batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.messageId));
    expect(p.calls).toEqual([['m2', 'm3']]);
  });
});
