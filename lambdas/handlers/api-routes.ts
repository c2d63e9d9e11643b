/**
 * The HTTP API's routes, written once. The CDK construct
 * (lib/constructs/telemetry-api.ts) creates a resource and a method per route,
 * and local mode's server (lambdas/local/http-server.ts) matches requests
 * against the same list: 404 for a path no route has, 405 with `Allow` for
 * another method. Pure data with no imports, so it adds nothing to a bundle.
 */

export type ApiMethod = 'GET' | 'POST';

/**
 * `token`: a gateway's bearer token, judged by the REQUEST authorizer on the
 * headers before the body is read (on AWS and locally). `iam`: SigV4 on AWS;
 * open locally, where the server answers loopback names only.
 */
export type ApiAuth = 'token' | 'iam';

/** The function behind a route: a key of `TelemetryApiHandlers` (CDK); local mode maps it onto `LocalApi`. */
export type ApiHandlerName =
  | 'plants'
  | 'ingest'
  | 'kpis'
  | 'series'
  | 'report'
  | 'listAlerts'
  | 'acknowledgeAlert';

export interface ApiRoute {
  readonly method: ApiMethod;
  /** API Gateway style: literal segments and `{name}` path parameters of one segment each. */
  readonly path: string;
  readonly auth: ApiAuth;
  readonly handler: ApiHandlerName;
  /**
   * Local mode: a state-changing route without a token, which a browser may
   * call only from the server's own page (no cross-site request forgery).
   */
  readonly sameOriginOnly?: true;
  /** Refused with 503 while the pipeline is over its backlog bound (docs/backpressure.md), before the body is read. */
  readonly boundedByBacklog?: true;
  /** The stage's tighter query throttle (`queryRateLimit`, `queryBurstLimit`) instead of the API's. */
  readonly queryThrottle?: true;
  /** API Gateway checks a JSON body against the TelemetryMessage model before the function runs. */
  readonly telemetryBody?: true;
  /** The route exists only where its function is given (the report); elsewhere it is 404. */
  readonly optional?: true;
}

/**
 * In the order the CDK construct creates them: the order feeds the hash in
 * the API deployment's logical id, so reordering redeploys the stage.
 */
export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/v1/plants', auth: 'iam', handler: 'plants' },
  {
    method: 'POST',
    path: '/v1/plants/{plantId}/telemetry',
    auth: 'token',
    handler: 'ingest',
    boundedByBacklog: true,
    telemetryBody: true,
  },
  { method: 'GET', path: '/v1/plants/{plantId}/kpis', auth: 'iam', handler: 'kpis', queryThrottle: true },
  { method: 'GET', path: '/v1/plants/{plantId}/series', auth: 'iam', handler: 'series', queryThrottle: true },
  {
    method: 'GET',
    path: '/v1/plants/{plantId}/report',
    auth: 'iam',
    handler: 'report',
    queryThrottle: true,
    optional: true,
  },
  { method: 'GET', path: '/v1/alerts', auth: 'iam', handler: 'listAlerts' },
  {
    method: 'POST',
    path: '/v1/alerts/{alertId}/ack',
    auth: 'iam',
    handler: 'acknowledgeAlert',
    sameOriginOnly: true,
  },
];

const PARAMETER = /^\{([A-Za-z][A-Za-z0-9]*)\}$/;

/** The names of a route path's `{name}` segments, in order. */
export function pathParameterNames(path: string): string[] {
  const names: string[] = [];
  for (const segment of path.split('/')) {
    const name = PARAMETER.exec(segment)?.[1];
    if (name !== undefined) names.push(name);
  }
  return names;
}

/**
 * A pattern that matches the route's path exactly, one capture per path
 * parameter: a parameter is one non-empty segment, as on API Gateway.
 */
export function pathPattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => (PARAMETER.test(segment) ? '([^/]+)' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('\\/');
  return new RegExp(`^${source}$`);
}

/** The route a handler serves; every handler name has exactly one. */
export function routeOf(handler: ApiHandlerName): ApiRoute {
  const route = API_ROUTES.find((r) => r.handler === handler);
  if (!route) throw new Error(`no route for handler ${handler}`);
  return route;
}

/** `METHOD /path`, as the functions' descriptions and the logs name a route. */
export function routeName(route: ApiRoute): string {
  return `${route.method} ${route.path}`;
}
