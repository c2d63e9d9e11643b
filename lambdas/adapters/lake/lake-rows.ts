/**
 * Rows of the metrics lake (Iceberg tables `readings` and `movements` in an
 * S3 table bucket, written by Firehose, read by Athena on DuckDB); the schema
 * is documented in docs/lake.md. Pure and deterministic: the same item always
 * maps to the same row and the same bytes, so a redelivery is an exact copy
 * that readers collapse, never a second tonne.
 *
 * - Columns are lower-case snake_case (Firehose's Iceberg destination needs
 *   lower-case names) and match the local DuckDB tables, so one SQL builder
 *   serves both; `day` and movements' `fingerprint` are the lake's additions.
 * - `ts` is epoch milliseconds (Iceberg long), as in DuckDB; `day` is the UTC
 *   date of `ts` (Iceberg date), the partition column.
 * - Values are stored at 12 significant digits, as Timestream and DuckDB
 *   store them, so the same quantity converted from different units is the
 *   same row, and all three stores answer alike.
 * - Nothing is written that the item does not carry: `kind` and `correction`
 *   follow from the catalog and from `version > BASE_VERSION`.
 */
import { canonicalUnitOf, isMetricName, METRICS } from '../../domain/catalog.ts';
import { movementFingerprint } from '../../domain/identity.ts';
import {
  BASE_VERSION,
  type RejectionKind,
  type StoredMovement,
  type StoredReading,
} from '../../domain/ports.ts';
import {
  DESTINATIONS,
  type Destination,
  DIRECTIONS,
  type Direction,
  MATERIALS,
  type Material,
  QUALITIES,
  type Quality,
} from '../../domain/telemetry.ts';
import { isUnit } from '../../domain/units.ts';

/** Iceberg column types the tables use. */
export type IcebergType = 'string' | 'long' | 'double' | 'date';

export interface LakeColumn {
  readonly name: string;
  readonly type: IcebergType;
  readonly required: boolean;
}

/** One row of `readings`. Identity: (plant_id, line, metric, ts). */
export interface ReadingRow {
  readonly plant_id: string;
  readonly line: string;
  readonly metric: string;
  readonly ts: number;
  /** UTC date of `ts`, `YYYY-MM-DD`: the partition. */
  readonly day: string;
  readonly value: number;
  readonly unit: string;
  readonly quality: Quality;
  /** 1, or the receive time of a correction (epoch ms): the highest wins. */
  readonly version: number;
}

/** One row of `movements`. Identity: (plant_id, ticket_id). */
export interface MovementRow {
  readonly plant_id: string;
  readonly ticket_id: string;
  readonly ts: number;
  readonly day: string;
  readonly direction: Direction;
  readonly net_tonnes: number;
  readonly material: Material;
  readonly destination: Destination | null;
  readonly operation_code: string | null;
  readonly version: number;
  /** `movementFingerprint` (identity.ts): the tie-break between same-version contents. */
  readonly fingerprint: string;
}

const column = (name: string, type: IcebergType, required = true): LakeColumn => ({ name, type, required });

/** The `readings` table, in row order; the CDK table definition is built from this list. */
export const READING_COLUMNS: readonly LakeColumn[] = [
  column('plant_id', 'string'),
  column('line', 'string'),
  column('metric', 'string'),
  column('ts', 'long'),
  column('day', 'date'),
  column('value', 'double'),
  column('unit', 'string'),
  column('quality', 'string'),
  column('version', 'long'),
];

export const MOVEMENT_COLUMNS: readonly LakeColumn[] = [
  column('plant_id', 'string'),
  column('ticket_id', 'string'),
  column('ts', 'long'),
  column('day', 'date'),
  column('direction', 'string'),
  column('net_tonnes', 'double'),
  column('material', 'string'),
  column('destination', 'string', false),
  column('operation_code', 'string', false),
  column('version', 'long'),
  column('fingerprint', 'string'),
];

/** Identity partitions (Iceberg `identity` transform), outermost first. */
export const READING_PARTITION = ['day', 'plant_id'] as const;
/** A plant weighs hundreds of tickets a day: per-plant partitions would only make tiny files. */
export const MOVEMENT_PARTITION = ['day'] as const;

/** Why an item cannot become a row (the store's own words for the quarantine). */
export interface RowRefusal {
  readonly kind: RejectionKind;
  readonly reason: string;
}

/** What the stores keep of a double: 12 significant digits (identity.ts, records.ts `doubleText`). */
export function storedDouble(value: number): number {
  return Number(value.toPrecision(12));
}

const MS_PER_DAY = 86_400_000;

/** The UTC date of epoch ms `ts`, `YYYY-MM-DD` (years 0000-9999 only; see `checkCommon`). */
export function utcDay(ts: number): string {
  return new Date(Math.floor(ts / MS_PER_DAY) * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The latest ts whose UTC year has four digits (9999-12-31T23:59:59.999Z). */
export const MAX_LAKE_TS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const invalid = (reason: string): RowRefusal => ({ kind: 'invalid', reason });
const nonEmpty = (value: unknown): boolean => typeof value === 'string' && value.length > 0;
/** A lone surrogate would be written as U+FFFD, silently merging distinct identities. */
const LONE_SURROGATE = /\p{Surrogate}/u;

function checkText(field: string, value: string | undefined): RowRefusal | undefined {
  if (value !== undefined && LONE_SURROGATE.test(value))
    return invalid(`${field} must be well-formed Unicode, got ${JSON.stringify(value)}`);
  return undefined;
}

function checkCommon(item: { readonly ts: number; readonly version: number }): RowRefusal | undefined {
  if (!(Number.isSafeInteger(item.ts) && item.ts >= 0 && item.ts <= MAX_LAKE_TS))
    return invalid(`timestamp must be integer epoch milliseconds in years 1970-9999, got ${item.ts}`);
  if (!(Number.isSafeInteger(item.version) && item.version >= BASE_VERSION))
    return invalid(`version must be an integer >= ${BASE_VERSION}, got ${item.version}`);
  return undefined;
}

/** The DuckDB store's validity rules (duckdb-metrics-store.ts), so the lake refuses what it refuses. */
export function checkReading(r: StoredReading): RowRefusal | undefined {
  if (!nonEmpty(r.plantId) || !nonEmpty(r.line)) return invalid('plantId and line must be non-empty strings');
  if (!isMetricName(r.metric)) return invalid(`metric ${JSON.stringify(r.metric)} is not in the catalog`);
  if (r.unit !== canonicalUnitOf(r.metric))
    return invalid(
      `unit ${JSON.stringify(r.unit)} is not the canonical unit ${canonicalUnitOf(r.metric)} of ${r.metric}`,
    );
  if (r.kind !== METRICS[r.metric].kind)
    return invalid(`kind ${JSON.stringify(r.kind)} is not the kind of ${r.metric}`);
  if (!QUALITIES.includes(r.quality)) return invalid(`quality ${JSON.stringify(r.quality)} is not known`);
  if (!Number.isFinite(r.value)) return invalid(`measure value must be a finite number, got ${r.value}`);
  return checkCommon(r) ?? checkText('plantId', r.plantId) ?? checkText('line', r.line);
}

export function checkMovement(m: StoredMovement): RowRefusal | undefined {
  if (!nonEmpty(m.plantId) || !nonEmpty(m.ticketId))
    return invalid('plantId and ticketId must be non-empty strings');
  if (!DIRECTIONS.includes(m.direction))
    return invalid(`direction ${JSON.stringify(m.direction)} is not known`);
  if (!MATERIALS.includes(m.material)) return invalid(`material ${JSON.stringify(m.material)} is not known`);
  if (m.destination !== undefined && !DESTINATIONS.includes(m.destination))
    return invalid(`destination ${JSON.stringify(m.destination)} is not known`);
  if (m.operationCode !== undefined && !nonEmpty(m.operationCode))
    return invalid('operationCode must not be empty');
  if (!Number.isFinite(m.netTonnes)) return invalid(`netTonnes must be a finite number, got ${m.netTonnes}`);
  return (
    checkCommon(m) ??
    checkText('plantId', m.plantId) ??
    checkText('ticketId', m.ticketId) ??
    checkText('operationCode', m.operationCode)
  );
}

/** The row of a valid reading (`checkReading` first); keys in column order. */
export function readingRow(r: StoredReading): ReadingRow {
  return {
    plant_id: r.plantId,
    line: r.line,
    metric: r.metric,
    ts: r.ts,
    day: utcDay(r.ts),
    value: storedDouble(r.value),
    unit: r.unit,
    quality: r.quality,
    version: r.version,
  };
}

/** The row of a valid movement (`checkMovement` first); keys in column order. */
export function movementRow(m: StoredMovement): MovementRow {
  return {
    plant_id: m.plantId,
    ticket_id: m.ticketId,
    ts: m.ts,
    day: utcDay(m.ts),
    direction: m.direction,
    net_tonnes: storedDouble(m.netTonnes),
    material: m.material,
    destination: m.destination ?? null,
    operation_code: m.operationCode ?? null,
    version: m.version,
    fingerprint: movementFingerprint(m),
  };
}

/** One Firehose record: the row as JSON, newline-terminated (so concatenated records stay one row a line). */
export function encodeRow(row: ReadingRow | MovementRow): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(row)}\n`);
}

function member<T extends string>(values: readonly T[], value: unknown, column: string): T {
  const found = values.find((v) => v === value);
  if (found === undefined) throw new TypeError(`column ${column} holds an unknown value: ${String(value)}`);
  return found;
}

/** The reading a row holds (what readers return); throws `TypeError` on a row no writer made. */
export function readingOfRow(row: ReadingRow): StoredReading {
  const { metric, unit } = row;
  if (!isMetricName(metric)) throw new TypeError(`stored metric ${metric} is not in the catalog`);
  if (!isUnit(unit)) throw new TypeError(`stored unit ${unit} is not known`);
  return {
    plantId: row.plant_id,
    line: row.line,
    metric,
    kind: METRICS[metric].kind,
    ts: row.ts,
    value: row.value,
    unit,
    quality: member(QUALITIES, row.quality, 'quality'),
    correction: row.version > BASE_VERSION,
    version: row.version,
  };
}

/** The movement a row holds; throws `TypeError` on a row no writer made. */
export function movementOfRow(row: MovementRow): StoredMovement {
  return {
    plantId: row.plant_id,
    ticketId: row.ticket_id,
    ts: row.ts,
    direction: member(DIRECTIONS, row.direction, 'direction'),
    netTonnes: row.net_tonnes,
    material: member(MATERIALS, row.material, 'material'),
    ...(row.destination === null
      ? {}
      : { destination: member(DESTINATIONS, row.destination, 'destination') }),
    ...(row.operation_code === null ? {} : { operationCode: row.operation_code }),
    correction: row.version > BASE_VERSION,
    version: row.version,
  };
}
