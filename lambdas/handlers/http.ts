/**
 * HTTP plumbing shared by the API handlers: API Gateway REST proxy events in,
 * JSON or RFC 9457 problem details out. The one place errors become responses.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { QueryRefusedError, UnavailableError } from '../domain/ports.ts';
import { PROBLEM_CONTENT_TYPE, type Problem, ProblemType, problem } from '../domain/problem.ts';

export type HttpEvent = Pick<
  APIGatewayProxyEvent,
  'body' | 'headers' | 'isBase64Encoded' | 'pathParameters' | 'queryStringParameters' | 'httpMethod' | 'path'
> & {
  readonly requestContext?: {
    readonly authorizer?: Record<string, unknown> | null;
    readonly requestId?: string;
  };
};

export function header(event: Pick<HttpEvent, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {}))
    if (key.toLowerCase() === wanted) return value;
  return undefined;
}

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export function problemResponse(p: Problem, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode: p.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(p),
  };
}

/** Maps a thrown error to problem details: 503 with Retry-After when a dependency is down; never the error text. */
export function errorResponse(error: unknown): APIGatewayProxyResult {
  if (error instanceof QueryRefusedError && error.tooLarge) {
    return problemResponse(
      problem(
        400,
        ProblemType.invalidQuery,
        'Range too large',
        'The range holds more readings than one answer carries; narrow the range or use a longer interval.',
      ),
    );
  }
  if (error instanceof QueryRefusedError) {
    // A configuration error, not an outage: retrying soon cannot help (logged by the store's alarms).
    return problemResponse(
      problem(
        503,
        ProblemType.unavailable,
        'Service unavailable',
        'The query could not be run; retry later.',
      ),
      { 'retry-after': '60' },
    );
  }
  if (error instanceof UnavailableError) {
    return problemResponse(
      problem(
        503,
        ProblemType.unavailable,
        'Service unavailable',
        'A dependency is unavailable; retry later.',
      ),
      { 'retry-after': String(error.retryAfterSeconds) },
    );
  }
  return problemResponse(
    problem(
      503,
      ProblemType.unavailable,
      'Service unavailable',
      'The request could not be completed; retry later.',
    ),
    { 'retry-after': '5' },
  );
}

/** `application/json`, `application/<x>+json`, with or without parameters. */
export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const mediaType = value.split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || /^application\/[a-z0-9.+-]*\+json$/.test(mediaType);
}

/** The request body as bytes (API Gateway base64-encodes binary bodies). */
export function bodyBytes(event: Pick<HttpEvent, 'body' | 'isBase64Encoded'>): Uint8Array | string {
  if (event.body === null || event.body === undefined) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
}
