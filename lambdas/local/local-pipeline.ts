/**
 * Local mode's data path, wired as on AWS (docs/local-mode.md): the durable
 * queue with the backlog bound in front, the processor handler as its
 * consumer, the alert-step handler called in-process (on AWS through a
 * queue: docs/alert-step.md), then the outbox relay after each batch
 * (handlers/relay-after-batch.ts, the alert-step Lambda's behaviour).
 */
import { join } from 'node:path';
import { type LeasedRelayReport, relayWithLease } from '../adapters/alerts/leased-relay.ts';
import { LocalAlertPublisher } from '../adapters/alerts/local-alert-publisher.ts';
import { systemClock } from '../adapters/system-clock.ts';
import type { AlertEngine } from '../app/alert-engine.ts';
import { errorName } from '../domain/error-name.ts';
import type { Clock, RejectionPublisher } from '../domain/ports.ts';
import { inProcessAlertStep, makeAlertStepHandler } from '../handlers/alert-step.ts';
import { makeProcessorHandler } from '../handlers/processor.ts';
import { type CoalescedRelay, coalescedRelayAfterBatch } from '../handlers/relay-after-batch.ts';
import { DEFAULT_BACKLOG_BOUND, type Overload, overload, validBound } from './backlog-bound.ts';
import type { Closers } from './closers.ts';
import { DurableQueue } from './durable-queue.ts';
import type { LocalLog, LocalModeOptions } from './local-mode-types.ts';
import type { LocalStores } from './local-stores.ts';
import {
  LOCAL_ALERT_CONCURRENCY,
  LOCAL_BATCH_MAX_BYTES,
  LOCAL_BATCH_SIZE,
  LOCAL_CONSUMERS,
  LOCAL_WRITE_CHUNK_READINGS,
} from './local-tuning.ts';

export interface LocalRelay {
  readonly publisher: LocalAlertPublisher;
  /** One leased relay run; `acquireWaitMs`: how long to wait for a lease another relay (the timer, a batch) holds. */
  run(acquireWaitMs: number): Promise<LeasedRelayReport>;
  /** The relay after each batch, beside the consumers. */
  readonly afterBatch: CoalescedRelay;
}

/**
 * The same leased relay as on AWS, so alerts.jsonl and the webhook get each
 * alert's transitions in order (docs/alert-delivery.md).
 */
export function localRelay(
  options: Pick<LocalModeOptions, 'alertLine' | 'webhookUrl'>,
  dataDir: string,
  stores: Pick<LocalStores, 'alerts' | 'relayLease'>,
  log: LocalLog,
): LocalRelay {
  const publisher = new LocalAlertPublisher({
    dataDir,
    write: options.alertLine ?? (() => {}),
    ...(options.webhookUrl === undefined ? {} : { webhookUrl: options.webhookUrl }),
  });
  const run = (acquireWaitMs: number) =>
    // The lease runs on wall time, whatever clock the data is judged by.
    relayWithLease({
      store: stores.alerts,
      publisher,
      lease: stores.relayLease,
      clock: systemClock,
      acquireWaitMs,
    });
  // No lease wait after a batch: dynalite's reads are consistent, so the holder's look after releasing
  // finds this batch's transitions.
  return { publisher, run, afterBatch: coalescedRelayAfterBatch({ relay: () => run(0), log }) };
}

export interface LocalQueue {
  readonly queue: DurableQueue;
  /** The backlog bound's answer for the next message (docs/backpressure.md). */
  readonly admit: () => Overload | undefined;
}

/** The queue's journal under `<dataDir>/queue`, added to `closers`. */
export async function openLocalQueue(
  options: Pick<LocalModeOptions, 'queue' | 'backlog'>,
  dataDir: string,
  clock: Clock,
  closers: Closers,
): Promise<LocalQueue> {
  const { concurrency: _consumers, ...queueOptions } = options.queue ?? {};
  const queue = await DurableQueue.open({
    dir: join(dataDir, 'queue'),
    clock,
    batchSize: LOCAL_BATCH_SIZE,
    batchMaxBytes: LOCAL_BATCH_MAX_BYTES,
    ...queueOptions,
  });
  closers.add(() => queue.close());
  const bound = validBound({
    maxAgeMs: options.backlog?.maxAgeMs ?? DEFAULT_BACKLOG_BOUND.maxAgeMs,
    maxBytes: options.backlog?.maxBytes ?? DEFAULT_BACKLOG_BOUND.maxBytes,
  });
  return { queue, admit: () => overload(queue.backlog(), bound) };
}

export interface LocalProcessorDeps {
  readonly queue: DurableQueue;
  readonly stores: Pick<LocalStores, 'metrics' | 'state' | 'kpiRollup'>;
  readonly engine: AlertEngine;
  readonly rejections: RejectionPublisher;
  readonly relay: LocalRelay;
  readonly log: LocalLog;
  /** Batches processed at once. @default LOCAL_CONSUMERS */
  readonly concurrency?: number | undefined;
}

/** The processor as the queue's consumer; returns what starts it (idempotent). */
export function localProcessor(deps: LocalProcessorDeps): () => void {
  const { queue, stores, relay, log } = deps;
  const processBatch = makeProcessorHandler({
    metrics: stores.metrics,
    state: stores.state,
    ledger: stores.metrics,
    alerts: inProcessAlertStep(makeAlertStepHandler({ engine: deps.engine, log })),
    rejections: deps.rejections,
    kpiSlots: stores.kpiRollup.marker,
    log,
    // A local batch holds up to 500 messages of many plants: more are judged at once (their reads queue on
    // DuckDB's lanes, not behind dynalite round trips); writes are one transaction per kind and batch.
    alertConcurrency: LOCAL_ALERT_CONCURRENCY,
    writeChunkReadings: LOCAL_WRITE_CHUNK_READINGS,
  });
  let started = false;
  return () => {
    if (started) return;
    started = true;
    queue.startConsumer(
      async (event) => {
        const response = await processBatch(event);
        // Not awaited: a slow webhook must not keep a batch past its visibility timeout.
        relay.afterBatch.request();
        return response;
      },
      (error) => log('error', 'processor batch failed; it will be redelivered', { error: errorName(error) }),
      deps.concurrency ?? LOCAL_CONSUMERS,
    );
  };
}
