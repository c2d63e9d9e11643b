/**
 * The processor over the Timestream adapter and its fake (the documented
 * WriteRecords rules and faults), with the ticket ledger on dynalite.
 */
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStateTable, DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { readingsOfRow } from '../../lambdas/adapters/timestream/records.ts';
import { TimestreamMetricsWriter } from '../../lambdas/adapters/timestream/timestream-metrics-writer.ts';
import { readingKey } from '../../lambdas/domain/identity.ts';
import { parseTelemetry } from '../../lambdas/domain/parse-telemetry.ts';
import { encodeQueued } from '../../lambdas/domain/queue-codec.ts';
import { makeProcessorHandler } from '../../lambdas/handlers/processor.ts';
import { prng } from '../../lambdas/sim/fleet.ts';
import { seededRandom, TimestreamFake } from '../adapters/timestream/timestream-fake.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';
import { fleetQueueBodies } from '../support/fleet-queue.ts';
import { FixedClock, MemoryRejections } from '../support/memory-ports.ts';

const START = Date.parse('2026-11-24T00:00:00Z');
const HOURS = 4;
const END = START + HOURS * 3_600_000;

let dynalite: RunningDynalite;
let tables = 0;
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  await dynalite.close();
});

const fleetBodies = (): string[] =>
  fleetQueueBodies({ plants: 2, start: START, durationMs: HOURS * 3_600_000, intervalMs: 300_000, seed: 3 });

async function pipeline(faults: { throttleRate?: number; serverErrorRate?: number }) {
  const clock = new FixedClock(END + 60_000);
  const fake = new TimestreamFake({ clock, memoryRetentionMs: 12 * 3_600_000, seed: 11, ...faults });
  const tableName = `ts-state-${++tables}`;
  await createStateTable(dynalite.client, tableName);
  const state = new DynamoStateStore({ client: dynalite.client, tableName });
  const writer = new TimestreamMetricsWriter({
    client: fake.client,
    databaseName: fake.databaseName,
    readingsTableName: 'readings',
    movementsTableName: 'movements',
    clock,
    sleep: async () => {},
    random: seededRandom(5),
    maxAttempts: 4,
  });
  const process = makeProcessorHandler({ metrics: writer, state, rejections: new MemoryRejections() });
  return { fake, state, process };
}

let sqsIds = 0;
/** SQS semantics: failed messages come back in a later batch, up to `maxReceives` times. */
async function deliverUntilDone(
  process: ReturnType<typeof makeProcessorHandler>,
  bodies: readonly string[],
  maxReceives = 20,
): Promise<{ leftover: string[]; receives: number }> {
  let pending = [...bodies];
  let receives = 0;
  for (let round = 0; round < maxReceives && pending.length > 0; round++) {
    const next: string[] = [];
    for (let i = 0; i < pending.length; i += 10) {
      const records = pending
        .slice(i, i + 10)
        .map((body) => ({ messageId: `m${++sqsIds}`, body }) as SQSRecord);
      receives += records.length;
      const out = await process({ Records: records });
      const failed = new Set(out.batchItemFailures.map((f) => f.itemIdentifier));
      for (const r of records) if (failed.has(r.messageId)) next.push(r.body);
    }
    pending = next;
  }
  return { leftover: pending, receives };
}

function storedReadingKeys(fake: TimestreamFake): string[] {
  return fake
    .records('readings')
    .flatMap((row) => readingsOfRow(row).map((r) => `${readingKey(r)}=${r.value}`));
}

describe('processor on Timestream', () => {
  const bodies = fleetBodies();

  it('loses nothing and doubles nothing with 30 % of WriteRecords throttled and 5 % failing 5xx, under redelivery', async () => {
    const clean = await pipeline({});
    expect((await deliverUntilDone(clean.process, bodies)).leftover).toEqual([]);
    const expected = storedReadingKeys(clean.fake).sort();
    expect(expected.length).toBe(bodies.length * 16);
    expect(new Set(expected).size).toBe(expected.length);

    const faulty = await pipeline({ throttleRate: 0.3, serverErrorRate: 0.05 });
    const random = prng(8);
    const twice = bodies.flatMap((b) => (random() < 0.5 ? [b, b] : [b]));
    const run = await deliverUntilDone(faulty.process, twice);
    expect(run.leftover).toEqual([]);
    expect(faulty.fake.throttled).toBeGreaterThan(0);
    expect(faulty.fake.serverErrors).toBeGreaterThan(0);
    expect(storedReadingKeys(faulty.fake).sort()).toEqual(expected);
    expect(faulty.fake.records('movements')).toEqual(clean.fake.records('movements'));
    expect((await faulty.state.listQuarantine(undefined, 10)).items).toEqual([]);
  });

  it('quarantines the records Timestream rejects, with reasons, writes the rest once, and does not retry the message', async () => {
    const p = await pipeline({});
    p.fake.memoryRetentionMs = 2 * 3_600_000; // the memory store now keeps 2 hours: older readings are refused
    const receivedAt = END;
    const old = START; // 4 hours before the fake's clock: outside the memory store
    const message = parseTelemetry(
      {
        schema: 'wte.telemetry.v1',
        messageId: 'mixed-1',
        plantId: 'kz-ast-01',
        readings: [
          { ts: old, line: 'boiler-1', metric: 'furnace_temperature', value: 901 },
          { ts: END - 60_000, line: 'boiler-1', metric: 'furnace_temperature', value: 902 },
          { ts: END - 60_000, line: 'turbine', metric: 'power_gross', value: 40 },
        ],
      },
      { now: receivedAt },
    );
    if (!message.ok) throw new Error('fixture invalid');
    const body = encodeQueued({ message: message.message, source: 'http', receivedAt });
    const first = await deliverUntilDone(p.process, [...body, ...body]);
    expect(first.leftover).toEqual([]);
    expect(first.receives).toBe(2); // processed once per delivery, never retried
    expect(storedReadingKeys(p.fake).sort()).toEqual(
      [
        `kz-ast-01|boiler-1|furnace_temperature|${END - 60_000}=902`,
        `kz-ast-01|turbine|power_gross|${END - 60_000}=40`,
      ].sort(),
    );
    const { items } = await p.state.listQuarantine('kz-ast-01', 10);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      messageId: 'mixed-1',
      itemKind: 'reading',
      type: 'urn:wte:problem:timestamp-out-of-range',
      item: expect.objectContaining({ ts: old, value: 901 }),
    });
    expect(items[0]?.reason.length).toBeGreaterThan(10);
  });
});
