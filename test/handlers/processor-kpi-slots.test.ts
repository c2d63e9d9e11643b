/**
 * The processor marks the KPI rollup slots a batch changes before it writes
 * (docs/kpi-rollup.md): the slots of KPI counter readings and, since the
 * rollup keeps ticket tonnages too, of every ticket, and the slot a
 * correction moved a ticket out of.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { createStateTable, DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { type KpiSlotMarker, SLOT_MS, type TouchedSlots } from '../../lambdas/domain/kpi-rollup.ts';
import { makeProcessorHandler } from '../../lambdas/handlers/processor.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';
import { FixedClock, MemoryRejections } from '../support/memory-ports.ts';

const START = Date.parse('2026-11-23T19:00:00Z');
const PLANT = 'kz-ast-01';
const clock = new FixedClock(START + 6 * 3_600_000);

/** The marks a batch makes, in order (a port fake: the real marker is tested against dynalite). */
class RecordingMarker implements KpiSlotMarker {
  readonly marks: TouchedSlots[][] = [];
  async markTouched(touched: readonly TouchedSlots[]): Promise<void> {
    this.marks.push([...touched]);
  }
}

let dynalite: RunningDynalite;
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  await dynalite.close();
});

let sqs = 0;
const record = (receivedAt: number, message: Record<string, unknown>): SQSRecord =>
  ({
    messageId: `sqs-${++sqs}`,
    body: JSON.stringify({
      v: 1,
      source: 'mqtt',
      plantId: PLANT,
      receivedAt,
      payload: Buffer.from(JSON.stringify({ schema: 'wte.telemetry.v1', ...message })).toString('base64'),
    }),
  }) as SQSRecord;

const ticket = (ts: number, netTonnes: number, correction = false) => ({
  ticketId: 'WB-7',
  ts,
  direction: 'out',
  netTonnes,
  material: 'bottom_ash',
  destination: 'landfill',
  ...(correction ? { correction: true } : {}),
});

describe('processor marks KPI slots', () => {
  it('marks the slot of every ticket, redeliveries included, and both slots of a correction that moves one', async () => {
    const metrics = await DuckDbMetricsStore.open({ path: ':memory:', clock });
    await createStateTable(dynalite.client, 'marks-state');
    const state = new DynamoStateStore({ client: dynalite.client, tableName: 'marks-state' });
    const marker = new RecordingMarker();
    const rejections = new MemoryRejections();
    const process = makeProcessorHandler({
      metrics,
      state,
      ledger: metrics,
      rejections,
      kpiSlots: marker,
    });
    const slotA = START + 4 * SLOT_MS;
    const slotB = START + 9 * SLOT_MS;
    const first = record(START + 3_600_000, { messageId: 'm1', movements: [ticket(slotA + 60_000, 10)] });
    /** Runs one batch; the slots it marked, over all its mark calls, in order. */
    const run = async (r: SQSRecord) => {
      expect((await process({ Records: [r] } as SQSEvent)).batchItemFailures).toEqual([]);
      const calls = marker.marks.splice(0);
      expect(new Set(calls.flat().map((t) => t.plantId))).toEqual(new Set([PLANT]));
      return calls
        .flat()
        .flatMap((t) => t.slotStarts)
        .sort((a, b) => a - b);
    };

    expect(await run(first)).toEqual([slotA]);
    // the same ticket resent in another message: marked again, so a re-roll sees what is stored now
    expect(
      await run(
        record(START + 3_700_000, { messageId: 'm1-again', movements: [ticket(slotA + 60_000, 10)] }),
      ),
    ).toEqual([slotA]);
    // a correction that moves the ticket: the slot it leaves and the slot it enters
    expect(
      await run(
        record(START + 10_800_000, { messageId: 'm2', movements: [ticket(slotB + 5 * 60_000, 12.5, true)] }),
      ),
    ).toEqual([slotA, slotB]);
    expect((await metrics.readMovements(PLANT, START, slotB + SLOT_MS)).map((m) => m.ts)).toEqual([
      slotB + 5 * 60_000,
    ]);
    await metrics.close();
  });
});
