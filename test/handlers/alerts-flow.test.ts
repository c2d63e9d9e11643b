/**
 * Alerts end to end on the local engines: processor → alert engine → alert
 * store outbox → relay → local publisher (alerts.jsonl), plus the alerts API.
 */

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAlertPublisher } from '../../lambdas/adapters/alerts/local-alert-publisher.ts';
import { relayOutbox } from '../../lambdas/adapters/alerts/outbox-relay.ts';
import { DuckDbMetricsStore } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { DynamoAlertStore } from '../../lambdas/adapters/dynamo/dynamo-alert-store.ts';
import { DynamoDayProgressStore } from '../../lambdas/adapters/dynamo/dynamo-day-progress-store.ts';
import { createStateTable, DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { AlertEngine } from '../../lambdas/app/alert-engine.ts';
import type { Alert } from '../../lambdas/domain/alerts/model.ts';
import { parseTelemetry } from '../../lambdas/domain/parse-telemetry.ts';
import { encodeQueued } from '../../lambdas/domain/queue-codec.ts';
import { makeAcknowledgeAlertHandler, makeListAlertsHandler } from '../../lambdas/handlers/alerts-api.ts';
import { makeProcessorHandler } from '../../lambdas/handlers/processor.ts';
import { makeSchedulerHandler } from '../../lambdas/handlers/scheduler.ts';
import { prng } from '../../lambdas/sim/fleet.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';
import { FixedClock, MemoryRejections } from '../support/memory-ports.ts';

const PLANT = 'kz-ast-01';
// Plant-local (Asia/Almaty, UTC+5) days 2026-11-20 and 2026-11-21.
const DAY1 = Date.parse('2026-11-20T00:00:00+05:00');
const DAY2 = Date.parse('2026-11-21T00:00:00+05:00');
const END = Date.parse('2026-11-22T00:00:00+05:00');
const MIN = 60_000;

let dynalite: RunningDynalite;
let tables = 0;
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  await dynalite.close();
});

/** Messages of two days: day 1 landfills 70 % (diversion 30 %), day 2 recovers (80 %); a furnace dip of 8 minutes on day 2. */
function scenario(): string[] {
  const bodies: string[] = [];
  let seq = 0;
  const push = (receivedAt: number, readings: object[], movements: object[]) => {
    const parsed = parseTelemetry(
      { schema: 'wte.telemetry.v1', messageId: `gw:${++seq}`, plantId: PLANT, readings, movements },
      { now: receivedAt },
    );
    if (!parsed.ok) throw new Error(parsed.problem.detail);
    bodies.push(...encodeQueued({ message: parsed.message, source: 'http', receivedAt }));
  };
  for (const [day, landfilled] of [
    [DAY1, 7],
    [DAY2, 2],
  ] as const) {
    for (let i = 0; i < 10; i++) {
      const ts = day + (8 * 60 + i * 30) * MIN;
      push(
        ts + 1000,
        [],
        [
          { ticketId: `IN-${day}-${i}`, ts, direction: 'in', netTonnes: 10, material: 'mixed_waste' },
          ...(i < landfilled
            ? [
                {
                  ticketId: `OUT-${day}-${i}`,
                  ts: ts + MIN,
                  direction: 'out',
                  netTonnes: 10,
                  material: 'rejects',
                  destination: 'landfill',
                },
              ]
            : []),
        ],
      );
    }
  }
  // Furnace on day 2, one reading every 30 s from 14:00 for an hour: below 850 from 14:20 to 14:28.
  const start = DAY2 + 14 * 60 * MIN;
  for (let m = 0; m < 60; m += 5) {
    const readings = [];
    for (let s = 0; s < 10; s++) {
      const ts = start + m * MIN + s * 30_000;
      const minute = (ts - start) / MIN;
      readings.push({
        ts,
        line: 'boiler-1',
        metric: 'furnace_temperature',
        value: minute >= 20 && minute < 28 ? 820 : 920,
      });
    }
    push(start + (m + 5) * MIN, readings, []);
  }
  return bodies;
}

async function setup() {
  const clock = new FixedClock(END + 30 * MIN);
  const metrics = await DuckDbMetricsStore.open({ path: ':memory:', clock });
  const tableName = `alerts-flow-${++tables}`;
  await createStateTable(dynalite.client, tableName);
  const state = new DynamoStateStore({ client: dynalite.client, tableName });
  const alerts = new DynamoAlertStore({ client: dynalite.client, tableName });
  const engine = new AlertEngine({
    metrics,
    alerts,
    plants: state,
    days: new DynamoDayProgressStore({ client: dynalite.client, tableName }),
    clock,
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'wte-alerts-'));
  const console: string[] = [];
  const publisher = new LocalAlertPublisher({ dataDir, write: (line) => console.push(line) });
  const process = makeProcessorHandler({
    metrics,
    state,
    rejections: new MemoryRejections(),
    alerts: engine,
  });
  const relay = () => relayOutbox({ store: alerts, publisher, limit: 1000 });
  const scheduler = makeSchedulerHandler({ engine, relay, clock });
  await state.putPlant({
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
  return { clock, alerts, process, relay, scheduler, dataDir, console };
}

let ids = 0;
async function deliver(
  process: ReturnType<typeof makeProcessorHandler>,
  bodies: readonly string[],
  size: number,
) {
  for (let i = 0; i < bodies.length; i += size) {
    const records = bodies.slice(i, i + size).map((body) => ({ messageId: `s${++ids}`, body }) as SQSRecord);
    const out = await process({ Records: records });
    expect(out.batchItemFailures).toEqual([]);
  }
}

/** The latest alert of each (type, subject): what ops see as the current state. */
const summary = (alerts: readonly Alert[]) => {
  const latest = new Map<string, Alert>();
  for (const a of alerts) {
    const key = `${a.type}/${a.subject}`;
    const seen = latest.get(key);
    if (!seen || a.openedAt > seen.openedAt) latest.set(key, a);
  }
  return [...latest.entries()].map(([key, a]) => `${key}/${a.state}`).sort();
};

describe('alerts end to end', () => {
  const bodies = scenario();
  let single: Awaited<ReturnType<typeof setup>>;

  beforeAll(async () => {
    single = await setup();
    await deliver(single.process, bodies, 1);
    // The processor recorded the data at END + 30 min (its clock): the days are complete a settle delay later.
    single.clock.current = END + 40 * MIN;
    await single.scheduler();
  });

  it('opens one diversion alert for the bad day, which the good day after it does not resolve', async () => {
    const { items } = await single.alerts.listAlerts({ plantId: PLANT, limit: 100 });
    const diversion = items.filter((a) => a.type === 'DIVERSION_BELOW_TARGET' && a.state !== 'resolved');
    expect(diversion).toHaveLength(1);
    expect(diversion[0]).toMatchObject({
      subject: 'day/2026-11-20',
      state: 'open',
      severity: 'warning',
      threshold: 0.4,
      value: expect.closeTo(0.3, 12),
      window: { start: DAY1, end: DAY2 },
    });
    // Day 2 so far fell below target live (20 t in, 20 t out by 08:31), and its complete day cleared it.
    expect(items.filter((a) => a.subject === 'day/2026-11-21').map((a) => a.state)).toEqual(['resolved']);
  });

  it('opens one critical combustion alert for the 8-minute dip and resolves it', async () => {
    const { items } = await single.alerts.listAlerts({ plantId: PLANT, limit: 100 });
    const furnace = items.filter((a) => a.type === 'COMBUSTION_TEMPERATURE_LOW');
    expect(furnace).toHaveLength(1);
    expect(furnace[0]).toMatchObject({
      severity: 'critical',
      state: 'resolved',
      subject: 'boiler-1/furnace_temperature',
    });
  });

  it('publishes every transition exactly once to alerts.jsonl and the console', () => {
    const lines = readFileSync(join(single.dataDir, 'alerts.jsonl'), 'utf8').trim().split('\n');
    const records = lines.map((l) => JSON.parse(l) as { transitionId: string; type: string; state: string });
    const ids = records.map((r) => r.transitionId);
    expect(new Set(ids).size).toBe(ids.length);
    const kinds = records
      .filter((r) => r.type === 'DIVERSION_BELOW_TARGET' || r.type === 'COMBUSTION_TEMPERATURE_LOW')
      .map((r) => `${r.type}:${r.state}`);
    expect(kinds.filter((k) => k === 'COMBUSTION_TEMPERATURE_LOW:open')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'COMBUSTION_TEMPERATURE_LOW:resolved')).toHaveLength(1);
    expect(single.console.length).toBe(lines.length);
  });

  it('converges on the same current alert states when every message comes twice, shuffled, after the scheduled run', async () => {
    const random = prng(5);
    const twice = [...bodies, ...bodies]
      .map((b) => ({ b, k: random() }))
      .sort((x, y) => x.k - y.k)
      .map((x) => x.b);
    const shuffled = await setup();
    await deliver(shuffled.process, twice, 4);
    shuffled.clock.current = END + 40 * MIN;
    await shuffled.scheduler();
    const a = await single.alerts.listAlerts({ plantId: PLANT, limit: 100 });
    const b = await shuffled.alerts.listAlerts({ plantId: PLANT, limit: 100 });
    expect(summary(b.items)).toEqual(summary(a.items));
  });

  it('lists alerts through the API and acknowledges an open one once', async () => {
    const s = await setup();
    // Only day 1: the diversion alert stays open.
    await deliver(s.process, bodies.slice(0, 10), 3);
    await s.relay();
    const list = makeListAlertsHandler({ alerts: s.alerts, clock: s.clock });
    const ack = makeAcknowledgeAlertHandler({ alerts: s.alerts, clock: s.clock });
    const event = (query: Record<string, string>, path: Record<string, string> = {}) => ({
      httpMethod: 'GET',
      path: '/v1/alerts',
      pathParameters: path,
      queryStringParameters: query,
      headers: {},
      body: null,
      isBase64Encoded: false,
    });
    const listed = await list(event({ plantId: PLANT, state: 'open' }));
    expect(listed.statusCode).toBe(200);
    const open = JSON.parse(listed.body).alerts as Array<{ alertId: string; type: string; openedAt: string }>;
    expect(open.map((a) => a.type)).toContain('DIVERSION_BELOW_TARGET');
    const alertId = open.find((a) => a.type === 'DIVERSION_BELOW_TARGET')?.alertId ?? '';
    expect(open[0]?.openedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const first = await ack(event({}, { alertId }));
    expect(first.statusCode).toBe(200);
    expect(JSON.parse(first.body)).toMatchObject({ alertId, state: 'acknowledged', acknowledgedBy: 'local' });
    const again = await ack(event({}, { alertId }));
    expect(JSON.parse(again.body).state).toBe('acknowledged');
    await s.relay();
    const lines = readFileSync(join(s.dataDir, 'alerts.jsonl'), 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.includes('"acknowledged"'))).toHaveLength(1);

    expect((await ack(event({}, { alertId: 'nope-0000' }))).statusCode).toBe(404);
    expect((await list(event({ state: 'closed' }))).statusCode).toBe(400);
    expect((await list(event({ plantId: "x' OR 1=1" }))).statusCode).toBe(400);
  });
});
