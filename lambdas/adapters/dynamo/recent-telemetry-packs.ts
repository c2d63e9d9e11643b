/**
 * The item layout of the recent telemetry table (docs/recent-telemetry.md):
 * the rows of one write call, packed per (plant, metric, UTC minute) for
 * readings and per (plant, UTC day) for movements, so DynamoDB bills a write
 * per KB of rows rather than per reading. Pure: no I/O, no clock.
 *
 * - `pk`: `R#<plantId>#<metric>` or `M#<plantId>` (plant ids are [a-z0-9-],
 *   metrics are catalog names: neither holds `#`, so keys cannot collide);
 * - `sk`: `<YYYY-MM-DDTHH:MM>#<hash>` for readings (the UTC minute of the
 *   rows' ts, so the write-time conflict check reads one minute, not a day)
 *   and `<YYYY-MM-DD>#<hash>` for movements; the hash is 32 hex of the
 *   SHA-256 of the pack's JSON: the same rows always make the same item, so
 *   a redelivered call rewrites it instead of adding one. One partition per
 *   series keeps any range one Query (`sk BETWEEN`).
 * - `j` (S, the JSON) or `z` (B, its gzip), whichever is smaller;
 * - `expiresAt` (N, epoch seconds): the TTL, set by the store.
 *
 * Rows are what the lake stores (lake-rows.ts: values kept to 12 significant
 * digits), deduplicated and sorted, so packing does not depend on the order
 * of the call; a pack over `maxPackBytes` of JSON splits at row boundaries.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as z from 'zod/mini';
import { canonicalUnitOf, isMetricName, METRICS, type MetricName } from '../../domain/catalog.ts';
import { BASE_VERSION, type StoredMovement, type StoredReading } from '../../domain/ports.ts';
import { DESTINATIONS, DIRECTIONS, MATERIALS, QUALITIES, type Quality } from '../../domain/telemetry.ts';
import { storedDouble, utcDay } from '../lake/lake-rows.ts';
import { once } from '../once.ts';

/** DynamoDB allows 400 KB an item; packs stay below this much JSON, leaving room for keys and attributes. */
export const DEFAULT_MAX_PACK_BYTES = 350 * 1024;

/** One packed item before it gets its TTL. */
export interface Pack {
  readonly pk: string;
  readonly sk: string;
  /** UTC day of every row's ts, `YYYY-MM-DD` (the TTL runs from its end). */
  readonly day: string;
  /** The JSON, or its gzip when that is smaller. */
  readonly body: { readonly j: string } | { readonly z: Uint8Array };
  readonly rows: number;
}

export const readingsKey = (plantId: string, metric: MetricName): string => `R#${plantId}#${metric}`;
export const movementsKey = (plantId: string): string => `M#${plantId}`;

const MINUTE_MS = 60_000;

/** The UTC minute of epoch ms `ts`, `YYYY-MM-DDTHH:MM` (years 0000-9999, as `utcDay`). */
export function utcMinute(ts: number): string {
  return new Date(Math.floor(ts / MINUTE_MS) * MINUTE_MS).toISOString().slice(0, 16);
}

/**
 * Sort-key bounds of the items of the days holding ts in [from, to), for
 * `sk BETWEEN :lo AND :hi`: `<day>#` is the first key of a day in either
 * shape (`#` < `T`) and `<day>T~` the last (`~` sorts after every minute).
 */
export function dayBounds(from: number, to: number): { lo: string; hi: string } {
  return { lo: `${utcDay(from)}#`, hi: `${utcDay(to - 1)}T~` };
}

/** Sort-key bounds of the reading packs of the UTC minutes `first` to `last` (`YYYY-MM-DDTHH:MM`). */
export function minuteBounds(first: string, last: string): { lo: string; hi: string } {
  return { lo: `${first}#`, hi: `${last}#~` };
}

const QUALITY_CODES: Readonly<Record<Quality, number>> = { GOOD: 0, UNCERTAIN: 1, BAD: 2 };
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

type ReadingRow = readonly [line: number, ts: number, value: number, quality: number, version: number];
type MovementRow = readonly [
  ticketId: string,
  ts: number,
  direction: string,
  netTonnes: number,
  material: string,
  destination: string | null,
  operationCode: string | null,
  version: number,
];

/** Groups items by key, in first-seen order. */
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/**
 * Consecutive runs of sorted rows whose JSON stays under `maxBytes`, counting
 * each row and each name it adds to the run's dictionary (a single larger
 * row is a run of its own).
 */
function runs<R>(
  rows: readonly R[],
  sizeOf: (row: R) => number,
  nameOf: (row: R) => string,
  maxBytes: number,
): R[][] {
  const result: R[][] = [];
  let current: R[] = [];
  let names = new Set<string>();
  let bytes = 0;
  for (const row of rows) {
    const name = nameOf(row);
    const added = (n: Set<string>) =>
      sizeOf(row) + 1 + (n.has(name) ? 0 : Buffer.byteLength(JSON.stringify(name)) + 1);
    if (current.length > 0 && PACK_OVERHEAD + bytes + added(names) > maxBytes) {
      result.push(current);
      current = [];
      names = new Set();
      bytes = 0;
    }
    bytes += added(names);
    current.push(row);
    names.add(name);
  }
  if (current.length > 0) result.push(current);
  return result;
}

/** `{"l":[],"r":[]}` and slack. */
const PACK_OVERHEAD = 32;

/** A pack of `pk` whose sort key starts with `bucket` (a minute or a day of `day`). */
function pack(pk: string, bucket: string, day: string, json: string, rows: number): Pack {
  const hash = createHash('sha256').update(pk).update('\u0000').update(json).digest('hex').slice(0, 32);
  const zipped = gzipSync(json, { level: 6 });
  const body = zipped.byteLength < Buffer.byteLength(json) ? { z: new Uint8Array(zipped) } : { j: json };
  return { pk, sk: `${bucket}#${hash}`, day, body, rows };
}

interface SortedRow<T> {
  readonly text: string;
  readonly row: T;
}

/** Rows without exact copies, in the order of their JSON: the same set packs the same way in any input order. */
function canonical<T>(rows: readonly T[]): SortedRow<T>[] {
  const distinct = new Map<string, T>();
  for (const row of rows) distinct.set(JSON.stringify(row), row);
  return [...distinct.entries()].sort(([a], [b]) => compareText(a, b)).map(([text, row]) => ({ text, row }));
}

const textSize = (row: SortedRow<unknown>): number => Buffer.byteLength(row.text);

/** The packs of a call's readings, one or more per (plant, metric, UTC minute) (valid items only: checkReading first). */
export function packReadings(readings: readonly StoredReading[], maxPackBytes: number): Pack[] {
  const packs: Pack[] = [];
  const groups = groupBy(readings, (r) => `${readingsKey(r.plantId, r.metric)}\u0000${utcMinute(r.ts)}`);
  for (const group of groups.values()) {
    const first = group[0] as StoredReading;
    const pk = readingsKey(first.plantId, first.metric);
    const minute = utcMinute(first.ts);
    const rows = canonical(
      group.map((r) => [r.line, r.ts, storedDouble(r.value), QUALITY_CODES[r.quality], r.version] as const),
    );
    for (const run of runs(rows, textSize, (row) => row.row[0], maxPackBytes)) {
      // Lines once per pack; rows name them by index.
      const lines = [...new Set(run.map(({ row }) => row[0]))].sort(compareText);
      const index = new Map(lines.map((line, i) => [line, i]));
      const compact: ReadingRow[] = run.map(({ row: [line, ...rest] }) => [index.get(line) ?? -1, ...rest]);
      packs.push(pack(pk, minute, utcDay(first.ts), JSON.stringify({ l: lines, r: compact }), run.length));
    }
  }
  return packs;
}

/** The packs of a call's movements (valid items only: checkMovement first). */
export function packMovements(movements: readonly StoredMovement[], maxPackBytes: number): Pack[] {
  const packs: Pack[] = [];
  const groups = groupBy(movements, (m) => `${movementsKey(m.plantId)}\u0000${utcDay(m.ts)}`);
  for (const group of groups.values()) {
    const first = group[0] as StoredMovement;
    const pk = movementsKey(first.plantId);
    const day = utcDay(first.ts);
    const rows = canonical(
      group.map(
        (m): MovementRow => [
          m.ticketId,
          m.ts,
          m.direction,
          storedDouble(m.netTonnes),
          m.material,
          m.destination ?? null,
          m.operationCode ?? null,
          m.version,
        ],
      ),
    );
    for (const run of runs(rows, textSize, () => '', maxPackBytes)) {
      packs.push(pack(pk, day, day, JSON.stringify({ r: run.map(({ row }) => row) }), run.length));
    }
  }
  return packs;
}

// Built on the first pack read (once), not at cold start: see stored-items.ts.
const packSchemas = /* @__PURE__ */ once(() => {
  const ts = z.int().check(z.gte(0));
  const version = z.int().check(z.gte(BASE_VERSION));
  return {
    readings: z.object({
      l: z.array(z.string().check(z.minLength(1))),
      r: z.array(
        z.tuple([z.int().check(z.gte(0)), ts, z.number(), z.int().check(z.gte(0), z.lte(2)), version]),
      ),
    }),
    movements: z.object({
      r: z.array(
        z.tuple([
          z.string().check(z.minLength(1)),
          ts,
          z.enum(DIRECTIONS),
          z.number(),
          z.enum(MATERIALS),
          z.nullable(z.enum(DESTINATIONS)),
          z.nullable(z.string()),
          version,
        ]),
      ),
    }),
  };
});

/** A stored item's body as JSON text (from `j`, or gunzipped from `z`). */
export function bodyText(item: { readonly j?: string; readonly z?: Uint8Array }): string {
  if (item.j !== undefined) return item.j;
  if (item.z !== undefined) return gunzipSync(item.z).toString('utf8');
  throw new TypeError('recent telemetry item has neither j nor z');
}

/** The readings of a pack of `metric` of `plantId`; throws on a pack no writer made. */
export function unpackReadings(plantId: string, metric: MetricName, text: string): StoredReading[] {
  if (!isMetricName(metric)) throw new TypeError(`unknown metric ${metric}`);
  const parsed = packSchemas().readings.parse(JSON.parse(text));
  const kind = METRICS[metric].kind;
  const unit = canonicalUnitOf(metric);
  return parsed.r.map(([line, ts, value, quality, version]) => {
    const name = parsed.l[line];
    if (name === undefined) throw new TypeError(`pack row names line ${line} of ${parsed.l.length}`);
    return {
      plantId,
      line: name,
      metric,
      kind,
      ts,
      value,
      unit,
      quality: QUALITIES[quality] as Quality,
      correction: version > BASE_VERSION,
      version,
    };
  });
}

/** The movements of a pack of `plantId`; throws on a pack no writer made. */
export function unpackMovements(plantId: string, text: string): StoredMovement[] {
  return packSchemas()
    .movements.parse(JSON.parse(text))
    .r.map(([ticketId, ts, direction, netTonnes, material, destination, operationCode, version]) => ({
      plantId,
      ticketId,
      ts,
      direction,
      netTonnes,
      material,
      ...(destination === null ? {} : { destination }),
      ...(operationCode === null ? {} : { operationCode }),
      correction: version > BASE_VERSION,
      version,
    }));
}
