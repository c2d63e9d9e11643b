/**
 * The DuckDB store's connections as lanes: each runs one call at a time, so
 * a call's transaction never interleaves with another's on its connection.
 * One lane writes; READ_CONNECTIONS lanes read, because DuckDB's MVCC shows
 * a read what is committed and reads need no place in the writes' queue
 * (the alert rules of several plants read at once, docs/performance.md).
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { UnavailableError } from '../../domain/ports.ts';

/** Readers at once: the alert rules of 4 plants in each of two batches read together. */
export const READ_CONNECTIONS = 4;

interface Lane {
  readonly connection: DuckDBConnection;
  tail: Promise<unknown>;
  pending: number;
}

export class DuckDbLanes {
  private readonly writer: Lane;
  private readonly readers: Lane[];
  private closing: Promise<void> | undefined;

  private constructor(write: DuckDBConnection, reads: readonly DuckDBConnection[]) {
    const lane = (connection: DuckDBConnection): Lane => ({
      connection,
      tail: Promise.resolve(),
      pending: 0,
    });
    this.writer = lane(write);
    this.readers = reads.map(lane);
  }

  /** Opens the read connections beside `write` (already open; closed with the lanes). */
  static async open(instance: DuckDBInstance, write: DuckDBConnection): Promise<DuckDbLanes> {
    const reads: DuckDBConnection[] = [];
    try {
      for (let i = 0; i < READ_CONNECTIONS; i++) reads.push(await instance.connect());
    } catch (error) {
      for (const c of reads) c.closeSync();
      throw error;
    }
    return new DuckDbLanes(write, reads);
  }

  /** Runs `task` on the write connection, after the writes before it. */
  write<T>(what: string, task: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.run(this.writer, what, task);
  }

  /** Runs `task` on the least busy read connection. */
  read<T>(what: string, task: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const lane = this.readers.reduce((a, b) => (b.pending < a.pending ? b : a));
    return this.run(lane, what, task);
  }

  /** Waits for every call already made, then closes the connections; later calls reject. */
  close(): Promise<void> {
    this.closing ??= Promise.all([this.writer, ...this.readers].map((l) => l.tail)).then(() => {
      for (const lane of [...this.readers, this.writer]) lane.connection.closeSync();
    });
    return this.closing;
  }

  /** Engine errors become `UnavailableError`: local mode answers 503 and the queue redelivers. */
  private run<T>(lane: Lane, what: string, task: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new UnavailableError('the DuckDB metrics store is closed'));
    lane.pending++;
    const run = lane.tail.then(async () => {
      try {
        return await task(lane.connection);
      } catch (error) {
        throw new UnavailableError(`DuckDB metrics store: ${what} failed`, 5, { cause: error });
      }
    });
    lane.tail = run
      .catch(() => undefined)
      .finally(() => {
        lane.pending--;
      });
    return run;
  }
}
