/**
 * Months and years on the query API, on the local engines: two plant-local
 * days of simulated tickets and counters go through the processor into
 * DuckDB; `interval=1mo` and `interval=1y` must answer the exact sums of the
 * `interval=1d` points of their days, ratios from those sums, and be
 * complete only once they have ended. Unknown plants and over-long ranges
 * are problems.
 */
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { createStateTable, DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { exactSum } from '../../lambdas/domain/exact-sum.ts';
import { parseTelemetry } from '../../lambdas/domain/parse-telemetry.ts';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import { encodeQueued } from '../../lambdas/domain/queue-codec.ts';
import { makeProcessorHandler } from '../../lambdas/handlers/processor.ts';
import type { QueryApiDeps, QueryEvent } from '../../lambdas/handlers/query-api.ts';
import { makeKpisHandler } from '../../lambdas/handlers/query-api.ts';
import { simulateFleet } from '../../lambdas/sim/fleet.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';
import { FixedClock, MemoryRejections } from '../support/memory-ports.ts';

const HOUR = 3_600_000;
const MIN = 60_000;
const DATA_START = Date.parse('2026-11-23T00:00:00+05:00');
const DATA_END = Date.parse('2026-11-25T00:00:00+05:00');
const NOW = DATA_END + 2 * HOUR;
const AST = 'kz-ast-01'; // Asia/Almaty by default
const ALA = 'kz-ala-01'; // configured in Asia/Kolkata

const TONNAGES_AND_ENERGIES = [
  'received_t',
  'landfilled_t',
  'recycled_t',
  'fed_t',
  'electricity_generated_mwh',
  'electricity_exported_mwh',
  'heat_exported_mwh',
] as const;

type Point = Record<string, number | string | boolean | null>;

let dynalite: RunningDynalite;
let deps: QueryApiDeps;

beforeAll(async () => {
  dynalite = await startDynalite();
  await createStateTable(dynalite.client, 'state-calendar');
  const state = new DynamoStateStore({ client: dynalite.client, tableName: 'state-calendar' });
  await state.putPlant({ ...defaultPlantConfig(ALA), timeZone: 'Asia/Kolkata' });
  const clock = new FixedClock(NOW);
  const metrics = await DuckDbMetricsStore.open({ path: ':memory:', clock });
  const process = makeProcessorHandler({ metrics, state, rejections: new MemoryRejections() });
  const bodies: string[] = [];
  for (const { body } of simulateFleet({
    plants: 2,
    start: DATA_START,
    durationMs: DATA_END - DATA_START,
    intervalMs: 15 * MIN,
    seed: 7,
  })) {
    const parsed = parseTelemetry(body, { now: NOW, plantId: body.plantId });
    if (!parsed.ok) throw new Error(parsed.problem.detail);
    bodies.push(...encodeQueued({ message: parsed.message, source: 'http', receivedAt: NOW }));
  }
  for (let i = 0; i < bodies.length; i += 25) {
    const records = bodies
      .slice(i, i + 25)
      .map((body, j) => ({ messageId: `m-${i + j}`, body }) as SQSRecord);
    expect((await process({ Records: records })).batchItemFailures).toEqual([]);
  }
  deps = { metrics, plants: state, clock };
}, 120_000);

afterAll(async () => {
  await dynalite.close();
});

function get(plantId: string, query: Record<string, string>): QueryEvent {
  return {
    httpMethod: 'GET',
    path: `/v1/plants/${plantId}/kpis`,
    headers: {},
    body: null,
    isBase64Encoded: false,
    pathParameters: { plantId },
    queryStringParameters: query,
  };
}

async function points(plantId: string, interval: string, from: string, to: string): Promise<Point[]> {
  const response = await makeKpisHandler(deps)(get(plantId, { from, to, interval }));
  expect(response.statusCode, response.body).toBe(200);
  const body = JSON.parse(response.body) as { interval: string; points: Point[]; nextCursor?: string };
  expect(body.interval).toBe(interval);
  expect(body.nextCursor).toBeUndefined();
  return body.points;
}

/** The point the days add up to: each field their exact sum, the ratios from the sums. */
function sumOfDays(days: readonly Point[]): Record<string, number | null> {
  const sums = Object.fromEntries(
    TONNAGES_AND_ENERGIES.map((field) => [field, exactSum(days.map((d) => d[field] as number))]),
  ) as Record<(typeof TONNAGES_AND_ENERGIES)[number], number>;
  return {
    ...sums,
    diversion_rate: sums.received_t > 0 ? 1 - sums.landfilled_t / sums.received_t : null,
    recycling_rate: sums.received_t > 0 ? sums.recycled_t / sums.received_t : null,
    net_mwh_per_t: sums.fed_t > 0 ? sums.electricity_exported_mwh / sums.fed_t : null,
  };
}

describe('GET /v1/plants/{plantId}/kpis by month and year', () => {
  it.each([
    [
      AST,
      '2026-11-01T00:00:00+05:00',
      '2026-12-01T00:00:00+05:00',
      '2026-10-31T19:00:00.000Z',
      '2026-11-30T19:00:00.000Z',
    ],
    [
      ALA,
      '2026-11-01T00:00:00+05:30',
      '2026-12-01T00:00:00+05:30',
      '2026-10-31T18:30:00.000Z',
      '2026-11-30T18:30:00.000Z',
    ],
  ])('%s: a month is the exact sum of its plant-local days', async (plantId, from, to, start, end) => {
    const days = await points(plantId, '1d', from, to);
    expect(days).toHaveLength(30);
    const withData = days.filter((d) => (d.received_t as number) > 0);
    expect(withData.length).toBeGreaterThanOrEqual(2);
    const [month] = await points(plantId, '1mo', from, to);
    expect(month).toMatchObject({ start, end, complete: false, ...sumOfDays(days) });
    // mass_balance_gap needs the unburnt outbound tonnage, which points do not carry: it is a ratio all the same.
    expect(typeof month?.mass_balance_gap).toBe('number');
  });

  it("answers each calendar year of the range, 2025's empty and 2026's the sum of 2026's days, complete when ended", async () => {
    const years = await points(AST, '1y', '2025-01-01T00:00:00+05:00', '2027-01-01T00:00:00+05:00');
    expect(years.map((y) => [y.start, y.end, y.complete])).toEqual([
      ['2024-12-31T19:00:00.000Z', '2025-12-31T19:00:00.000Z', true],
      ['2025-12-31T19:00:00.000Z', '2026-12-31T19:00:00.000Z', false],
    ]);
    expect(years[0]).toMatchObject({ received_t: 0, fed_t: 0, diversion_rate: null, recycling_rate: null });
    const days = await points(AST, '1d', '2026-01-01T00:00:00+05:00', '2027-01-01T00:00:00+05:00');
    expect(days).toHaveLength(365);
    expect(years[1]).toMatchObject(sumOfDays(days));
    // A year is also the sum of its months, to the last bit (each month was rounded once on its own).
    const months = await points(AST, '1mo', '2026-01-01T00:00:00+05:00', '2027-01-01T00:00:00+05:00');
    expect(months).toHaveLength(12);
    const ofMonths = sumOfDays(months);
    for (const field of TONNAGES_AND_ENERGIES)
      expect(years[1]?.[field] as number).toBeCloseTo(ofMonths[field] as number, 9);
  });

  it("answers the plant's targets beside the year to date: Kazakhstan's 40 % by 2030, with the source", async () => {
    const response = await makeKpisHandler(deps)(
      get(AST, { from: '2026-01-01T00:00:00+05:00', to: new Date(NOW).toISOString(), interval: '1y' }),
    );
    const body = JSON.parse(response.body) as { targets: Array<Record<string, unknown>>; points: Point[] };
    expect(body.targets.map((t) => [t.kpi, t.rate, t.year])).toEqual([
      ['diversion_rate', 0.4, 2030],
      ['recycling_rate', 0.4, 2030],
    ]);
    expect(String(body.targets[1]?.source)).toContain('Kazakhstan');
    // The year so far: one incomplete point whose rates are compared with the targets.
    expect(body.points).toHaveLength(1);
    expect(body.points[0]).toMatchObject({ complete: false, diversion_rate: expect.any(Number) });
  });

  it('refuses a range longer than the interval allows, naming the bound', async () => {
    const response = await makeKpisHandler(deps)(
      get(AST, { from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z', interval: '1mo' }),
    );
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('must be at most 731 days after from for interval 1mo');
  });

  it('answers an unknown plant with a 404 problem', async () => {
    const response = await makeKpisHandler(deps)(
      get('kz-nope-99', { from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z', interval: '1y' }),
    );
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ type: 'urn:wte:problem:not-found' });
  });
});
