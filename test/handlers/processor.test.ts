import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { createStateTable, DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { METRIC_NAMES } from '../../lambdas/domain/catalog.ts';
import { computeKpis, KPI_COUNTER_METRICS } from '../../lambdas/domain/kpis.ts';
import type { MetricsStore } from '../../lambdas/domain/metrics-ports.ts';
import { type StoredMovement, type StoredReading, UnavailableError } from '../../lambdas/domain/ports.ts';
import { makeProcessorHandler } from '../../lambdas/handlers/processor.ts';
import { prng } from '../../lambdas/sim/fleet.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';
import { fleetQueueBodies } from '../support/fleet-queue.ts';
import { FixedClock, MemoryRejections } from '../support/memory-ports.ts';

const START = Date.parse('2026-11-23T19:00:00Z'); // plant-local midnight in Asia/Almaty
const HOURS = 6;
const END = START + HOURS * 3_600_000;
const clock = new FixedClock(END + 60_000);

let dynalite: RunningDynalite;
let tableCounter = 0;
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  await dynalite.close();
});

interface Pipeline {
  metrics: DuckDbMetricsStore;
  state: DynamoStateStore;
  rejections: MemoryRejections;
  process: ReturnType<typeof makeProcessorHandler>;
}

async function pipeline(metricsOverride?: (m: MetricsStore) => MetricsStore): Promise<Pipeline> {
  const metrics = await DuckDbMetricsStore.open({ path: ':memory:', clock });
  const tableName = `state-${++tableCounter}`;
  await createStateTable(dynalite.client, tableName);
  const state = new DynamoStateStore({ client: dynalite.client, tableName });
  const rejections = new MemoryRejections();
  const process = makeProcessorHandler({
    metrics: metricsOverride ? metricsOverride(metrics) : metrics,
    state,
    rejections,
  });
  return { metrics, state, rejections, process };
}

const fleetBodies = (): string[] =>
  fleetQueueBodies({ plants: 2, start: START, durationMs: HOURS * 3_600_000, intervalMs: 300_000, seed: 7 });

let sqsCounter = 0;
function sqsRecord(body: string): SQSRecord {
  return { messageId: `sqs-${++sqsCounter}`, body } as SQSRecord;
}

async function deliver(p: Pipeline, bodies: readonly string[], batchSize = 10): Promise<string[]> {
  const failed: string[] = [];
  for (let i = 0; i < bodies.length; i += batchSize) {
    const records = bodies.slice(i, i + batchSize).map(sqsRecord);
    const { batchItemFailures } = await p.process({ Records: records });
    const failedIds = new Set(batchItemFailures.map((f) => f.itemIdentifier));
    for (const r of records) if (failedIds.has(r.messageId)) failed.push(r.body);
  }
  return failed;
}

/** Everything the pipeline stored, in a canonical order, plus the KPIs it implies. */
async function snapshot(p: Pipeline) {
  const readings: StoredReading[] = [];
  const movements: StoredMovement[] = [];
  for (const plantId of ['kz-ast-01', 'kz-ala-01']) {
    for (const metric of METRIC_NAMES) {
      readings.push(
        ...(await p.metrics.readReadings({ plantId, metric, from: START - 3_600_000, to: END + 3_600_000 })),
      );
    }
    movements.push(...(await p.metrics.readMovements(plantId, START - 3_600_000, END + 3_600_000)));
  }
  const kpis = ['kz-ast-01', 'kz-ala-01'].map((plantId) =>
    computeKpis({
      interval: '1h',
      timeZone: 'Asia/Almaty',
      from: START,
      to: END,
      now: clock.now(),
      readings: readings.filter(
        (r) => r.plantId === plantId && (KPI_COUNTER_METRICS as string[]).includes(r.metric),
      ),
      movements: movements.filter((m) => m.plantId === plantId),
    }),
  );
  const quarantine = await p.state.listQuarantine(undefined, 1000);
  return { readings, movements, kpis, quarantine: quarantine.items };
}

function shuffle<T>(items: T[], seed: number): T[] {
  const random = prng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('processor', () => {
  const bodies = fleetBodies();
  let baseline: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    const p = await pipeline();
    expect(await deliver(p, bodies)).toEqual([]);
    baseline = await snapshot(p);
  });

  it('stores every reading and ticket of the simulated fleet once', () => {
    expect(bodies.length).toBe(2 * HOURS * 12);
    expect(baseline.readings.length).toBe(bodies.length * 16);
    expect(baseline.movements.length).toBeGreaterThan(20);
    expect(baseline.quarantine).toEqual([]);
    expect(baseline.kpis[0]?.some((k) => k.received_t > 0 && k.fed_t > 0)).toBe(true);
  });

  it('ends in the identical state when every message comes twice, 10 % three times, shuffled across batches', async () => {
    const random = prng(99);
    const redelivered = shuffle(
      bodies.flatMap((b) => (random() < 0.1 ? [b, b, b] : [b, b])),
      1234,
    );
    const p = await pipeline();
    expect(await deliver(p, redelivered, 7)).toEqual([]);
    expect(await snapshot(p)).toEqual(baseline);
  });

  it('fails the whole batch while the metrics store is down and loses nothing on redelivery', async () => {
    let outages = 3;
    const p = await pipeline((metrics) => ({
      ...bindAll(metrics),
      writeReadings: async (readings) => {
        if (outages-- > 0) throw new UnavailableError('timestream throttled (test)');
        return metrics.writeReadings(readings);
      },
    }));
    let pending = [...bodies];
    for (let round = 0; round < 10 && pending.length > 0; round++) pending = await deliver(p, pending);
    expect(pending).toEqual([]);
    expect(await snapshot(p)).toEqual(baseline);
  });

  it('reports every message failed, and writes nothing, when the Lambda deadline is near', async () => {
    const p = await pipeline();
    const records = bodies.slice(0, 5).map(sqsRecord);
    const out = await p.process({ Records: records }, { getRemainingTimeInMillis: () => 1_000 });
    expect(out.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.messageId));
    expect((await snapshot(p)).readings).toEqual([]);
  });

  it('fails an undecodable queue message so it reaches the DLQ, and processes the rest', async () => {
    const p = await pipeline();
    const bad = sqsRecord('{"v":1,"source":"http"}');
    const good = sqsRecord(bodies[0] ?? '');
    const out = await p.process({ Records: [bad, good] });
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: bad.messageId }]);
    expect((await snapshot(p)).readings.length).toBe(16);
  });
});

describe('processor quarantine and MQTT rejections', () => {
  let p: Pipeline;
  beforeEach(async () => {
    p = await pipeline();
  });

  const ticket = (netTonnes: number, correction = false) => ({
    ticketId: 'WB-1',
    ts: START + 60_000,
    direction: 'in',
    netTonnes,
    material: 'mixed_waste',
    ...(correction ? { correction: true } : {}),
  });
  const mqtt = (receivedAt: number, message: Record<string, unknown>) =>
    JSON.stringify({
      v: 1,
      source: 'mqtt',
      plantId: 'kz-ast-01',
      receivedAt,
      payload: Buffer.from(JSON.stringify({ schema: 'wte.telemetry.v1', ...message })).toString('base64'),
    });

  it('quarantines a conflicting ticket once, however often it is redelivered, and keeps the first', async () => {
    const first = mqtt(START + 120_000, { messageId: 'm1', movements: [ticket(10)] });
    const conflicting = mqtt(START + 180_000, { messageId: 'm2', movements: [ticket(12)] });
    expect(await deliver(p, [first, conflicting, conflicting, first, conflicting])).toEqual([]);
    const { items } = await p.state.listQuarantine('kz-ast-01', 10);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      messageId: 'm2',
      itemKind: 'movement',
      type: 'urn:wte:problem:conflict',
    });
    const stored = await p.metrics.readMovements('kz-ast-01', START, END);
    expect(stored.map((m) => m.netTonnes)).toEqual([10]);
  });

  it('applies a correction with a higher version, even when an older correction arrives after it', async () => {
    const first = mqtt(START + 120_000, { messageId: 'm1', movements: [ticket(10)] });
    const older = mqtt(START + 180_000, { messageId: 'm2', movements: [ticket(11, true)] });
    const newer = mqtt(START + 240_000, { messageId: 'm3', movements: [ticket(12, true)] });
    expect(await deliver(p, [first, newer, older], 1)).toEqual([]);
    const stored = await p.metrics.readMovements('kz-ast-01', START, END);
    expect(stored.map((m) => [m.netTonnes, m.version])).toEqual([[12, START + 240_000]]);
    expect((await p.state.listQuarantine(undefined, 10)).items).toEqual([]);
  });

  it('tells an MQTT gateway about items the store refused, with its messageId and pointer', async () => {
    const reading = (value: number) => ({
      ts: START,
      line: 'boiler-1',
      metric: 'furnace_temperature',
      value,
    });
    const first = mqtt(START + 60_000, {
      messageId: 'm1',
      readings: [reading(900)],
      movements: [ticket(10)],
    });
    const conflicting = mqtt(START + 120_000, {
      messageId: 'm2',
      readings: [reading(950)],
      movements: [ticket(12)],
    });
    expect(await deliver(p, [first, conflicting], 1)).toEqual([]);
    expect(
      p.rejections.notices.map((n) => [
        n.notice.messageId,
        n.notice.status,
        n.notice.type,
        n.notice.errors[0]?.pointer,
      ]),
    ).toEqual([
      ['m2', 422, 'urn:wte:problem:conflict', '/movements/0'],
      ['m2', 422, 'urn:wte:problem:conflict', '/readings/0'],
    ]);
  });

  it('bounds the notices of a message with many refused items: ten one by one, then one that lists the rest', async () => {
    const many = (value: number) =>
      Array.from({ length: 25 }, (_, i) => ({
        ts: START + i * 1000,
        line: 'boiler-1',
        metric: 'furnace_temperature',
        value,
      }));
    const first = mqtt(START + 60_000, { messageId: 'm1', readings: many(900) });
    const conflicting = mqtt(START + 120_000, { messageId: 'm2', readings: many(950) });
    expect(await deliver(p, [first, conflicting], 1)).toEqual([]);
    const notices = p.rejections.notices.map((n) => n.notice);
    expect(notices).toHaveLength(11);
    expect(notices.slice(0, 10).every((n) => n.errors?.length === 1 && n.messageId === 'm2')).toBe(true);
    const last = notices[10];
    expect(last?.detail).toContain('15 more items');
    expect(last?.errors?.map((e) => e.pointer)).toEqual(
      Array.from({ length: 15 }, (_, i) => `/readings/${i + 10}`),
    );
    expect((await p.state.listQuarantine('kz-ast-01', 100)).items).toHaveLength(25);
  });

  it('tells MQTT gateways about refused messages and items on their rejected topic', async () => {
    const invalid = mqtt(START, { messageId: 'bad', readings: [] });
    const partly = mqtt(START, {
      messageId: 'partly',
      readings: [
        { ts: START, line: 'boiler-1', metric: 'furnace_temperature', value: 900 },
        { ts: START, line: 'boiler-1', metric: 'nope', value: 1 },
      ],
    });
    expect(await deliver(p, [invalid, partly])).toEqual([]);
    expect(
      p.rejections.notices.map((n) => [n.plantId, n.notice.status, n.notice.errors[0]?.pointer]),
    ).toEqual([
      ['kz-ast-01', 400, '/readings'],
      ['kz-ast-01', 422, '/readings/1/metric'],
    ]);
    expect((await snapshot(p)).readings).toHaveLength(1);
  });
});

/** A plain object with the store's methods bound, so a test can replace one of them. */
function bindAll(store: MetricsStore): MetricsStore {
  return {
    writeReadings: store.writeReadings.bind(store),
    writeMovements: store.writeMovements.bind(store),
    readReadings: store.readReadings.bind(store),
    readLastBefore: store.readLastBefore.bind(store),
    readMovements: store.readMovements.bind(store),
  };
}
