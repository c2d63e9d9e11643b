/**
 * The query string of a read route, read strictly in two steps. First the
 * shape of the query itself: a parameter the route does not take, one given
 * twice or one too long is an error with its pointer (`/query/from`). Then the
 * route's zod schema checks every value, each issue carrying the detail the
 * problem shows, so every problem is listed before any store is called.
 */
import * as z from 'zod/mini';
import type { FieldError } from '../domain/problem.ts';
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

/** What a route takes: its parameter names in the order its errors are listed, and the schema of their values. */
export interface QueryRule<S extends z.ZodMiniType> {
  readonly names: readonly string[];
  /** Parses the query's text values (plus the path's, such as `plantId`); issue messages are the details. */
  readonly schema: S;
  /**
   * The one error for unknown names, about the whole query, so listed first;
   * default: at `/query/<name>` in the name's place, listing the names the route takes.
   */
  readonly unknown?: FieldError;
  /** @default 128 characters */
  readonly maxLength?: number;
  /** The detail for a single value that is not text (only a hand-made event has one). @default 'must be given once' */
  readonly notText?: string;
}

export type QueryResult<T> =
  | { readonly ok: true; readonly query: T }
  | { readonly ok: false; readonly errors: FieldError[] };

/** The route's query, parsed, or every error in it. `path` adds the path's parameters to what the schema sees. */
export function readQuery<S extends z.ZodMiniType>(
  event: QueryEvent,
  rule: QueryRule<S>,
  path: Readonly<Record<string, string>> = {},
): QueryResult<z.output<S>> {
  const { values, refused, errors } = queryValues(event, rule);
  return parseQuery(rule, { ...values, ...path }, errors, refused);
}

/**
 * `values` parsed by the rule's schema, its issues appended to `errors` in
 * the route's parameter order. A refused parameter is absent from `values`:
 * its error is listed already, so its "is required" is dropped.
 */
export function parseQuery<S extends z.ZodMiniType>(
  rule: Pick<QueryRule<S>, 'names' | 'schema'>,
  values: unknown,
  errors: FieldError[] = [],
  refused: ReadonlySet<string> = new Set(),
): QueryResult<z.output<S>> {
  const result = rule.schema.safeParse(values);
  if (result.success && errors.length === 0) return { ok: true, query: result.data };
  const issues = (result.error?.issues ?? []).filter((issue) => !refused.has(String(issue.path[0])));
  const rank = (issue: z.core.$ZodIssue) => issueRank(rule.names, issue);
  for (const issue of issues.sort((a, b) => rank(a) - rank(b))) {
    errors.push({ pointer: `/query/${String(issue.path[0])}`, detail: issue.message });
  }
  return { ok: false, errors };
}

/**
 * Where an issue is listed: at its parameter's place, or just after the
 * parameter a cross-parameter check names in `params.after` (the order the
 * checks ran in when they were written by hand).
 */
function issueRank(names: readonly string[], issue: z.core.$ZodIssue): number {
  const after = issue.code === 'custom' ? issue.params?.after : undefined;
  return typeof after === 'string' ? names.indexOf(after) + 0.5 : names.indexOf(String(issue.path[0]));
}

/** The parameters given once as text of a sane length; every other one gets its error here. */
function queryValues(event: QueryEvent, rule: QueryRule<z.ZodMiniType>) {
  const errors: FieldError[] = [];
  const values: Record<string, string> = {};
  const refused = new Set<string>();
  const single: Record<string, unknown> = event.queryStringParameters ?? {};
  const multi: Record<string, unknown> = event.multiValueQueryStringParameters ?? {};
  let unknownReported = false;
  for (const name of new Set([...Object.keys(single), ...Object.keys(multi)])) {
    if (!rule.names.includes(name)) {
      // One error for unknown names, so a problem never carries much of the input.
      if (unknownReported) continue;
      if (rule.unknown) errors.unshift(rule.unknown);
      else errors.push(unknownName(name, rule.names));
      unknownReported = true;
      continue;
    }
    const one = Object.hasOwn(single, name) ? single[name] : undefined;
    const all = Object.hasOwn(multi, name) ? multi[name] : undefined;
    const given: unknown[] = Array.isArray(all) ? all : one === undefined ? [] : [one];
    const value = given[0];
    if (given.length === 0) continue;
    const detail =
      given.length > 1
        ? 'must be given once'
        : typeof value !== 'string'
          ? (rule.notText ?? 'must be given once')
          : value.length > (rule.maxLength ?? MAX_VALUE_LENGTH)
            ? 'is too long'
            : undefined;
    if (detail === undefined) values[name] = value as string;
    else {
      refused.add(name);
      errors.push({ pointer: `/query/${name}`, detail });
    }
  }
  return { values, refused, errors };
}

function unknownName(name: string, names: readonly string[]): FieldError {
  return {
    pointer: SAFE_PARAMETER_NAME.test(name) ? `/query/${name}` : '/query',
    detail: `is not a parameter of this API; it takes ${names.join(', ')}`,
  };
}

/** Adds a custom issue with `message` as its detail; the transform's result is then unused. */
export function refuse(payload: z.core.ParsePayload, message: string, input: unknown): never {
  payload.issues.push({ code: 'custom', message, input });
  return z.NEVER;
}

/** True when no issue so far concerns any of `names`: a cross-parameter check runs on valid values only. */
export function validAt(payload: z.core.ParsePayload, names: readonly string[]): boolean {
  return !payload.issues.some((issue) => names.includes(String(issue.path?.[0])));
}
