/**
 * A correction that moves a ticket to another KPI slot must get the slot it
 * left re-rolled, or months count the ticket twice (docs/kpi-rollup.md, "A
 * correction's old slot"). Here the mark of that slot is lost on the first
 * delivery, and the redelivery (which the ledger answers `unchanged` or
 * `superseded`) must mark it from the ledger's former ts: the month from
 * the rollup then equals the raw sum. Real processor, ledgers (DuckDB and
 * DynamoDB on dynalite), rollup table and job; the failures are injected
 * by fakes of the marker and ledger ports that wrap the real ones.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import {
  createKpiRollupTable,
  DynamoKpiRollupStore,
} from '../../lambdas/adapters/dynamo/dynamo-kpi-rollup-store.ts';
import { createStateTable, DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { loadKpis, rollUpPendingSlots } from '../../lambdas/app/kpi-query.ts';
import { type KpiSlotMarker, SLOT_MS, type TouchedSlots } from '../../lambdas/domain/kpi-rollup.ts';
import {
  type LedgerResult,
  type StoredMovement,
  type TicketLedger,
  UnavailableError,
} from '../../lambdas/domain/ports.ts';
import { makeProcessorHandler } from '../../lambdas/handlers/processor.ts';
import { LOCAL_SETTLE_POLICY, withKpiRollup } from '../../lambdas/local/local-kpi-rollup.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';
import { FixedClock, MemoryRejections } from '../support/memory-ports.ts';

const START = Date.parse('2026-11-23T19:00:00Z'); // 2026-11-24 00:00 in Almaty
const MONTH = { from: Date.parse('2026-10-31T19:00:00Z'), to: Date.parse('2026-11-30T19:00:00Z') };
const ZONE = 'Asia/Almaty';
const PLANT = 'kz-ast-01';
const SLOT_A = START + 4 * SLOT_MS;
const SLOT_B = START + 9 * SLOT_MS;
const SLOT_C = START + 14 * SLOT_MS;

/** The real marker, failing once on the first call that marks `slot` when armed. */
class FlakyMarker implements KpiSlotMarker {
  armed: number | undefined;
  constructor(private readonly inner: KpiSlotMarker) {}
  async markTouched(touched: readonly TouchedSlots[]): Promise<void> {
    if (this.armed !== undefined && touched.some((t) => t.slotStarts.includes(this.armed as number))) {
      this.armed = undefined;
      throw new UnavailableError('mark lost (injected)');
    }
    await this.inner.markTouched(touched);
  }
}

/** The real ledger, whose next call records and then fails when armed (its answer lost). */
class FlakyLedger implements TicketLedger {
  armed = false;
  constructor(private readonly inner: TicketLedger) {}
  async recordMovements(movements: readonly StoredMovement[]): Promise<LedgerResult[]> {
    const results = await this.inner.recordMovements(movements);
    if (!this.armed) return results;
    this.armed = false;
    throw new UnavailableError('ledger answer lost (injected)');
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
let tables = 0;
const record = (receivedAt: number, messageId: string, movements: unknown[]): SQSRecord =>
  ({
    messageId: `sqs-${++sqs}`,
    body: JSON.stringify({
      v: 1,
      source: 'mqtt',
      plantId: PLANT,
      receivedAt,
      payload: Buffer.from(JSON.stringify({ schema: 'wte.telemetry.v1', messageId, movements })).toString(
        'base64',
      ),
    }),
  }) as SQSRecord;

const ticket = (ts: number, netTonnes: number, correction = false) => ({
  ticketId: 'WB-42',
  ts: ts + 60_000,
  direction: 'in',
  netTonnes,
  material: 'mixed_waste',
  ...(correction ? { correction: true } : {}),
});

async function setup(ledgerKind: 'duckdb' | 'dynamodb') {
  const clock = new FixedClock(START + 6 * 3_600_000);
  const metrics = await DuckDbMetricsStore.open({ path: ':memory:', clock });
  const n = ++tables;
  await createStateTable(dynalite.client, `redelivery-state-${n}`);
  await createKpiRollupTable(dynalite.client, `redelivery-rollup-${n}`);
  const state = new DynamoStateStore({ client: dynalite.client, tableName: `redelivery-state-${n}` });
  const rollup = new DynamoKpiRollupStore({
    client: dynalite.client,
    tableName: `redelivery-rollup-${n}`,
    clock,
    settle: LOCAL_SETTLE_POLICY,
    markReuseMs: 0,
  });
  const marker = new FlakyMarker(rollup);
  const ledger = new FlakyLedger(ledgerKind === 'duckdb' ? metrics : state);
  const handler = makeProcessorHandler({
    metrics,
    state,
    ledger,
    rejections: new MemoryRejections(),
    kpiSlots: marker,
  });
  /** One delivery of `r`; whether the processor failed it (SQS would redeliver it). */
  const deliver = async (r: SQSRecord) =>
    (await handler({ Records: [r] } as SQSEvent)).batchItemFailures.length > 0;
  /** The job, once every mark so far has settled. */
  const roll = async () => {
    clock.current += LOCAL_SETTLE_POLICY.settleMs;
    await rollUpPendingSlots({ rollup, readings: metrics.queries(), clock });
  };
  /** The month of November from the rollup and from the raw path. */
  const month = async () => {
    const now = clock.now();
    const rolled = withKpiRollup(metrics.queries(), rollup);
    const { readKpiCounterSlots: _, ...raw } = rolled;
    return {
      rolled: await loadKpis(rolled, PLANT, '1mo', ZONE, MONTH.from, MONTH.to, now),
      raw: await loadKpis(raw, PLANT, '1mo', ZONE, MONTH.from, MONTH.to, now),
    };
  };
  return { metrics, marker, ledger, deliver, roll, month };
}

describe.each(['duckdb', 'dynamodb'] as const)(
  'a correction redelivered after a lost mark (%s ledger)',
  (kind) => {
    it('marks the old slot on the redelivery when its mark failed the first time', async () => {
      const { metrics, marker, deliver, roll, month } = await setup(kind);
      try {
        expect(await deliver(record(START + 3_600_000, 'm1', [ticket(SLOT_A, 10)]))).toBe(false);
        await roll();
        const fix = record(START + 4 * 3_600_000, 'm2', [ticket(SLOT_B, 12.5, true)]);
        marker.armed = SLOT_A;
        expect(await deliver(fix)).toBe(true);
        expect(await deliver(fix)).toBe(false);
        await roll();
        const { rolled, raw } = await month();
        expect(raw[0]?.received_t).toBe(12.5);
        expect(rolled).toEqual(raw);
      } finally {
        await metrics.close();
      }
    });

    it('marks the old slot on the redelivery when the ledger recorded the correction and then failed', async () => {
      const { metrics, ledger, deliver, roll, month } = await setup(kind);
      try {
        expect(await deliver(record(START + 3_600_000, 'm1', [ticket(SLOT_A, 10)]))).toBe(false);
        await roll();
        const fix = record(START + 4 * 3_600_000, 'm2', [ticket(SLOT_B, 12.5, true)]);
        ledger.armed = true;
        expect(await deliver(fix)).toBe(true);
        expect(await deliver(fix)).toBe(false);
        await roll();
        const { rolled, raw } = await month();
        expect(raw[0]?.received_t).toBe(12.5);
        expect(rolled).toEqual(raw);
      } finally {
        await metrics.close();
      }
    });

    it('marks the old slot when a newer correction moved the ticket on before the redelivery', async () => {
      const { metrics, marker, deliver, roll, month } = await setup(kind);
      try {
        expect(await deliver(record(START + 3_600_000, 'm1', [ticket(SLOT_A, 10)]))).toBe(false);
        await roll();
        const toB = record(START + 4 * 3_600_000, 'm2', [ticket(SLOT_B, 12.5, true)]);
        marker.armed = SLOT_A;
        expect(await deliver(toB)).toBe(true);
        expect(await deliver(record(START + 5 * 3_600_000, 'm3', [ticket(SLOT_C, 11, true)]))).toBe(false);
        // the first correction comes back superseded
        expect(await deliver(toB)).toBe(false);
        await roll();
        const { rolled, raw } = await month();
        expect(raw[0]?.received_t).toBe(11);
        expect(rolled).toEqual(raw);
      } finally {
        await metrics.close();
      }
    });
  },
);
