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
 * The journal (`journal.jsonl`) holds one operation a line: send, receive,
 * delete, dead-letter. It is compacted to the live messages at every start
 * and whenever it grows past `compactAfterLines`, so a torn last line from a
 * crash never survives a restart. Deletes and receive counts are not fsynced
 * one by one: losing one in a crash only means a redelivery, which every
 * effect of the pipeline tolerates.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type FileHandle, mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type Clock, type QueuedTelemetry, type TelemetryQueue, UnavailableError } from '../domain/ports.ts';
import { encodeQueued } from '../domain/queue-codec.ts';
import type { Backlog } from './backlog-bound.ts';
import { parseLine, serialize, syncDirectory } from './journal-lines.ts';

export const JOURNAL_FILE = 'journal.jsonl';
export const DLQ_FILE = 'dlq.jsonl';
export const LOCAL_QUEUE_ARN = 'arn:aws:sqs:local:000000000000:wte-telemetry';
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

interface Message {
  readonly id: string;
  readonly body: string;
  readonly sentAt: number;
  readonly bytes: number;
  /** Received by this process's consumer at least once. */
  taken: boolean;
  receiveCount: number;
  firstReceivedAt: number | undefined;
  visibleAt: number;
}

export type BatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

export interface QueueStats {
  readonly visible: number;
  readonly inFlight: number;
  readonly deadLettered: number;
}

interface PendingWrite {
  readonly lines: string[];
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

export class DurableQueue implements TelemetryQueue {
  private readonly messages = new Map<string, Message>();
  private readonly clock: Clock;
  private readonly visibilityMs: number;
  private readonly maxReceives: number;
  private readonly batchSize: number;
  private readonly windowMs: number;
  private readonly batchMaxBytes: number;
  private readonly compactAfter: number;
  private readonly maxBatchMs: number;
  private journal: FileHandle | undefined;
  private journalLines = 0;
  private pending: PendingWrite | undefined;
  private writing: Promise<void> = Promise.resolve();
  private deadLettered = 0;
  /** Sleeping receivers (one per consumer), woken by a send or by close. */
  private readonly sleepers = new Set<() => void>();
  private closed = false;
  /** `close()` was called: consumers take no new batch; their acks are still journaled. */
  private stopping = false;
  private consumer: Promise<void> | undefined;
  /** Bytes of the live messages' bodies, for the backlog bound. */
  private liveBytes = 0;
  /** Live messages in send order from `waitingHead` on; those before it were received or deleted. */
  private waiting: Message[] = [];
  private waitingHead = 0;

  private constructor(private readonly props: DurableQueueProps) {
    this.clock = props.clock ?? { now: () => Date.now() };
    this.visibilityMs = positive('visibilityTimeoutMs', props.visibilityTimeoutMs ?? 30_000);
    this.maxReceives = positive('maxReceiveCount', props.maxReceiveCount ?? 5);
    this.batchSize = positive('batchSize', props.batchSize ?? DEFAULT_BATCH_SIZE);
    this.windowMs = props.batchingWindowMs ?? 100;
    this.batchMaxBytes = positive('batchMaxBytes', props.batchMaxBytes ?? DEFAULT_BATCH_MAX_BYTES);
    this.compactAfter = positive('compactAfterLines', props.compactAfterLines ?? 10_000);
    this.maxBatchMs = positive('maxBatchMs', props.maxBatchMs ?? 900_000);
  }

  /** Opens the queue in `dir`, recovering every message sent and not deleted before a stop or crash. */
  static async open(props: DurableQueueProps): Promise<DurableQueue> {
    const queue = new DurableQueue(props);
    await mkdir(props.dir, { recursive: true });
    await queue.recover();
    return queue;
  }

  private get journalPath(): string {
    return join(this.props.dir, JOURNAL_FILE);
  }

  private async recover(): Promise<void> {
    let text = '';
    try {
      text = await readFile(this.journalPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const raw of text.split('\n')) {
      const line = parseLine(raw);
      if (!line) continue; // an empty line, or the torn tail of a crash
      switch (line.op) {
        case 'send':
          this.messages.set(line.id, {
            id: line.id,
            body: line.body,
            sentAt: line.at,
            bytes: Buffer.byteLength(line.body, 'utf8'),
            taken: false,
            receiveCount: line.n ?? 0,
            firstReceivedAt: undefined,
            visibleAt: 0,
          });
          break;
        case 'recv': {
          const message = this.messages.get(line.id);
          if (message) {
            message.receiveCount++;
            message.firstReceivedAt ??= line.at;
          }
          break;
        }
        case 'del':
        case 'dlq':
          this.messages.delete(line.id);
          break;
      }
    }
    // What was in flight at the stop is visible again at once: its consumer is gone.
    for (const m of this.messages.values()) {
      this.liveBytes += m.bytes;
      this.waiting.push(m);
    }
    await this.compact();
  }

  /** Rewrites the journal as the live messages only, atomically (write, fsync, rename). */
  private async compact(): Promise<void> {
    await this.journal?.close();
    this.journal = undefined;
    const temporary = `${this.journalPath}.tmp`;
    const handle = await open(temporary, 'w');
    try {
      const lines = [...this.messages.values()].map((m) =>
        serialize({ op: 'send', id: m.id, body: m.body, at: m.sentAt, n: m.receiveCount }),
      );
      await handle.write(lines.join(''));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.journalPath);
    await syncDirectory(this.props.dir);
    this.journal = await open(this.journalPath, 'a');
    this.journalLines = this.messages.size;
  }

  /** Appends lines through one writer; resolves once they are on disk. */
  private append(lines: readonly string[]): Promise<void> {
    if (this.closed) return Promise.reject(new UnavailableError('the local queue is closed'));
    if (!this.pending) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const batch: PendingWrite = { lines: [], done, resolve, reject };
      this.pending = batch;
      this.writing = this.writing.then(() => this.flush(batch));
    }
    this.pending.lines.push(...lines);
    return this.pending.done;
  }

  private async flush(batch: PendingWrite): Promise<void> {
    if (this.pending === batch) this.pending = undefined;
    try {
      const journal = this.journal;
      if (!journal) throw new UnavailableError('the local queue journal is not open');
      await journal.write(batch.lines.join(''));
      await journal.datasync();
      this.journalLines += batch.lines.length;
      batch.resolve();
    } catch (error) {
      batch.reject(
        error instanceof UnavailableError
          ? error
          : new UnavailableError('local queue write failed', 1, { cause: error }),
      );
      return;
    }
    if (this.journalLines > this.compactAfter && this.journalLines > 4 * this.messages.size) {
      await this.compact().catch(() => undefined);
    }
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
    await this.append(fresh.map(({ id, body }) => serialize({ op: 'send', id, body, at })));
    for (const { id, body } of fresh) {
      const message: Message = {
        id,
        body,
        sentAt: at,
        bytes: Buffer.byteLength(body, 'utf8'),
        taken: false,
        receiveCount: 0,
        firstReceivedAt: undefined,
        visibleAt: 0,
      };
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
      bytes: this.liveBytes,
      messages: this.messages.size,
    };
  }

  private oldestWaiting(): Message | undefined {
    let head = this.waitingHead;
    while (head < this.waiting.length) {
      const m = this.waiting[head] as Message;
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
    const lines: string[] = [];
    const dead: Message[] = [];
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
      lines.push(serialize({ op: 'recv', id: m.id, at: now }));
      records.push(toRecord(m));
      bytes += m.bytes;
    }
    this.oldestWaiting(); // drops what was just taken, so `waiting` stays bounded without backlog checks
    if (dead.length > 0) await this.deadLetter(dead);
    if (lines.length > 0) void this.append(lines).catch(() => undefined);
    return records;
  }

  private async deadLetter(messages: readonly Message[]): Promise<void> {
    const dlq = await open(join(this.props.dir, DLQ_FILE), 'a');
    try {
      const at = this.clock.now();
      await dlq.write(
        messages
          .map((m) =>
            serialize({
              messageId: m.id,
              sentAt: m.sentAt,
              deadLetteredAt: at,
              receiveCount: m.receiveCount,
              body: m.body,
            }),
          )
          .join(''),
      );
      await dlq.sync();
    } finally {
      await dlq.close();
    }
    for (const m of messages) if (this.messages.delete(m.id)) this.liveBytes -= m.bytes;
    this.deadLettered += messages.length;
    await this.append(messages.map((m) => serialize({ op: 'dlq', id: m.id }))).catch(() => undefined);
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
    const deleted: string[] = [];
    for (const id of messageIds) {
      const m = this.messages.get(id);
      if (!m) continue;
      this.messages.delete(id);
      this.liveBytes -= m.bytes;
      deleted.push(serialize({ op: 'del', id }));
    }
    if (deleted.length > 0) void this.append(deleted).catch(() => undefined);
  }

  /**
   * Runs `handler` over batches until `close()`, one batch at a time (the
   * local stores take one writer). `onError` hears of batches that threw.
   */
  startConsumer(handler: BatchHandler, onError: (error: unknown) => void = () => {}, concurrency = 1): void {
    if (this.consumer) throw new Error('the local queue already has a consumer');
    const loop = async () => {
      while (!this.stopping) {
        const records = await this.receive(1_000);
        if (records.length === 0) continue;
        let response: SQSBatchResponse | undefined;
        const started = Date.now();
        // Wall time for the cap (a batch's own running time); the queue's clock for the visibility.
        const heartbeat = setInterval(
          () => {
            if (Date.now() - started < this.maxBatchMs) this.extendVisibility(records);
            else clearInterval(heartbeat);
          },
          Math.max(1, Math.floor(this.visibilityMs / 3)),
        );
        heartbeat.unref();
        try {
          response = await handler({ Records: records });
        } catch (error) {
          onError(error);
          continue; // the whole batch comes back after the visibility timeout
        } finally {
          clearInterval(heartbeat);
        }
        this.settle(records, response);
      }
    };
    // Like the event source's maximum concurrency: each loop holds one batch at a time.
    this.consumer = Promise.all(Array.from({ length: positive('concurrency', concurrency) }, loop)).then(
      () => undefined,
    );
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
    this.closed = true;
    await this.writing;
    await this.journal?.close();
    this.journal = undefined;
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

/** A receipt names the receive: each receive of a message gets a new one, as on SQS. */
function receiptOf(m: Message): string {
  return `${m.id}#${m.receiveCount}`;
}

function toRecord(m: Message): SQSRecord {
  return {
    messageId: m.id,
    receiptHandle: receiptOf(m),
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: String(m.sentAt),
      SenderId: 'wte-local',
      ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
    },
    messageAttributes: {},
    // Hashed only if read: the processor never does, and a hash per message is main-thread time.
    get md5OfBody() {
      return createHash('md5').update(m.body, 'utf8').digest('hex');
    },
    eventSource: 'aws:sqs',
    eventSourceARN: LOCAL_QUEUE_ARN,
    awsRegion: 'local',
  };
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer; got ${JSON.stringify(value)}`);
  }
  return value;
}
