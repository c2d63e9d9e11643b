/** Table shapes and appender helpers shared by the DuckDB store and the ticket ledger. */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { movementFingerprint } from '../../domain/identity.ts';
import type { StoredMovement } from '../../domain/ports.ts';
import { storedDouble } from '../metrics-rows.ts';

/** Per-connection staging tables of movement keys and rows (the store's schema creates them; the ledger shares them). */
export const STAGED_MOVEMENT_KEYS = 'staged_movement_keys';
export const STAGED_MOVEMENTS = 'staged_movements';

export const MOVEMENT_COLUMNS =
  'plant_id, ticket_id, ts, direction, net_tonnes, material, destination, operation_code, version, fingerprint';

/** Upserts the staged movement rows into `table` (movements, or the ledger, which has its columns). */
export function upsertStagedMovements(table: string): string {
  return `INSERT INTO ${table} SELECT ${MOVEMENT_COLUMNS} FROM ${STAGED_MOVEMENTS}
    ON CONFLICT (plant_id, ticket_id) DO UPDATE SET
      ts = excluded.ts, direction = excluded.direction, net_tonnes = excluded.net_tonnes,
      material = excluded.material, destination = excluded.destination,
      operation_code = excluded.operation_code, version = excluded.version, fingerprint = excluded.fingerprint`;
}

/** The columns of a movement row: the `movements` table and the ticket ledger (keyed by plant and ticket). */
export const MOVEMENT_TABLE_COLUMNS = `plant_id VARCHAR NOT NULL,
    ticket_id VARCHAR NOT NULL,
    ts BIGINT NOT NULL,
    direction VARCHAR NOT NULL CHECK (direction IN ('in', 'out')),
    net_tonnes DOUBLE NOT NULL,
    material VARCHAR NOT NULL,
    destination VARCHAR,
    operation_code VARCHAR,
    version BIGINT NOT NULL CHECK (version >= 1),
    fingerprint VARCHAR,
    PRIMARY KEY (plant_id, ticket_id)`;

/** A movement as a row of the movements table (and of the ledger, which has its columns). */
export function appendMovementRow(a: DuckDBAppender, m: StoredMovement): void {
  a.appendVarchar(m.plantId);
  a.appendVarchar(m.ticketId);
  a.appendBigInt(BigInt(m.ts));
  a.appendVarchar(m.direction);
  a.appendDouble(storedDouble(m.netTonnes));
  a.appendVarchar(m.material);
  if (m.destination === undefined) a.appendNull();
  else a.appendVarchar(m.destination);
  if (m.operationCode === undefined) a.appendNull();
  else a.appendVarchar(m.operationCode);
  a.appendBigInt(BigInt(m.version));
  a.appendVarchar(movementFingerprint(m));
}

/** Replaces the rows of a staging table (inside the caller's transaction) through the appender. */
export async function stage<T>(
  connection: DuckDBConnection,
  table: string,
  items: Iterable<T>,
  append: (appender: DuckDBAppender, item: T) => void,
): Promise<void> {
  await connection.run(`DELETE FROM ${table}`);
  const appender = await connection.createAppender(table, 'main', 'temp');
  try {
    for (const item of items) {
      append(appender, item);
      appender.endRow();
    }
  } finally {
    appender.closeSync();
  }
}
