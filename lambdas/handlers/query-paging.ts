/**
 * Pages of the KPI and series answers. An answer holds at most a page of
 * points; a longer one ends with `nextCursor`, which continues only the query
 * it came from: it carries the next bucket's start and a digest of the query.
 */
import { createHash } from 'node:crypto';
import type { QueryParameters } from './query-parameters.ts';

/** Most points in one answer; more come page by page through `nextCursor`. */
export const MAX_POINTS_PER_PAGE = 1000;

const CURSOR_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const CURSOR_CONTENT = /^(\d{1,16})\.([A-Za-z0-9_-]{22})$/;

/** The page size a handler was configured with, checked once when it is built. */
export function pageSizeOf(configured: number | undefined): number {
  const size = configured ?? MAX_POINTS_PER_PAGE;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`maxPointsPerPage must be >= 1, got ${size}`);
  return size;
}

/** A short, stable digest of a query's meaning; a cursor is bound to it. */
export function queryHash(parts: ReadonlyArray<string | number | null>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);
}

export function encodeCursor(start: number, hash: string): string {
  return Buffer.from(`${start}.${hash}`, 'utf8').toString('base64url');
}

/**
 * The bucket start a cursor resumes at, `-Infinity` without a cursor, or
 * `undefined` (reported) when the cursor is not one this query returned.
 * `hash` is undefined when the query itself is invalid (its errors are
 * reported already).
 */
export function readCursor(
  params: QueryParameters,
  hash: string | undefined,
  from: number | undefined,
  to: number | undefined,
): number | undefined {
  const cursor = params.get('cursor');
  if (cursor === undefined) return Number.NEGATIVE_INFINITY;
  const content = CURSOR_PATTERN.test(cursor)
    ? CURSOR_CONTENT.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
    : null;
  const start = content ? Number(content[1]) : Number.NaN;
  if (!content || !Number.isSafeInteger(start)) {
    params.refuse('cursor', 'is not a cursor this API returned');
    return undefined;
  }
  if (hash === undefined || from === undefined || to === undefined) return undefined;
  if (content[2] !== hash || !(start > from && start < to)) {
    params.refuse(
      'cursor',
      'belongs to a different query: repeat the query that returned it, changing only the cursor',
    );
    return undefined;
  }
  return start;
}
