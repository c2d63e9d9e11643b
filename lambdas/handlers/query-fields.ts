/**
 * The value rules the KPI and series routes share, as zod schemas whose
 * messages are the problem details: times, choices, and `to` after `from`.
 * Apart from the reader, so a route without times does not bundle them.
 */
import * as z from 'zod/mini';
import { parseTimestamp } from '../domain/time.ts';
import { EARLIEST_QUERY_TIME, LATEST_QUERY_TIME, refuse, validAt } from './query-parameters.ts';

const EPOCH_MS_TEXT = /^\d{1,16}$/;
const TIME_DETAIL = 'RFC 3339 with an offset, such as 2026-11-24T00:00:00+05:00, or epoch milliseconds';

/** A required time: RFC 3339 with an offset or epoch milliseconds, from 1970 to 9999, as epoch ms. */
export const queryTime = z.pipe(
  z.string({ error: `is required: ${TIME_DETAIL}` }),
  z.transform((text: string, payload) => {
    const parsed = parseTimestamp(EPOCH_MS_TEXT.test(text) ? Number(text) : text);
    if (!parsed.ok) return refuse(payload, `${parsed.reason} (${TIME_DETAIL})`, text);
    if (parsed.epochMs < EARLIEST_QUERY_TIME || parsed.epochMs > LATEST_QUERY_TIME)
      return refuse(payload, 'must lie between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z', text);
    return parsed.epochMs;
  }),
);

/** `to` later than `from`, checked once both are valid times (listed right after `to`'s own errors). */
export const laterThanFrom = z.check<{ from: number; to: number }>(
  (payload) => {
    if (!(payload.value.to > payload.value.from))
      payload.issues.push({
        code: 'custom',
        path: ['to'],
        message: 'must be later than from',
        input: payload.value.to,
        params: { after: 'to' },
      });
  },
  { when: (payload) => validAt(payload, ['from', 'to']) },
);

/** One of `choices`: required, or `fallback` when absent. */
export function queryChoice<const T extends string>(choices: readonly T[]) {
  const list = choices.join(', ');
  return z.enum(choices as readonly [T, ...T[]], {
    error: (issue) => (issue.input === undefined ? `is required: one of ${list}` : `must be one of ${list}`),
  });
}

export function optionalChoice<const T extends string>(choices: readonly T[], fallback: T) {
  return z._default(
    z.enum(choices as readonly [T, ...T[]], { error: `must be one of ${choices.join(', ')}` }),
    fallback,
  );
}
