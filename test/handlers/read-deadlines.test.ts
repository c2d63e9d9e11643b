/**
 * Every read path carries its invocation's deadline (issue #21): the KPI
 * route, the report route, the KPI widget, the scheduled run (through its
 * engine's scheduled reads) and the KPI rollup, each built with a reader
 * that records the options of every read and invoked with a Lambda context
 * with N ms left at a fixed NOW, read with `deadline === NOW + N`; invoked
 * without a context (local mode), they read with no deadline.
 */
import { describe, expect, it } from 'vitest';
import { ScheduledAlertEngine } from '../../lambdas/app/scheduled-alert-engine.ts';
import type { CallOptions } from '../../lambdas/domain/deadline.ts';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import type { StoredReading } from '../../lambdas/domain/ports.ts';
import { makeKpiRollupHandler } from '../../lambdas/handlers/kpi-rollup.ts';
import { makeKpiWidgetHandler } from '../../lambdas/handlers/kpi-widget.ts';
import { makeKpisHandler } from '../../lambdas/handlers/kpis-handler.ts';
import type { QueryEvent } from '../../lambdas/handlers/query-api.ts';
import { makeReportHandler } from '../../lambdas/handlers/report-api.ts';
import { makeSchedulerHandler } from '../../lambdas/handlers/scheduler.ts';
import { FixedClock } from '../support/memory-ports.ts';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const LEFT_MS = 23_456;
const PLANT = 'kz-ast-01';
const HOUR = 3_600_000;
const plant = defaultPlantConfig(PLANT);
const lambdaContext = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs });

interface Read {
  readonly name: string;
  readonly options: CallOptions | undefined;
}

/** Every read a metrics reader may offer, each recording the options it got (the last argument) and answering nothing. */
function recordingReader() {
  const reads: Read[] = [];
  const record =
    <T>(name: string, answer: T) =>
    async (...args: unknown[]): Promise<T> => {
      reads.push({ name, options: args.at(-1) as CallOptions | undefined });
      return answer;
    };
  const none: StoredReading[] = [];
  const metrics = {
    readReadings: record('readReadings', none),
    readLastBefore: record('readLastBefore', none),
    readMovements: record('readMovements', []),
    readGoodHours: record('readGoodHours', []),
    readCounterReadings: record('readCounterReadings', none),
  };
  return { metrics, reads };
}

type Metrics = ReturnType<typeof recordingReader>['metrics'];
type Context = ReturnType<typeof lambdaContext>;

const queryEvent = (route: 'kpis' | 'report', query: Record<string, string>): QueryEvent => ({
  httpMethod: 'GET',
  path: `/v1/plants/${PLANT}/${route}`,
  headers: {},
  body: null,
  isBase64Encoded: false,
  pathParameters: { plantId: PLANT },
  queryStringParameters: query,
});

const plants = {
  getPlant: async (plantId: string) => (plantId === PLANT ? plant : undefined),
  listPlants: async () => [plant],
};

/** Each read path: builds its handler over `metrics` and invokes it once with `context`. */
const PATHS: ReadonlyArray<readonly [string, (metrics: Metrics, context?: Context) => Promise<unknown>]> = [
  [
    'the KPI route',
    async (metrics, context) => {
      const handle = makeKpisHandler({ metrics, plants, clock: new FixedClock(NOW) });
      const query = { from: new Date(NOW - 3 * HOUR).toISOString(), to: new Date(NOW).toISOString() };
      const response = await handle(queryEvent('kpis', { ...query, interval: '1h' }), context);
      expect(response.statusCode, response.body).toBe(200);
    },
  ],
  [
    'the report route',
    async (metrics, context) => {
      const handle = makeReportHandler({
        metrics,
        alerts: { listAlerts: async () => ({ items: [] }) },
        plants,
        clock: new FixedClock(NOW),
      });
      const response = await handle(queryEvent('report', { year: '2026' }), context);
      expect(response.statusCode, response.body).toBe(200);
    },
  ],
  [
    'the KPI widget',
    async (metrics, context) => {
      const logged: unknown[] = [];
      const handle = makeKpiWidgetHandler({
        metrics,
        plants,
        clock: new FixedClock(NOW),
        log: (...args) => logged.push(args),
      });
      await handle({}, context);
      expect(logged).toEqual([]);
    },
  ],
  [
    'the scheduled run (its engine)',
    async (metrics, context) => {
      const clock = new FixedClock(NOW);
      const handle = makeSchedulerHandler({
        engine: new ScheduledAlertEngine({
          metrics,
          alerts: {
            getCurrent: async () => undefined,
            applyTransition: async () => true,
            openAlerts: async () => [],
          },
          plants,
          days: { progress: async () => ({ days: [] }), settle: async () => true, paid: async () => true },
        }),
        relay: async () => ({ published: 0, left: 0, stoppedBy: 'done' }),
        clock,
      });
      await handle(context);
    },
  ],
  [
    'the KPI rollup',
    async (metrics, context) => {
      const handle = makeKpiRollupHandler({
        rollup: {
          pendingSlots: async () => [
            { plantId: PLANT, start: NOW - HOUR, generation: 1, settleAt: NOW - HOUR / 2 },
          ],
          saveSlot: async () => true,
        },
        readings: metrics,
        marker: { markTouched: async () => {} },
        clock: new FixedClock(NOW),
      });
      const run = await handle({}, context);
      expect(run.rolled).toBe(1);
    },
  ],
];

describe('read deadlines', () => {
  it.each(PATHS)('%s reads with the deadline its Lambda context gives', async (_path, invoke) => {
    const { metrics, reads } = recordingReader();
    await invoke(metrics, lambdaContext(LEFT_MS));
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter((read) => read.options?.deadline !== NOW + LEFT_MS)).toEqual([]);
  });

  it.each(PATHS)('%s reads with no deadline when invoked without a context', async (_path, invoke) => {
    const { metrics, reads } = recordingReader();
    await invoke(metrics);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter((read) => read.options?.deadline !== undefined)).toEqual([]);
  });
});
