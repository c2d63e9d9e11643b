/** Lambda entry point of the telemetry queue processor (composition root). */
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import type { Context, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { relayWithLease } from '../adapters/alerts/leased-relay.ts';
import { IotRejectionPublisher } from '../adapters/iot-rejection-publisher.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { BatchAlertEngine } from '../app/batch-alert-engine.ts';
import { makeProcessorHandler } from '../handlers/processor.ts';
import { alertPublisher, kpiSlotMarker, stateStore } from './aws-stores.ts';
import { readEnv } from './env.ts';
import { alertStores } from './metrics-stores.ts';
import { metricsWriterAndReader } from './metrics-writers.ts';
import { observability } from './observability.ts';

const env = readEnv(
  {
    STATE_TABLE_NAME: z.string().check(z.minLength(3)),
    IOT_DATA_ENDPOINT: z.url(),
  },
  process.env,
);
const { log, count, instrument } = observability('processor');

// The writer and readers are built once; the deadline of the current invocation is read through this.
let currentContext: Pick<Context, 'getRemainingTimeInMillis'> | undefined;
const remainingMs = () => currentContext?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY;

const kpiSlots = kpiSlotMarker(process.env);
// The alert step reads readings and movements, never KPIs: its reads need no rollup.
const metrics = metricsWriterAndReader(process.env, { remainingMs });
const state = stateStore(process.env);
const { alerts, relayLease, deps } = alertStores(process.env, metrics.reads, state);
// The batch step only: the scheduled rules are the scheduler's (docs/bundles.md).
const engine = new BatchAlertEngine(deps);
const publisher = alertPublisher(process.env);
const iot = new IoTDataPlaneClient({ endpoint: env.IOT_DATA_ENDPOINT });

/** How long a processor waits for a lease another relay holds (it usually holds it for well under a second). */
const RELAY_LEASE_WAIT_MS = 1500;

const processBatch = makeProcessorHandler({
  metrics: metrics.writer,
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
