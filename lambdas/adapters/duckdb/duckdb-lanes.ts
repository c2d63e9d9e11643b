/**
 * The DuckDB store's connections as lanes: each runs one call at a time, so
 * a call's transaction never interleaves with another's on its connection.
 * One lane writes; the others read, because DuckDB's MVCC shows a read what
 * is committed and reads need no place in the writes' queue. Reads come in
 * two pools: the pipeline's (the alert rules of several plants read at once)
 * and the query API's, so an analyst's query never waits behind a busy
 * pipeline's reads (docs/performance.md).
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { UnavailableError } from '../../domain/ports.ts';

/** Read connections per pool: the alert rules of several plants read together; API queries beside them. */
export const READ_CONNECTIONS = { pipeline: 4, queries: 2 } as const;
export type ReadPool = keyof typeof READ_CONNECTIONS;

interface Lane {
  readonly connection: DuckDBConnection;
  tail: Promise<unknown>;
  pending: number;
}

export class DuckDbLanes {
  private readonly writer: Lane;
  private readonly readers: Readonly<Record<ReadPool, Lane[]>>;
  private closing: Promise<void> | undefined;

  private constructor(write: DuckDBConnection, reads: Readonly<Record<ReadPool, DuckDBConnection[]>>) {
    const lane = (connection: DuckDBConnection): Lane => ({
      connection,
      tail: Promise.resolve(),
      pending: 0,
    });
    this.writer = lane(write);
    this.readers = { pipeline: reads.pipeline.map(lane), queries: reads.queries.map(lane) };
  }

  /** Opens the read connections beside `write` (already open; closed with the lanes). */
  static async open(instance: DuckDBInstance, write: DuckDBConnection): Promise<DuckDbLanes> {
    const reads: Record<ReadPool, DuckDBConnection[]> = { pipeline: [], queries: [] };
    try {
      for (const pool of ['pipeline', 'queries'] as const) {
        for (let i = 0; i < READ_CONNECTIONS[pool]; i++) reads[pool].push(await instance.connect());
      }
    } catch (error) {
      for (const c of [...reads.pipeline, ...reads.queries]) c.closeSync();
      throw error;
    }
    return new DuckDbLanes(write, reads);
  }

  /** Runs `task` on the write connection, after the writes before it. */
  write<T>(what: string, task: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.run(this.writer, what, task);
  }

  /** Runs `task` on the least busy read connection of `pool`. */
  read<T>(what: string, task: (connection: DuckDBConnection) => Promise<T>, pool: ReadPool): Promise<T> {
    const lane = this.readers[pool].reduce((a, b) => (b.pending < a.pending ? b : a));
    return this.run(lane, what, task);
  }

  /** Waits for every call already made, then closes the connections; later calls reject. */
  close(): Promise<void> {
    this.closing ??= Promise.all(
      [this.writer, ...this.readers.pipeline, ...this.readers.queries].map((l) => l.tail),
    ).then(() => {
      for (const lane of [...this.readers.pipeline, ...this.readers.queries, this.writer])
        lane.connection.closeSync();
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
