/**
 * The query string of the KPI and series routes, read strictly: a parameter
 * the route does not take, one given twice or one too long is an error with
 * its pointer (`/query/from`), and every value is checked against exactly
 * what the route expects before any store is called.
 */
import type { FieldError } from '../domain/problem.ts';
import { parseTimestamp } from '../domain/time.ts';
import type { HttpEvent } from './http.ts';

/** API Gateway REST events carry repeated parameters here; a parameter given twice is refused. */
export type QueryEvent = HttpEvent & {
  readonly multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
};

/** `from` and `to` must lie in this range (epoch ms): after it, calendar arithmetic is undefined. */
export const EARLIEST_QUERY_TIME = 0;
export const LATEST_QUERY_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Longer values are refused before any pattern is tried. */
const MAX_VALUE_LENGTH = 128;
const SAFE_PARAMETER_NAME = /^[A-Za-z0-9_.-]{1,32}$/;
const EPOCH_MS_TEXT = /^\d{1,16}$/;
const TIME_DETAIL = 'RFC 3339 with an offset, such as 2026-11-24T00:00:00+05:00, or epoch milliseconds';

/**
 * The query's parameters that are each given once as text of a sane length.
 * Every other parameter gets its error here and is absent from the result.
 */
export class QueryParameters {
  private readonly values = new Map<string, string>();
  private readonly refused = new Set<string>();

  constructor(
    event: QueryEvent,
    allowed: readonly string[],
    private readonly errors: FieldError[],
  ) {
    const single: Record<string, unknown> = event.queryStringParameters ?? {};
    const multi: Record<string, unknown> = event.multiValueQueryStringParameters ?? {};
    let unknownReported = false;
    for (const name of new Set([...Object.keys(single), ...Object.keys(multi)])) {
      if (!allowed.includes(name)) {
        // One error for unknown names, so a problem never carries much of the input.
        if (!unknownReported) {
          unknownReported = true;
          errors.push({
            pointer: SAFE_PARAMETER_NAME.test(name) ? `/query/${name}` : '/query',
            detail: `is not a parameter of this API; it takes ${allowed.join(', ')}`,
          });
        }
        continue;
      }
      const one = Object.hasOwn(single, name) ? single[name] : undefined;
      const all = Object.hasOwn(multi, name) ? multi[name] : undefined;
      const given: unknown[] = Array.isArray(all) ? all : one === undefined ? [] : [one];
      const value = given[0];
      if (given.length === 0) continue;
      if (given.length > 1 || typeof value !== 'string') {
        this.refuse(name, 'must be given once');
      } else if (value.length > MAX_VALUE_LENGTH) {
        this.refuse(name, 'is too long');
      } else {
        this.values.set(name, value);
      }
    }
  }

  refuse(name: string, detail: string): void {
    this.refused.add(name);
    this.errors.push({ pointer: `/query/${name}`, detail });
  }

  /** The value; `undefined` when absent or already refused (and then reported when required). */
  get(name: string, required?: string): string | undefined {
    const value = this.values.get(name);
    if (value === undefined && required !== undefined && !this.refused.has(name)) {
      this.refuse(name, `is required: ${required}`);
    }
    return value;
  }
}

function readTime(params: QueryParameters, name: 'from' | 'to'): number | undefined {
  const text = params.get(name, TIME_DETAIL);
  if (text === undefined) return undefined;
  const parsed = parseTimestamp(EPOCH_MS_TEXT.test(text) ? Number(text) : text);
  if (!parsed.ok) {
    params.refuse(name, `${parsed.reason} (${TIME_DETAIL})`);
    return undefined;
  }
  if (parsed.epochMs < EARLIEST_QUERY_TIME || parsed.epochMs > LATEST_QUERY_TIME) {
    params.refuse(name, 'must lie between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z');
    return undefined;
  }
  return parsed.epochMs;
}

/** `from` and `to`, both or neither: `to` must be later than `from`. */
export function readRange(params: QueryParameters): { from?: number; to?: number } {
  const from = readTime(params, 'from');
  const to = readTime(params, 'to');
  if (from === undefined || to === undefined) return {};
  if (!(to > from)) {
    params.refuse('to', 'must be later than from');
    return {};
  }
  return { from, to };
}

/** One of `choices`; without a fallback the parameter is required. */
export function readChoice<T extends string>(
  params: QueryParameters,
  name: string,
  choices: readonly T[],
  fallback?: T,
): T | undefined {
  const list = choices.join(', ');
  const value = params.get(name, fallback === undefined ? `one of ${list}` : undefined);
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    params.refuse(name, `must be one of ${list}`);
    return undefined;
  }
  return value as T;
}
