/**
 * The zod query reader against the contract, by construction: every value is
 * drawn valid or invalid, so the errors a query must get are known before it
 * is read. The reader lists exactly those pointers, accepts exactly the rest,
 * and never throws, whatever the event holds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALERTS_QUERY } from '../../lambdas/handlers/alerts-api.ts';
import { KPI_QUERY, MAX_KPI_RANGE_DAYS } from '../../lambdas/handlers/kpis-handler.ts';
import {
  LATEST_QUERY_TIME,
  parseQuery,
  type QueryEvent,
  readQuery,
} from '../../lambdas/handlers/query-parameters.ts';
import { REPORT_QUERY } from '../../lambdas/handlers/report-api.ts';
import { SERIES_QUERY } from '../../lambdas/handlers/series-handler.ts';

const DAY = 86_400_000;
const PLANT = { plantId: 'kz-ast-01' };
const KPI_NAMES = ['from', 'to', 'interval', 'cursor'];

function event(query: Record<string, unknown> | null, multi?: Record<string, unknown> | null): QueryEvent {
  return {
    httpMethod: 'GET',
    path: '/v1/plants/kz-ast-01/kpis',
    headers: {},
    body: null,
    isBase64Encoded: false,
    pathParameters: PLANT,
    queryStringParameters: query as Record<string, string>,
    ...(multi === undefined ? {} : { multiValueQueryStringParameters: multi as Record<string, string[]> }),
  };
}

/** Own enumerable properties, as API Gateway's JSON makes them (a `__proto__` name included). */
function own(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  for (const [name, value] of entries)
    Object.defineProperty(query, name, { value, enumerable: true, writable: true, configurable: true });
  return query;
}

/** A time the contract takes: epoch ms text or RFC 3339 with an offset, 1970 to 9999. */
const validTime = fc
  .tuple(fc.integer({ min: 0, max: LATEST_QUERY_TIME }), fc.boolean())
  .map(([ms, asText]) => ({ ms, text: asText ? String(ms) : new Date(ms).toISOString() }));

const invalidTime = fc.constantFrom(
  '',
  'yesterday',
  '2026-11-23T00:00:00',
  '2026-02-30T00:00:00Z',
  '1969-12-31T23:59:59Z',
  '-1',
  '1795514390000.5',
  '99999999999999999',
  '253402300800000',
  "2026-11-23T00:00:00Z' OR 1=1",
);

const unknownName = fc
  .oneof(
    fc.constantFrom('intervall', 'metric', '__proto__', 'constructor', "a'b", 'x'.repeat(300)),
    fc.string(),
  )
  .filter((name) => !KPI_NAMES.includes(name));

type Drawn = { ok: true; ms: number; text: string } | { ok: false; text: string };
const time: fc.Arbitrary<Drawn> = fc.oneof(
  { arbitrary: validTime.map((t) => ({ ok: true as const, ...t })), weight: 4 },
  invalidTime.map((text) => ({ ok: false as const, text })),
);

describe('the zod query reader agrees with the contract', () => {
  it('KPIs: lists exactly the errors the drawn query must have, and accepts every other query', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        time,
        time,
        fc.option(fc.integer({ min: -DAY, max: 40 * DAY })),
        fc.constantFrom('1h', '1d', '1mo', '1y', '15m', '1H', ''),
        fc.array(unknownName, { maxLength: 3 }),
        fc.subarray(['from', 'interval']),
        (from, drawnTo, span, interval, unknown, twice) => {
          // Often `to` lies a span after a valid `from`, so valid ranges are common too.
          const near = from.ok && span !== null ? from.ms + span : Number.NaN;
          const to: Drawn =
            near >= 0 && near <= LATEST_QUERY_TIME ? { ok: true, ms: near, text: String(near) } : drawnTo;
          const entries: Array<[string, unknown]> = [
            ['from', from.text],
            ['to', to.text],
            ['interval', interval],
          ];
          for (const name of unknown) entries.push([name, '1']);
          const multi = Object.fromEntries(twice.map((name) => [name, ['1', '1']]));
          const read = readQuery(event(own(entries), multi), KPI_QUERY, PLANT);

          const expected: string[] = [];
          if (unknown.length > 0) expected.push('unknown');
          for (const name of twice) expected.push(`/query/${name}`);
          const fromOk = from.ok && !twice.includes('from');
          const intervalOk = interval in MAX_KPI_RANGE_DAYS && !twice.includes('interval');
          if (!fromOk && !twice.includes('from')) expected.push('/query/from');
          if (!to.ok) expected.push('/query/to');
          if (!intervalOk && !twice.includes('interval')) expected.push('/query/interval');
          if (fromOk && to.ok) {
            if (!(to.ms > from.ms)) expected.push('/query/to');
            else if (intervalOk) {
              const days = MAX_KPI_RANGE_DAYS[interval as keyof typeof MAX_KPI_RANGE_DAYS];
              if (to.ms - from.ms > days * DAY) expected.push('/query/to');
            }
          }

          if (read.ok) {
            expect(expected).toEqual([]);
            accepted++;
            expect(read.query).toMatchObject({
              from: (from as { ms: number }).ms,
              to: (to as { ms: number }).ms,
            });
            return;
          }
          const pointers = read.errors.map((e) =>
            e.detail.startsWith('is not a parameter of this API') ? 'unknown' : e.pointer,
          );
          expect(pointers.sort()).toEqual(expected.sort());
          if (fromOk && to.ok && !(to.ms > from.ms))
            expect(read.errors).toContainEqual({ pointer: '/query/to', detail: 'must be later than from' });
        },
      ),
      { numRuns: 2000 },
    );
    expect(accepted).toBeGreaterThan(10);
  });

  it('KPIs: accepts any valid from/to pair within the interval range, and refuses any to <= from', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: DAY, max: LATEST_QUERY_TIME - DAY }),
        fc.integer({ min: -DAY, max: DAY }),
        fc.constantFrom('1h', '1d', '1mo', '1y'),
        (from, span, interval) => {
          const to = from + span;
          const read = readQuery(
            event({ from: String(from), to: new Date(to).toISOString(), interval }),
            KPI_QUERY,
            PLANT,
          );
          if (span > 0) expect(read).toEqual({ ok: true, query: { ...PLANT, from, to, interval } });
          else
            expect(read).toEqual({
              ok: false,
              errors: [{ pointer: '/query/to', detail: 'must be later than from' }],
            });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('series: a range of more than 100,000 buckets is refused at /query/to, listed after the line', () => {
    const read = readQuery(
      event({ metric: 'co', from: '0', to: String(100_000 * 60_000 + 1), interval: '1m', line: 'a b' }),
      SERIES_QUERY,
      PLANT,
    );
    expect(read.ok).toBe(false);
    expect(!read.ok && read.errors.map((e) => e.pointer)).toEqual(['/query/line', '/query/to']);
  });

  it('never throws, whatever the event holds, and every error points into the query', () => {
    const junk = fc.oneof(fc.string(), fc.anything(), fc.array(fc.string(), { maxLength: 3 }));
    const query = fc
      .array(
        fc.tuple(fc.oneof(fc.constantFrom(...KPI_NAMES, 'metric', 'year', 'limit'), fc.string()), junk),
        {
          maxLength: 6,
        },
      )
      .map(own);
    fc.assert(
      fc.property(fc.option(query), fc.option(query), (single, multi) => {
        const e = event(single, multi);
        for (const read of [
          readQuery(e, KPI_QUERY, PLANT),
          readQuery(e, SERIES_QUERY, PLANT),
          readQuery(e, REPORT_QUERY),
        ]) {
          if (!read.ok) {
            expect(read.errors.length).toBeGreaterThan(0);
            for (const error of read.errors) {
              expect(error.pointer).toMatch(/^\/query(\/|$)/);
              expect(error.detail.length).toBeLessThan(200);
            }
          }
        }
        const alerts = parseQuery(ALERTS_QUERY, single ?? {});
        if (!alerts.ok) for (const e of alerts.errors) expect(e.pointer).toMatch(/^\/query\//);
      }),
      { numRuns: 1000 },
    );
  });

  it('report: a year of four digits is read as a number; one year only', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), (year) => {
        const text = String(year).padStart(4, '0');
        expect(readQuery(event({ year: text }), REPORT_QUERY)).toEqual({ ok: true, query: { year } });
      }),
    );
    expect(readQuery(event({ year: '2026', format: 'html', x: '1' }), REPORT_QUERY)).toEqual({
      ok: false,
      errors: [{ pointer: '/query', detail: 'this API takes one parameter: year' }],
    });
  });

  it('alerts: a value that is not text is refused, not handed to the store', () => {
    for (const [name, value] of [
      ['plantId', ['kz-ast-01']],
      ['state', ['open']],
      ['limit', 5],
      ['cursor', 5],
    ] as const) {
      const read = parseQuery(ALERTS_QUERY, { [name]: value });
      expect(read.ok).toBe(false);
      expect(!read.ok && read.errors.map((e) => e.pointer)).toEqual([`/query/${name}`]);
    }
    expect(parseQuery(ALERTS_QUERY, { other: 'x' })).toEqual({ ok: true, query: { limit: 100 } });
  });
});
