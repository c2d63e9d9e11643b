/**
 * The processor as the Lambda entry point builds it (makeProcessorHandler over
 * the real TimestreamMetricsWriter, KPI slot marks), with the in-memory sinks
 * of memory-sinks.ts in place of Timestream, DynamoDB and IoT. The alert
 * engine is left out: it reads stored data back, which in memory would
 * measure the fake rather than the processor.
 */
import { TimestreamMetricsWriter } from '../lambdas/adapters/timestream/timestream-metrics-writer.ts';
import type { Clock } from '../lambdas/domain/ports.ts';
import { makeProcessorHandler } from '../lambdas/handlers/processor.ts';
import {
  AcceptingTimestreamClient,
  MemoryKpiSlots,
  MemoryStateStore,
  NullRejections,
  type SentCall,
} from './memory-sinks.ts';

export interface BenchProcessor {
  readonly handle: ReturnType<typeof makeProcessorHandler>;
  readonly timestream: AcceptingTimestreamClient;
  readonly state: MemoryStateStore;
}

/**
 * `now` is Timestream's clock for the writer's window check: data newer than
 * now + 15 min would be refused before sending.
 */
export function benchProcessor(options: {
  readonly now: number;
  readonly onCall?: (call: SentCall) => void;
}): BenchProcessor {
  const clock: Clock = { now: () => options.now };
  const timestream = new AcceptingTimestreamClient(options.onCall);
  const state = new MemoryStateStore();
  const handle = makeProcessorHandler({
    metrics: new TimestreamMetricsWriter({
      client: timestream.asClient(),
      databaseName: 'wte-bench',
      readingsTableName: 'readings',
      movementsTableName: 'movements',
      clock,
      sleep: async () => {},
      random: () => 0.5,
    }),
    state,
    rejections: new NullRejections(),
    // The deployed processor marks KPI counter slots when the rollup table is bound (lambdas/entry/processor.ts).
    kpiSlots: new MemoryKpiSlots(),
  });
  return { handle, timestream, state };
}
