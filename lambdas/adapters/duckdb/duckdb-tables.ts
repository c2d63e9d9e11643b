/**
 * The DuckDB store's tables: the schema, and how the versioned write
 * (duckdb-metrics-store.ts `writeVersioned`) stages, finds and upserts each
 * kind of item.
 */
import type { DuckDBAppender, JS } from '@duckdb/node-api';
import { movementFingerprint, movementKey, readingFingerprint, readingKey } from '../../domain/identity.ts';
import type { StoredMovement, StoredReading } from '../../domain/ports.ts';
import { type ItemRefusal, itemChecks } from '../../domain/stored-item-checks.ts';
import { movementOfRow, readingOfRow, storedDouble } from '../metrics-rows.ts';
import {
  appendMovementRow,
  MOVEMENT_TABLE_COLUMNS,
  STAGED_MOVEMENT_KEYS,
  STAGED_MOVEMENTS,
  upsertStagedMovements,
} from './duckdb-staging.ts';

/*
 * Times and versions are BIGINT epoch milliseconds; values DOUBLE in the
 * metric's canonical unit. `kind` and `correction` are not stored: the
 * catalog fixes the kind, and a version above BASE_VERSION marks a correction.
 */
export const SCHEMA = [
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

export type Row = Record<string, JS>;
export type Versioned = { readonly ts: number; readonly version: number };
type Refusal = ItemRefusal;

/** What the shared versioned write needs to know about one kind of item. */
export interface VersionedTable<T extends Versioned> {
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
  /** Told of each change about to commit (it may still roll back): the item and the ts it replaces. */
  committing?(item: T, replacedTs: number | undefined): void;
  /** Told of each committed change: the item stored and the ts of the row it replaced, if any. */
  committed?(item: T, replacedTs: number | undefined): void;
}

/** Who hears of a kind's changes (the store's read caches). */
export type ChangeHooks<T extends Versioned> = Pick<VersionedTable<T>, 'committing' | 'committed'>;

const { checkReading, checkMovement } = itemChecks();

/** A reading's identity columns, first in both its staging tables. */
function appendReadingKey(a: DuckDBAppender, r: StoredReading): void {
  a.appendVarchar(r.plantId);
  a.appendVarchar(r.line);
  a.appendVarchar(r.metric);
  a.appendBigInt(BigInt(r.ts));
}

export function readingTable(hooks: ChangeHooks<StoredReading>): VersionedTable<StoredReading> {
  return {
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
    appendKey: appendReadingKey,
    appendRow: (a, r) => {
      appendReadingKey(a, r);
      a.appendDouble(storedDouble(r.value));
      a.appendVarchar(r.unit);
      a.appendVarchar(r.quality);
      a.appendBigInt(BigInt(r.version));
    },
    fromRow: readingOfRow,
    ...hooks,
  };
}

export function movementTable(hooks: ChangeHooks<StoredMovement>): VersionedTable<StoredMovement> {
  return {
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
    ...hooks,
  };
}
