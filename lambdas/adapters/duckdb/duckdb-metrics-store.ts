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
 * process's writes can change. Calls take the caller's deadline
 * (`CallOptions`) like every store and ignore it: nothing times out locally.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { MetricName } from '../../domain/catalog.ts';
import { SLOT_MS, type TouchedSlots } from '../../domain/kpi-rollup.ts';
import { inCounterOrder, KPI_COUNTER_METRICS } from '../../domain/kpis.ts';
import type { GoodHour, MetricsStore, SeriesQuery, WriteResult } from '../../domain/metrics-ports.ts';
import type {
  Clock,
  LedgerResult,
  StoredMovement,
  StoredReading,
  StoreRejection,
  TicketLedger,
} from '../../domain/ports.ts';
import { DAY_MS } from '../../domain/time.ts';

/**
 * The reads of the query API and the alert rules, the annual report's hourly
 * coverage, and the raw side of the KPI rollup (every KPI counter reading of
 * a range in one query, as on the lake).
 */
export type MetricsReads = Pick<MetricsStore, 'readReadings' | 'readLastBefore' | 'readMovements'> &
  Required<Pick<MetricsStore, 'readGoodHours'>> & {
    readCounterReadings(plantId: string, from: number, to: number): Promise<StoredReading[]>;
    /** The raw KPI path's counter readings in two queries (KpiSource in app/kpi-query.ts). */
    readKpiCounterReadings?(plantId: string, from: number, to: number): Promise<StoredReading[]>;
  };

import { goodHourOfRow, movementOfRow, readingOfRow } from '../metrics-rows.ts';
import {
  counterLastGoodBeforeSql,
  counterReadingsSql,
  goodHoursSql,
  lastGoodBeforeSql,
  movementsSql,
  seriesSql,
} from '../metrics-sql.ts';
import type { SqlRow } from '../sql-runner.ts';
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
import { stage } from './duckdb-staging.ts';
import { movementTable, readingTable, SCHEMA, type Versioned, type VersionedTable } from './duckdb-tables.ts';
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

/** No correction moves a ticket locally (one row per ticket), so the horizon only has to be valid. */
const LOCAL_TICKET_HORIZON_MS = 0;
/**
 * readLastBefore looks back a week, as the Timestream and lake readers do, so local answers equal
 * theirs; the local KPI rollup reads with the same look back (local-kpi-rollup.ts).
 */
export const LAST_BEFORE_LOOKBACK_MS = 7 * DAY_MS;
const lookbackFrom = (before: number) => Math.max(0, before - LAST_BEFORE_LOOKBACK_MS);

export class DuckDbMetricsStore implements MetricsStore, TicketLedger {
  private closing: Promise<void> | undefined;
  private readonly clock: Clock;
  private readonly window: IngestionWindow;
  private readonly readingTable: VersionedTable<StoredReading>;
  private readonly movementTable: VersionedTable<StoredMovement>;
  /** Reads of a range again read only what changed since (movement-read-cache.ts); told of every write. */
  private readonly movementReads = new MovementReadCache();
  /** The same for the query API: a page or a client polling a range's KPIs reads only the new tickets. */
  private readonly queryMovementReads = new MovementReadCache();
  /** The pipeline's recent series, from memory (reading-window-cache.ts); told of every write. */
  private readonly readingWindows = new ReadingWindowCache();
  /** The reads on each pool, built once. */
  private readonly pipelineReads: MetricsReads = this.readOn('pipeline');
  private readonly queryReads: MetricsReads = this.readOn('queries');
  private readonly queryTableReads: MetricsReads = this.readOn('queries', false);

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
    this.readingTable = readingTable({ committed: (r) => this.readingWindows.changed(r) });
    // Before the commit too: a read that sees it can never finish before its range is marked changed.
    this.movementTable = movementTable({
      committing: (m, replacedTs) => this.movementChanged(m, replacedTs),
      committed: (m, replacedTs) => this.movementChanged(m, replacedTs),
    });
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

  /** The report's coverage: an aggregate on the query connections (the pipeline never asks for it). */
  readGoodHours(
    plantId: string,
    metrics: readonly MetricName[],
    from: number,
    to: number,
  ): Promise<GoodHour[]> {
    return this.queryReads.readGoodHours(plantId, metrics, from, to);
  }

  /**
   * The plants and 15-minute slots that hold KPI counter readings or tickets
   * (lambdas/domain/kpi-rollup.ts): what local mode marks once when it starts
   * keeping the KPI rollup over a data directory written without it.
   */
  async kpiSlotsWithData(): Promise<TouchedSlots[]> {
    const slot = `(ts // ${SLOT_MS}) * ${SLOT_MS}`;
    const counters = KPI_COUNTER_METRICS.map((m) => `'${m}'`).join(', ');
    const sql =
      `SELECT DISTINCT plant_id, ${slot} AS slot FROM readings WHERE metric IN (${counters}) ` +
      `UNION SELECT DISTINCT plant_id, ${slot} AS slot FROM movements ORDER BY plant_id, slot`;
    const rows = await this.lanes.read(
      'read KPI slots with data',
      (connection) => new DuckDbSqlRunner(connection).run(sql),
      'queries',
    );
    const byPlant = new Map<string, number[]>();
    for (const row of rows) {
      const plantId = String(row.plant_id);
      const starts = byPlant.get(plantId) ?? [];
      starts.push(Number(row.slot));
      byPlant.set(plantId, starts);
    }
    return [...byPlant].map(([plantId, slotStarts]) => ({ plantId, slotStarts }));
  }

  /** The same reads on the query API's own connections, so a busy pipeline does not keep an analyst waiting. */
  queries(): MetricsReads {
    return this.queryReads;
  }

  /** The query connections' reads straight from the tables: for one-off ranges (the KPI rollup job's). */
  tableQueries(): MetricsReads {
    return this.queryTableReads;
  }

  private movementChanged(m: StoredMovement, replacedTs: number | undefined): void {
    for (const cache of [this.movementReads, this.queryMovementReads]) {
      cache.changed(m.plantId, m.ts);
      if (replacedTs !== undefined) cache.changed(m.plantId, replacedTs);
    }
  }

  private readOn(pool: ReadPool, kept = true): MetricsReads {
    const read = <T>(sql: string, fromRow: (row: SqlRow) => T): Promise<T[]> =>
      this.lanes.read(
        'read',
        async (connection) => (await new DuckDbSqlRunner(connection).run(sql)).map(fromRow),
        pool,
      );
    const readReadings = (query: SeriesQuery) => read(seriesSql(query), readingOfRow);
    const movements = (plantId: string, from: number, to: number) =>
      read(movementsSql({ plantId, from, to, horizonMs: LOCAL_TICKET_HORIZON_MS }), movementOfRow);
    const reads: MetricsReads = {
      readReadings,
      readLastBefore: (plantId, metric, before) =>
        read(lastGoodBeforeSql({ plantId, metric, before, since: lookbackFrom(before) }), readingOfRow),
      readMovements: movements,
      readCounterReadings: (plantId, from, to) =>
        !(to > from) ? Promise.resolve([]) : read(counterReadingsSql({ plantId, from, to }), readingOfRow),
      readGoodHours: (plantId, metrics, from, to) =>
        metrics.length === 0 || !(to > from)
          ? Promise.resolve([])
          : read(goodHoursSql({ plantId, metrics, from, to }), goodHourOfRow),
    };
    // Each pool keeps its own movement reads (an analyst's ranges do not evict the alert step's days);
    // readings are kept for the pipeline only. Arguments are checked first (the SQL builders throw
    // RangeError), as the tables' reads do.
    if (pool !== 'pipeline') {
      const queryReads: MetricsReads = {
        ...reads,
        readKpiCounterReadings: async (plantId, from, to) => {
          const [before, within] = await Promise.all([
            read(
              counterLastGoodBeforeSql({ plantId, before: from, since: lookbackFrom(from) }),
              readingOfRow,
            ),
            to > from ? read(counterReadingsSql({ plantId, from, to }), readingOfRow) : [],
          ]);
          return inCounterOrder(before, within);
        },
      };
      if (!kept) return queryReads;
      return {
        ...queryReads,
        readMovements: (plantId, from, to) => {
          movementsSql({ plantId, from, to, horizonMs: LOCAL_TICKET_HORIZON_MS });
          return this.queryMovementReads.read(plantId, from, to, (since, until) =>
            movements(plantId, since, until),
          );
        },
      };
    }
    // The pipeline reads counters through the kept readings (readReadings below).
    return {
      ...reads,
      readReadings: (query) => {
        seriesSql(query);
        return this.readingWindows.read(query, readReadings);
      },
      readMovements: (plantId, from, to) => {
        movementsSql({ plantId, from, to, horizonMs: LOCAL_TICKET_HORIZON_MS });
        return this.movementReads.read(plantId, from, to, (since, until) => movements(plantId, since, until));
      },
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
        const current = new Map<string, { version: number; fingerprint: string }>();
        /** Where each stored row was before this call: a correction that moves it changes both times. */
        const storedTs = new Map<string, number>();
        for (const row of existing.getRowObjectsJS()) {
          const stored = table.fromRow(row);
          const key = table.key(stored);
          current.set(key, { version: stored.version, fingerprint: table.fingerprint(stored) });
          storedTs.set(key, stored.ts);
        }

        const changed = new Map<string, T>();
        let stored = 0;
        for (const { key, item, fingerprint, copies } of versions) {
          const before = current.get(key);
          if (before === undefined || item.version > before.version) {
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
        if (table.committing) for (const [key, item] of changed) table.committing(item, storedTs.get(key));
        await this.connection.run('COMMIT');
        // At once after the commit, before any read that saw it can finish (movement-read-cache.ts).
        if (table.committed) for (const [key, item] of changed) table.committed(item, storedTs.get(key));
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
