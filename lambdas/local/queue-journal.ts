/**
 * The local queue's journal (`journal.jsonl`): one operation a line (send,
 * receive, delete, dead-letter; journal-lines.ts). Appends go through one
 * writer: concurrent appends share one write and one fsync (group commit), and
 * each resolves once its lines are on disk. The journal is rewritten as the
 * live messages only at every start and whenever it grows past
 * `compactAfterLines`, so a torn last line from a crash never survives a
 * restart.
 */
import { type FileHandle, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { UnavailableError } from '../domain/ports.ts';
import { type JournalLine, parseLine, serialize, syncDirectory } from './journal-lines.ts';
import { type QueuedMessage, queuedMessage } from './queue-message.ts';

export const JOURNAL_FILE = 'journal.jsonl';

interface PendingWrite {
  readonly lines: string[];
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

export class QueueJournal {
  private handle: FileHandle | undefined;
  private lineCount = 0;
  private pending: PendingWrite | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  /** `live` is the queue's own map of live messages: what a compaction keeps. */
  constructor(
    private readonly dir: string,
    private readonly live: ReadonlyMap<string, QueuedMessage>,
    private readonly compactAfterLines: number,
  ) {}

  private get path(): string {
    return join(this.dir, JOURNAL_FILE);
  }

  /** The messages sent and neither deleted nor dead-lettered, in send order, each visible at once. */
  async replay(): Promise<Map<string, QueuedMessage>> {
    let text = '';
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const messages = new Map<string, QueuedMessage>();
    for (const raw of text.split('\n')) {
      const line = parseLine(raw);
      if (!line) continue; // an empty line, or the torn tail of a crash
      switch (line.op) {
        case 'send':
          messages.set(line.id, queuedMessage(line.id, line.body, line.at, line.n ?? 0));
          break;
        case 'recv': {
          const message = messages.get(line.id);
          if (message) {
            message.receiveCount++;
            message.firstReceivedAt ??= line.at;
          }
          break;
        }
        case 'del':
        case 'dlq':
          messages.delete(line.id);
          break;
      }
    }
    return messages;
  }

  /** Rewrites the journal as the live messages only, atomically (write, fsync, rename), and reopens it for appends. */
  async compact(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    const temporary = `${this.path}.tmp`;
    const handle = await open(temporary, 'w');
    try {
      const lines = [...this.live.values()].map((m) =>
        serialize({ op: 'send', id: m.id, body: m.body, at: m.sentAt, n: m.receiveCount }),
      );
      await handle.write(lines.join(''));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.path);
    await syncDirectory(this.dir);
    this.handle = await open(this.path, 'a');
    this.lineCount = this.live.size;
  }

  /** Appends operations through the one writer; resolves once they are on disk. */
  append(operations: readonly JournalLine[]): Promise<void> {
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
    for (const operation of operations) this.pending.lines.push(serialize(operation));
    return this.pending.done;
  }

  private async flush(batch: PendingWrite): Promise<void> {
    if (this.pending === batch) this.pending = undefined;
    try {
      const handle = this.handle;
      if (!handle) throw new UnavailableError('the local queue journal is not open');
      await handle.write(batch.lines.join(''));
      await handle.datasync();
      this.lineCount += batch.lines.length;
      batch.resolve();
    } catch (error) {
      batch.reject(
        error instanceof UnavailableError
          ? error
          : new UnavailableError('local queue write failed', 1, { cause: error }),
      );
      return;
    }
    if (this.lineCount > this.compactAfterLines && this.lineCount > 4 * this.live.size) {
      await this.compact().catch(() => undefined);
    }
  }

  /** Takes no more appends, waits for the writes under way, and closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.writing;
    await this.handle?.close();
    this.handle = undefined;
  }
}
