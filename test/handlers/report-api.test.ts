/**
 * The annual plant report on the local engines (report-fixture.ts: two
 * plant-local days of simulated telemetry in DuckDB with a known five-hour
 * gap; plants and alerts in dynalite).
 * The report's totals must equal the `interval=1y` KPI point and its months
 * the twelve `interval=1mo` points; coverage must find the gap; R1 is null
 * with the missing setting named, or computed from the year's energies and
 * the plant's settings; alerts are counted by type within the year.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counterReadingsOf } from '../../lambdas/app/kpi-query.ts';
import { summarizeSlots } from '../../lambdas/domain/kpi-rollup.ts';
import { KPI_COUNTER_METRICS } from '../../lambdas/domain/kpis.ts';
import { MWH_TO_GJ, r1EnergyEfficiency } from '../../lambdas/domain/r1.ts';
import { makeKpisHandler, type QueryEvent } from '../../lambdas/handlers/query-api.ts';
import { makeReportHandler, type ReportApiDeps } from '../../lambdas/handlers/report-api.ts';
import {
  ALA,
  AST,
  HOUR,
  NOW,
  type ReportFixture,
  startReportFixture,
  YEAR_END,
  YEAR_START,
} from './report-fixture.ts';

type Json = Record<string, unknown>;

let fixture: ReportFixture;
let deps: ReportApiDeps;

beforeAll(async () => {
  fixture = await startReportFixture();
  deps = fixture.deps;
}, 120_000);

afterAll(async () => {
  await fixture?.close();
});

function event(plantId: string, path: string, query: Record<string, string> | null): QueryEvent {
  return {
    httpMethod: 'GET',
    path: `/v1/plants/${plantId}/${path}`,
    headers: {},
    body: null,
    isBase64Encoded: false,
    pathParameters: { plantId },
    queryStringParameters: query,
  };
}

async function report(plantId: string, year: string, d: ReportApiDeps = deps): Promise<Json> {
  const response = await makeReportHandler(d)(event(plantId, 'report', { year }));
  expect(response.statusCode, response.body).toBe(200);
  return JSON.parse(response.body) as Json;
}

async function kpiPoints(plantId: string, interval: string, from: string, to: string): Promise<Json[]> {
  const response = await makeKpisHandler(deps)(event(plantId, 'kpis', { from, to, interval }));
  expect(response.statusCode, response.body).toBe(200);
  return (JSON.parse(response.body) as { points: Json[] }).points;
}

describe('GET /v1/plants/{plantId}/report', () => {
  it.each([
    [AST, '2026-01-01T00:00:00+05:00', '2027-01-01T00:00:00+05:00'],
    [ALA, '2026-01-01T00:00:00+05:30', '2027-01-01T00:00:00+05:30'],
  ])('%s: totals are the 1y KPI point and months the twelve 1mo points', async (plantId, from, to) => {
    const body = await report(plantId, '2026');
    const [year] = await kpiPoints(plantId, '1y', from, to);
    const months = await kpiPoints(plantId, '1mo', from, to);
    const { start, end, ...yearFields } = year as Json;
    expect(body.totals).toEqual(yearFields);
    expect(body.period).toMatchObject({ start, end, until: new Date(NOW).toISOString() });
    expect(body.months).toEqual(months);
    expect(body.months).toHaveLength(12);
    expect((body.totals as Json).received_t).toBeGreaterThan(0);
    expect(body).toMatchObject({ plantId, year: 2026, complete: false, policy: 'diversion.gross.v1' });
    // Kazakhstan's targets for the Almaty plant; none known for a plant in India's zone.
    const kpis = (body.targets as Json[]).map((t) => t.kpi);
    expect(kpis).toEqual(plantId === AST ? ['diversion_rate', 'recycling_rate'] : []);
  });

  it('finds the known gap: five hours of 23 November missing, every day before the data, and the 25th so far', async () => {
    const body = await report(AST, '2026');
    const series = (body.coverage as { series: Json[] }).series;
    expect(series.map((s) => [s.metric, s.line])).toEqual([
      ['waste_fed', 'boiler-1'],
      ['electricity_generated', 'turbine'],
      ['electricity_exported', 'turbine'],
      ['heat_exported', 'heat'],
      ['furnace_temperature', 'boiler-1'],
    ]);
    const hours = (NOW - YEAR_START) / HOUR;
    for (const s of series) {
      expect(s).toMatchObject({
        goodHours: 48 - 5,
        hours,
        share: 43 / hours,
        gapDayCount: 328,
        gapDays: [
          { from: '2026-01-01', to: '2026-11-23', days: 327 },
          { from: '2026-11-25', to: '2026-11-25', days: 1 },
        ],
      });
    }
    // The other plant has no gap on its two days.
    const other = (await report(ALA, '2026')).coverage as { series: Json[] };
    expect(other.series[0]).toMatchObject({ goodHours: 48 });
  });

  it('leaves the hour still running out of coverage: half an hour later, the same hours and gap days', async () => {
    const later: ReportApiDeps = { ...deps, clock: { now: () => NOW + 30 * 60_000 } };
    const atNow = (await report(AST, '2026')).coverage as { series: Json[] };
    const halfPast = (await report(AST, '2026', later)).coverage as { series: Json[] };
    expect(halfPast.series.map((s) => [s.hours, s.goodHours, s.gapDayCount])).toEqual(
      atNow.series.map((s) => [s.hours, s.goodHours, s.gapDayCount]),
    );
    expect(halfPast.series[0]?.hours).toBe((NOW - YEAR_START) / HOUR);
  });

  it('gives the same coverage from raw readings when the store has no hourly aggregate', async () => {
    const raw = deps.metrics as Required<ReportApiDeps['metrics']>;
    const withoutAggregate: ReportApiDeps = {
      ...deps,
      metrics: {
        readReadings: (q) => raw.readReadings(q),
        readLastBefore: (p, m, b) => raw.readLastBefore(p, m, b),
        readMovements: (p, f, t) => raw.readMovements(p, f, t),
      },
    };
    const aggregate = await report(AST, '2026');
    const fallback = await report(AST, '2026', withoutAggregate);
    expect(fallback.coverage).toEqual(aggregate.coverage);
    expect(fallback.totals).toEqual(aggregate.totals);
  });

  it('takes the counters coverage from KPI rollup slots where the store keeps them, reading only the rest raw', async () => {
    const raw = deps.metrics as Required<ReportApiDeps['metrics']>;
    const rawReads: string[] = [];
    // A store with the rollup port and no aggregate (Timestream with its rollup): slots summarize its raw readings.
    const withSlots: ReportApiDeps = {
      ...deps,
      metrics: {
        readReadings: (q) => {
          rawReads.push(q.metric);
          return raw.readReadings(q);
        },
        readLastBefore: (p, m, b) => raw.readLastBefore(p, m, b),
        readMovements: (p, f, t) => raw.readMovements(p, f, t),
        readKpiCounterSlots: async (p, from, to) => ({
          before: (await Promise.all(KPI_COUNTER_METRICS.map((m) => raw.readLastBefore(p, m, from)))).flat(),
          slots: summarizeSlots(await counterReadingsOf(raw).readCounterReadings(p, from, to)),
        }),
      },
    };
    const aggregate = await report(AST, '2026');
    rawReads.length = 0;
    const fromSlots = await report(AST, '2026', withSlots);
    expect(fromSlots.coverage).toEqual(aggregate.coverage);
    expect(fromSlots.totals).toEqual(aggregate.totals);
    // Raw reads: the furnace temperature, a month at a time (December has not begun), and no counter.
    expect(rawReads).toEqual(Array(11).fill('furnace_temperature'));
  });

  it('computes R1 from the year so far and the plant settings, annual inputs scaled to the share of the year', async () => {
    const body = await report(AST, '2026');
    const totals = body.totals as {
      electricity_generated_mwh: number;
      heat_exported_mwh: number;
      fed_t: number;
    };
    const share = (NOW - YEAR_START) / (YEAR_END - YEAR_START);
    const expected = r1EnergyEfficiency({
      electricityProducedGJ: totals.electricity_generated_mwh * MWH_TO_GJ,
      heatCommercialGJ: totals.heat_exported_mwh * MWH_TO_GJ,
      wasteEnergyGJ: totals.fed_t * 9.5,
      importedGJ: 2_000 * share,
      fuelInputGJ: 500 * share,
      heatingDegreeDays: 5_200,
      permittedOn: '2021-03-15',
      calculationYear: 2026,
    });
    expect(body.r1).toMatchObject({
      value: expected.r1,
      reason: null,
      threshold: 0.65,
      climateCorrectionFactor: 1,
      yearShare: share,
    });
    expect((body.r1 as { value: number }).value).toBeGreaterThan(0);
  });

  it('answers R1 null naming the missing settings when the plant has none', async () => {
    const body = await report(ALA, '2026');
    expect(body.r1).toEqual({
      value: null,
      reason:
        'missing plant settings r1.wasteNcvGJPerT, r1.importedEnergyGJPerYear, r1.heatingDegreeDays, r1.permittedOn (docs/report.md)',
    });
  });

  it('counts the alerts opened in the plant-local year by type', async () => {
    const y2026 = (await report(AST, '2026')).alerts as Json;
    expect(y2026).toMatchObject({ total: 3, truncated: false });
    expect(y2026.byType).toMatchObject({ DIVERSION_BELOW_TARGET: 2, SENSOR_STALE: 1, LANDFILL_SPIKE: 0 });
    const y2025 = (await report(AST, '2025')).alerts as Json;
    expect(y2025).toMatchObject({ total: 1, byType: expect.objectContaining({ SENSOR_STALE: 1 }) });
    expect((await report(ALA, '2026')).alerts).toMatchObject({ total: 0 });
  });

  it('answers an unknown plant with a 404 problem', async () => {
    const response = await makeReportHandler(deps)(event('kz-nope-99', 'report', { year: '2026' }));
    expect(response.statusCode).toBe(404);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body)).toMatchObject({ type: 'urn:wte:problem:not-found', status: 404 });
  });

  it.each([
    ['missing', null, 'is required'],
    ['not four digits', { year: '26' }, 'four digits'],
    ['text', { year: "2026' OR 1=1" }, 'four digits'],
    ['after the current year', { year: '2027' }, 'must be from 1970 to 2026'],
    ['before 1970', { year: '1969' }, 'must be from 1970 to 2026'],
  ])('refuses a year that is %s with a 400 naming /query/year', async (_, query, detail) => {
    const response = await makeReportHandler(deps)(event(AST, 'report', query));
    expect(response.statusCode).toBe(400);
    const body = JSON.parse(response.body) as { type: string; errors: Json[] };
    expect(body.type).toBe('urn:wte:problem:invalid-query');
    expect(body.errors).toEqual([{ pointer: '/query/year', detail: expect.stringContaining(detail) }]);
  });

  it('refuses a year given twice and parameters it does not take', async () => {
    const twice = await makeReportHandler(deps)({
      ...event(AST, 'report', { year: '2026' }),
      multiValueQueryStringParameters: { year: ['2026', '2025'] },
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.body).toContain('must be given once');
    const extra = await makeReportHandler(deps)(event(AST, 'report', { year: '2026', format: 'html' }));
    expect(extra.statusCode).toBe(400);
    expect(JSON.parse(extra.body).errors).toEqual([
      { pointer: '/query', detail: 'this API takes one parameter: year' },
    ]);
  });
});
