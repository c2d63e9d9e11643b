/**
 * Alerts never depend on the lake's freshness (issue #18 item 5): the alert
 * engine over a LakeMetricsStore whose lake is still EMPTY (Firehose
 * accepted every record, none is queryable yet) raises exactly the alerts
 * it raises over DuckDB for the same live stream: a day whose diversion
 * drops and a furnace temperature dip. The lake reader is never asked.
 */
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRecentTelemetryTable,
  DynamoRecentTelemetryStore,
} from '../../lambdas/adapters/dynamo/dynamo-recent-telemetry-store.ts';
import { FirehoseMetricsWriter } from '../../lambdas/adapters/lake/firehose-metrics-writer.ts';
import { LakeMetricsStore } from '../../lambdas/adapters/lake/lake-metrics-store.ts';
import type { LakeReads } from '../../lambdas/adapters/lake/tiered-metrics-reader.ts';
import { MemoryAlertStore } from '../../lambdas/adapters/memory-alert-store.ts';
import { MemoryDayProgressStore } from '../../lambdas/adapters/memory-day-progress-store.ts';
import { AlertEngine } from '../../lambdas/app/alert-engine.ts';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import type { TelemetryMessage } from '../../lambdas/domain/telemetry.ts';
import { deliverToEngine, memoryEngine, messageCollector } from '../support/alert-delivery.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';
import { FixedClock } from '../support/memory-ports.ts';

const PLANT = 'kz-ast-01';
const DAY1 = Date.parse('2026-11-20T00:00:00+05:00');
const DAY2 = Date.parse('2026-11-21T00:00:00+05:00');
const END = Date.parse('2026-11-22T00:00:00+05:00');
const MIN = 60_000;

/** Day 1 lands 30 % of its intake, day 2 80 % (a diversion drop); day 2 has a 10-minute furnace dip. */
function stream(): TelemetryMessage[] {
  const { messages, add } = messageCollector(PLANT, END);
  for (const [day, landfilled] of [
    [DAY1, 3],
    [DAY2, 8],
  ] as const) {
    for (let i = 0; i < 10; i++) {
      add(
        [],
        [
          {
            ticketId: `I-${day}-${i}`,
            ts: day + (8 * 60 + i * 30) * MIN,
            direction: 'in',
            netTonnes: 10,
            material: 'mixed_waste',
          },
        ],
      );
      if (i < landfilled)
        add(
          [],
          [
            {
              ticketId: `O-${day}-${i}`,
              ts: day + (9 * 60 + i * 40) * MIN,
              direction: 'out',
              netTonnes: 10,
              material: 'rejects',
              destination: 'landfill',
            },
          ],
        );
    }
  }
  const start = DAY2 + 14 * 60 * MIN;
  for (let m = 0; m < 60; m += 4) {
    const readings = [0, 1, 2, 3].map((k) => ({
      ts: start + (m + k) * MIN,
      line: 'boiler-1',
      metric: 'furnace_temperature',
      value: m + k >= 10 && m + k < 20 ? 810 + k : 930 + k,
    }));
    add(readings, []);
  }
  return messages.sort((a, b) => firstTs(a) - firstTs(b));
}

const firstTs = (m: TelemetryMessage): number =>
  Math.min(...m.readings.map((r) => r.ts), ...m.movements.map((t) => t.ts));

let dynamo: RunningDynalite;
beforeAll(async () => {
  dynamo = await startDynalite();
  await createRecentTelemetryTable(dynamo.client, 'recent-alerts');
});
afterAll(async () => {
  await dynamo.close();
});

/** The lake as it is before Firehose's first flush: nothing to find; counts the questions. */
function emptyLake(): LakeReads & { asked: number } {
  const lake = {
    asked: 0,
    async readReadings() {
      lake.asked++;
      return [];
    },
    async readLastBefore() {
      lake.asked++;
      return [];
    },
    async readMovements() {
      lake.asked++;
      return [];
    },
    async readCounterReadings() {
      lake.asked++;
      return [];
    },
  };
  return lake;
}

/** Delivers the stream live (each message a minute after its data) with a scheduled run every 30 minutes. */
async function run(
  engine: AlertEngine,
  metrics: Parameters<typeof deliverToEngine>[1],
  clock: FixedClock,
  alerts: MemoryAlertStore,
) {
  let nextRun = DAY1 + 30 * MIN;
  for (const message of stream()) {
    const arrival = firstTs(message) + MIN;
    for (; nextRun <= arrival; nextRun += 30 * MIN) {
      clock.current = nextRun;
      await engine.scheduled(nextRun);
    }
    clock.current = arrival;
    await deliverToEngine(engine, metrics, message, arrival);
  }
  for (; nextRun <= END + 60 * MIN; nextRun += 30 * MIN) {
    clock.current = nextRun;
    await engine.scheduled(nextRun);
  }
  const { items } = await alerts.listAlerts({ limit: 1000 });
  return items.map((a) => `${a.type}/${a.subject}:${a.state}@${new Date(a.openedAt).toISOString()}`).sort();
}

describe('alert engine over the lake store with an empty lake', () => {
  it('raises the same alerts as over DuckDB, without asking the lake', async () => {
    const reference = await memoryEngine(PLANT, DAY1);
    const expected = await run(reference.engine, reference.metrics, reference.clock, reference.alerts);
    await reference.metrics.close();
    expect(expected.some((a) => a.startsWith('DIVERSION_BELOW_TARGET/'))).toBe(true);
    expect(expected.some((a) => a.startsWith('COMBUSTION_TEMPERATURE_LOW/boiler-1'))).toBe(true);

    const clock = new FixedClock(DAY1);
    const firehose = new FirehoseClient({ region: 'local' });
    mockClient(firehose)
      .on(PutRecordBatchCommand)
      .callsFake((input) => ({
        FailedPutCount: 0,
        RequestResponses: (input.Records ?? []).map((_: unknown, i: number) => ({ RecordId: `r${i}` })),
      }));
    const lake = emptyLake();
    const metrics = new LakeMetricsStore({
      writer: new FirehoseMetricsWriter({
        client: firehose,
        readingsStreamName: 'readings',
        movementsStreamName: 'movements',
        clock,
        sleep: async () => {},
        random: () => 0,
      }),
      recent: new DynamoRecentTelemetryStore({ client: dynamo.client, tableName: 'recent-alerts', clock }),
      lake,
      clock,
    });
    const alerts = new MemoryAlertStore();
    const plant = defaultPlantConfig(PLANT);
    const engine = new AlertEngine({
      metrics,
      alerts,
      plants: { getPlant: async () => plant, listPlants: async () => [plant] },
      days: new MemoryDayProgressStore(),
      clock,
    });
    expect(await run(engine, metrics, clock, alerts)).toEqual(expected);
    expect(lake.asked).toBe(0);
  }, 120_000);
});
