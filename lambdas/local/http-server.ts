/**
 * The HTTP side of local mode: a Node server on loopback that does what API
 * Gateway does on AWS. Each request becomes a REST proxy event (path
 * parameters, single- and multi-value query strings, headers, the body as
 * base64 so the handler sees the exact bytes) and goes to the same handler
 * as on AWS; the gateway's token authorizer runs in front of ingest. Routes
 * are API Gateway's (handlers/api-routes.ts) and refusals follow
 * docs/contract.md section 4: unknown routes 404 and known
 * routes with another method 405, as problem details; `GET /healthz` answers
 * 200 once the pipeline is ready.
 *
 * Beyond the contract: `GET /v1/plants` lists the registered plants, and
 * `GET /` serves the operator page (`/index.html`, `/assets/*`; see
 * static-assets.ts and docs/dashboards.md).
 *
 * The analyst and ops routes use IAM auth on AWS; locally they are open, as
 * the server listens on 127.0.0.1 only and answers only to loopback names
 * in `Host` (no DNS rebinding); a browser may acknowledge an alert only from
 * this server's own page (no cross-site request forgery).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { AuthorizerPolicy } from '../auth/policy.ts';
import { errorName } from '../domain/error-name.ts';
import { ProblemType, problem } from '../domain/problem.ts';
import { MAX_BODY_BYTES } from '../domain/telemetry.ts';
import {
  API_ROUTES,
  type ApiHandlerName,
  type ApiRoute,
  pathParameterNames,
  pathPattern,
} from '../handlers/api-routes.ts';
import { type HttpEvent, problemResponse } from '../handlers/http.ts';
import type { QueryEvent } from '../handlers/query-api.ts';
import type { Overload } from './backlog-bound.ts';
import { type ApiHandler, type Authorizer, authorize, invokeWithPolicy } from './gateway-emulation.ts';
import { listenOnLoopback } from './listen.ts';

/**
 * The most of a body the server reads: ingest's own limit. API Gateway takes 10 MiB, but nothing here
 * needs more, and more is memory any client could make the server hold.
 */
export const MAX_REQUEST_BYTES = MAX_BODY_BYTES;
/** Slow or idle clients cannot hold the server: headers within 10 s, the whole request within 30 s. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** Connections at once (16 gateways and a few analysts need a fraction of it). */
const MAX_CONNECTIONS = 256;

export interface LocalApi {
  readonly authorizer: Authorizer;
  readonly ingest: ApiHandler;
  readonly kpis: (event: QueryEvent) => Promise<APIGatewayProxyResult>;
  readonly series: (event: QueryEvent) => Promise<APIGatewayProxyResult>;
  /** The annual plant report (handlers/report-api.ts); without it the route is 404. */
  readonly report?: (event: QueryEvent) => Promise<APIGatewayProxyResult>;
  readonly listAlerts: ApiHandler;
  readonly ackAlert: ApiHandler;
  readonly listPlants: ApiHandler;
  /** The operator page and its assets; without it `/` is 404. */
  readonly page?: ApiHandler;
  /** The backlog bound: a refusal while the pipeline is behind (docs/backpressure.md). */
  readonly admit?: () => Overload | undefined;
  /** Whether `/healthz` reports ready. */
  readonly ready: () => boolean;
  /** More for the `/healthz` body (queue depth and the like). */
  readonly status?: () => Record<string, unknown>;
  readonly log: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
}

type LocalHandler = (event: QueryEvent) => Promise<APIGatewayProxyResult>;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly params: readonly string[];
  /** See ApiRoute.sameOriginOnly; requests without an `Origin` header (the CLI, curl) pass. */
  readonly sameOriginOnly?: true;
  /** Refused with 503 while the pipeline is over its backlog bound, before the body is read. */
  readonly boundedByBacklog?: true;
  /** Behind the gateway authorizer, which judges the headers before a byte of the body is read. */
  readonly authorized?: true;
  readonly run: (
    api: LocalApi,
    event: QueryEvent,
    policy?: AuthorizerPolicy,
  ) => Promise<APIGatewayProxyResult>;
}

const noSuchRoute = () => problemResponse(problem(404, ProblemType.notFound, 'Not found', 'No such route.'));

/** The function of LocalApi behind each handler name of the route table. */
const LOCAL_HANDLERS: Readonly<Record<ApiHandlerName, (api: LocalApi) => LocalHandler | undefined>> = {
  plants: (api) => api.listPlants,
  ingest: (api) => api.ingest,
  kpis: (api) => api.kpis,
  series: (api) => api.series,
  report: (api) => api.report,
  listAlerts: (api) => api.listAlerts,
  acknowledgeAlert: (api) => api.ackAlert,
};

/** A route of the API's table as this server runs it; IAM routes are open on loopback. */
function localRoute(route: ApiRoute): Route {
  const handlerOf = LOCAL_HANDLERS[route.handler];
  return {
    method: route.method,
    pattern: pathPattern(route.path),
    params: pathParameterNames(route.path),
    ...(route.sameOriginOnly ? { sameOriginOnly: true } : {}),
    ...(route.boundedByBacklog ? { boundedByBacklog: true } : {}),
    ...(route.auth === 'token' ? { authorized: true } : {}),
    run: async (api, event, policy) => {
      const handler = handlerOf(api);
      if (!handler) return noSuchRoute();
      if (route.auth !== 'token') return handler(event);
      if (!policy) throw new Error(`${route.method} ${route.path} needs the authorizer's policy`);
      return invokeWithPolicy(handler, event, policy);
    },
  };
}

/** The API's routes, then what only local mode serves: the operator page and the readiness probe. */
const ROUTES: readonly Route[] = [
  ...API_ROUTES.map(localRoute),
  {
    method: 'GET',
    pattern: /^\/(?:index\.html|assets\/[A-Za-z0-9_.-]+)?$/,
    params: [],
    run: async (api, event) => (api.page ? api.page(event) : noSuchRoute()),
  },
  {
    method: 'GET',
    pattern: /^\/healthz$/,
    params: [],
    run: async (api) =>
      api.ready()
        ? {
            statusCode: 200,
            headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
            body: JSON.stringify({ status: 'ok', ...api.status?.() }),
          }
        : problemResponse(problem(503, ProblemType.unavailable, 'Starting', 'Local mode is starting.'), {
            'retry-after': '1',
          }),
  },
];

export interface RunningHttpServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function startHttpServer(api: LocalApi, port: number): Promise<RunningHttpServer> {
  let ownOrigins: ReadonlySet<string> = new Set();
  // Timeouts are checked every second, not every 30 s (node's default), so the header timeout holds.
  const server: Server = createServer({ connectionsCheckingInterval: 1_000 }, (request, response) => {
    serve(api, request, response, ownOrigins).catch((error: unknown) => {
      api.log('error', 'local HTTP request failed', {
        error: errorName(error),
      });
      if (!response.headersSent) {
        send(
          response,
          problemResponse(problem(503, ProblemType.unavailable, 'Service unavailable', 'Retry later.'), {
            'retry-after': '5',
          }),
        );
      } else {
        response.destroy();
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.maxConnections = MAX_CONNECTIONS;
  const boundPort = await listenOnLoopback(server, port);
  ownOrigins = new Set([`http://127.0.0.1:${boundPort}`, `http://localhost:${boundPort}`]);
  return {
    port: boundPort,
    url: `http://127.0.0.1:${boundPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(
  api: LocalApi,
  request: IncomingMessage,
  response: ServerResponse,
  ownOrigins: ReadonlySet<string>,
): Promise<void> {
  const method = (request.method ?? 'GET').toUpperCase();
  const routed = routeOf(api, request, method, ownOrigins);
  if ('refusal' in routed) return refuse(request, response, routed.refusal);
  const { route, url } = routed;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(',') : value;
  }
  let policy: AuthorizerPolicy | undefined;
  if (route.authorized) {
    // As API Gateway's authorizer: on the headers, before a byte of the body is read.
    const verdict = await authorize(api.authorizer, method, url.pathname, headers);
    if ('refusal' in verdict) return sendAndClose(request, response, verdict.refusal);
    policy = verdict.policy;
  }
  const tooLarge = problemResponse(
    problem(
      413,
      ProblemType.payloadTooLarge,
      'Payload too large',
      `The body is over ${MAX_REQUEST_BYTES} bytes.`,
    ),
  );
  if (Number(request.headers['content-length'] ?? 0) > MAX_REQUEST_BYTES)
    return sendAndClose(request, response, tooLarge);
  const body = await readBody(request);
  if (body === undefined) return sendAndClose(request, response, tooLarge);
  const event = proxyEvent(route, method, url, headers, body);
  if (event === undefined) return send(response, noSuchRoute());
  send(response, await route.run(api, event, policy));
}

/** The names this server answers to: a page served under another name (DNS rebinding) cannot read the API. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The host of a Host header, without its port, lower case; `undefined` when missing or malformed. */
function hostName(header: string | undefined): string | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec((header ?? '').trim().toLowerCase());
  return match?.[1];
}

/**
 * The route a request is for, or its refusal on the headers alone: another
 * Host (403), no such path (404), another method (405 with Allow), a foreign
 * browser page on a same-origin route (403), the backlog bound (503).
 */
function routeOf(
  api: LocalApi,
  request: IncomingMessage,
  method: string,
  ownOrigins: ReadonlySet<string>,
): { readonly route: Route; readonly url: URL } | { readonly refusal: APIGatewayProxyResult } {
  const host = hostName(request.headers.host);
  if (host === undefined || !LOOPBACK_HOSTS.has(host)) {
    const named = JSON.stringify((request.headers.host ?? '').slice(0, 64));
    const detail = `This server answers only to 127.0.0.1, localhost and [::1], not Host ${named}.`;
    return { refusal: problemResponse(problem(403, ProblemType.forbidden, 'Forbidden', detail)) };
  }
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const matching = ROUTES.filter((r) => r.pattern.test(url.pathname));
  if (matching.length === 0) return { refusal: noSuchRoute() };
  const route = matching.find((r) => r.method === method);
  if (!route) {
    const allow = [...new Set(matching.map((r) => r.method))].join(', ');
    const detail = `This route answers ${allow}.`;
    return {
      refusal: problemResponse(problem(405, ProblemType.methodNotAllowed, 'Method not allowed', detail), {
        allow,
      }),
    };
  }
  const origin = request.headers.origin;
  if (route.sameOriginOnly && origin !== undefined && !ownOrigins.has(origin)) {
    const detail = 'Cross-origin requests may not change state here.';
    return { refusal: problemResponse(problem(403, ProblemType.forbidden, 'Forbidden', detail)) };
  }
  const behind = route.boundedByBacklog ? api.admit?.() : undefined;
  if (behind) {
    // Refused before anything is read or journaled: the cheapest answer while the processor catches up.
    api.log('info', 'telemetry refused: pipeline behind', {
      reason: behind.reason,
      retryAfterSeconds: behind.retryAfterSeconds,
    });
    return {
      refusal: problemResponse(problem(503, ProblemType.unavailable, 'Service unavailable', behind.detail), {
        'retry-after': String(behind.retryAfterSeconds),
      }),
    };
  }
  return { route, url };
}

/** The REST proxy event API Gateway would pass; `undefined` when a path parameter is not valid percent-encoding. */
function proxyEvent(
  route: Route,
  method: string,
  url: URL,
  headers: Record<string, string>,
  body: Buffer,
): (QueryEvent & HttpEvent) | undefined {
  const match = route.pattern.exec(url.pathname);
  const pathParameters: Record<string, string> = {};
  for (const [i, name] of route.params.entries()) {
    try {
      pathParameters[name] = decodeURIComponent(match?.[i + 1] ?? '');
    } catch {
      return undefined;
    }
  }
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) {
    single[key] = value;
    multi[key] = [...(multi[key] ?? []), value];
  }
  return {
    httpMethod: method,
    path: url.pathname,
    headers,
    pathParameters: route.params.length > 0 ? pathParameters : null,
    queryStringParameters: url.searchParams.size > 0 ? single : null,
    multiValueQueryStringParameters: url.searchParams.size > 0 ? multi : null,
    body: body.byteLength > 0 ? body.toString('base64') : null,
    isBase64Encoded: body.byteLength > 0,
    requestContext: { requestId: randomUUID() },
  };
}

/** The body, or `undefined` as soon as it is over MAX_REQUEST_BYTES (the rest is never read). */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= MAX_REQUEST_BYTES) return void chunks.push(chunk);
      request.off('data', onData);
      request.pause();
      resolve(undefined);
    };
    request.on('data', onData);
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Answers a refusal; a request with a body is closed rather than read to its end (it could stream for 30 s). */
function refuse(request: IncomingMessage, response: ServerResponse, result: APIGatewayProxyResult): void {
  const hasBody =
    Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
  if (hasBody) {
    sendAndClose(request, response, result);
    return;
  }
  request.resume();
  send(response, result);
}

/** Answers and closes the connection without reading what is left of the body. */
function sendAndClose(
  request: IncomingMessage,
  response: ServerResponse,
  result: APIGatewayProxyResult,
): void {
  response.shouldKeepAlive = false;
  send(response, { ...result, headers: { ...result.headers, connection: 'close' } });
  response.once('finish', () => request.socket.destroySoon());
}

function send(response: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(result.headers ?? {})) headers[key] = String(value);
  const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body, 'utf8');
  headers['content-length'] = String(body.byteLength);
  response.writeHead(result.statusCode, headers);
  response.end(body);
}
