/**
 * The Timestream side of the metrics store, built from the environment:
 * its readers here, its writer in metrics-writers.ts (the processor's).
 * Only metrics-stores.ts and metrics-writers.ts import this module.
 */
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import * as z from 'zod/mini';
import { TimestreamMetricsReader } from '../adapters/timestream-query/timestream-metrics-reader.ts';
import { readEnv } from './env.ts';
import { LOOKBACK_MS, type MetricsReads, type MetricsStoreOptions, type Source } from './metrics-reads.ts';
import { tracedClient } from './observability.ts';

/**
 * The Timestream tables the stack binds (lib/constructs/data-access.ts).
 * Built when read, not at module load: a lake bundle still evaluates this
 * module's top level (esbuild keeps it) and must not pay for the schemas.
 */
export function timestreamEnv(source: Source) {
  return readEnv(
    {
      TIMESTREAM_DATABASE: z.string().check(z.minLength(3)),
      TIMESTREAM_READINGS_TABLE: z.string().check(z.minLength(3)),
      TIMESTREAM_MOVEMENTS_TABLE: z.string().check(z.minLength(3)),
    },
    source,
  );
}

export function timestreamReader(source: Source, options: MetricsStoreOptions): MetricsReads {
  const env = timestreamEnv(source);
  const reader = new TimestreamMetricsReader({
    client: tracedClient(new TimestreamQueryClient({})),
    databaseName: env.TIMESTREAM_DATABASE,
    readingsTableName: env.TIMESTREAM_READINGS_TABLE,
    movementsTableName: env.TIMESTREAM_MOVEMENTS_TABLE,
    lastBeforeLookbackMs: LOOKBACK_MS,
    ...(options.rollup === undefined ? {} : { rollup: options.rollup }),
  });
  return {
    readReadings: (query, options) => reader.readReadings(query, options),
    readLastBefore: (plantId, metric, before, options) =>
      reader.readLastBefore(plantId, metric, before, options),
    readMovements: (plantId, from, to, options) => reader.readMovements(plantId, from, to, options),
    readCounterReadings: (plantId, from, to, options) =>
      reader.readCounterReadings(plantId, from, to, options),
    ...(reader.readKpiCounterSlots === undefined ? {} : { readKpiCounterSlots: reader.readKpiCounterSlots }),
  };
}
