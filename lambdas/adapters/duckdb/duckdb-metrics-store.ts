/**
 * Metrics store on an embedded DuckDB file (local mode). Local answers must
 * equal AWS answers, so it follows Timestream's write rules as the Timestream
 * adapter reports them (identities, identical rewrites, versions, superseded
 * late corrections, the 15-minute future window; no retention by default).
 *
 * One connection makes every write (the ticket ledger's too), one call at a
 * time, through the appender into per-connection staging tables. Reads run
 * the lake's SQL (../metrics-sql.ts) on their own connections; every
 * committed write is reported to the pipeline's two read caches
 * (movement-read-cache.ts, reading-window-cache.ts), which only this
 * process's writes can change.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance, type JS } from '@duckdb/node-api';
import type { MetricName } from '../../domain/catalog.ts';
import { movementFingerprint, movementKey, readingFingerprint, readingKey } from '../../domain/identity.ts';
import type {
  Clock,
  LedgerResult,
  MetricsStore,
  SeriesQuery,
  StoredMovement,
  StoredReading,
  StoreRejection,
  TicketLedger,
  WriteResult,
} from '../../domain/ports.ts';

/** The reads of the query API and the alert rules. */
export type MetricsReads = Pick<MetricsStore, 'readReadings' | 'readLastBefore' | 'readMovements'>;

import { movementOfRow, readingOfRow, storedDouble } from '../metrics-rows.ts';
import { lastGoodBeforeSql, movementsSql, seriesSql } from '../metrics-sql.ts';
import type { SqlRow } from '../sql-runner.ts';
import { type ItemRefusal, itemChecks } from '../stored-item-checks.ts';
import { systemClock } from '../system-clock.ts';
import {
  conflictReason,
  DEFAULT_FUTURE_TOLERANCE_MS,
  type IngestionWindow,
  pendingContents,
  windowRefusal,
} from '../write-rules.ts';
import { DuckDbLanes, type ReadPool } from './duckdb-lanes.ts';
import { DuckDbSqlRunner } from './duckdb-sql-runner.ts';
import {
  appendMovementRow,
  MOVEMENT_TABLE_COLUMNS,
  STAGED_MOVEMENT_KEYS,
  STAGED_MOVEMENTS,
  stage,
  upsertStagedMovements,
} from './duckdb-staging.ts';
import { openTicketLedger, recordTickets } from './duckdb-ticket-ledger.ts';
import { MovementReadCache } from './movement-read-cache.ts';
import { ReadingWindowCache } from './reading-window-cache.ts';

export { DEFAULT_FUTURE_TOLERANCE_MS } from '../write-rules.ts';

export interface DuckDbMetricsStoreProps {
  /** `':memory:'`, or a database file (its directory is created when missing). */
  readonly path: string;
  /** @default the system clock */
  readonly clock?: Clock;
  /** How far ahead of the clock a timestamp may be. @default 15 minutes, as Timestream */
  readonly futureToleranceMs?: number;
  /** How far behind the clock a timestamp may be. @default unlimited (local mode keeps everything) */
  readonly retentionMs?: number;
}

/*
 * Times and versions are BIGINT epoch milliseconds; values DOUBLE in the
 * metric's canonical unit. `kind` and `correction` are not stored: the
 * catalog fixes the kind, and a version above BASE_VERSION marks a correction.
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS readings (
    plant_id VARCHAR NOT NULL,
    line VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    ts BIGINT NOT NULL,
    value DOUBLE NOT NULL,
    unit VARCHAR NOT NULL,
    quality VARCHAR NOT NULL CHECK (quality IN ('GOOD', 'UNCERTAIN', 'BAD')),
    version BIGINT NOT NULL CHECK (version >= 1),
    PRIMARY KEY (plant_id, line, metric, ts)
  )`,
  `CREATE TABLE IF NOT EXISTS movements (${MOVEMENT_TABLE_COLUMNS})`,
  // The readers' SQL breaks version ties by fingerprint, as on the lake; files from before it get the column.
  'ALTER TABLE movements ADD COLUMN IF NOT EXISTS fingerprint VARCHAR',
  // Staging tables are per connection and never persisted.
  'CREATE TEMP TABLE staged_reading_keys (plant_id VARCHAR, line VARCHAR, metric VARCHAR, ts BIGINT)',
  'CREATE TEMP TABLE staged_readings AS SELECT * FROM readings LIMIT 0',
  `CREATE TEMP TABLE ${STAGED_MOVEMENT_KEYS} (plant_id VARCHAR, ticket_id VARCHAR)`,
  `CREATE TEMP TABLE ${STAGED_MOVEMENTS} AS SELECT * FROM movements LIMIT 0`,
];

const READING_COLUMNS = 'plant_id, line, metric, ts, value, unit, quality, version';
const SQL = {
  existingReadings:
    'SELECT r.* FROM readings r JOIN staged_reading_keys k USING (plant_id, line, metric, ts)',
  upsertReadings: `INSERT INTO readings SELECT ${READING_COLUMNS} FROM staged_readings
    ON CONFLICT (plant_id, line, metric, ts) DO UPDATE SET
      value = excluded.value, unit = excluded.unit, quality = excluded.quality, version = excluded.version`,
  existingMovements: `SELECT m.* FROM movements m JOIN ${STAGED_MOVEMENT_KEYS} k USING (plant_id, ticket_id)`,
  upsertMovements: upsertStagedMovements('movements'),
} as const;

/** No correction moves a ticket locally (one row per ticket), so the horizon only has to be valid. */
const LOCAL_TICKET_HORIZON_MS = 0;

type Row = Record<string, JS>;
type Versioned = { readonly ts: number; readonly version: number };
type Refusal = ItemRefusal;

/** What the shared versioned write needs to know about one kind of item. */
interface VersionedTable<T extends Versioned> {
  readonly noun: string;
  readonly identity: string;
  readonly keysTable: string;
  readonly rowsTable: string;
  /** The stored rows of the staged keys; `items` may narrow the scan (zone maps skip row groups). */
  existingSql(items: readonly T[]): string;
  readonly upsertSql: string;
  key(item: T): string;
  fingerprint(item: T): string;
  check(item: T): Refusal | undefined;
  appendKey(appender: DuckDBAppender, item: T): void;
  appendRow(appender: DuckDBAppender, item: T): void;
  fromRow(row: Row): T;
  /** Told of each committed change: the item stored and the ts of the row it replaced, if any. */
  committed?(item: T, replacedTs: number | undefined): void;
}

export class DuckDbMetricsStore implements MetricsStore, TicketLedger {
  private closing: Promise<void> | undefined;
  private readonly clock: Clock;
  private readonly window: IngestionWindow;
  private readonly readingTable: VersionedTable<StoredReading>;
  private readonly movementTable: VersionedTable<StoredMovement>;
  /** Reads of a range again read only what changed since (movement-read-cache.ts); told of every write. */
  private readonly movementReads = new MovementReadCache();
  /** The pipeline's recent series, from memory (reading-window-cache.ts); told of every write. */
  private readonly readingWindows = new ReadingWindowCache();
  /** The reads on each pool, built once. */
  private readonly pipelineReads: MetricsReads = this.readOn('pipeline');
  private readonly queryReads: MetricsReads = this.readOn('queries');

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly lanes: DuckDbLanes,
    props: DuckDbMetricsStoreProps,
  ) {
    this.clock = props.clock ?? systemClock;
    this.window = {
      futureToleranceMs: props.futureToleranceMs ?? DEFAULT_FUTURE_TOLERANCE_MS,
      retentionMs: props.retentionMs,
    };
    this.readingTable = {
      noun: 'reading',
      identity: 'time, dimensions, measure name',
      keysTable: 'staged_reading_keys',
      rowsTable: 'staged_readings',
      // Rows arrive roughly in time order, so a time range skips most of the table instead of scanning it.
      existingSql: (items) => {
        let from = Number.POSITIVE_INFINITY;
        let to = Number.NEGATIVE_INFINITY;
        for (const r of items) {
          from = Math.min(from, r.ts);
          to = Math.max(to, r.ts);
        }
        return `${SQL.existingReadings} WHERE r.ts BETWEEN ${from} AND ${to}`;
      },
      upsertSql: SQL.upsertReadings,
      key: readingKey,
      fingerprint: readingFingerprint,
      check: checkReading,
      appendKey: (a, r) => {
        a.appendVarchar(r.plantId);
        a.appendVarchar(r.line);
        a.appendVarchar(r.metric);
        a.appendBigInt(BigInt(r.ts));
      },
      appendRow: (a, r) => {
        a.appendVarchar(r.plantId);
        a.appendVarchar(r.line);
        a.appendVarchar(r.metric);
        a.appendBigInt(BigInt(r.ts));
        a.appendDouble(storedDouble(r.value));
        a.appendVarchar(r.unit);
        a.appendVarchar(r.quality);
        a.appendBigInt(BigInt(r.version));
      },
      fromRow: readingOfRow,
      committed: (r) => this.readingWindows.changed(r),
    };
    this.movementTable = {
      noun: 'movement',
      identity: 'plant and ticket',
      keysTable: STAGED_MOVEMENT_KEYS,
      rowsTable: STAGED_MOVEMENTS,
      existingSql: () => SQL.existingMovements,
      upsertSql: SQL.upsertMovements,
      key: movementKey,
      fingerprint: movementFingerprint,
      check: checkMovement,
      appendKey: (a, m) => {
        a.appendVarchar(m.plantId);
        a.appendVarchar(m.ticketId);
      },
      appendRow: appendMovementRow,
      fromRow: movementOfRow,
      committed: (m, replacedTs) => {
        this.movementReads.changed(m.plantId, m.ts);
        if (replacedTs !== undefined) this.movementReads.changed(m.plantId, replacedTs);
      },
    };
  }

  /** Opens (and creates when new) the store, with extension autoload and autoinstall off. */
  static async open(props: DuckDbMetricsStoreProps): Promise<DuckDbMetricsStore> {
    checkProps(props);
    if (props.path !== ':memory:') mkdirSync(dirname(props.path), { recursive: true });
    let instance: DuckDBInstance | undefined;
    let connection: DuckDBConnection | undefined;
    try {
      // Local mode never reaches the network: no extension is fetched or loaded behind our back.
      instance = await DuckDBInstance.create(props.path, {
        autoinstall_known_extensions: 'false',
        autoload_known_extensions: 'false',
      });
      connection = await instance.connect();
      for (const statement of SCHEMA) await connection.run(statement);
      await openTicketLedger(connection);
      return new DuckDbMetricsStore(
        instance,
        connection,
        await DuckDbLanes.open(instance, connection),
        props,
      );
    } catch (error) {
      connection?.closeSync();
      instance?.closeSync();
      throw new Error(`cannot open the DuckDB metrics store at ${props.path}`, { cause: error });
    }
  }

  /** Waits for calls already made, then closes; later calls reject with `UnavailableError`. */
  close(): Promise<void> {
    this.closing ??= this.lanes.close().then(() => this.instance.closeSync());
    return this.closing;
  }

  writeReadings(readings: readonly StoredReading[]): Promise<WriteResult<StoredReading>> {
    return this.writeVersioned(readings, this.readingTable);
  }

  writeMovements(movements: readonly StoredMovement[]): Promise<WriteResult<StoredMovement>> {
    return this.writeVersioned(movements, this.movementTable);
  }

  /** Local mode's ticket ledger (duckdb-ticket-ledger.ts), in this file and in this store's queue. */
  recordMovements(movements: readonly StoredMovement[]): Promise<LedgerResult[]> {
    return this.lanes.write('record tickets', (connection) => recordTickets(connection, movements));
  }

  /** Invalid arguments (NaN times, text with NUL) throw `RangeError` before any query. */
  readReadings(query: SeriesQuery): Promise<StoredReading[]> {
    return this.pipelineReads.readReadings(query);
  }

  readLastBefore(plantId: string, metric: MetricName, before: number): Promise<StoredReading[]> {
    return this.pipelineReads.readLastBefore(plantId, metric, before);
  }

  readMovements(plantId: string, from: number, to: number): Promise<StoredMovement[]> {
    return this.pipelineReads.readMovements(plantId, from, to);
  }

  /** The same reads on the query API's own connections, so a busy pipeline does not keep an analyst waiting. */
  queries(): MetricsReads {
    return this.queryReads;
  }

  private readOn(pool: ReadPool): MetricsReads {
    const read = <T>(sql: string, fromRow: (row: SqlRow) => T): Promise<T[]> =>
      this.lanes.read(
        'read',
        async (connection) => (await new DuckDbSqlRunner(connection).run(sql)).map(fromRow),
        pool,
      );
    const readReadings = (query: SeriesQuery) => read(seriesSql(query), readingOfRow);
    return {
      // The query API's reads span what analysts ask for; only the pipeline's recent series are kept.
      readReadings:
        pool === 'pipeline' ? (query) => this.readingWindows.read(query, readReadings) : readReadings,
      readLastBefore: (plantId, metric, before) =>
        read(lastGoodBeforeSql({ plantId, metric, before }), readingOfRow),
      readMovements: (plantId, from, to) =>
        this.movementReads.read(plantId, from, to, (since, until) =>
          read(
            movementsSql({ plantId, from: since, to: until, horizonMs: LOCAL_TICKET_HORIZON_MS }),
            movementOfRow,
          ),
        ),
    };
  }

  /**
   * The Timestream adapter's rules, so both stores answer alike: the window
   * first, then validity; then the contents of each identity apply one after
   * another, lowest version first and, within a version, in fingerprint order
   * (so the input's order does not matter), each against what is stored at
   * that moment: the highest version ends up stored, a content identical to
   * the stored one is an identical rewrite, and only contents that differ
   * from it at the same version are conflicts.
   */
  private writeVersioned<T extends Versioned>(
    items: readonly T[],
    table: VersionedTable<T>,
  ): Promise<WriteResult<T>> {
    return this.lanes.write(`write ${table.noun}s`, async () => {
      // The whole call is judged at one instant, as one WriteRecords request is.
      const now = this.clock.now();
      // One slot per item given, so rejections come back in the items' order.
      const rejections: Array<StoreRejection<T> | undefined> = items.map((item) => {
        const refusal = windowRefusal(item.ts, now, this.window) ?? table.check(item);
        return refusal && { item, ...refusal };
      });
      const versions = pendingContents(items, rejections, table);
      const result = (stored: number): WriteResult<T> => ({
        stored,
        rejected: rejections.filter((r): r is StoreRejection<T> => r !== undefined),
      });
      if (versions.length === 0) return result(0);

      await this.connection.run('BEGIN TRANSACTION');
      try {
        const keys = new Map(versions.map((v) => [v.key, v.item]));
        await stage(this.connection, table.keysTable, keys.values(), table.appendKey);
        const existing = await this.connection.runAndReadAll(table.existingSql([...keys.values()]));
        const current = new Map<string, { version: number; fingerprint: string; ts?: number }>();
        for (const row of existing.getRowObjectsJS()) {
          const stored = table.fromRow(row);
          const fingerprint = table.fingerprint(stored);
          current.set(table.key(stored), { version: stored.version, fingerprint, ts: stored.ts });
        }
        const replacedTs = new Map<string, number | undefined>();

        const changed = new Map<string, T>();
        let stored = 0;
        for (const { key, item, fingerprint, copies } of versions) {
          const before = current.get(key);
          if (before === undefined || item.version > before.version) {
            if (!replacedTs.has(key)) replacedTs.set(key, before?.ts);
            current.set(key, { version: item.version, fingerprint });
            changed.set(key, item);
            stored += copies.length;
          } else if (item.version < before.version || fingerprint === before.fingerprint) {
            // An identical rewrite, or an older version that a newer one already superseded.
            stored += copies.length;
          } else {
            const reason = conflictReason(table.identity, before.version);
            for (const index of copies)
              rejections[index] = { item: items[index] as T, kind: 'conflict', reason };
          }
        }

        if (changed.size > 0) {
          await stage(this.connection, table.rowsTable, changed.values(), table.appendRow);
          await this.connection.run(table.upsertSql);
        }
        await this.connection.run('COMMIT');
        // At once after the commit, before any read that saw it can finish (movement-read-cache.ts).
        if (table.committed) for (const [key, item] of changed) table.committed(item, replacedTs.get(key));
        return result(stored);
      } catch (error) {
        await this.connection.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }
}

function checkProps(props: DuckDbMetricsStoreProps): void {
  if (typeof props.path !== 'string' || props.path === '')
    throw new RangeError(`path must be ':memory:' or a file path, got ${JSON.stringify(props.path)}`);
  const { futureToleranceMs, retentionMs } = props;
  if (futureToleranceMs !== undefined && !(Number.isFinite(futureToleranceMs) && futureToleranceMs >= 0))
    throw new RangeError(`futureToleranceMs must be a finite number >= 0, got ${futureToleranceMs}`);
  if (retentionMs !== undefined && !(Number.isFinite(retentionMs) && retentionMs > 0))
    throw new RangeError(`retentionMs must be a finite number > 0, got ${retentionMs}`);
}

const { checkReading, checkMovement } = itemChecks();
