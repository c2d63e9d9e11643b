/**
 * What the processor logs when a store fails with something other than an
 * outage: the error's name, never its message (which can hold a payload).
 */
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStateTable, DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { makeProcessorHandler } from '../../lambdas/handlers/processor.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';
import { fleetQueueBodies } from '../support/fleet-queue.ts';
import { MemoryRejections } from '../support/memory-ports.ts';

const START = Date.parse('2026-11-24T00:00:00Z');
const SECRET = 'ticket 4711 of ACME, net 23.5 t';

let dynalite: RunningDynalite;
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  await dynalite.close();
});

describe('processor error logs', () => {
  it('logs a failed ledger or metrics write by the error name alone, and fails the messages', async () => {
    await createStateTable(dynalite.client, 'error-log-state');
    const lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
    const process = makeProcessorHandler({
      state: new DynamoStateStore({ client: dynalite.client, tableName: 'error-log-state' }),
      ledger: {
        recordMovements: async () => {
          throw new RangeError(SECRET);
        },
      },
      metrics: {
        writeReadings: async () => {
          throw new TypeError(SECRET);
        },
        writeMovements: async () => {
          throw new TypeError(SECRET);
        },
      },
      rejections: new MemoryRejections(),
      log: (level, message, fields) => lines.push({ level, message, fields }),
    });
    const bodies = fleetQueueBodies({
      plants: 1,
      start: START,
      durationMs: 3_600_000,
      intervalMs: 300_000,
      seed: 3,
    });
    const out = await process({
      Records: bodies.map((body, i) => ({ messageId: `m${i}`, body }) as SQSRecord),
    });

    expect(out.batchItemFailures).toHaveLength(bodies.length);
    const errors = lines.filter((line) => line.level === 'error');
    expect(errors).toContainEqual({
      level: 'error',
      message: 'ledger write failed',
      fields: { error: 'RangeError' },
    });
    expect(errors).toContainEqual({
      level: 'error',
      message: 'metrics write failed',
      fields: { error: 'TypeError' },
    });
    expect(JSON.stringify(lines)).not.toContain('ACME');
  });
});
