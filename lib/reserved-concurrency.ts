/**
 * Reserved concurrency for the processor (docs/deployment.md, "Concurrency"):
 * a flood on the public functions (ingest, authorizer, query) draws on the
 * account's unreserved pool and cannot throttle the processor.
 */

/**
 * The most a stage may reserve: an account at the default limit of 1000
 * keeps the 100 unreserved executions AWS requires.
 */
export const MAX_RESERVED_CONCURRENCY = 900;

/**
 * The reservation given (a number, or digits as text from `-c`; by default
 * `maxConcurrency`), or what a
 * valid one is: 0 (reserve none, for accounts whose limit leaves no room),
 * or from the event source's maximum concurrency (a throttled SQS batch
 * counts as a receive and moves toward the DLQ, so the source must never be
 * throttled) up to MAX_RESERVED_CONCURRENCY.
 */
export function reservedConcurrencyOf(
  raw: unknown,
  maxConcurrency: number,
): number | { readonly expected: string; readonly got: unknown } {
  if (raw === undefined) return maxConcurrency;
  const reserved =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  const valid =
    Number.isSafeInteger(reserved) &&
    (reserved === 0 || (reserved >= maxConcurrency && reserved <= MAX_RESERVED_CONCURRENCY));
  if (valid) return reserved;
  return {
    expected: `0 (reserve none) or an integer from processorMaxConcurrency (${maxConcurrency}) to ${MAX_RESERVED_CONCURRENCY}`,
    got: raw,
  };
}
