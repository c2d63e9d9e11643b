import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiClient,
  ApiProblemError,
  ApiRequestError,
  apiClientFrom,
  type FetchLike,
  regionFromHost,
} from '../../cli/api-client.ts';
import { UsageError } from '../../cli/io.ts';
import {
  csvField,
  parseTimeArg,
  QUERY_OPTIONS,
  type QueryClient,
  queryCommand,
  toCsv,
} from '../../cli/query-command.ts';
import type { Clock } from '../../lambdas/domain/ports.ts';

const NOW = Date.parse('2026-11-24T10:15:30.250Z');
const clock: Clock = { now: () => NOW };

// ---------------------------------------------------------------------------
// A local API serving canned answers in two cursor pages

const KPI_POINTS = [
  {
    start: '2026-11-22T00:00:00+05:00',
    end: '2026-11-23T00:00:00+05:00',
    received_t: 412.34,
    landfilled_t: 120.06,
    recycled_t: 61.5,
    fed_t: 398.76,
    electricity_generated_mwh: 231.456,
    electricity_exported_mwh: 198.004,
    heat_exported_mwh: 410,
    diversion_rate: 0.70888,
    recycling_rate: 0.14915,
    net_mwh_per_t: 0.49655,
    mass_balance_gap: 0.02,
    complete: true,
  },
  {
    start: '2026-11-23T00:00:00+05:00',
    end: '2026-11-24T00:00:00+05:00',
    received_t: 0,
    landfilled_t: 0,
    recycled_t: 0,
    fed_t: 0,
    electricity_generated_mwh: 0,
    electricity_exported_mwh: 0,
    heat_exported_mwh: 0,
    diversion_rate: null,
    recycling_rate: null,
    net_mwh_per_t: null,
    mass_balance_gap: null,
    complete: true,
  },
  {
    start: '2026-11-24T00:00:00+05:00',
    end: '2026-11-25T00:00:00+05:00',
    received_t: 1234.5,
    landfilled_t: 0,
    recycled_t: 5.26,
    fed_t: 1000,
    electricity_generated_mwh: 600,
    electricity_exported_mwh: 512.344,
    heat_exported_mwh: 1500.5,
    diversion_rate: 1,
    recycling_rate: 0.0042527,
    net_mwh_per_t: 0.512344,
    mass_balance_gap: -0.00001,
    complete: false,
  },
];
/** An hour as the API answers it: tonnages and energies, the movement ratios null. */
const HOURLY_POINTS = [
  {
    ...KPI_POINTS[0],
    start: '2026-11-22T10:00:00+05:00',
    end: '2026-11-22T11:00:00+05:00',
    received_t: 61.2,
    fed_t: 17.5,
    electricity_exported_mwh: 8.75,
    diversion_rate: null,
    recycling_rate: null,
    net_mwh_per_t: 0.5,
    mass_balance_gap: null,
  },
];
const KPI_HEAD = {
  plantId: 'kz-ast-01',
  interval: '1d',
  timezone: 'Asia/Almaty',
  policy: 'diversion.gross.v1',
};
const SERIES_POINTS = [
  { ts: '2026-11-24T10:00:00Z', value: 912.4 },
  { ts: '2026-11-24T10:05:00Z', value: null },
  { ts: '2026-11-24T10:10:00Z', value: 850.25 },
];
const SERIES_HEAD = { plantId: 'kz-ast-01', metric: 'furnace_temperature', unit: 'degC' };

interface Seen {
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: IncomingHttpHeaders;
}
const seen: Seen[] = [];
let server: Server;
let target: string;

function answer(path: string, query: URLSearchParams): { status: number; body: unknown; headers?: object } {
  const cursor = query.get('cursor');
  if (query.get('from')?.startsWith('2020'))
    return {
      status: 400,
      headers: { 'content-type': 'application/problem+json' },
      body: {
        type: 'urn:wte:problem:invalid-query',
        title: 'Invalid query',
        status: 400,
        detail: 'the range holds more than 8784 hourly buckets',
        errors: [{ pointer: '/query/from', detail: 'more than 366 days before to' }],
      },
    };
  if (path === '/v1/plants/kz-ast-01/kpis') {
    if (cursor === null)
      return { status: 200, body: { ...KPI_HEAD, points: KPI_POINTS.slice(0, 2), nextCursor: 'page-2' } };
    if (cursor === 'page-2') return { status: 200, body: { ...KPI_HEAD, points: KPI_POINTS.slice(2) } };
  }
  if (path === '/v1/plants/kz-ast-01/series') {
    if (cursor === null)
      return { status: 200, body: { ...SERIES_HEAD, points: SERIES_POINTS.slice(0, 2), nextCursor: 'p/2+' } };
    if (cursor === 'p/2+') return { status: 200, body: { ...SERIES_HEAD, points: SERIES_POINTS.slice(2) } };
  }
  if (path === '/v1/plants/kz-hourly-01/kpis')
    return {
      status: 200,
      body: { ...KPI_HEAD, plantId: 'kz-hourly-01', interval: '1h', points: HOURLY_POINTS },
    };
  if (path === '/v1/plants/kz-flaky-01/kpis') {
    if (cursor === null)
      return { status: 200, body: { ...KPI_HEAD, points: KPI_POINTS.slice(0, 1), nextCursor: 'next' } };
    return {
      status: 503,
      headers: { 'content-type': 'application/problem+json', 'retry-after': '5' },
      body: { type: 'urn:wte:problem:unavailable', title: 'Service Unavailable', status: 503 },
    };
  }
  if (path === '/v1/plants/kz-gw-01/kpis') return { status: 403, body: { message: 'Forbidden' } };
  return {
    status: 404,
    headers: { 'content-type': 'application/problem+json' },
    body: { type: 'about:blank', title: 'Not Found', status: 404 },
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    seen.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers });
    const { status, body, headers } = answer(url.pathname, url.searchParams);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** The CLI as bin/wte.ts wires it: parseArgs with QUERY_OPTIONS, then the command. */
async function run(argv: readonly string[], client?: QueryClient) {
  const out: string[] = [];
  const err: string[] = [];
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: QUERY_OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  const code = await queryCommand(
    { out: (t) => out.push(t), err: (t) => err.push(t) },
    client ?? apiClientFrom(values, {}),
    { ...values, positionals },
    clock,
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function requestsSince(mark: number): Seen[] {
  return seen.slice(mark);
}

const KPIS = ['kpis', '--plant', 'kz-ast-01', '--from=-7d', '--interval', '1d'];
const SERIES = ['series', '--plant', 'kz-ast-01', '--metric', 'furnace_temperature', '--from', 'now-1h'];

describe('wte query kpis against a local API with two cursor pages', () => {
  it('follows the cursor with the same query and prints an aligned table, every point once', async () => {
    const mark = seen.length;
    const { code, out, err } = await run([...KPIS, '--target', target]);
    expect(err).toBe('3 points for kz-ast-01, interval 1d, time zone Asia/Almaty, policy diversion.gross.v1');
    expect(code).toBe(0);

    const requests = requestsSince(mark);
    expect(requests.map((r) => r.path)).toEqual(['/v1/plants/kz-ast-01/kpis', '/v1/plants/kz-ast-01/kpis']);
    const query = { from: '2026-11-17T10:15:30Z', to: '2026-11-24T10:15:30Z', interval: '1d' };
    expect(requests[0]?.query).toEqual(query);
    expect(requests[1]?.query).toEqual({ ...query, cursor: 'page-2' });
    for (const r of requests) {
      expect(r.headers.authorization).toBeUndefined();
      expect(r.headers['x-amz-date']).toBeUndefined();
    }

    expect(out.split('\n')).toEqual([
      'start                      end                        received_t  landfilled_t  recycled_t   fed_t  gen_mwh  export_mwh  heat_mwh  diversion  recycling  mwh_per_t  mass_gap  complete',
      '2026-11-22T00:00:00+05:00  2026-11-23T00:00:00+05:00       412.3         120.1        61.5   398.8   231.46      198.00    410.00      70.9%      14.9%      0.497      2.0%  yes',
      '2026-11-23T00:00:00+05:00  2026-11-24T00:00:00+05:00         0.0           0.0         0.0     0.0     0.00        0.00      0.00          -          -          -         -  yes',
      '2026-11-24T00:00:00+05:00  2026-11-25T00:00:00+05:00      1234.5           0.0         5.3  1000.0   600.00      512.34   1500.50     100.0%       0.4%      0.512      0.0%  no',
    ]);
  });

  it('prints CSV: the contract field names, raw numbers, empty fields for null', async () => {
    const mark = seen.length;
    const { code, out } = await run([...KPIS, '--target', target, '--format', 'csv']);
    expect(code).toBe(0);
    expect(requestsSince(mark)).toHaveLength(2);
    expect(out.split('\n')).toEqual([
      'start,end,received_t,landfilled_t,recycled_t,fed_t,electricity_generated_mwh,electricity_exported_mwh,heat_exported_mwh,diversion_rate,recycling_rate,net_mwh_per_t,mass_balance_gap,complete',
      '2026-11-22T00:00:00+05:00,2026-11-23T00:00:00+05:00,412.34,120.06,61.5,398.76,231.456,198.004,410,0.70888,0.14915,0.49655,0.02,true',
      '2026-11-23T00:00:00+05:00,2026-11-24T00:00:00+05:00,0,0,0,0,0,0,0,,,,,true',
      '2026-11-24T00:00:00+05:00,2026-11-25T00:00:00+05:00,1234.5,0,5.26,1000,600,512.344,1500.5,1,0.0042527,0.512344,-0.00001,false',
    ]);
  });

  it('prints JSON: the pages merged into one answer without a cursor', async () => {
    for (const flags of [['--format', 'json'], ['--json']]) {
      const mark = seen.length;
      const { code, out, err } = await run([...KPIS, '--target', target, ...flags]);
      expect(code).toBe(0);
      expect(err).toBe('');
      expect(requestsSince(mark)).toHaveLength(2);
      expect(JSON.parse(out)).toStrictEqual({ ...KPI_HEAD, points: KPI_POINTS });
      expect(out).toContain('\n  "plantId": "kz-ast-01",\n');
    }
  });

  it('prints hourly ratio cells as - with a note why, empty in CSV, null in JSON', async () => {
    const hourly = ['kpis', '--plant', 'kz-hourly-01', '--from=-1d', '--interval', '1h', '--target', target];
    const table = await run(hourly);
    expect(table.code).toBe(0);
    expect(table.err).toBe(
      '1 point for kz-hourly-01, interval 1h, time zone Asia/Almaty, policy diversion.gross.v1; diversion, recycling and mass_gap are answered for days only',
    );
    const [header, row] = table.out.split('\n').map((line) => line.trim().split(/\s+/));
    const cell = (name: string) => row?.[header?.indexOf(name) ?? -1];
    expect([cell('diversion'), cell('recycling'), cell('mass_gap')]).toEqual(['-', '-', '-']);
    expect([cell('received_t'), cell('mwh_per_t')]).toEqual(['61.2', '0.500']);
    const csv = await run([...hourly, '--format', 'csv']);
    expect(csv.out.split('\n')[1]).toBe(
      '2026-11-22T10:00:00+05:00,2026-11-22T11:00:00+05:00,61.2,120.06,61.5,17.5,231.456,8.75,410,,,0.5,,true',
    );
    const json = await run([...hourly, '--json']);
    expect(JSON.parse(json.out).points[0]).toMatchObject({
      diversion_rate: null,
      recycling_rate: null,
      mass_balance_gap: null,
      net_mwh_per_t: 0.5,
    });
  });

  it('reads the target from WTE_API_URL', async () => {
    const mark = seen.length;
    const client = apiClientFrom({}, { WTE_API_URL: target });
    const { code } = await run([...KPIS, '--json'], client);
    expect(code).toBe(0);
    expect(requestsSince(mark)).toHaveLength(2);
  });
});

describe('wte query series against a local API with two cursor pages', () => {
  it('prints a table with the metric and unit in the header, values to the decimals they need', async () => {
    const mark = seen.length;
    const argv = [...SERIES, '--interval', '5m', '--agg', 'max', '--line', 'boiler-1', '--target', target];
    const { code, out, err } = await run(argv);
    expect(code).toBe(0);
    expect(err).toBe('3 points for kz-ast-01, metric furnace_temperature, unit degC');
    const requests = requestsSince(mark);
    const query = {
      metric: 'furnace_temperature',
      line: 'boiler-1',
      from: '2026-11-24T09:15:30Z',
      to: '2026-11-24T10:15:30Z',
      interval: '5m',
      agg: 'max',
    };
    expect(requests.map((r) => r.query)).toEqual([query, { ...query, cursor: 'p/2+' }]);
    expect(out.split('\n')).toEqual([
      'ts                    furnace_temperature (degC)',
      '2026-11-24T10:00:00Z                      912.40',
      '2026-11-24T10:05:00Z                           -',
      '2026-11-24T10:10:00Z                      850.25',
    ]);
  });

  it('prints CSV and JSON with every point once', async () => {
    const mark = seen.length;
    const csv = await run([...SERIES, '--interval', '5m', '--target', target, '--format', 'csv']);
    expect(csv.code).toBe(0);
    // Options left out are not sent (the API's defaults apply: avg, every line).
    expect(requestsSince(mark).map((r) => Object.keys(r.query))).toEqual([
      ['metric', 'from', 'to', 'interval'],
      ['metric', 'from', 'to', 'interval', 'cursor'],
    ]);
    expect(csv.out).toBe(
      'ts,value\n2026-11-24T10:00:00Z,912.4\n2026-11-24T10:05:00Z,\n2026-11-24T10:10:00Z,850.25',
    );
    const json = await run([...SERIES, '--interval', '5m', '--target', target, '--json']);
    expect(JSON.parse(json.out)).toStrictEqual({ ...SERIES_HEAD, points: SERIES_POINTS });
  });
});

describe('wte query when the API refuses or cannot be reached', () => {
  it('exits 1 on a 400 problem and shows its title, detail and pointer', async () => {
    const { code, out, err } = await run([
      ...['kpis', '--plant', 'kz-ast-01', '--interval', '1h', '--target', target],
      ...['--from', '2020-01-01T00:00:00Z', '--to', '2026-01-01T00:00:00+05:00'],
    ]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe(
      'wte: 400 Invalid query: the range holds more than 8784 hourly buckets (/query/from: more than 366 days before to)',
    );
  });

  it('exits 1 without partial output when a later page fails, with its Retry-After', async () => {
    const { code, out, err } = await run([...KPIS, '--plant', 'kz-flaky-01', '--target', target]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe('wte: 503 Service Unavailable (retry after 5 s)');
  });

  it('shows an API Gateway error that is not problem+json', async () => {
    const { code, err } = await run([...KPIS, '--plant', 'kz-gw-01', '--target', target]);
    expect(code).toBe(1);
    expect(err).toBe('wte: 403 Forbidden: Forbidden');
  });

  it('names the target it cannot reach', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { code, err } = await run([...KPIS, '--target', `http://127.0.0.1:${port}/`]);
    expect(code).toBe(1);
    expect(err).toContain(`wte: cannot reach http://127.0.0.1:${port}: ECONNREFUSED`);
  });
});

// ---------------------------------------------------------------------------
// Paging bounds (fetch injected)

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('ApiClient paging', () => {
  it('stops after maxPages pages', async () => {
    let calls = 0;
    const fetch: FetchLike = async () => {
      calls += 1;
      return jsonResponse({ points: [calls], nextCursor: `c${calls}` });
    };
    const client = new ApiClient({ baseUrl: 'http://127.0.0.1:8787', fetch, maxPages: 3 });
    await expect(client.get('/v1/x')).rejects.toThrow(
      /stopped after 3 pages from http:\/\/127\.0\.0\.1:8787/,
    );
    expect(calls).toBe(3);
    const roomy = new ApiClient({
      baseUrl: 'http://127.0.0.1:8787',
      fetch: async (url) =>
        jsonResponse(
          url.includes('cursor=c2')
            ? { points: [3] }
            : { points: [1], nextCursor: url.includes('cursor') ? 'c2' : 'c1' },
        ),
      maxPages: 3,
    });
    expect(await roomy.get('/v1/x')).toEqual({ points: [1, 1, 3] });
  });

  it('refuses a cursor that comes back', async () => {
    const client = new ApiClient({
      baseUrl: 'http://127.0.0.1:8787',
      fetch: async () => jsonResponse({ points: [], nextCursor: 'same' }),
    });
    await expect(client.get('/v1/x')).rejects.toThrow(ApiRequestError);
    await expect(client.get('/v1/x')).rejects.toThrow(/cursor "same" twice/);
  });

  it('refuses a success that is not a JSON object', async () => {
    const client = new ApiClient({
      baseUrl: 'http://127.0.0.1:8787',
      fetch: async () => new Response('<html>hello</html>', { status: 200 }),
    });
    await expect(client.get('/v1/x')).rejects.toThrow(/without a JSON object/);
  });

  it('turns a problem into ApiProblemError with its members, control characters removed', async () => {
    const client = new ApiClient({
      baseUrl: 'http://127.0.0.1:8787',
      fetch: async () =>
        jsonResponse(
          {
            type: 'urn:wte:problem:invalid-query',
            title: 'Invalid\u001b[31m query',
            status: 400,
            detail: 'bad',
            errors: [{ pointer: '/query/interval', detail: 'must be 1h or 1d' }, 'junk'],
          },
          400,
        ),
    });
    const error = await client.get('/v1/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiProblemError);
    expect(error).toMatchObject({
      status: 400,
      title: 'Invalid [31m query',
      detail: 'bad',
      type: 'urn:wte:problem:invalid-query',
      errors: [{ pointer: '/query/interval', detail: 'must be 1h or 1d' }],
    });
  });
});

// ---------------------------------------------------------------------------
// SigV4

const AWS_URL = 'https://abc123.execute-api.eu-central-1.amazonaws.com/prod';
const SIGNING_NOW: Clock = { now: () => Date.parse('2026-11-24T10:00:00Z') };
const CREDENTIALS = { accessKeyId: 'AKID', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

interface Captured {
  url: string;
  headers: Record<string, string>;
}

function capturingFetch(captured: Captured[]): FetchLike {
  return async (url, init) => {
    captured.push({ url, headers: { ...(init.headers as Record<string, string>) } });
    return jsonResponse({ plantId: 'kz-ast-01', points: [] });
  };
}

/** An independent SigV4 check of what was actually sent (URL and headers). */
function expectedSignature(sent: Captured, secret: string): string {
  const url = new URL(sent.url);
  const auth = sent.headers.authorization ?? '';
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(';') ?? [];
  const scope = /Credential=[^/]+\/([^,]+)/.exec(auth)?.[1] ?? '';
  const [date, region, service] = scope.split('/');
  const rfc3986 = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const headers: Record<string, string> = { ...sent.headers, host: url.host };
  const canonical = [
    'GET',
    url.pathname
      .split('/')
      .map((segment) => rfc3986(segment))
      .join('/'),
    [...url.searchParams]
      .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
      .sort()
      .join('&'),
    ...signedHeaders.map((h) => `${h}:${(headers[h] ?? '').trim()}`),
    '',
    signedHeaders.join(';'),
    headers['x-amz-content-sha256'] ?? createHash('sha256').update('').digest('hex'),
  ].join('\n');
  const toSign = [
    'AWS4-HMAC-SHA256',
    headers['x-amz-date'],
    scope,
    createHash('sha256').update(canonical).digest('hex'),
  ].join('\n');
  let key: Buffer = Buffer.from(`AWS4${secret}`);
  for (const part of [date, region, service, 'aws4_request'])
    key = createHmac('sha256', key)
      .update(part ?? '')
      .digest();
  return createHmac('sha256', key).update(toSign).digest('hex');
}

describe('SigV4 signing of API Gateway targets', () => {
  it('signs a request to an execute-api URL with the region of its host', async () => {
    const captured: Captured[] = [];
    const client = apiClientFrom(
      { target: AWS_URL },
      {},
      {
        fetch: capturingFetch(captured),
        credentials: async () => CREDENTIALS,
        clock: SIGNING_NOW,
      },
    );
    expect(client.signingRegion).toBe('eu-central-1');
    const { code } = await run(
      ['kpis', '--plant', 'kz-ast-01', '--interval', '1h', '--from', '2026-11-24T00:00:00+05:00', '--json'],
      client,
    );
    expect(code).toBe(0);
    const [sent] = captured;
    expect(captured).toHaveLength(1);
    expect(sent?.url).toBe(
      `${AWS_URL}/v1/plants/kz-ast-01/kpis?from=2026-11-24T00%3A00%3A00%2B05%3A00&to=2026-11-24T10%3A15%3A30Z&interval=1h`,
    );
    const auth = sent?.headers.authorization ?? '';
    expect(
      auth.startsWith('AWS4-HMAC-SHA256 Credential=AKID/20261124/eu-central-1/execute-api/aws4_request'),
    ).toBe(true);
    expect(sent?.headers['x-amz-date']).toBe('20261124T100000Z');
    expect(auth).toMatch(/SignedHeaders=[^,]*host/);
    expect(sent?.headers.host).toBeUndefined();
    expect(/Signature=([0-9a-f]{64})$/.exec(auth)?.[1]).toBe(
      expectedSignature(sent as Captured, CREDENTIALS.secretAccessKey),
    );
  });

  it('signs every page, with the session token of temporary credentials', async () => {
    const captured: Captured[] = [];
    let page = 0;
    const client = new ApiClient({
      baseUrl: AWS_URL,
      fetch: async (url, init) => {
        captured.push({ url, headers: { ...(init.headers as Record<string, string>) } });
        page += 1;
        return jsonResponse(page === 1 ? { points: [1], nextCursor: 'x/y=' } : { points: [2] });
      },
      credentials: async () => ({ ...CREDENTIALS, sessionToken: 'TOKEN' }),
      clock: SIGNING_NOW,
    });
    expect(await client.get('/v1/plants/p/kpis', { interval: '1d' })).toEqual({ points: [1, 2] });
    expect(captured[1]?.url).toContain('cursor=x%2Fy%3D');
    for (const sent of captured) {
      expect(sent.headers['x-amz-security-token']).toBe('TOKEN');
      expect(/Signature=([0-9a-f]{64})$/.exec(sent.headers.authorization ?? '')?.[1]).toBe(
        expectedSignature(sent, CREDENTIALS.secretAccessKey),
      );
    }
  });

  it('does not sign a plain http local target, and never asks for credentials', async () => {
    const captured: Captured[] = [];
    let asked = 0;
    const client = apiClientFrom(
      { target: 'http://127.0.0.1:8787' },
      { AWS_REGION: 'eu-central-1' },
      {
        fetch: capturingFetch(captured),
        credentials: async () => {
          asked += 1;
          return CREDENTIALS;
        },
        clock: SIGNING_NOW,
      },
    );
    expect(client.signingRegion).toBeUndefined();
    expect((await run([...KPIS, '--json'], client)).code).toBe(0);
    expect(captured).toHaveLength(1);
    expect(Object.keys(captured[0]?.headers ?? {}).sort()).toEqual(['accept', 'user-agent']);
    expect(asked).toBe(0);
  });

  it('signs any target with --sigv4, in the region of --region or AWS_REGION', async () => {
    const captured: Captured[] = [];
    const deps = {
      fetch: capturingFetch(captured),
      credentials: async () => CREDENTIALS,
      clock: SIGNING_NOW,
    };
    const custom = 'https://api.example.com';
    expect(() => apiClientFrom({ target: custom, sigv4: true }, {}, deps)).toThrow(UsageError);
    expect(apiClientFrom({ target: custom }, {}, deps).signingRegion).toBeUndefined();
    const byEnv = apiClientFrom({ target: custom, sigv4: true }, { AWS_REGION: 'us-west-2' }, deps);
    await byEnv.get('/v1/x');
    expect(captured[0]?.headers.authorization).toContain(
      'Credential=AKID/20261124/us-west-2/execute-api/aws4_request',
    );
    const byFlag = apiClientFrom({ target: AWS_URL, region: 'eu-west-1' }, { AWS_REGION: 'us-west-2' }, deps);
    expect(byFlag.signingRegion).toBe('eu-west-1');
    // The host's region wins over the environment's default region.
    expect(apiClientFrom({ target: AWS_URL }, { AWS_REGION: 'us-west-2' }, deps).signingRegion).toBe(
      'eu-central-1',
    );
  });

  it('reports missing AWS credentials as a request error naming the target', async () => {
    const client = new ApiClient({
      baseUrl: AWS_URL,
      fetch: capturingFetch([]),
      credentials: async () => {
        throw new Error('Could not load credentials from any providers');
      },
    });
    await expect(client.get('/v1/x')).rejects.toThrow(
      `no AWS credentials to sign the request to ${AWS_URL}: Could not load credentials from any providers`,
    );
  });
});

describe('targets', () => {
  it.each([
    ['abc123.execute-api.eu-central-1.amazonaws.com', 'eu-central-1'],
    ['ABC.execute-api.US-EAST-1.amazonaws.com', 'us-east-1'],
    ['abc123.lambda-url.eu-central-1.on.aws', undefined],
    ['execute-api.eu-central-1.amazonaws.com.evil.example', undefined],
    ['127.0.0.1', undefined],
  ])('region of %s is %s', (host, region) => {
    expect(regionFromHost(host)).toBe(region);
  });

  it('defaults to local mode, prefers --target over WTE_API_URL, and refuses what is not an http URL', () => {
    expect(apiClientFrom({}, {}).target).toBe('http://127.0.0.1:8787');
    expect(apiClientFrom({}, { WTE_API_URL: 'http://localhost:9000/' }).target).toBe('http://localhost:9000');
    expect(apiClientFrom({ target: 'http://127.0.0.1:1234' }, { WTE_API_URL: 'http://x:1' }).target).toBe(
      'http://127.0.0.1:1234',
    );
    expect(() => apiClientFrom({ target: 'not a url' }, {})).toThrow(UsageError);
    expect(() => apiClientFrom({ target: 'ftp://127.0.0.1/' }, {})).toThrow(/http or https/);
    expect(() => apiClientFrom({ target: 'http://user:pw@127.0.0.1/' }, {})).toThrow(/credentials/);
  });
});

// ---------------------------------------------------------------------------
// Time arguments

describe('--from/--to times', () => {
  it.each([
    ['now', '2026-11-24T10:15:30Z'],
    ['NOW', '2026-11-24T10:15:30Z'],
    ['-7d', '2026-11-17T10:15:30Z'],
    ['now-24h', '2026-11-23T10:15:30Z'],
    ['-30m', '2026-11-24T09:45:30Z'],
    ['-90s', '2026-11-24T10:14:00Z'],
    ['-2w', '2026-11-10T10:15:30Z'],
    ['+1h', '2026-11-24T11:15:30Z'],
    ['now-1D', '2026-11-23T10:15:30Z'],
    ['-1y', '2025-11-24T10:15:30Z'],
    ['now-3mo', '2026-08-24T10:15:30Z'],
    ['+2MO', '2027-01-24T10:15:30Z'],
    ['2026-11-24T00:00:00+05:00', '2026-11-24T00:00:00+05:00'],
    ['2026-11-24T00:00:00.5Z', '2026-11-24T00:00:00.5Z'],
    ['2024-02-29T23:59:59-03:30', '2024-02-29T23:59:59-03:30'],
  ])('%s is %s', (input, expected) => {
    const parsed = parseTimeArg(input, NOW);
    expect(parsed.text).toBe(expected);
    expect(parsed.ms).toBe(Date.parse(expected));
  });

  it('counts calendar months in UTC, a day past the end of the month clamped to its last day', () => {
    const march31 = Date.parse('2026-03-31T12:00:00Z');
    expect(parseTimeArg('-1mo', march31).text).toBe('2026-02-28T12:00:00Z');
    expect(parseTimeArg('-1y', Date.parse('2024-02-29T00:00:00Z')).text).toBe('2023-02-28T00:00:00Z');
    expect(parseTimeArg('-12mo', march31).ms).toBe(parseTimeArg('-1y', march31).ms);
  });

  it.each([
    '',
    'yesterday',
    '7d',
    '-7',
    '-7x',
    '-7mon',
    '--7d',
    'now-',
    '2026-11-24',
    '2026-11-24T10:00:00',
    '2026-02-30T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-11-24T24:00:00Z',
    '2026-11-24T10:60:00Z',
    '2026-11-24T10:00:00+25:00',
    '1795514390000',
  ])('%j is refused', (input) => {
    expect(() => parseTimeArg(input, NOW, '--to')).toThrow(UsageError);
    expect(() => parseTimeArg(input, NOW, '--to')).toThrow(/^--to /);
  });
});

// ---------------------------------------------------------------------------
// CSV

describe('CSV', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\r', '"cr\r"'],
    [null, ''],
    [undefined, ''],
    [0, '0'],
    [-0.5, '-0.5'],
    [false, 'false'],
  ])('field %j is %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('writes a header and a row per point in field order', () => {
    expect(toCsv(['a', 'b', 'c'], [{ c: 1, a: 'x,y', b: null }, { a: 'z' }])).toBe('a,b,c\n"x,y",,1\nz,,');
  });
});

// ---------------------------------------------------------------------------
// Usage errors

describe('usage errors exit 2 before any request', () => {
  const refusing: QueryClient = {
    get: async () => {
      throw new Error('no request expected');
    },
  };
  const base = ['--plant', 'kz-ast-01', '--from', 'now-1d'];
  it.each([
    [[], 'say what to query'],
    [['alerts', ...base], 'unknown query "alerts"'],
    [['kpis', 'extra', ...base, '--interval', '1d'], 'unexpected argument "extra"'],
    [['kpis', '--from', 'now-1d', '--interval', '1d'], '--plant PLANT_ID is required'],
    [['kpis', '--plant', 'KZ AST', '--from', 'now-1d', '--interval', '1d'], 'is not a plant id'],
    [['kpis', '--plant', '../admin', '--from', 'now-1d', '--interval', '1d'], 'is not a plant id'],
    [['kpis', '--plant', 'kz-ast-01', '--interval', '1d'], '--from TIME is required'],
    [['kpis', ...base], '--interval is required: 1h, 1d, 1mo or 1y'],
    [['kpis', ...base, '--interval', '15m'], '--interval for kpis must be 1h, 1d, 1mo or 1y'],
    [['kpis', '--plant', 'p', '--from', 'yesterday', '--interval', '1d'], '--from "yesterday" is not a time'],
    [['kpis', '--plant', 'p', '--from', 'now', '--to=-1d', '--interval', '1d'], 'is not before --to'],
    [['kpis', ...base, '--interval', '1d', '--metric', 'co'], '--metric applies to series only'],
    [['kpis', ...base, '--interval', '1d', '--agg', 'max'], '--agg applies to series only'],
    [['kpis', ...base, '--interval', '1d', '--line', 'boiler-1'], '--line applies to series only'],
    [['kpis', ...base, '--interval', '1d', '--format', 'xml'], '--format must be one of table, json, csv'],
    [['kpis', ...base, '--interval', '1d', '--format', 'csv', '--json'], '--json contradicts --format csv'],
    [['series', ...base, '--interval', '5m'], '--metric METRIC is required'],
    [['series', ...base, '--interval', '5m', '--metric', 'co2'], 'unknown metric "co2"'],
    [['series', ...base, '--interval', '5m', '--metric', 'co', '--agg', 'median'], '--agg must be one of'],
  ])('%j', async (argv, message) => {
    const { code, out, err } = await run(argv, refusing);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(message);
    expect(err).toContain('Usage: wte query kpis');
  });

  it('needs --from=-7d for a dash value (parseArgs), which works', async () => {
    await expect(
      run(['kpis', '--plant', 'p', '--from', '-7d', '--interval', '1d'], refusing),
    ).rejects.toThrow(/--from=-XYZ/);
    const seenQueries: unknown[] = [];
    const client: QueryClient = {
      get: async (_path, query) => {
        seenQueries.push(query);
        return { points: [] };
      },
    };
    expect(
      (await run(['kpis', '--plant', 'p', '--from=-7d', '--interval', '1d', '--json'], client)).code,
    ).toBe(0);
    expect(seenQueries).toEqual([
      { from: '2026-11-17T10:15:30Z', to: '2026-11-24T10:15:30Z', interval: '1d' },
    ]);
  });
});
