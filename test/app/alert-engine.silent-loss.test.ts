/**
 * Nothing is dropped silently (issue #17 item 6): a group that keeps losing
 * races is an error, an alert-step outage leaves stored data acknowledged and
 * the day owed to the scheduled run, every open alert gets its reminder
 * however many there are, and a refused ticket is matched to its message by
 * key. Each test fails on the engine and processor before 2b8469c.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sqsRecord } from '../../bench/fleet-data.ts';
import { MemoryStateStore, NullRejections } from '../../bench/memory-sinks.ts';
import { DuckDbMetricsStore } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { MemoryAlertStore } from '../../lambdas/adapters/memory-alert-store.ts';
import { MemoryDayProgressStore } from '../../lambdas/adapters/memory-day-progress-store.ts';
import { AlertEngine } from '../../lambdas/app/alert-engine.ts';
import { advance } from '../../lambdas/domain/alerts/lifecycle.ts';
import type { Alert, AlertTransition, Evaluation } from '../../lambdas/domain/alerts/model.ts';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import { QueryRefusedError, type StoredMovement, UnavailableError } from '../../lambdas/domain/ports.ts';
import { encodeQueued } from '../../lambdas/domain/queue-codec.ts';
import { makeProcessorHandler } from '../../lambdas/handlers/processor.ts';
import { messageCollector } from '../support/alert-delivery.ts';
import { FixedClock } from '../support/memory-ports.ts';

const PLANT = 'kz-ast-01';
const MIN = 60_000;
const DAY = Date.parse('2026-11-20T00:00:00+05:00');
const plant = defaultPlantConfig(PLANT);
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** An alert store where another writer always got there first. */
class AlwaysContendedAlertStore extends MemoryAlertStore {
  override async applyTransition(): Promise<boolean> {
    return false;
  }
}

/** An alert store that is down for the first `failures` writes. */
class FlakyAlertStore extends MemoryAlertStore {
  constructor(public failures: number) {
    super();
  }
  override async applyTransition(
    next: Alert,
    expected: number,
    transition?: AlertTransition,
  ): Promise<boolean> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new UnavailableError('alert store throttled');
    }
    return super.applyTransition(next, expected, transition);
  }
}

async function engineOver(alerts: MemoryAlertStore, now: number) {
  const clock = new FixedClock(now);
  const metrics = await DuckDbMetricsStore.open({ path: ':memory:', clock });
  closers.push(() => metrics.close());
  const days = new MemoryDayProgressStore();
  const engine = new AlertEngine({
    metrics,
    alerts,
    plants: { getPlant: async () => plant, listPlants: async () => [plant] },
    days,
    clock,
  });
  return { engine, metrics, days, clock };
}

const firing = (subject: string, end: number): Evaluation => ({
  plantId: PLANT,
  type: 'SENSOR_STALE',
  subject,
  status: 'firing',
  severity: 'critical',
  window: { start: end - MIN, end },
  value: 20,
  threshold: 15,
  message: `No GOOD data from ${subject}`,
});

/** A bad past day: 40 t received, 30 t landfilled (25 %), as one queued message received at `receivedAt`. */
function badDayBody(receivedAt: number): string {
  const { messages, add } = messageCollector(PLANT, receivedAt);
  add(
    [],
    [
      { ticketId: 'R-1', ts: DAY + 8 * 60 * MIN, direction: 'in', netTonnes: 20, material: 'mixed_waste' },
      { ticketId: 'R-2', ts: DAY + 9 * 60 * MIN, direction: 'in', netTonnes: 20, material: 'mixed_waste' },
      {
        ticketId: 'L-1',
        ts: DAY + 10 * 60 * MIN,
        direction: 'out',
        netTonnes: 30,
        material: 'rejects',
        destination: 'landfill',
      },
    ],
  );
  const [message] = messages;
  if (!message) throw new Error('no message');
  const [body] = encodeQueued({ message, source: 'http', receivedAt });
  return body as string;
}

describe('the alert engine never drops verdicts in silence', () => {
  it('reports a group that keeps losing races as unavailable, so its caller retries', async () => {
    const { engine } = await engineOver(new AlwaysContendedAlertStore(), DAY);
    await expect(engine.apply([firing('boiler-1/co', DAY)], DAY)).rejects.toBeInstanceOf(UnavailableError);
  });

  it('reminds every open critical alert, past the first page of 500', async () => {
    const alerts = new MemoryAlertStore();
    for (let i = 0; i < 620; i++) {
      const change = advance(undefined, firing(`line-${i}/co`, DAY));
      if (!change?.transition) throw new Error('did not open');
      await alerts.applyTransition(change.next, 0, change.transition);
    }
    const { engine } = await engineOver(alerts, DAY + 61 * MIN);
    await engine.scheduled(DAY + 61 * MIN);
    const reminders = alerts.history.filter((t) => t.kind === 'reminder');
    expect(new Set(reminders.map((t) => t.alert.subject)).size).toBe(620);
  });
});

describe('the days a batch records', () => {
  it('are the days its messages touch, not every day between an old reading and today', async () => {
    const now = DAY + 6 * 86_400_000 + 10 * 60 * MIN;
    const { engine, days } = await engineOver(new MemoryAlertStore(), now);
    await engine.afterBatch(
      [
        {
          plantId: PLANT,
          from: DAY + MIN,
          to: now - MIN + 1,
          furnaceLines: [],
          spans: [
            { from: DAY + MIN, to: DAY + MIN + 1 },
            { from: now - 2 * MIN, to: now - MIN + 1 },
          ],
        },
      ],
      now,
    );
    const recorded = (await days.progress(PLANT)).days;
    expect(recorded.map((d) => [d.start, d.late])).toEqual([
      [DAY, true],
      [DAY + 6 * 86_400_000, false],
    ]);
  });
});

describe('a day judged again after late data', () => {
  it('reopens the day whose complete figure late tickets put below target, after it had cleared', async () => {
    const alerts = new MemoryAlertStore();
    const { engine, metrics, clock } = await engineOver(alerts, DAY);
    const { messages, add } = messageCollector(PLANT, DAY + 3 * 86_400_000);
    const store = async (message: (typeof messages)[number] | undefined, at: number) => {
      if (!message) throw new Error('no message');
      clock.current = at;
      await metrics.writeMovements(message.movements.map((m) => ({ ...m, version: 1 })));
      const times = message.movements.map((m) => m.ts);
      await engine.afterBatch(
        [{ plantId: PLANT, from: Math.min(...times), to: Math.max(...times) + 1, furnaceLines: [] }],
        at,
      );
    };
    const ticket = (id: string, hour: number, direction: 'in' | 'out', t: number) => ({
      ticketId: id,
      ts: DAY + hour * 60 * MIN,
      direction,
      netTonnes: t,
      material: direction === 'in' ? 'mixed_waste' : 'rejects',
      ...(direction === 'out' ? { destination: 'landfill' } : {}),
    });
    // Live: 20 t in and 20 t out by 09:00 (the day so far fires), 80 t more in by noon.
    add([], [ticket('R-1', 8, 'in', 20), ticket('L-1', 9, 'out', 20)]);
    add([], [ticket('R-2', 10, 'in', 40), ticket('R-3', 12, 'in', 40)]);
    await store(messages[0], DAY + 9 * 60 * MIN + 1);
    await store(messages[1], DAY + 12 * 60 * MIN + 1);
    await engine.scheduled(DAY + 13 * 60 * MIN);
    // The complete day (80 % diverted) clears it, after midnight.
    clock.current = DAY + 86_400_000 + 10 * MIN;
    await engine.scheduled(clock.current);
    // Next morning the weighbridge uploads yesterday's afternoon: 60 t more to landfill (20 %).
    add([], [ticket('L-2', 15, 'out', 30), ticket('L-3', 16, 'out', 30)]);
    await store(messages[2], DAY + 86_400_000 + 8 * 60 * MIN);
    clock.current = DAY + 86_400_000 + 8 * 60 * MIN + 5 * MIN;
    await engine.scheduled(clock.current);
    expect(alerts.history.map((t) => `${t.kind} ${t.alert.value.toFixed(2)}`)).toEqual([
      'opened 0.00',
      'resolved 0.80',
      'opened 0.20',
    ]);
    const current = await alerts.getCurrent(PLANT, 'DIVERSION_BELOW_TARGET', 'day/2026-11-20');
    expect(current).toMatchObject({ state: 'open', window: { start: DAY, end: DAY + 86_400_000 } });
  });
});

describe('an alert-step outage after the data is stored', () => {
  it('acknowledges the messages of a backfilled day, and the scheduled run judges it once the store is back', async () => {
    const receivedAt = DAY + 2 * 86_400_000;
    const alerts = new FlakyAlertStore(1_000);
    const { engine, metrics, days, clock } = await engineOver(alerts, receivedAt);
    const processor = makeProcessorHandler({
      metrics,
      state: new MemoryStateStore(),
      rejections: new NullRejections(),
      alerts: engine,
    });
    const result = await processor({ Records: [sqsRecord(badDayBody(receivedAt), 0, receivedAt)] });
    expect(result.batchItemFailures).toEqual([]);
    expect((await metrics.readMovements(PLANT, DAY, DAY + 86_400_000)).length).toBe(3);

    // The store recovers; the day is complete once nothing arrived for the quiet period.
    alerts.failures = 0;
    clock.current = receivedAt + 5 * MIN;
    await engine.scheduled(clock.current);
    const opened = alerts.history.filter(
      (t) => t.kind === 'opened' && t.alert.type === 'DIVERSION_BELOW_TARGET',
    );
    expect(opened).toHaveLength(1);
    expect(opened[0]?.alert.value).toBeCloseTo(0.25, 12);
    expect((await days.progress(PLANT)).days).toEqual([]);
  });

  it('owes the day when the evaluation fails, and the scheduled run pays the debt', async () => {
    const now = DAY + 12 * 60 * MIN;
    const alerts = new FlakyAlertStore(1_000);
    const { engine, metrics, days } = await engineOver(alerts, now);
    const { messages, add } = messageCollector(PLANT, now);
    // A live day: tickets make the day so far fire (20 t received, 20 t landfilled).
    add(
      [],
      [
        { ticketId: 'R-1', ts: DAY + 8 * 60 * MIN, direction: 'in', netTonnes: 20, material: 'mixed_waste' },
        {
          ticketId: 'L-1',
          ts: DAY + 9 * 60 * MIN,
          direction: 'out',
          netTonnes: 20,
          material: 'rejects',
          destination: 'landfill',
        },
      ],
    );
    const [message] = messages;
    if (!message) throw new Error('no message');
    await metrics.writeMovements(message.movements.map((m) => ({ ...m, version: 1 })));
    const result = await engine.afterBatch(
      [{ plantId: PLANT, from: DAY + 8 * 60 * MIN, to: DAY + 9 * 60 * MIN + 1, furnaceLines: [] }],
      now,
    );
    expect(result.deferred).toEqual([PLANT]);
    expect((await days.progress(PLANT)).days.map((d) => d.owed)).toEqual([1]);
    alerts.failures = 0;
    await engine.scheduled(now + MIN);
    expect(alerts.history.filter((t) => t.kind === 'opened').map((t) => t.alert.message)).toEqual([
      'Landfill diversion 0.0 % on 2026-11-20 so far (day not complete) is below the 40.0 % target',
    ]);
    expect((await days.progress(PLANT)).days.map((d) => d.owed)).toEqual([0]);
  });
});

describe('a store that refuses a query for good (a lake permission, a scan cutoff)', () => {
  it('defers the judgement of a batch to the scheduled run instead of failing it into redelivery', async () => {
    const now = DAY + 12 * 60 * MIN;
    const { engine, days } = await engineOver(new MemoryAlertStore(), now);
    const refusing = new AlertEngine({
      metrics: {
        readReadings: () => Promise.reject(new QueryRefusedError('AccessDenied on the lake')),
        readLastBefore: () => Promise.reject(new QueryRefusedError('AccessDenied on the lake')),
        readMovements: () => Promise.reject(new QueryRefusedError('AccessDenied on the lake')),
      },
      alerts: new MemoryAlertStore(),
      plants: { getPlant: async () => plant, listPlants: async () => [plant] },
      days,
      clock: new FixedClock(now),
    });
    const batch = [
      { plantId: PLANT, from: DAY + 8 * 60 * MIN, to: DAY + 9 * 60 * MIN, furnaceLines: ['boiler-1'] },
    ];
    const result = await refusing.afterBatch(batch, now);
    expect(result.deferred).toEqual([PLANT]);
    expect((await days.progress(PLANT)).days.map((d) => d.owed)).toEqual([1]);
    await expect(refusing.scheduled(now + MIN)).rejects.toBeInstanceOf(QueryRefusedError);
    // Once the store answers again, the scheduled run pays what was owed.
    await engine.scheduled(now + 2 * MIN);
    expect((await days.progress(PLANT)).days.map((d) => d.owed)).toEqual([0]);
  });
});

describe('the processor matches a refused ticket to its message by key', () => {
  it('quarantines a refusal the store returns as a copy of the ticket', async () => {
    const receivedAt = DAY + 2 * 86_400_000;
    const quarantined: string[] = [];
    const state = new MemoryStateStore();
    const putQuarantine = state.putQuarantine.bind(state);
    state.putQuarantine = async (entries) => {
      quarantined.push(...entries.map((e) => `${e.messageId} ${e.pointer} ${e.reason}`));
      await putQuarantine(entries);
    };
    const processor = makeProcessorHandler({
      metrics: {
        writeReadings: async (items) => ({ stored: items.length, rejected: [] }),
        // The store refuses a copy of the ticket it was given (as one that decodes its own rows does).
        writeMovements: async (items) => {
          const refused = items.find((m) => m.ticketId === 'L-1') as StoredMovement;
          return {
            stored: items.length - 1,
            rejected: [
              { item: { ...refused }, kind: 'conflict' as const, reason: 'stored with other content' },
            ],
          };
        },
      },
      state,
      rejections: new NullRejections(),
    });
    const result = await processor({ Records: [sqsRecord(badDayBody(receivedAt), 0, receivedAt)] });
    expect(result.batchItemFailures).toEqual([]);
    expect(quarantined).toEqual(['gw:1 /movements/2 stored with other content']);
  });
});
