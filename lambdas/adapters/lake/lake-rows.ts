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
import { movementFingerprint } from '../../domain/identity.ts';
import type { StoredMovement, StoredReading } from '../../domain/ports.ts';
import { type ItemChecks, type ItemRefusal, itemChecks } from '../../domain/stored-item-checks.ts';
import type { Destination, Direction, Material, Quality } from '../../domain/telemetry.ts';
import { storedDouble } from '../metrics-rows.ts';
import { once } from '../once.ts';

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

// Pure calls: a function that imports this module for its checks drops the lists (docs/bundles.md).

/** The `readings` table, in row order; the CDK table definition is built from this list. */
export const READING_COLUMNS: readonly LakeColumn[] = [
  /* @__PURE__ */ column('plant_id', 'string'),
  /* @__PURE__ */ column('line', 'string'),
  /* @__PURE__ */ column('metric', 'string'),
  /* @__PURE__ */ column('ts', 'long'),
  /* @__PURE__ */ column('day', 'date'),
  /* @__PURE__ */ column('value', 'double'),
  /* @__PURE__ */ column('unit', 'string'),
  /* @__PURE__ */ column('quality', 'string'),
  /* @__PURE__ */ column('version', 'long'),
];

export const MOVEMENT_COLUMNS: readonly LakeColumn[] = [
  /* @__PURE__ */ column('plant_id', 'string'),
  /* @__PURE__ */ column('ticket_id', 'string'),
  /* @__PURE__ */ column('ts', 'long'),
  /* @__PURE__ */ column('day', 'date'),
  /* @__PURE__ */ column('direction', 'string'),
  /* @__PURE__ */ column('net_tonnes', 'double'),
  /* @__PURE__ */ column('material', 'string'),
  /* @__PURE__ */ column('destination', 'string', false),
  /* @__PURE__ */ column('operation_code', 'string', false),
  /* @__PURE__ */ column('version', 'long'),
  /* @__PURE__ */ column('fingerprint', 'string'),
];

/** Identity partitions (Iceberg `identity` transform), outermost first. */
export const READING_PARTITION = ['day', 'plant_id'] as const;
/** A plant weighs hundreds of tickets a day: per-plant partitions would only make tiny files. */
export const MOVEMENT_PARTITION = ['day'] as const;

/** Why an item cannot become a row (the store's own words for the quarantine). */
export type RowRefusal = ItemRefusal;

const MS_PER_DAY = 86_400_000;

/** The UTC date of epoch ms `ts`, `YYYY-MM-DD` (years 0000-9999 only; see `checkCommon`). */
export function utcDay(ts: number): string {
  return new Date(Math.floor(ts / MS_PER_DAY) * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Timestream refuses timestamps more than 15 minutes ahead; the lake refuses the same, so answers match. */
export const FUTURE_TOLERANCE_MS = 15 * 60_000;

/**
 * The latest ts whose UTC year has four digits: Date.UTC(9999, 11, 31, 23, 59, 59, 999),
 * 9999-12-31T23:59:59.999Z, written out because esbuild keeps a call at top level in every
 * bundle that imports this module (a test checks the two agree).
 */
export const MAX_LAKE_TS = 253_402_300_799_999;

// Built on the first check (once), for the same reason: the read-only functions import this module.
const lakeChecks = /* @__PURE__ */ once(() =>
  itemChecks({ latest: MAX_LAKE_TS, words: 'in years 1970-9999' }),
);

/** The DuckDB store's validity rules, so the lake refuses what it refuses, and years Iceberg dates can hold. */
export const checkReading: ItemChecks['checkReading'] = (r) => lakeChecks().checkReading(r);
/** @see checkReading */
export const checkMovement: ItemChecks['checkMovement'] = (m) => lakeChecks().checkMovement(m);

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

/** Readers decode rows with the decoders the DuckDB store uses (../metrics-rows.ts). */
export { movementOfRow, readingOfRow, storedDouble } from '../metrics-rows.ts';
