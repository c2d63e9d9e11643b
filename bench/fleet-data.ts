/**
 * Seeded benchmark input: the simulated fleet (lambdas/sim/simulator.ts) as
 * HTTP ingest would queue it, and the SQS batches the event source mapping
 * would hand the processor.
 */
import type { SQSRecord } from 'aws-lambda';
import { parseTelemetry } from '../lambdas/domain/parse-telemetry.ts';
import type { StoredReading } from '../lambdas/domain/ports.ts';
import { encodeQueued } from '../lambdas/domain/queue-codec.ts';
import type { Reading } from '../lambdas/domain/telemetry.ts';
import { type OutgoingMessage, simulate } from '../lambdas/sim/simulator.ts';

/** A fixed day, so every run sees the same data (the simulator's time zone is UTC+5). */
export const BENCH_START = Date.parse('2026-11-23T00:00:00.000Z');
export const HOUR_MS = 3_600_000;
/** The simulated gateway sends a message every 10 s (the README's worked write-cost example). */
export const BENCH_INTERVAL_MS = 10_000;
/** Gateway to queue: what the ingest adds to `sentAt` as `receivedAt`. */
export const INGEST_DELAY_MS = 1_000;

/**
 * The deployed event source mapping (lib/config.ts DEFAULTS: processorBatchSize
 * 25, processorBatchingWindowSeconds 2). Bench code imports lambdas/ only, so
 * the values are repeated here.
 */
export const EVENT_SOURCE = { batchSize: 25, windowMs: 2_000 } as const;

export interface FleetPlan {
  readonly plants: number;
  readonly hours: number;
  readonly intervalMs?: number;
  readonly seed?: number;
  readonly start?: number;
}

/** One queued message: its SQS body, when ingest accepted it, and what it carries. */
export interface QueuedBody {
  readonly body: string;
  readonly plantId: string;
  readonly receivedAt: number;
  readonly readings: readonly Reading[];
  readonly movements: number;
}

/** The simulator's messages of a `plants` x `hours` run (scenario `normal`). */
export function* fleetMessages(plan: FleetPlan): Generator<OutgoingMessage> {
  const start = plan.start ?? BENCH_START;
  yield* simulate({
    plants: plan.plants,
    scenario: 'normal',
    start,
    end: start + plan.hours * HOUR_MS,
    intervalMs: plan.intervalMs ?? BENCH_INTERVAL_MS,
    seed: plan.seed ?? 1,
  });
}

/** What HTTP ingest enqueues for each simulated message: validated, canonical, split like SQS. */
export function fleetQueue(plan: FleetPlan): QueuedBody[] {
  return [...fleetQueueStream(plan)];
}

/** `fleetQueue` one message at a time, for runs too large to hold. */
export function* fleetQueueStream(plan: FleetPlan): Generator<QueuedBody> {
  for (const outgoing of fleetMessages(plan)) {
    const receivedAt = outgoing.sendAt + INGEST_DELAY_MS;
    const parsed = parseTelemetry(outgoing.body, { now: receivedAt, plantId: outgoing.plantId });
    if (!parsed.ok) throw new Error(`simulated message refused: ${parsed.problem.detail}`);
    for (const body of encodeQueued({ message: parsed.message, source: 'http', receivedAt })) {
      yield {
        body,
        plantId: outgoing.plantId,
        receivedAt,
        readings: parsed.message.readings,
        movements: parsed.message.movements.length,
      };
    }
  }
}

export const readingCount = (bodies: readonly QueuedBody[]): number =>
  bodies.reduce((n, b) => n + b.readings.length, 0);

/** Readings as the processor stores them (none of the simulated ones is a correction). */
export function storedReadings(body: QueuedBody): StoredReading[] {
  return body.readings.map((r) => ({ ...r, version: 1 }));
}

/**
 * Batches as the SQS event source mapping forms them: a batch opens with the
 * first waiting message and closes when it holds `batchSize` messages or
 * `windowMs` after it opened.
 */
export function eventSourceBatches<T extends { readonly receivedAt: number }>(
  items: Iterable<T>,
  options: { readonly batchSize: number; readonly windowMs: number } = EVENT_SOURCE,
): T[][] {
  return [...eventSourceBatchStream(items, options)];
}

/** `eventSourceBatches` one batch at a time. */
export function* eventSourceBatchStream<T extends { readonly receivedAt: number }>(
  items: Iterable<T>,
  options: { readonly batchSize: number; readonly windowMs: number } = EVENT_SOURCE,
): Generator<T[]> {
  let current: T[] = [];
  let opened = 0;
  for (const item of items) {
    if (
      current.length > 0 &&
      (current.length >= options.batchSize || item.receivedAt >= opened + options.windowMs)
    ) {
      yield current;
      current = [];
    }
    if (current.length === 0) opened = item.receivedAt;
    current.push(item);
  }
  if (current.length > 0) yield current;
}

/** An SQS record of the event the processor receives. */
export function sqsRecord(body: string, index: number, sentAt: number): SQSRecord {
  const id = `bench-${index}`;
  return {
    messageId: id,
    receiptHandle: id,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(sentAt),
      SenderId: 'bench',
      ApproximateFirstReceiveTimestamp: String(sentAt),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:bench',
    awsRegion: 'local',
  };
}

/** The SQS events of the batches, numbered across the run. */
export function sqsEvents(batches: readonly (readonly QueuedBody[])[]): Array<{ Records: SQSRecord[] }> {
  let index = 0;
  return batches.map((batch) => sqsEvent(batch, () => index++));
}

export function sqsEvent(batch: readonly QueuedBody[], nextIndex: () => number): { Records: SQSRecord[] } {
  return { Records: batch.map((b) => sqsRecord(b.body, nextIndex(), b.receivedAt)) };
}
