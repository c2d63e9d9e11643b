/** Lambda entry point of the telemetry queue processor (composition root). */
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import type { Context, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { relayWithLease } from '../adapters/alerts/leased-relay.ts';
import { IotRejectionPublisher } from '../adapters/iot-rejection-publisher.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { TimestreamMetricsWriter } from '../adapters/timestream/timestream-metrics-writer.ts';
import { makeProcessorHandler } from '../handlers/processor.ts';
import { alertEngine, alertPublisher, kpiRollupStore } from './aws-stores.ts';
import { readEnv } from './env.ts';
import { observability } from './observability.ts';

const env = readEnv(
  {
    STATE_TABLE_NAME: z.string().min(3),
    TIMESTREAM_DATABASE: z.string().min(3),
    TIMESTREAM_READINGS_TABLE: z.string().min(3),
    TIMESTREAM_MOVEMENTS_TABLE: z.string().min(3),
    IOT_DATA_ENDPOINT: z.url(),
  },
  process.env,
);
const { log, count, instrument } = observability('processor');

// Retries belong to the adapter (bounded, jittered, deadline-aware), so the SDK makes one attempt.
const timestream = new TimestreamWriteClient({ maxAttempts: 1 });
const { state, alerts, engine, relayLease } = alertEngine(process.env);
const publisher = alertPublisher(process.env);
const iot = new IoTDataPlaneClient({ endpoint: env.IOT_DATA_ENDPOINT });
const kpiSlots = kpiRollupStore(process.env);

/** How long a processor waits for a lease another relay holds (it usually holds it for well under a second). */
const RELAY_LEASE_WAIT_MS = 1500;

// The writer is built once; the deadline of the current invocation is read through this.
let currentContext: Pick<Context, 'getRemainingTimeInMillis'> | undefined;

const processBatch = makeProcessorHandler({
  metrics: new TimestreamMetricsWriter({
    client: timestream,
    databaseName: env.TIMESTREAM_DATABASE,
    readingsTableName: env.TIMESTREAM_READINGS_TABLE,
    movementsTableName: env.TIMESTREAM_MOVEMENTS_TABLE,
    clock: systemClock,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    remainingMs: () => currentContext?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY,
  }),
  state,
  alerts: engine,
  rejections: new IotRejectionPublisher(iot),
  ...(kpiSlots === undefined ? {} : { kpiSlots }),
  log,
  count,
});

export const handler = instrument(async (event: SQSEvent, context: Context) => {
  currentContext = context;
  const result = await processBatch(event, context);
  // Publish the transitions this batch queued now, if no other relay holds the lease within
  // RELAY_LEASE_WAIT_MS; else the holder (it looks again after releasing) or the scheduled run does.
  try {
    const report = await relayWithLease({
      store: alerts,
      publisher,
      lease: relayLease,
      clock: systemClock,
      acquireWaitMs: RELAY_LEASE_WAIT_MS,
      remainingMs: () => context.getRemainingTimeInMillis(),
    });
    count('AlertsPublished', report.published);
    if (report.stoppedBy === 'unavailable' || report.stoppedBy === 'deadline') {
      log('warn', 'outbox relay stopped; the next relay retries', {
        stoppedBy: report.stoppedBy,
        published: report.published,
      });
    }
  } catch (error) {
    log('warn', 'outbox relay failed; the scheduled run retries', {
      error: error instanceof Error ? error.name : 'unknown',
    });
  }
  return result;
});
