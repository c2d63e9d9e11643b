/**
 * The query API on the local engines: simulated fleet telemetry goes through
 * the processor into DuckDB (tickets through the dynalite ledger), and the
 * KPI and series answers must equal a direct computation on the data sent.
 */
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { createStateTable, DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { computeKpis, DIVERSION_POLICY, KPI_COUNTER_METRICS } from '../../lambdas/domain/kpis.ts';
import { parseTelemetry } from '../../lambdas/domain/parse-telemetry.ts';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import type { StoredReading } from '../../lambdas/domain/ports.ts';
import { encodeQueued } from '../../lambdas/domain/queue-codec.ts';
import type { Movement, Reading } from '../../lambdas/domain/telemetry.ts';
import { makeProcessorHandler } from '../../lambdas/handlers/processor.ts';
import type { QueryApiDeps, QueryEvent, QueryHandler } from '../../lambdas/handlers/query-api.ts';
import { MAX_POINTS_PER_PAGE, makeKpisHandler, makeSeriesHandler } from '../../lambdas/handlers/query-api.ts';
import { prng, simulateFleet } from '../../lambdas/sim/fleet.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';
import { FixedClock, MemoryRejections } from '../support/memory-ports.ts';

const HOUR = 3_600_000;
const MIN = 60_000;
const ALMATY_MIDNIGHT = Date.parse('2026-11-24T00:00:00+05:00');
const DATA_START = ALMATY_MIDNIGHT - 6 * HOUR;
const DATA_END = ALMATY_MIDNIGHT + 6 * HOUR;
const NOW = DATA_END + MIN;
const clock = new FixedClock(NOW);

const AST = 'kz-ast-01'; // no stored configuration: Asia/Almaty (UTC+5) by default
const ALA = 'kz-ala-01'; // configured in Asia/Kolkata (UTC+5:30) to prove the stored zone is used
const ZONES: Record<string, { timeZone: string; offsetMs: number }> = {
  [AST]: { timeZone: 'Asia/Almaty', offsetMs: 5 * HOUR },
  [ALA]: { timeZone: 'Asia/Kolkata', offsetMs: 5.5 * HOUR },
};

/**
 * Metrics stores keep a double as Timestream does, to 12 significant digits
 * (18250.5 kWh and 18.2505 MWh are then the same content): the oracle sees
 * the data sent as stored, so answers can be compared exactly.
 */
const asStored = (value: number): number => Number(value.toPrecision(12));

/** What was sent, parsed into canonical readings and tickets: the oracle's input. */
const sent = new Map<string, { readings: Reading[]; movements: Movement[] }>();
let dynalite: RunningDynalite;
let metrics: DuckDbMetricsStore;
let deps: QueryApiDeps;

function parseAndEncode(body: Record<string, unknown>, plantId: string, receivedAt: number): string[] {
  const parsed = parseTelemetry(body, { now: receivedAt, plantId });
  if (!parsed.ok) throw new Error(parsed.problem.detail);
  expect(parsed.rejected).toEqual([]);
  const mine = sent.get(plantId) ?? { readings: [], movements: [] };
  mine.readings.push(...parsed.message.readings.map((r) => ({ ...r, value: asStored(r.value) })));
  mine.movements.push(...parsed.message.movements.map((m) => ({ ...m, netTonnes: asStored(m.netTonnes) })));
  sent.set(plantId, mine);
  return encodeQueued({ message: parsed.message, source: 'http', receivedAt });
}

/** Extra readings for AST: a counter reset, BAD and UNCERTAIN values, a second boiler. */
const extraMessages = [
  // waste_fed drops from about 10,700 t to 3.5 t after the last simulated reading: a reset
  { ts: DATA_END - 2 * MIN, line: 'boiler-1', metric: 'waste_fed', value: 3.5, unit: 't' },
  { ts: ALMATY_MIDNIGHT + MIN, line: 'boiler-1', metric: 'furnace_temperature', value: 1900, quality: 'BAD' },
  {
    ts: ALMATY_MIDNIGHT + 2 * MIN,
    line: 'boiler-1',
    metric: 'furnace_temperature',
    value: -100,
    quality: 'UNCERTAIN',
  },
  // same instants as boiler-1 readings: `last` must pick boiler-2 (the greater line)
  { ts: ALMATY_MIDNIGHT + 10 * MIN, line: 'boiler-2', metric: 'furnace_temperature', value: 880 },
  { ts: ALMATY_MIDNIGHT + 55 * MIN, line: 'boiler-2', metric: 'furnace_temperature', value: 890 },
];

beforeAll(async () => {
  dynalite = await startDynalite();
  await createStateTable(dynalite.client, 'state-query');
  const state = new DynamoStateStore({ client: dynalite.client, tableName: 'state-query' });
  await state.putPlant({ ...defaultPlantConfig(ALA), timeZone: 'Asia/Kolkata' });
  metrics = await DuckDbMetricsStore.open({ path: ':memory:', clock });
  const process = makeProcessorHandler({ metrics, state, rejections: new MemoryRejections() });

  const bodies: string[] = [];
  for (const { body } of simulateFleet({
    plants: 2,
    start: DATA_START,
    durationMs: DATA_END - DATA_START,
    intervalMs: 5 * MIN,
    seed: 11,
  })) {
    bodies.push(...parseAndEncode(body, body.plantId, body.sentAt + 5_000));
  }
  extraMessages.forEach((reading, i) => {
    const body = { schema: 'wte.telemetry.v1', messageId: `extra:${i}`, plantId: AST, readings: [reading] };
    bodies.push(...parseAndEncode(body, AST, NOW));
  });
  for (let i = 0; i < bodies.length; i += 10) {
    const records = bodies
      .slice(i, i + 10)
      .map((body, j) => ({ messageId: `m-${i + j}`, body }) as SQSRecord);
    expect((await process({ Records: records })).batchItemFailures).toEqual([]);
  }
  deps = { metrics, plants: state, clock };
});

afterAll(async () => {
  await dynalite.close();
});

function get(plantId: string, route: 'kpis' | 'series', query: Record<string, string>): QueryEvent {
  return {
    httpMethod: 'GET',
    path: `/v1/plants/${plantId}/${route}`,
    headers: {},
    body: null,
    isBase64Encoded: false,
    pathParameters: { plantId },
    queryStringParameters: query,
  };
}

async function ok(handler: QueryHandler, event: QueryEvent) {
  const response = await handler(event);
  expect(response.statusCode, response.body).toBe(200);
  return JSON.parse(response.body) as Record<string, unknown> & { points: unknown[]; nextCursor?: string };
}

/** Follows `nextCursor` to the end; returns the pages. */
async function allPages(handler: QueryHandler, event: QueryEvent) {
  const pages: Array<Awaited<ReturnType<typeof ok>>> = [];
  let cursor: string | undefined;
  do {
    const query = { ...event.queryStringParameters, ...(cursor ? { cursor } : {}) } as Record<string, string>;
    const page = await ok(handler, { ...event, queryStringParameters: query });
    pages.push(page);
    cursor = page.nextCursor;
    expect(pages.length).toBeLessThan(100);
  } while (cursor !== undefined);
  return pages;
}

const iso = (ms: number) => new Date(ms).toISOString();

function expectedKpis(plantId: string, interval: '1h' | '1d', from: number, to: number) {
  const data = sent.get(plantId);
  if (!data) throw new Error(`nothing sent for ${plantId}`);
  return computeKpis({
    interval,
    timeZone: ZONES[plantId]?.timeZone ?? '',
    from,
    to,
    now: NOW,
    readings: data.readings.filter((r) => (KPI_COUNTER_METRICS as string[]).includes(r.metric)),
    movements: data.movements,
  }).map((p) => ({
    ...p,
    start: iso(p.start),
    end: iso(p.end),
    // The API leaves the ratios of truck tonnages out of hours (docs/kpis.md).
    ...(interval === '1h' ? { diversion_rate: null, recycling_rate: null, mass_balance_gap: null } : {}),
  }));
}

const LENGTH_MS = { '1m': MIN, '15m': 15 * MIN, '1h': HOUR, '6h': 6 * HOUR, '1d': 24 * HOUR } as const;
type OracleInterval = keyof typeof LENGTH_MS;
type Agg = 'avg' | 'min' | 'max' | 'last';

/**
 * Series computed independently of the domain code: fixed-offset zones only
 * (Almaty and Kolkata have no DST), buckets by integer arithmetic, GOOD
 * readings in (ts, line) order.
 */
function expectedSeries(
  readings: readonly Pick<Reading, 'ts' | 'line' | 'metric' | 'value' | 'quality'>[],
  offsetMs: number,
  metric: string,
  interval: OracleInterval,
  agg: Agg,
  from: number,
  to: number,
  line?: string,
) {
  const length = LENGTH_MS[interval];
  const floor = (t: number) => Math.floor((t + offsetMs) / length) * length - offsetMs;
  const first = floor(from);
  const end = floor(to - 1) + length;
  const good = readings
    .filter((r) => r.metric === metric && r.quality === 'GOOD' && r.ts >= first && r.ts < end)
    .filter((r) => line === undefined || r.line === line)
    .sort((a, b) => a.ts - b.ts || (a.line < b.line ? -1 : a.line > b.line ? 1 : 0));
  const groups = new Map<number, number[]>();
  for (const r of good) {
    const values = groups.get(floor(r.ts)) ?? [];
    values.push(r.value);
    groups.set(floor(r.ts), values);
  }
  return [...groups.entries()].map(([start, values]) => ({
    ts: iso(start),
    value:
      agg === 'avg'
        ? values.reduce((s, v) => s + v, 0) / values.length
        : agg === 'min'
          ? Math.min(...values)
          : agg === 'max'
            ? Math.max(...values)
            : (values.at(-1) as number),
  }));
}

describe('GET /v1/plants/{plantId}/kpis', () => {
  it.each([
    [AST, '1h', DATA_START, DATA_END, 12],
    [AST, '1d', DATA_START, DATA_END, 2],
    [ALA, '1h', DATA_START, DATA_END, 13], // Kolkata hours start at :30 UTC: one more, widened
    [ALA, '1d', DATA_START, DATA_END, 2],
    [AST, '1h', DATA_START + 17 * MIN + 3_000, DATA_END - 1, 12], // unaligned: widened to whole hours
  ] as const)(
    '%s %s equals computeKpis on the data sent, across the plant-local midnight',
    async (plantId, interval, from, to, count) => {
      const body = await ok(
        makeKpisHandler(deps),
        get(plantId, 'kpis', { from: String(from), to: new Date(to).toISOString(), interval }),
      );
      expect(body).toMatchObject({
        plantId,
        interval,
        timezone: ZONES[plantId]?.timeZone,
        policy: DIVERSION_POLICY,
      });
      expect(body.nextCursor).toBeUndefined();
      const expected = expectedKpis(plantId, interval, from, to);
      expect(expected).toHaveLength(count);
      expect(body.points).toEqual(expected);
      // the data is not trivial: tickets and counters moved in the range
      expect(expected.some((p) => p.received_t > 0 && p.fed_t > 0 && p.electricity_exported_mwh > 0)).toBe(
        true,
      );
    },
  );

  it('answers the contract fields of a point, in UTC ISO 8601, and marks unfinished buckets incomplete', async () => {
    const body = await ok(
      makeKpisHandler(deps),
      get(AST, 'kpis', { from: iso(DATA_START), to: iso(DATA_END), interval: '1d' }),
    );
    const points = body.points as Array<Record<string, unknown>>;
    expect(Object.keys(points[0] ?? {})).toEqual([
      'start',
      'end',
      'received_t',
      'landfilled_t',
      'recycled_t',
      'fed_t',
      'electricity_generated_mwh',
      'electricity_exported_mwh',
      'heat_exported_mwh',
      'diversion_rate',
      'recycling_rate',
      'net_mwh_per_t',
      'mass_balance_gap',
      'complete',
    ]);
    expect(points.map((p) => [p.start, p.end, p.complete])).toEqual([
      ['2026-11-22T19:00:00.000Z', '2026-11-23T19:00:00.000Z', true],
      ['2026-11-23T19:00:00.000Z', '2026-11-24T19:00:00.000Z', false],
    ]);
  });

  it('answers the movement ratios for days and null for hours, whose tonnages and energies stay', async () => {
    const query = { from: iso(DATA_START), to: iso(DATA_END) };
    const hours = (await ok(makeKpisHandler(deps), get(AST, 'kpis', { ...query, interval: '1h' })))
      .points as Array<Record<string, number | null>>;
    const days = (await ok(makeKpisHandler(deps), get(AST, 'kpis', { ...query, interval: '1d' })))
      .points as Array<Record<string, number | null>>;
    // Hours with tickets and fed waste, whose ratios the formula would give.
    const busy = hours.filter((p) => (p.received_t ?? 0) > 0 && (p.fed_t ?? 0) > 0);
    expect(busy.length).toBeGreaterThan(0);
    for (const p of hours) {
      expect([p.diversion_rate, p.recycling_rate, p.mass_balance_gap]).toEqual([null, null, null]);
      expect(p.net_mwh_per_t).toBe(
        (p.fed_t ?? 0) > 0 ? (p.electricity_exported_mwh ?? 0) / (p.fed_t as number) : null,
      );
    }
    // The same tonnages summed per day give the day's ratios by the contract's formulas.
    for (const day of days) {
      const within = hours.filter(
        (h) => String(h.start) >= String(day.start) && String(h.end) <= String(day.end),
      );
      const sum = (key: string) => within.reduce((total, h) => total + (h[key] ?? 0), 0);
      expect(day.received_t).toBeCloseTo(sum('received_t'), 9);
      expect(day.landfilled_t).toBeCloseTo(sum('landfilled_t'), 9);
      expect(day.recycled_t).toBeCloseTo(sum('recycled_t'), 9);
      const received = day.received_t as number;
      expect(received).toBeGreaterThan(0);
      expect(day.diversion_rate).toBe(1 - (day.landfilled_t as number) / received);
      expect(day.recycling_rate).toBe((day.recycled_t as number) / received);
      expect(day.mass_balance_gap).toEqual(expect.any(Number));
    }
  });

  it('counts the counter reset as a restart from zero, never as a negative step', async () => {
    const body = await ok(
      makeKpisHandler(deps),
      get(AST, 'kpis', { from: iso(DATA_END - HOUR), to: iso(DATA_END), interval: '1h' }),
    );
    const fed = (sent.get(AST)?.readings ?? [])
      .filter((r) => r.metric === 'waste_fed' && r.quality === 'GOOD')
      .sort((a, b) => a.ts - b.ts);
    const before = fed.filter((r) => r.ts < DATA_END - HOUR).at(-1)?.value as number;
    const lastSimulated = fed.filter((r) => r.ts < DATA_END - 2 * MIN).at(-1)?.value as number;
    expect(fed.at(-1)?.value).toBe(3.5);
    // the hour's simulated increase, plus 3.5 t counted from zero after the reset
    expect((body.points[0] as { fed_t: number }).fed_t).toBeCloseTo(lastSimulated - before + 3.5, 9);
  });

  it('answers 404 for a plant nobody configured and no message named, on KPIs and series', async () => {
    const query = { from: iso(DATA_START), to: iso(DATA_END), interval: '1d' };
    for (const response of [
      await makeKpisHandler(deps)(get('kz-nowhere-01', 'kpis', query)),
      await makeSeriesHandler(deps)(get('kz-nowhere-01', 'series', { ...query, metric: 'steam_flow' })),
    ]) {
      expect(response.statusCode).toBe(404);
      expect(response.headers?.['Content-Type'] ?? response.headers?.['content-type']).toBe(
        'application/problem+json',
      );
      const problem = JSON.parse(response.body);
      expect(problem).toMatchObject({ type: 'urn:wte:problem:not-found', status: 404 });
      expect(problem.detail).toContain('kz-nowhere-01');
    }
  });

  it('pages through nextCursor to exactly the unpaged points', async () => {
    const query = { from: iso(DATA_START), to: iso(DATA_END), interval: '1h' };
    const whole = await ok(makeKpisHandler(deps), get(ALA, 'kpis', query));
    const pages = await allPages(makeKpisHandler({ ...deps, maxPointsPerPage: 5 }), get(ALA, 'kpis', query));
    expect(pages.map((p) => p.points.length)).toEqual([5, 5, 3]);
    expect(pages.flatMap((p) => p.points)).toEqual(whole.points);
    expect(pages.at(-1)?.nextCursor).toBeUndefined();
  });
});

describe('GET /v1/plants/{plantId}/series', () => {
  const combinations = (['furnace_temperature', 'waste_fed', 'electricity_exported'] as const).flatMap(
    (metric) =>
      (['15m', '1h', '6h', '1d'] as const).flatMap((interval) =>
        [AST, ALA].map((plantId) => [plantId, metric, interval] as const),
      ),
  );

  it.each(combinations)(
    '%s %s %s: avg, min, max and last equal a direct computation',
    async (plantId, metric, interval) => {
      const handler = makeSeriesHandler(deps);
      const from = DATA_START + 7 * MIN;
      const to = DATA_END;
      for (const agg of ['avg', 'min', 'max', 'last'] as const) {
        const body = await ok(
          handler,
          get(plantId, 'series', { metric, from: iso(from), to: String(to), interval, agg }),
        );
        const zone = ZONES[plantId] as { offsetMs: number; timeZone: string };
        expect(body).toMatchObject({ plantId, metric, interval, agg, timezone: zone.timeZone });
        const expected = expectedSeries(
          sent.get(plantId)?.readings ?? [],
          zone.offsetMs,
          metric,
          interval,
          agg,
          from,
          to,
        );
        expect(expected.length).toBeGreaterThan(0);
        expect(body.points).toEqual(expected);
      }
    },
  );

  it('answers in the canonical unit, ignores BAD and UNCERTAIN values, and pools lines unless one is asked for', async () => {
    const handler = makeSeriesHandler(deps);
    const query = { metric: 'furnace_temperature', from: iso(DATA_START), to: iso(DATA_END), interval: '1h' };
    const max = await ok(handler, get(AST, 'series', { ...query, agg: 'max' }));
    const min = await ok(handler, get(AST, 'series', { ...query, agg: 'min' }));
    expect(max.unit).toBe('degC');
    const maxValues = (max.points as Array<{ value: number }>).map((p) => p.value);
    const minValues = (min.points as Array<{ value: number }>).map((p) => p.value);
    expect(Math.max(...maxValues)).toBeLessThan(1900);
    expect(Math.min(...minValues)).toBeGreaterThan(0);
    const last = await ok(handler, get(AST, 'series', { ...query, agg: 'last' }));
    // boiler-2 ties boiler-1 at 00:55 local and wins as the greater line name
    expect(last.points).toContainEqual({ ts: iso(ALMATY_MIDNIGHT), value: 890 });
    const boiler2 = await ok(handler, get(AST, 'series', { ...query, agg: 'avg', line: 'boiler-2' }));
    expect(boiler2).toMatchObject({ line: 'boiler-2', points: [{ ts: iso(ALMATY_MIDNIGHT), value: 885 }] });
    const energy = await ok(handler, get(AST, 'series', { ...query, metric: 'electricity_exported' }));
    expect(energy.unit).toBe('MWh');
  });

  it('pages through nextCursor to exactly the unpaged points, each page full but the last', async () => {
    const query = {
      metric: 'furnace_temperature',
      from: iso(DATA_START),
      to: iso(DATA_END),
      interval: '15m',
    };
    const whole = await ok(makeSeriesHandler(deps), get(AST, 'series', query));
    expect(whole.points).toHaveLength(48);
    const pages = await allPages(
      makeSeriesHandler({ ...deps, maxPointsPerPage: 7 }),
      get(AST, 'series', query),
    );
    expect(pages.map((p) => p.points.length)).toEqual([7, 7, 7, 7, 7, 7, 6]);
    expect(pages.flatMap((p) => p.points)).toEqual(whole.points);
  });

  it('crosses long empty stretches in a few reads and never returns an empty page', async () => {
    let reads = 0;
    const counting: QueryApiDeps = {
      ...deps,
      maxPointsPerPage: 50,
      metrics: {
        ...deps.metrics,
        readLastBefore: deps.metrics.readLastBefore.bind(deps.metrics),
        readMovements: deps.metrics.readMovements.bind(deps.metrics),
        readReadings: (q) => {
          reads++;
          return metrics.readReadings(q);
        },
      },
    };
    const query = {
      metric: 'steam_pressure',
      from: iso(DATA_START - 30 * 24 * HOUR),
      to: iso(DATA_END),
      interval: '1m',
      agg: 'min',
    };
    const whole = await ok(makeSeriesHandler(deps), get(ALA, 'series', query));
    expect(whole.points).toHaveLength(144);
    reads = 0;
    const pages = await allPages(makeSeriesHandler(counting), get(ALA, 'series', query));
    expect(pages.map((p) => p.points.length)).toEqual([50, 50, 44]);
    expect(pages.flatMap((p) => p.points)).toEqual(whole.points);
    // 43,920 buckets: windows of 51, 102, 204, ... reach the data in 10 reads; later pages need 3
    expect(reads).toBeLessThanOrEqual(16);
  });

  it('refuses a cursor with another query, or one pointing outside the range', async () => {
    const handler = makeSeriesHandler({ ...deps, maxPointsPerPage: 5 });
    const query = {
      metric: 'steam_flow',
      from: iso(DATA_START),
      to: iso(DATA_END),
      interval: '1h',
      agg: 'max',
    };
    const first = await ok(handler, get(AST, 'series', query));
    const cursor = first.nextCursor as string;
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const [, hash] = Buffer.from(cursor, 'base64url').toString('utf8').split('.');
    const forged = Buffer.from(`${DATA_END + HOUR}.${hash}`).toString('base64url');
    for (const [change, status] of [
      [{}, 200],
      [{ agg: 'min' }, 400],
      [{ to: iso(DATA_END + HOUR) }, 400],
      [{ metric: 'steam_pressure' }, 400],
      [{ line: 'boiler-1' }, 400],
      [{ cursor: forged }, 400],
    ] as const) {
      const response = await handler(get(AST, 'series', { ...query, cursor, ...change }));
      expect(response.statusCode, JSON.stringify(change)).toBe(status);
      if (status === 400) {
        expect(JSON.parse(response.body).errors).toEqual([
          { pointer: '/query/cursor', detail: expect.stringContaining('different query') },
        ]);
      }
    }
    const kpiCursor = (
      await ok(
        makeKpisHandler({ ...deps, maxPointsPerPage: 5 }),
        get(AST, 'kpis', { from: iso(DATA_START), to: iso(DATA_END), interval: '1h' }),
      )
    ).nextCursor as string;
    const response = await handler(get(AST, 'series', { ...query, cursor: kpiCursor }));
    expect(response.statusCode).toBe(400);
  });
});

describe('series pages of the default size', () => {
  const PLANT = 'kz-pag-01';
  const T0 = DATA_START - 3 * 24 * HOUR;
  const COUNT = 2_500;
  let stored: StoredReading[];
  let store: DuckDbMetricsStore;

  beforeAll(async () => {
    store = await DuckDbMetricsStore.open({ path: ':memory:', clock });
    const random = prng(5);
    stored = Array.from({ length: COUNT }, (_, i) => ({
      plantId: PLANT,
      line: 'boiler-1',
      metric: 'steam_pressure',
      kind: 'gauge',
      ts: T0 + i * MIN,
      value: asStored(38 + 4 * random()),
      unit: 'bar',
      quality: i % 7 === 3 ? 'BAD' : 'GOOD',
      correction: false,
      version: 1,
    }));
    expect((await store.writeReadings(stored)).rejected).toEqual([]);
  });

  it(`answers at most ${MAX_POINTS_PER_PAGE} points a page, in at most two reads a page, and loses none`, async () => {
    let reads = 0;
    const handler = makeSeriesHandler({
      ...deps,
      plants: { getPlant: async (plantId) => (plantId === PLANT ? defaultPlantConfig(PLANT) : undefined) },
      metrics: {
        readLastBefore: store.readLastBefore.bind(store),
        readMovements: store.readMovements.bind(store),
        readReadings: (q) => {
          reads++;
          return store.readReadings(q);
        },
      },
    });
    const query = {
      metric: 'steam_pressure',
      from: String(T0),
      to: String(T0 + COUNT * MIN),
      interval: '1m',
      agg: 'last',
    };
    const pages = await allPages(handler, get(PLANT, 'series', query));
    const good = COUNT - Math.floor((COUNT + 3) / 7);
    expect(pages.map((p) => p.points.length)).toEqual([1000, 1000, good - 2000]);
    expect(reads).toBeLessThanOrEqual(2 * pages.length);
    expect(pages.flatMap((p) => p.points)).toEqual(
      expectedSeries(stored, 5 * HOUR, 'steam_pressure', '1m', 'last', T0, T0 + COUNT * MIN),
    );
  });
});
