/**
 * Rows of the `readings` and `movements` tables as stored items. The local
 * DuckDB tables and the lake's Iceberg tables share the column names
 * (lake/lake-rows.ts), so one decoder serves the DuckDB store, the lake
 * reader (rows from a SqlRunner) and the lake's own JSON rows. Columns a
 * table adds (`day`, `fingerprint`) are ignored.
 *
 * A row that no writer could have made (unknown metric, unit or enum value,
 * a non-numeric time) throws `TypeError` naming the column: a reader must
 * never turn a corrupt row into a plausible figure.
 */
import { isMetricName, METRICS } from '../domain/catalog.ts';
import type { GoodHour } from '../domain/metrics-ports.ts';
import { BASE_VERSION, type StoredMovement, type StoredReading } from '../domain/ports.ts';
import { DESTINATIONS, DIRECTIONS, MATERIALS, QUALITIES } from '../domain/telemetry.ts';
import { isUnit } from '../domain/units.ts';

/** What the stores keep of a double: 12 significant digits, as Timestream keeps a DOUBLE's text (identity.ts). */
export function storedDouble(value: number): number {
  return Number(value.toPrecision(12));
}

/** A row by column name: SqlRunner rows, DuckDB's JS rows (BIGINT as bigint), or lake JSON rows. */
export type MetricsRow = Readonly<Record<string, unknown>>;

function text(row: MetricsRow, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new TypeError(`column ${column} is not text: ${String(value)}`);
  return value;
}

function optionalText(row: MetricsRow, column: string): string | undefined {
  const value = row[column];
  return value === null || value === undefined ? undefined : text(row, column);
}

function member<T extends string>(values: readonly T[], row: MetricsRow, column: string): T {
  const value = text(row, column);
  const found = values.find((v) => v === value);
  if (found === undefined) throw new TypeError(`column ${column} holds an unknown value: ${value}`);
  return found;
}

function numeric(row: MetricsRow, column: string): number {
  const value = row[column];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (
    typeof value === 'bigint' &&
    value >= BigInt(Number.MIN_SAFE_INTEGER) &&
    value <= BigInt(Number.MAX_SAFE_INTEGER)
  )
    return Number(value);
  throw new TypeError(`column ${column} is not a finite number: ${String(value)}`);
}

/** Times and versions: integers, as every writer stores them. */
function integer(row: MetricsRow, column: string): number {
  const value = numeric(row, column);
  if (!Number.isSafeInteger(value)) throw new TypeError(`column ${column} is not an integer: ${value}`);
  return value;
}

/** The reading a `readings` row holds. */
export function readingOfRow(row: MetricsRow): StoredReading {
  const metric = text(row, 'metric');
  const unit = text(row, 'unit');
  if (!isMetricName(metric)) throw new TypeError(`stored metric ${metric} is not in the catalog`);
  if (!isUnit(unit)) throw new TypeError(`stored unit ${unit} is not known`);
  const version = integer(row, 'version');
  return {
    plantId: text(row, 'plant_id'),
    line: text(row, 'line'),
    metric,
    kind: METRICS[metric].kind,
    ts: integer(row, 'ts'),
    value: numeric(row, 'value'),
    unit,
    quality: member(QUALITIES, row, 'quality'),
    correction: version > BASE_VERSION,
    version,
  };
}

/** The movement a `movements` row holds. */
export function movementOfRow(row: MetricsRow): StoredMovement {
  const version = integer(row, 'version');
  const destination =
    optionalText(row, 'destination') === undefined ? undefined : member(DESTINATIONS, row, 'destination');
  const operationCode = optionalText(row, 'operation_code');
  return {
    plantId: text(row, 'plant_id'),
    ticketId: text(row, 'ticket_id'),
    ts: integer(row, 'ts'),
    direction: member(DIRECTIONS, row, 'direction'),
    netTonnes: numeric(row, 'net_tonnes'),
    material: member(MATERIALS, row, 'material'),
    ...(destination === undefined ? {} : { destination }),
    ...(operationCode === undefined ? {} : { operationCode }),
    correction: version > BASE_VERSION,
    version,
  };
}

/** A row of goodHoursSql (metrics-sql.ts): a series and one hour with a GOOD reading. */
export function goodHourOfRow(row: MetricsRow): GoodHour {
  const metric = text(row, 'metric');
  if (!isMetricName(metric)) throw new TypeError(`stored metric ${metric} is not in the catalog`);
  return { metric, line: text(row, 'line'), hour: integer(row, 'hour') };
}
