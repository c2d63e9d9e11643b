/**
 * One invocation's view of the metrics reads: every read it makes carries
 * the invocation's deadline (`CallOptions`, issue #21). Readers are built
 * once per cold start and serve every invocation of the process at once, so
 * the deadline is bound here, per invocation, never kept by a store.
 */
import type { CallOptions } from '../domain/deadline.ts';
import type { MetricsReader } from '../domain/metrics-ports.ts';
import type { StoredReading } from '../domain/ports.ts';

/** Every read a reader of the metrics store may offer: MetricsReader's and the KPI paths' extras. */
export type DeadlineReads = Partial<
  Pick<
    MetricsReader,
    'readReadings' | 'readLastBefore' | 'readMovements' | 'readKpiCounterSlots' | 'readGoodHours'
  >
> & {
  readCounterReadings?(
    plantId: string,
    from: number,
    to: number,
    options?: CallOptions,
  ): Promise<StoredReading[]>;
  readKpiCounterReadings?(
    plantId: string,
    from: number,
    to: number,
    options?: CallOptions,
  ): Promise<StoredReading[]>;
  readonly rawRangeMaxMs?: number;
};

/**
 * The reads `reads` offers, each passing `options` on (the other members of
 * a store are not carried over). Without a deadline, `reads` itself.
 */
export function readsWithin<R extends DeadlineReads>(
  reads: R,
  options: CallOptions | undefined,
): Pick<R, keyof DeadlineReads & keyof R> {
  if (options?.deadline === undefined) return reads;
  const r: DeadlineReads = reads;
  const within: { -readonly [K in keyof DeadlineReads]: DeadlineReads[K] } = {};
  if (r.rawRangeMaxMs !== undefined) within.rawRangeMaxMs = r.rawRangeMaxMs;
  if (r.readReadings) {
    const read = r.readReadings.bind(r);
    within.readReadings = (query) => read(query, options);
  }
  if (r.readLastBefore) {
    const read = r.readLastBefore.bind(r);
    within.readLastBefore = (plantId, metric, before) => read(plantId, metric, before, options);
  }
  if (r.readMovements) {
    const read = r.readMovements.bind(r);
    within.readMovements = (plantId, from, to) => read(plantId, from, to, options);
  }
  if (r.readKpiCounterSlots) {
    const read = r.readKpiCounterSlots.bind(r);
    within.readKpiCounterSlots = (plantId, from, to) => read(plantId, from, to, options);
  }
  if (r.readGoodHours) {
    const read = r.readGoodHours.bind(r);
    within.readGoodHours = (plantId, metrics, from, to) => read(plantId, metrics, from, to, options);
  }
  if (r.readCounterReadings) {
    const read = r.readCounterReadings.bind(r);
    within.readCounterReadings = (plantId, from, to) => read(plantId, from, to, options);
  }
  if (r.readKpiCounterReadings) {
    const read = r.readKpiCounterReadings.bind(r);
    within.readKpiCounterReadings = (plantId, from, to) => read(plantId, from, to, options);
  }
  return within as Pick<R, keyof DeadlineReads & keyof R>;
}
