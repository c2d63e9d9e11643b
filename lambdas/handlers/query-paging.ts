/**
 * Pages of the KPI and series answers. An answer holds at most a page of
 * points; a longer one ends with `nextCursor`, which continues only the query
 * it came from: it carries the next bucket's start and a digest of the query.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { refuse, validAt } from './query-parameters.ts';

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

/** A `cursor` parameter as its bucket start and query digest; one this API never returned is refused. */
export const queryCursor = z.optional(
  z.pipe(
    z.string(),
    z.transform((cursor: string, payload) => {
      const content = CURSOR_PATTERN.test(cursor)
        ? CURSOR_CONTENT.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
        : null;
      const start = content ? Number(content[1]) : Number.NaN;
      if (!content || !Number.isSafeInteger(start))
        return refuse(payload, 'is not a cursor this API returned', cursor);
      return { start, hash: content[2] as string };
    }),
  ),
);

interface CursorQuery {
  readonly from: number;
  readonly to: number;
  readonly cursor?: { readonly start: number; readonly hash: string } | undefined;
}

/**
 * Refuses a cursor another query returned: checked once the parameters the
 * digest covers (`valid`) are valid, so a cursor is never blamed for them.
 */
export function cursorOfThisQuery<T extends CursorQuery>(
  hashOf: (query: T) => string,
  valid: readonly string[],
) {
  return z.check<T>(
    (payload) => {
      const { cursor, from, to } = payload.value;
      if (cursor === undefined) return;
      if (cursor.hash !== hashOf(payload.value) || !(cursor.start > from && cursor.start < to))
        payload.issues.push({
          code: 'custom',
          path: ['cursor'],
          message:
            'belongs to a different query: repeat the query that returned it, changing only the cursor',
          input: cursor,
        });
    },
    { when: (payload) => validAt(payload, [...valid, 'cursor']) },
  );
}
