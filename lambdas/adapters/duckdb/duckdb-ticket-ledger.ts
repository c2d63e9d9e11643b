/**
 * The weighbridge ticket ledger of local mode, in the metrics DuckDB file
 * beside the movements (docs/ticket-ledger.md). A batch of tickets is one
 * transaction and a fixed number of statements: stage the keys, read what
 * the ledger holds for them, judge each ticket in order with the rule every
 * ledger applies (domain/ticket-ledger.ts), upsert what changed.
 *
 * Run it on the store's write connection inside its queue (one call at a
 * time), which is what makes the read-judge-write safe without conditions;
 * it stages keys through the store's staging table on that connection, and
 * rows through its own (`staged_ledger`, created there by openTicketLedger).
 */
import { BIGINT, type DuckDBAppender, type DuckDBConnection, LIST } from '@duckdb/node-api';
import { movementKey } from '../../domain/identity.ts';
import type { LedgerOutcome, StoredMovement } from '../../domain/ports.ts';
import { judgeTicket } from '../../domain/ticket-ledger.ts';
import { movementOfRow } from '../metrics-rows.ts';
import {
  appendMovementRow,
  MOVEMENT_COLUMNS,
  MOVEMENT_TABLE_COLUMNS,
  STAGED_MOVEMENT_KEYS,
  stage,
} from './duckdb-staging.ts';

/**
 * The ledger's table: the movements table's columns (the fingerprint is for
 * inspection) and the ticket's former ts (ticket-ledger.ts), NULL when it
 * never moved; a file from before the column gets it, NULL for every ticket.
 */
const CREATE_LEDGER = [
  `CREATE TABLE IF NOT EXISTS ticket_ledger (${MOVEMENT_TABLE_COLUMNS})`,
  'ALTER TABLE ticket_ledger ADD COLUMN IF NOT EXISTS former_ts BIGINT[]',
  'CREATE TEMP TABLE IF NOT EXISTS staged_ledger AS SELECT * FROM ticket_ledger LIMIT 0',
];
const FORMER_TS_TYPE = LIST(BIGINT);

const SQL = {
  existing: `SELECT l.* FROM ticket_ledger l JOIN ${STAGED_MOVEMENT_KEYS} k USING (plant_id, ticket_id)`,
  upsert: `INSERT INTO ticket_ledger (${MOVEMENT_COLUMNS}, former_ts)
    SELECT ${MOVEMENT_COLUMNS}, former_ts FROM staged_ledger
    ON CONFLICT (plant_id, ticket_id) DO UPDATE SET
      ts = excluded.ts, direction = excluded.direction, net_tonnes = excluded.net_tonnes,
      material = excluded.material, destination = excluded.destination,
      operation_code = excluded.operation_code, version = excluded.version,
      fingerprint = excluded.fingerprint, former_ts = excluded.former_ts`,
} as const;

interface Held {
  readonly movement: StoredMovement;
  readonly formerTs: readonly number[];
}

/**
 * Creates the ledger when missing. A file from before the ledger moved here
 * (it was in the local DynamoDB table) gets it from the movements table,
 * which holds the latest stored version of every ticket the ledger had let through.
 */
export async function openTicketLedger(connection: DuckDBConnection): Promise<void> {
  const found = await connection.runAndReadAll(
    "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'ticket_ledger' AND NOT temporary",
  );
  const exists = Number(found.getRowObjectsJS()[0]?.n ?? 0) > 0;
  await connection.run('BEGIN TRANSACTION');
  try {
    for (const statement of CREATE_LEDGER) await connection.run(statement);
    if (!exists) {
      await connection.run(
        `INSERT INTO ticket_ledger (${MOVEMENT_COLUMNS}) SELECT ${MOVEMENT_COLUMNS} FROM movements`,
      );
    }
    await connection.run('COMMIT');
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Records a batch of tickets (see TicketLedger in ports.ts); the caller serializes calls. */
export async function recordTickets(
  connection: DuckDBConnection,
  movements: readonly StoredMovement[],
): Promise<LedgerOutcome[]> {
  if (movements.length === 0) return [];
  await connection.run('BEGIN TRANSACTION');
  try {
    const keys = new Map<string, StoredMovement>();
    for (const m of movements) keys.set(movementKey(m), m);
    await stage(connection, STAGED_MOVEMENT_KEYS, keys.values(), (a, m) => {
      a.appendVarchar(m.plantId);
      a.appendVarchar(m.ticketId);
    });
    const current = new Map<string, Held>();
    for (const row of (await connection.runAndReadAll(SQL.existing)).getRowObjectsJS()) {
      const movement = movementOfRow(row);
      current.set(movementKey(movement), { movement, formerTs: formerTsOfRow(row.former_ts) });
    }
    const changed = new Map<string, Held>();
    const outcomes = movements.map((movement) => {
      const key = movementKey(movement);
      const held = current.get(key);
      const decision = judgeTicket(movement, held?.movement, held?.formerTs);
      if (decision.write) {
        const next = { movement, formerTs: decision.formerTs };
        current.set(key, next);
        changed.set(key, next);
      }
      return decision.outcome;
    });
    if (changed.size > 0) {
      await stage(connection, 'staged_ledger', changed.values(), appendLedgerRow);
      await connection.run(SQL.upsert);
    }
    await connection.run('COMMIT');
    return outcomes;
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function appendLedgerRow(a: DuckDBAppender, held: Held): void {
  appendMovementRow(a, held.movement);
  if (held.formerTs.length === 0) a.appendNull();
  else a.appendList(held.formerTs.map(BigInt), FORMER_TS_TYPE);
}

/** A `former_ts` cell: NULL (never moved, or written before the column) is none. */
function formerTsOfRow(cell: unknown): number[] {
  if (cell === null || cell === undefined) return [];
  if (!Array.isArray(cell)) throw new TypeError(`column former_ts is not a list: ${String(cell)}`);
  return cell.map((value) => {
    const ts = typeof value === 'bigint' ? Number(value) : value;
    if (!Number.isSafeInteger(ts))
      throw new TypeError(`column former_ts holds a non-integer: ${String(value)}`);
    return ts as number;
  });
}
