/**
 * The local telemetry queue: SQS semantics in-process, durable on disk.
 *
 * - A send resolves only after its journal line is written and fsynced, so an
 *   accepted message (the 202, the MQTT PUBACK) survives SIGKILL and restarts.
 *   Concurrent sends share one write and one fsync (group commit).
 * - Receives hand out batches of up to `batchSize` visible messages, waiting up
 *   to `batchingWindowMs` to fill one, and hide them for `visibilityTimeoutMs`.
 * - The consumer reports failures as the Lambda event source mapping does
 *   (`batchItemFailures`): those come back after the visibility timeout; a
 *   thrown error returns the whole batch. Successes are deleted.
 * - A message received more than `maxReceiveCount` times moves to the DLQ
 *   (`dlq.jsonl`, one message a line) instead of being delivered again.
 *
 * This module holds the in-memory state (visibility, batches, the backlog);
 * the journal is queue-journal.ts, the DLQ file dead-letter-file.ts, the SQS
 * record queue-message.ts and the consumer loop batch-consumer.ts. Deletes and
 * receive counts are not fsynced one by one: losing one in a crash only means
 * a redelivery, which every effect of the pipeline tolerates.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import type { Clock, QueuedTelemetry, TelemetryQueue } from '../domain/ports.ts';
import { encodeQueued } from '../domain/queue-codec.ts';
import type { Backlog } from './backlog-bound.ts';
import { type BatchHandler, consumeBatches } from './batch-consumer.ts';
import { appendDeadLetters } from './dead-letter-file.ts';
import { DrainRate } from './drain-rate.ts';
import type { JournalLine } from './journal-lines.ts';
import { QueueJournal } from './queue-journal.ts';
import { type QueuedMessage, queuedMessage, receiptOf, toSqsRecord } from './queue-message.ts';

export type { BatchHandler } from './batch-consumer.ts';
export { DLQ_FILE } from './dead-letter-file.ts';
export { JOURNAL_FILE } from './queue-journal.ts';
export { LOCAL_QUEUE_ARN } from './queue-message.ts';

/** Messages per delivered batch unless told otherwise: the deployed event source's batch size. */
export const DEFAULT_BATCH_SIZE = 25;
/** Lambda's synchronous invocation payload limit, which bounds an SQS event source's batch too. */
export const DEFAULT_BATCH_MAX_BYTES = 6 * 1024 * 1024;

export interface DurableQueueProps {
  /** Directory of the journal and the DLQ file; created if missing. */
  readonly dir: string;
  /** @default the system clock */
  readonly clock?: Clock;
  /** @default 30 000 (the local processor is fast; AWS uses 6 × the function timeout) */
  readonly visibilityTimeoutMs?: number;
  /** @default 5, as the deployed redrive policy */
  readonly maxReceiveCount?: number;
  /**
   * @default 25, as the deployed event source (lib/config.ts processorBatchSize); the
   * alert rules run once per plant and batch, so larger batches process faster
   */
  readonly batchSize?: number;
  /** @default 100 */
  readonly batchingWindowMs?: number;
  /** Bodies per batch at most, in bytes (a batch holds one message however large). @default 6 MiB, Lambda's invocation payload */
  readonly batchMaxBytes?: number;
  /** @default 10 000 */
  readonly compactAfterLines?: number;
  /**
   * How long a running batch keeps its messages invisible: its visibility is
   * extended while the handler runs, up to this (Lambda's longest timeout), so
   * a slow batch is not handed to another consumer meanwhile. @default 900 000
   */
  readonly maxBatchMs?: number;
}

export interface QueueStats {
  readonly visible: number;
  readonly inFlight: number;
  readonly deadLettered: number;
}

export class DurableQueue implements TelemetryQueue {
  private readonly messages = new Map<string, QueuedMessage>();
  private readonly clock: Clock;
  private readonly visibilityMs: number;
  private readonly maxReceives: number;
  private readonly batchSize: number;
  private readonly windowMs: number;
  private readonly batchMaxBytes: number;
  private readonly maxBatchMs: number;
  private readonly journal: QueueJournal;
  private deadLettered = 0;
  /** Sleeping receivers (one per consumer), woken by a send or by close. */
  private readonly sleepers = new Set<() => void>();
  /** `close()` was called: consumers take no new batch; their acks are still journaled. */
  private stopping = false;
  private consumer: Promise<void> | undefined;
  /** Bytes of the live messages' bodies, for the backlog bound. */
  private liveBytes = 0;
  /** How fast full batches work a backlog off, for the backlog bound's estimate of the wait. */
  private drain: DrainRate | undefined;
  /** Live messages in send order from `waitingHead` on; those before it were received or deleted. */
  private waiting: QueuedMessage[] = [];
  private waitingHead = 0;

  private constructor(private readonly props: DurableQueueProps) {
    this.clock = props.clock ?? { now: () => Date.now() };
    this.visibilityMs = positive('visibilityTimeoutMs', props.visibilityTimeoutMs ?? 30_000);
    this.maxReceives = positive('maxReceiveCount', props.maxReceiveCount ?? 5);
    this.batchSize = positive('batchSize', props.batchSize ?? DEFAULT_BATCH_SIZE);
    this.windowMs = props.batchingWindowMs ?? 100;
    this.batchMaxBytes = positive('batchMaxBytes', props.batchMaxBytes ?? DEFAULT_BATCH_MAX_BYTES);
    const compactAfter = positive('compactAfterLines', props.compactAfterLines ?? 10_000);
    this.maxBatchMs = positive('maxBatchMs', props.maxBatchMs ?? 900_000);
    this.journal = new QueueJournal(props.dir, this.messages, compactAfter);
  }

  /** Opens the queue in `dir`, recovering every message sent and not deleted before a stop or crash. */
  static async open(props: DurableQueueProps): Promise<DurableQueue> {
    const queue = new DurableQueue(props);
    await mkdir(props.dir, { recursive: true });
    await queue.recover();
    return queue;
  }

  private async recover(): Promise<void> {
    for (const [id, m] of await this.journal.replay()) {
      // What was in flight at the stop is visible again at once: its consumer is gone.
      this.messages.set(id, m);
      this.liveBytes += m.bytes;
      this.waiting.push(m);
    }
    await this.journal.compact();
  }

  /** TelemetryQueue: the HTTP ingest path (split into parts as on SQS). */
  async enqueue(items: readonly QueuedTelemetry[]): Promise<void> {
    await this.send(items.flatMap((item) => encodeQueued(item)));
  }

  /** Sends raw message bodies (the MQTT topic rule's envelopes); resolves once they are durable. */
  async send(bodies: readonly string[]): Promise<string[]> {
    if (bodies.length === 0) return [];
    const at = this.clock.now();
    const fresh = bodies.map((body) => ({ id: randomUUID(), body }));
    await this.journal.append(fresh.map(({ id, body }) => ({ op: 'send', id, body, at })));
    for (const { id, body } of fresh) {
      const message = queuedMessage(id, body, at);
      this.messages.set(id, message);
      this.waiting.push(message);
      this.liveBytes += message.bytes;
    }
    this.wakeAll();
    return fresh.map((m) => m.id);
  }

  /**
   * What was accepted and not yet processed, in O(1) amortized: messages are
   * taken in send order, so the oldest not yet received is the first of
   * `waiting` that is neither received nor deleted.
   */
  backlog(): Backlog {
    const oldest = this.oldestWaiting();
    return {
      oldestAgeMs: oldest ? Math.max(0, this.clock.now() - oldest.sentAt) : 0,
      drainMs: this.drain?.drainMs(this.messages.size, this.liveBytes),
      bytes: this.liveBytes,
      messages: this.messages.size,
    };
  }

  private oldestWaiting(): QueuedMessage | undefined {
    let head = this.waitingHead;
    while (head < this.waiting.length) {
      const m = this.waiting[head] as QueuedMessage;
      if (!m.taken && this.messages.has(m.id)) break;
      head++;
    }
    if (head > 1024 && head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(head);
      head = 0;
    }
    this.waitingHead = head;
    return this.waiting[head];
  }

  stats(): QueueStats {
    const now = this.clock.now();
    let visible = 0;
    for (const m of this.messages.values()) if (m.visibleAt <= now) visible++;
    return { visible, inFlight: this.messages.size - visible, deadLettered: this.deadLettered };
  }

  /** Takes the next batch, waiting up to `waitMs` for a first visible message; moves over-received ones to the DLQ. */
  async receive(waitMs: number): Promise<SQSRecord[]> {
    const deadline = Date.now() + waitMs;
    while (!this.stopping) {
      if (this.visibleCount() > 0) {
        // The window is not cut short by sends: under load it is what fills a batch.
        if (this.visibleCount() < this.batchSize && this.windowMs > 0)
          await new Promise((resolve) => setTimeout(resolve, this.windowMs));
        if (this.stopping) break;
        const records = await this.take();
        if (records.length > 0) return records;
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await this.sleep(Math.min(left, this.untilNextVisible()));
    }
    return [];
  }

  private visibleCount(): number {
    const now = this.clock.now();
    let n = 0;
    for (const m of this.messages.values()) if (m.visibleAt <= now) n++;
    return n;
  }

  private untilNextVisible(): number {
    const now = this.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const m of this.messages.values()) next = Math.min(next, m.visibleAt - now);
    return Math.max(1, next);
  }

  private async take(): Promise<SQSRecord[]> {
    const now = this.clock.now();
    const records: SQSRecord[] = [];
    const received: JournalLine[] = [];
    const dead: QueuedMessage[] = [];
    let bytes = 0;
    for (const m of this.messages.values()) {
      if (records.length >= this.batchSize) break;
      if (m.visibleAt > now) continue;
      if (records.length > 0 && bytes + m.bytes > this.batchMaxBytes) break;
      if (m.receiveCount >= this.maxReceives) {
        // Hidden at once: another consumer's take must not dead-letter it again while this one writes.
        m.visibleAt = Number.POSITIVE_INFINITY;
        dead.push(m);
        continue;
      }
      m.receiveCount++;
      m.taken = true;
      m.firstReceivedAt ??= now;
      m.visibleAt = now + this.visibilityMs;
      received.push({ op: 'recv', id: m.id, at: now });
      records.push(toSqsRecord(m));
      bytes += m.bytes;
    }
    this.oldestWaiting(); // drops what was just taken, so `waiting` stays bounded without backlog checks
    if (dead.length > 0) await this.deadLetter(dead);
    if (received.length > 0) void this.journal.append(received).catch(() => undefined);
    return records;
  }

  private async deadLetter(messages: readonly QueuedMessage[]): Promise<void> {
    await appendDeadLetters(this.props.dir, messages, this.clock.now());
    for (const m of messages) if (this.messages.delete(m.id)) this.liveBytes -= m.bytes;
    this.deadLettered += messages.length;
    await this.journal.append(messages.map((m) => ({ op: 'dlq', id: m.id }))).catch(() => undefined);
  }

  /**
   * Settles a delivered batch as the event source mapping does: deletes all
   * but the reported failures, by receipt handle, so a message received again
   * since (its batch outlived `maxBatchMs`) is settled by its latest receiver.
   */
  private settle(records: readonly SQSRecord[], response: SQSBatchResponse | undefined): void {
    const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    this.acknowledge(
      records.filter((r) => !failed.has(r.messageId) && this.holds(r)).map((r) => r.messageId),
    );
  }

  /** Whether `record` is the latest receipt of a live message. */
  private holds(record: SQSRecord): boolean {
    const m = this.messages.get(record.messageId);
    return m !== undefined && receiptOf(m) === record.receiptHandle;
  }

  /** Keeps a running batch's messages invisible (in memory: a restart makes every message visible anyway). */
  private extendVisibility(records: readonly SQSRecord[]): void {
    const until = this.clock.now() + this.visibilityMs;
    for (const record of records) {
      const m = this.messages.get(record.messageId);
      if (m && receiptOf(m) === record.receiptHandle && m.visibleAt < until) m.visibleAt = until;
    }
  }

  /** Deletes received messages (DeleteMessage). Unknown ids are ignored. */
  acknowledge(messageIds: readonly string[]): void {
    const deleted: JournalLine[] = [];
    for (const id of messageIds) {
      const m = this.messages.get(id);
      if (!m) continue;
      this.messages.delete(id);
      this.liveBytes -= m.bytes;
      deleted.push({ op: 'del', id });
    }
    if (deleted.length > 0) void this.journal.append(deleted).catch(() => undefined);
  }

  /**
   * Runs `handler` over batches until `close()`, one batch at a time (the
   * local stores take one writer). `onError` hears of batches that threw.
   */
  startConsumer(handler: BatchHandler, onError: (error: unknown) => void = () => {}, concurrency = 1): void {
    if (this.consumer) throw new Error('the local queue already has a consumer');
    const source = {
      running: () => !this.stopping,
      receive: (waitMs: number) => this.receive(waitMs),
      extendVisibility: (records: readonly SQSRecord[]) => this.extendVisibility(records),
      settle: (records: readonly SQSRecord[], response: SQSBatchResponse | undefined) =>
        this.settle(records, response),
    };
    const timing = { visibilityMs: this.visibilityMs, maxBatchMs: this.maxBatchMs };
    const consumers = positive('concurrency', concurrency);
    const drain = new DrainRate({ batchMaxBytes: this.batchMaxBytes, batchSize: this.batchSize, consumers });
    this.drain = drain;
    const timed = this.timed(handler, drain);
    const loop = () => consumeBatches(source, timed, onError, timing);
    // Like the event source's maximum concurrency: each loop holds one batch at a time.
    this.consumer = Promise.all(Array.from({ length: consumers }, loop)).then(() => undefined);
  }

  /** `handler`, timed for the drain rate: the bytes of the messages it processed over its time. */
  private timed(handler: BatchHandler, drain: DrainRate): BatchHandler {
    return async (event) => {
      // Wall time, as the batch consumer's cap: the queue's clock may be a test's.
      const started = Date.now();
      const sizes = event.Records.map((r) => this.messages.get(r.messageId)?.bytes ?? 0);
      const bytes = sizes.reduce((sum, size) => sum + size, 0);
      let processed = 0;
      try {
        const response = await handler(event);
        const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        event.Records.forEach((record, i) => {
          if (!failed.has(record.messageId)) processed += sizes[i] ?? 0;
        });
        return response;
      } finally {
        drain.finished(event.Records.length, bytes, processed, Date.now() - started);
      }
    };
  }

  /** Resolves once nothing is visible or in flight (or `timeoutMs` passed); for tests and shutdown. */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.size > 0) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }

  /** Stops the consumer after its current batch and closes the journal. */
  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.wakeAll();
    // The batches in flight finish and their deletes are journaled before the journal closes.
    await this.consumer;
    await this.journal.close();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer; got ${JSON.stringify(value)}`);
  }
  return value;
}
