/**
 * How the Firehose writer cuts its records into PutRecordBatch calls: the
 * service's limits and the packing that keeps to them, apart from the
 * writer's retries and refusals.
 */

/** PutRecordBatch limits (docs/reference/lake-on-aws.md): records and bytes per call, bytes per record. */
export const FIREHOSE_LIMITS = {
  maxRecordsPerCall: 500,
  maxBytesPerCall: 4 * 1024 * 1024,
  maxRecordBytes: 1000 * 1024,
} as const;

export type FirehoseLimits = { -readonly [K in keyof typeof FIREHOSE_LIMITS]: number };

/** Consecutive runs of `records` within the call limits, in order. */
export function packCalls<R extends { readonly data: Uint8Array }>(
  records: readonly R[],
  limits: Pick<FirehoseLimits, 'maxRecordsPerCall' | 'maxBytesPerCall'>,
): R[][] {
  const calls: R[][] = [];
  let current: R[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = record.data.byteLength;
    if (
      current.length > 0 &&
      (current.length >= limits.maxRecordsPerCall || bytes + size > limits.maxBytesPerCall)
    ) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}
