/**
 * Local mode's HTTP server serves the route table (lambdas/handlers/api-routes.ts):
 * every route reaches its handler with its path parameters decoded, another
 * method is 405 with the route's method in `Allow`, a path no route has is
 * 404, and the table's flags hold (token routes go through the authorizer,
 * the backlog bound refuses only bounded routes, cross-origin browsers are
 * refused only on same-origin routes). The KPI and series routes run their
 * real handlers, so a path that cannot name a plant is 404 without a store call.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuthorizerPolicy } from '../../lambdas/auth/policy.ts';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import type { StoredReading } from '../../lambdas/domain/ports.ts';
import { API_ROUTES, type ApiHandlerName, type ApiRoute } from '../../lambdas/handlers/api-routes.ts';
import type { QueryEvent } from '../../lambdas/handlers/query-api.ts';
import { makeKpisHandler, makeSeriesHandler, type QueryApiDeps } from '../../lambdas/handlers/query-api.ts';
import type { Overload } from '../../lambdas/local/backlog-bound.ts';
import { type LocalApi, type RunningHttpServer, startHttpServer } from '../../lambdas/local/http-server.ts';
import { FixedClock } from '../support/memory-ports.ts';

const PLANT = 'kz-ast-01';
const TOKEN = 'Bearer route-table-token';
const OVERLOAD: Overload = { reason: 'age', retryAfterSeconds: 3, detail: 'The pipeline is 9 s behind.' };

/** Answers which handler ran, with the path parameters and authorizer context it was given. */
function echo(name: ApiHandlerName) {
  return async (event: QueryEvent): Promise<APIGatewayProxyResult> => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      handler: name,
      pathParameters: event.pathParameters,
      gateway: event.requestContext?.authorizer?.gatewayId ?? null,
    }),
  });
}

const allowAll: AuthorizerPolicy = {
  principalId: 'gw-1',
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: ['*'] }],
  },
  context: { gatewayId: 'gw-1' },
};

let storeCalls = 0;
function counted<T>(value: T): T {
  storeCalls++;
  return value;
}
const queryDeps: QueryApiDeps = {
  metrics: {
    readReadings: async () => counted<StoredReading[]>([]),
    readLastBefore: async () => counted<StoredReading[]>([]),
    readMovements: async () => counted([]),
  },
  plants: { getPlant: async (id) => counted(id === PLANT ? defaultPlantConfig(PLANT) : undefined) },
  clock: new FixedClock(Date.parse('2026-11-25T00:00:00+05:00')),
};

let overloaded = false;
function localApi(withReport: boolean): LocalApi {
  return {
    authorizer: async ({ headers }) => {
      if (headers.authorization !== TOKEN) throw new Error('Unauthorized');
      return allowAll;
    },
    ingest: echo('ingest'),
    kpis: echo('kpis'),
    series: echo('series'),
    ...(withReport ? { report: echo('report') } : {}),
    listAlerts: echo('listAlerts'),
    ackAlert: echo('acknowledgeAlert'),
    listPlants: echo('plants'),
    admit: () => (overloaded ? OVERLOAD : undefined),
    ready: () => true,
    log: () => undefined,
  };
}

let server: RunningHttpServer;
let withoutReport: RunningHttpServer;
let realQueries: RunningHttpServer;
beforeAll(async () => {
  server = await startHttpServer(localApi(true), 0);
  withoutReport = await startHttpServer(localApi(false), 0);
  realQueries = await startHttpServer(
    { ...localApi(false), kpis: makeKpisHandler(queryDeps), series: makeSeriesHandler(queryDeps) },
    0,
  );
});
afterAll(async () => {
  await Promise.all([server?.close(), withoutReport?.close(), realQueries?.close()]);
});
beforeEach(() => {
  overloaded = false;
  storeCalls = 0;
});

/** The route's path with each parameter set to a value that needs percent-encoding. */
function concrete(route: ApiRoute): string {
  return route.path.replace(/\{[A-Za-z0-9]+\}/g, 'a%20b');
}

async function call(
  base: RunningHttpServer,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; allow: string | null }> {
  const response = await fetch(`${base.url}${path}`, {
    method,
    headers: { authorization: TOKEN, ...headers },
    ...(method === 'POST' ? { body: '{}' } : {}),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    allow: response.headers.get('allow'),
  };
}

const name = (route: ApiRoute) => `${route.method} ${route.path}`;

describe.each(API_ROUTES.map((route) => [name(route), route] as const))('the local route %s', (_, route) => {
  it('reaches its handler with the path parameters decoded', async () => {
    const { status, body } = await call(server, route.method, concrete(route));
    expect(status).toBe(200);
    expect(body.handler).toBe(route.handler);
    const expected = Object.fromEntries(
      (route.path.match(/\{[A-Za-z0-9]+\}/g) ?? []).map((p) => [p.slice(1, -1), 'a b']),
    );
    expect(body.pathParameters).toEqual(Object.keys(expected).length > 0 ? expected : null);
  });

  it("answers another method 405 with the route's method in Allow", async () => {
    for (const other of ['GET', 'POST', 'PUT', 'DELETE'].filter((m) => m !== route.method)) {
      const { status, body, allow } = await call(server, other, concrete(route));
      expect(status, other).toBe(405);
      expect(allow).toBe(route.method);
      expect(body.type).toBe('urn:wte:problem:method-not-allowed');
    }
  });

  it(route.auth === 'token' ? 'needs a gateway token' : 'is open on loopback (IAM on AWS)', async () => {
    const { status, body } = await call(server, route.method, concrete(route), {
      authorization: 'Bearer wrong',
    });
    expect(status).toBe(route.auth === 'token' ? 401 : 200);
    if (route.auth === 'token') expect(body.type).toBe('urn:wte:problem:unauthorized');
    else expect(body.gateway).toBeNull();
  });

  it(
    route.boundedByBacklog
      ? 'is refused while the pipeline is behind'
      : 'is served while the pipeline is behind',
    async () => {
      overloaded = true;
      const { status } = await call(server, route.method, concrete(route));
      expect(status).toBe(route.boundedByBacklog ? 503 : 200);
    },
  );

  it(`${route.sameOriginOnly ? 'refuses' : 'serves'} a browser on another site`, async () => {
    const foreign = await call(server, route.method, concrete(route), { origin: 'https://evil.example' });
    expect(foreign.status).toBe(route.sameOriginOnly ? 403 : 200);
    const own = await call(server, route.method, concrete(route), { origin: server.url });
    expect(own.status).toBe(200);
  });
});

describe('routes outside the table', () => {
  it('are 404, and so is an optional route without its handler', async () => {
    const report = API_ROUTES.find((r) => r.optional);
    expect(report).toBeDefined();
    expect((await call(withoutReport, 'GET', concrete(report as ApiRoute))).status).toBe(404);
    for (const path of [
      '/v1',
      '/v1/plants/',
      '/v1/plants/a/kpis/',
      '/v1/plants//kpis',
      '/v2/plants/a/kpis',
      '/v1/alerts/a/ack/x',
    ])
      expect((await call(server, 'GET', path)).status, path).toBe(404);
  });
});

describe('the query routes with their real handlers', () => {
  const kpis = 'from=2026-11-23T00:00:00%2B05:00&to=2026-11-25T00:00:00%2B05:00&interval=1h';
  const series = `${kpis.replace('interval=1h', 'interval=15m')}&metric=furnace_temperature`;

  it.each([
    ['GET', `/v1/plants/${PLANT}/kpis?${kpis}`, 200],
    ['GET', `/v1/plants/${PLANT}/series?${series}`, 200],
    ['GET', `/v1/plants/${PLANT}/kpis/?${kpis}`, 404],
    ['GET', `/v1/plants//kpis?${kpis}`, 404],
    ['GET', `/v1/plants/kz%2Fast/kpis?${kpis}`, 404],
    ['GET', `/v1/plants/%E0%A4%A/kpis?${kpis}`, 404],
    ['GET', `/v2/plants/${PLANT}/kpis?${kpis}`, 404],
    ['DELETE', `/v1/plants/${PLANT}/kpis?${kpis}`, 405],
    ['GET', `/v1/plants/${PLANT}/telemetry`, 405],
  ])('answer %s %s with %i', async (method, path, status) => {
    expect((await call(realQueries, method, path)).status).toBe(status);
    if (status !== 200) expect(storeCalls).toBe(0);
  });
});
