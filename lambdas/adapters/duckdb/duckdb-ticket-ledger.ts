/**
 * The weighbridge ticket ledger of local mode, in the metrics DuckDB file
 * beside the movements (docs/ticket-ledger.md). A batch of tickets is one
 * transaction and a fixed number of statements: stage the keys, read what
 * the ledger holds for them, judge each ticket in order with the rule every
 * ledger applies (domain/ticket-ledger.ts), upsert what changed.
 *
 * Run it on the store's write connection inside its queue (one call at a
 * time), which is what makes the read-judge-write safe without conditions;
 * it stages through the store's movement staging tables on that connection.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { movementKey } from '../../domain/identity.ts';
import type { LedgerOutcome, StoredMovement } from '../../domain/ports.ts';
import { judgeTicket } from '../../domain/ticket-ledger.ts';
import { movementOfRow } from '../metrics-rows.ts';
import {
  appendMovementRow,
  MOVEMENT_COLUMNS,
  MOVEMENT_TABLE_COLUMNS,
  STAGED_MOVEMENT_KEYS,
  STAGED_MOVEMENTS,
  stage,
  upsertStagedMovements,
} from './duckdb-staging.ts';

/** The ledger's table: the movements table's columns (the fingerprint is for inspection). */
const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS ticket_ledger (${MOVEMENT_TABLE_COLUMNS})`;

const SQL = {
  existing: `SELECT l.* FROM ticket_ledger l JOIN ${STAGED_MOVEMENT_KEYS} k USING (plant_id, ticket_id)`,
  upsert: upsertStagedMovements('ticket_ledger'),
} as const;

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
    await connection.run(CREATE_LEDGER);
    if (!exists) {
      await connection.run(`INSERT INTO ticket_ledger SELECT ${MOVEMENT_COLUMNS} FROM movements`);
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
    const current = new Map<string, StoredMovement>();
    for (const m of movements) current.set(movementKey(m), m);
    await stage(connection, STAGED_MOVEMENT_KEYS, current.values(), (a, m) => {
      a.appendVarchar(m.plantId);
      a.appendVarchar(m.ticketId);
    });
    current.clear();
    for (const row of (await connection.runAndReadAll(SQL.existing)).getRowObjectsJS()) {
      const held = movementOfRow(row);
      current.set(movementKey(held), held);
    }
    const changed = new Map<string, StoredMovement>();
    const outcomes = movements.map((movement) => {
      const key = movementKey(movement);
      const decision = judgeTicket(movement, current.get(key));
      if (decision.write) {
        current.set(key, movement);
        changed.set(key, movement);
      }
      return decision.outcome;
    });
    if (changed.size > 0) {
      await stage(connection, STAGED_MOVEMENTS, changed.values(), appendMovementRow);
      await connection.run(SQL.upsert);
    }
    await connection.run('COMMIT');
    return outcomes;
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
