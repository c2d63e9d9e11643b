/**
 * Each step of the alert engine runs on the stores of its role alone, as the
 * Lambdas build them (lambdas/entry/metrics-stores.ts): the batch step on the
 * alert lifecycle with the outbox and the days' arrivals, the scheduled step
 * on the lifecycle with the outbox, the open alerts and the days'
 * settlement. Together they reach the same alerts the whole stores do, on
 * dynalite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayOutbox } from '../../lambdas/adapters/alerts/outbox-relay.ts';
import { DuckDbMetricsStore } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { DynamoAlertOutbox } from '../../lambdas/adapters/dynamo/dynamo-alert-outbox.ts';
import { DynamoDayArrivals } from '../../lambdas/adapters/dynamo/dynamo-day-arrivals.ts';
import { DynamoDaySettlement } from '../../lambdas/adapters/dynamo/dynamo-day-settlement.ts';
import { DynamoOpenAlerts } from '../../lambdas/adapters/dynamo/dynamo-open-alerts.ts';
import { createStateTable, DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { BatchAlertEngine } from '../../lambdas/app/batch-alert-engine.ts';
import { ScheduledAlertEngine } from '../../lambdas/app/scheduled-alert-engine.ts';
import type { AlertTransition } from '../../lambdas/domain/alerts/model.ts';
import type { StoredMovement } from '../../lambdas/domain/ports.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';
import { FixedClock } from '../support/memory-ports.ts';

const PLANT = 'kz-ast-01';
// Plant-local (Asia/Almaty, UTC+5) day 2026-11-20 and the one after.
const DAY1 = Date.parse('2026-11-20T00:00:00+05:00');
const DAY2 = Date.parse('2026-11-21T00:00:00+05:00');
const MIN = 60_000;

let dynalite: RunningDynalite;
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  await dynalite.close();
});

/** Day 1: 100 t in, 70 t landfilled (diversion 30 % against a 40 % target). */
function dayOne(): StoredMovement[] {
  const out: StoredMovement[] = [];
  for (let i = 0; i < 10; i++) {
    const ts = DAY1 + (8 * 60 + i * 30) * MIN;
    const base = { plantId: PLANT, netTonnes: 10, correction: false, version: 1 } as const;
    out.push({ ...base, ticketId: `IN-${i}`, ts, direction: 'in', material: 'mixed_waste' });
    if (i < 7)
      out.push({
        ...base,
        ticketId: `OUT-${i}`,
        ts: ts + MIN,
        direction: 'out',
        material: 'rejects',
        destination: 'landfill',
      });
  }
  return out;
}

describe('the alert steps on their role stores', () => {
  it('record, judge, relay, and settle the day with no store method of the other step', async () => {
    const tableName = 'alert-roles';
    await createStateTable(dynalite.client, tableName);
    const table = { client: dynalite.client, tableName };
    const plants = new DynamoStateStore(table);
    await plants.putPlant({
      plantId: PLANT,
      name: 'Astana WtE',
      timeZone: 'Asia/Almaty',
      diversionTarget: 0.4,
      diversionMinReceivedT: 20,
      diversionDeadband: 0.02,
      combustionMinTempC: 850,
      combustionOnDelayMinutes: 5,
      staleAfterMinutes: 15,
    });
    const clock = new FixedClock(DAY1 + 13 * 60 * MIN);
    const metrics = await DuckDbMetricsStore.open({ path: ':memory:', clock });
    const movements = dayOne();
    await metrics.writeMovements(movements);

    const stepAlerts = new DynamoAlertOutbox(table);
    const arrivals = new DynamoDayArrivals(table);
    const timerAlerts = new DynamoOpenAlerts(table);
    const settlement = new DynamoDaySettlement(table);
    // What each Lambda's bundle leaves out is not there to call.
    expect(['progress', 'settle', 'paid'].filter((m) => m in arrivals)).toEqual([]);
    expect(['recordArrival', 'owe'].filter((m) => m in settlement)).toEqual([]);
    expect(['listAlerts', 'getAlert', 'getActive'].filter((m) => m in stepAlerts)).toEqual([]);
    expect(['listAlerts', 'getAlert', 'getActive'].filter((m) => m in timerAlerts)).toEqual([]);

    const batch = new BatchAlertEngine({ metrics, alerts: stepAlerts, plants, days: arrivals, clock });
    const timer = new ScheduledAlertEngine({ metrics, alerts: timerAlerts, plants, days: settlement });
    const ts = movements.map((m) => m.ts);
    const touched = { plantId: PLANT, from: Math.min(...ts), to: Math.max(...ts) + 1, furnaceLines: [] };
    const live = await batch.afterBatch([touched], clock.now());
    expect(live.deferred).toBeUndefined();

    const recorded = await settlement.progress(PLANT);
    expect(recorded.days.map((d) => [d.start, d.late])).toEqual([[DAY1, false]]);
    expect(recorded.liveFrontier).toBe(touched.to - 1);

    // Day 1 is complete an hour into day 2: the scheduled step judges it whole and settles it.
    clock.current = DAY2 + 60 * MIN;
    await timer.scheduled(clock.now());
    expect((await settlement.progress(PLANT)).days).toEqual([]);
    const open = await timerAlerts.openAlerts(PLANT);
    expect(open.map((a) => [a.type, a.subject])).toEqual([['DIVERSION_BELOW_TARGET', 'day/2026-11-20']]);

    const published: AlertTransition[] = [];
    const report = await relayOutbox({
      store: stepAlerts,
      publisher: { publish: async (t) => void published.push(t) },
      limit: 100,
    });
    expect(report.stoppedBy).toBe('done');
    expect(published.map((t) => [t.kind, t.alert.type])).toEqual([['opened', 'DIVERSION_BELOW_TARGET']]);
    expect(await stepAlerts.pendingTransitions(10)).toEqual([]);
    await metrics.close();
  });
});
