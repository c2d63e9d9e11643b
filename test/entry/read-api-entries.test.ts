/**
 * The entries that read the metrics store for people, as deployed on each
 * store: the series and KPI routes, the plant report and the dashboard's KPI
 * widget answer from the tables the environment names (the plant from
 * STATE_TABLE_NAME, data from the Timestream tables or the lake's recent
 * table and Athena workgroup), for the plant and range the event asks.
 */
import { StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import { movement, reading } from '../support/stored-items.ts';
import {
  apiEvent,
  BASE_ENV,
  type DynamoBoundary,
  dynamoBoundary,
  type Env,
  LAKE_ENV,
  lambdaContext,
  loadEntry,
  TIMESTREAM_ENV,
} from './entry-support.ts';
import { type MetricsBackend, metricsBackend } from './metrics-backend.ts';

type HttpHandler = (event: unknown, context?: unknown) => Promise<{ statusCode: number; body: string }>;

const PLANT = 'kz-ast-01';
const HOUR = 3_600_000;
const BASE = { AWS_REGION: BASE_ENV.AWS_REGION, STATE_TABLE_NAME: BASE_ENV.STATE_TABLE_NAME };
/** Whole hours, so each seeded item falls in a bucket of its own. */
const TO = Math.floor(Date.now() / HOUR) * HOUR;
const FROM = TO - 3 * HOUR;
const READINGS = [
  reading({ plantId: PLANT, ts: FROM + HOUR / 2, value: 900 }),
  reading({ plantId: PLANT, ts: FROM + (3 * HOUR) / 2, value: 910 }),
];
const MOVEMENTS = [
  movement({ plantId: PLANT, ticketId: 'WB-entry-1', ts: FROM + HOUR / 2, netTonnes: 21.5 }),
];

let dynamo: DynamoBoundary;
let backend: MetricsBackend | undefined;

beforeAll(async () => {
  dynamo = await dynamoBoundary({ state: BASE.STATE_TABLE_NAME, recent: LAKE_ENV.RECENT_TELEMETRY_TABLE });
  const state = new DynamoStateStore({ client: dynamo.local.client, tableName: BASE.STATE_TABLE_NAME });
  await state.putPlant(defaultPlantConfig(PLANT));
});
afterEach(() => {
  backend?.restore();
  backend = undefined;
});
afterAll(async () => {
  await dynamo.close();
});

const plantRoute = (route: string, plantId: string, query: Record<string, string>) =>
  apiEvent({
    method: 'GET',
    resource: `/v1/plants/{plantId}/${route}`,
    path: `/v1/plants/${plantId}/${route}`,
    pathParameters: { plantId },
    query,
  });

async function start<T>(store: 'timestream' | 'lake', entry: string, storeEnv: Env): Promise<T> {
  backend = await metricsBackend(store, dynamo, { readings: READINGS, movements: MOVEMENTS });
  const module = await loadEntry<T>(entry, { ...BASE, ...storeEnv });
  dynamo.stub.resetHistory();
  return module;
}

/** What the data reads asked of the store: Timestream's tables, or the lake's recent table. */
function expectReadFrom(store: 'timestream' | 'lake') {
  if (store === 'timestream') {
    const queries = backend?.timestreamQueries().map((q) => q.QueryString ?? '') ?? [];
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.every((q) => q.includes(`"${TIMESTREAM_ENV.TIMESTREAM_DATABASE}".`))).toBe(true);
  } else {
    expect(dynamo.tablesCalled()).toContain(LAKE_ENV.RECENT_TELEMETRY_TABLE);
  }
}

describe.each([
  ['timestream', TIMESTREAM_ENV],
  ['lake', LAKE_ENV],
] as const)('reading entries on %s', (store, storeEnv) => {
  it('series: the hourly averages of the plant and metric asked, from the store', async () => {
    const { seriesHandler } = await start<{ seriesHandler: HttpHandler }>(store, 'query-api', storeEnv);
    const response = await seriesHandler(
      plantRoute('series', PLANT, {
        metric: 'furnace_temperature',
        interval: '1h',
        from: new Date(FROM).toISOString(),
        to: new Date(TO).toISOString(),
      }),
      lambdaContext('query-api'),
    );
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body) as {
      plantId: string;
      points: Array<{ ts: string; value: number | null }>;
    };
    expect(body.plantId).toBe(PLANT);
    expect(body.points.filter((p) => p.value !== null)).toEqual([
      { ts: new Date(FROM).toISOString(), value: 900 },
      { ts: new Date(FROM + HOUR).toISOString(), value: 910 },
    ]);
    expect(dynamo.tablesCalled()).toContain(BASE.STATE_TABLE_NAME);
    expectReadFrom(store);
  });

  it('kpis: the tonnes received in the hour of the ticket; an unregistered plant is 404', async () => {
    const { kpisHandler } = await start<{ kpisHandler: HttpHandler }>(store, 'query-api', storeEnv);
    const range = { interval: '1h', from: new Date(FROM).toISOString(), to: new Date(TO).toISOString() };
    const response = await kpisHandler(plantRoute('kpis', PLANT, range), lambdaContext('query-api'));
    expect(response.statusCode).toBe(200);
    const points = (JSON.parse(response.body) as { points: Array<{ start: string; received_t: number }> })
      .points;
    expect(points.map((p) => [p.start, p.received_t])).toEqual([
      [new Date(FROM).toISOString(), 21.5],
      [new Date(FROM + HOUR).toISOString(), 0],
      [new Date(FROM + 2 * HOUR).toISOString(), 0],
    ]);
    expectReadFrom(store);
    const unknown = await kpisHandler(plantRoute('kpis', 'kz-none-01', range), lambdaContext('query-api'));
    expect(unknown.statusCode).toBe(404);
  });

  it('report: the plant year, its months before the recent horizon read from the lake workgroup', async () => {
    const { handler } = await start<{ handler: HttpHandler }>(store, 'report-api', storeEnv);
    const year = String(new Date(TO).getUTCFullYear());
    const response = await handler(plantRoute('report', PLANT, { year }), lambdaContext('report-api'));
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    expect(body).toMatchObject({ plantId: PLANT, year: Number(year) });
    expect(JSON.stringify(body)).toContain('21.5');
    expectReadFrom(store);
    const athena = backend?.athena.commandCalls(StartQueryExecutionCommand) ?? [];
    if (store === 'lake')
      expect(athena[0]?.args[0].input).toMatchObject({
        WorkGroup: LAKE_ENV.ATHENA_WORKGROUP,
        QueryExecutionContext: { Catalog: LAKE_ENV.LAKE_CATALOG, Database: LAKE_ENV.LAKE_DATABASE },
      });
    else expect(athena).toHaveLength(0);
  });

  it("kpi widget: a row per registered plant over the dashboard's range, with its tonnes", async () => {
    const { handler } = await start<{ handler: (event: unknown, context?: unknown) => Promise<unknown> }>(
      store,
      'kpi-widget',
      storeEnv,
    );
    const html = await handler(
      { widgetContext: { timeRange: { start: TO - 2 * 86_400_000, end: TO + HOUR } } },
      lambdaContext('kpi-widget'),
    );
    expect(typeof html).toBe('string');
    // Received tonnes, rounded to whole tonnes on the dashboard.
    expect(html).toContain(`<td>${PLANT}</td><td>22</td>`);
    // A range the dashboard was zoomed to, before the ticket: nothing received.
    const earlier = await handler(
      {
        widgetContext: {
          timeRange: {
            start: TO - 9 * 86_400_000,
            end: TO,
            zoom: { start: TO - 9 * 86_400_000, end: TO - 7 * 86_400_000 },
          },
        },
      },
      lambdaContext('kpi-widget'),
    );
    expect(earlier).toContain(`<td>${PLANT}</td><td>0</td>`);
    expectReadFrom(store);
  });
});
