/**
 * The metrics readers' SQL, in DuckDB's dialect, for both engines that run
 * it (through a SqlRunner, ./sql-runner.ts): the local DuckDB store
 * (duckdb/duckdb-metrics-store.ts) and Athena's DuckDB workgroup over the
 * lake (lake/lake-metrics-reader.ts). One question, one text:
 *
 * - The text is identical for both engines except for one predicate: with
 *   `{ dayPartitions: true }` (the lake) every query adds
 *   ` AND day BETWEEN DATE '<UTC date of from>' AND DATE '<UTC date of to - 1 ms>'`
 *   next to its ts range, so Athena reads only the partitions of that range.
 *   The local tables have no `day` column; nothing else differs.
 * - Tables are named unqualified (`readings`, `movements`): the engine's
 *   context names the catalog and database.
 * - Every query resolves duplicates and versions as the Timestream reader
 *   does (latestReadings / latestMovements): per reading identity the highest
 *   version, then the smallest value, then the worst quality; per ticket the
 *   highest version, then the smallest fingerprint. The lake is append-only
 *   and holds resends and every version; the local tables hold one row per
 *   identity, where the resolution changes nothing but keeps the SQL one.
 * - There are no bind parameters on Athena, so the text carries literals,
 *   made here only from checked values: text as a SQL string literal with
 *   `'` doubled (NUL and lone surrogates refused: DuckDB would cut the text
 *   at a NUL, and a lone surrogate would match another name), metrics from
 *   the catalog, times as safe integers. A bad value throws `RangeError`;
 *   readers that promise the contract's patterns check them first.
 */
import { isMetricName, type MetricName } from '../domain/catalog.ts';
import { KPI_COUNTER_METRICS } from '../domain/kpis.ts';
import { HOUR_MS } from '../domain/time.ts';
import { MAX_LAKE_TS, utcDay } from './lake/lake-rows.ts';

export interface MetricsSqlOptions {
  /** Add the lake's `day` partition predicate. @default false (the local tables have no `day`) */
  readonly dayPartitions?: boolean;
}

export interface SeriesSqlQuery {
  readonly plantId: string;
  readonly metric: MetricName;
  readonly from: number;
  readonly to: number;
  readonly line?: string;
}

export interface LastGoodSqlQuery {
  readonly plantId: string;
  readonly metric: MetricName;
  readonly before: number;
  /** Lower bound of the look back, inclusive. @default none: all history before `before` */
  readonly since?: number;
}

export interface MovementsSqlQuery {
  readonly plantId: string;
  readonly from: number;
  readonly to: number;
  /** How far a correction may have moved a ticket's ts: versions are resolved over the range widened by this. */
  readonly horizonMs: number;
}

export interface CounterSqlQuery {
  readonly plantId: string;
  readonly from: number;
  readonly to: number;
}

export const READING_SELECT = 'plant_id, line, metric, ts, value, unit, quality, version';
export const MOVEMENT_SELECT =
  'plant_id, ticket_id, ts, direction, net_tonnes, material, destination, operation_code, version';

/** latestReadings' order (timestream-metrics-reader.ts): the row that wins ranks 1. */
const LATEST_READING =
  'QUALIFY row_number() OVER (PARTITION BY plant_id, line, metric, ts ' +
  "ORDER BY version DESC, value ASC, CASE quality WHEN 'BAD' THEN 2 WHEN 'UNCERTAIN' THEN 1 ELSE 0 END DESC) = 1";

/** latestMovements' order; fingerprints are ASCII, so DuckDB's byte order is JavaScript's. */
const LATEST_MOVEMENT =
  'QUALIFY row_number() OVER (PARTITION BY plant_id, ticket_id ORDER BY version DESC, fingerprint ASC) = 1';

const LONE_SURROGATE = /\p{Surrogate}/u;

/** `value` as a DuckDB string literal. */
export function textLiteral(field: string, value: unknown): string {
  if (typeof value !== 'string') throw new RangeError(`${field} must be a string, got ${typeof value}`);
  if (value.includes('\u0000') || LONE_SURROGATE.test(value))
    throw new RangeError(`${field} must be well-formed Unicode without NUL, got ${JSON.stringify(value)}`);
  return `'${value.replaceAll("'", "''")}'`;
}

function metricLiteral(metric: unknown): string {
  if (typeof metric !== 'string' || !isMetricName(metric))
    throw new RangeError(`metric must be a metric of the catalog, got ${JSON.stringify(metric)}`);
  return `'${metric}'`;
}

/**
 * An epoch-ms bound as the integer bound that selects the same stored
 * (integer) times: `ts >= x` is `ts >= ceil(x)` and `ts < x` is
 * `ts < ceil(x)`; infinite bounds clamp to the widest safe integers.
 */
export function timeBound(field: string, ms: unknown): number {
  if (typeof ms !== 'number' || Number.isNaN(ms))
    throw new RangeError(`${field} must be a number of epoch milliseconds, got ${String(ms)}`);
  return Math.ceil(Math.min(Math.max(ms, -Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER));
}

/** The lake rows' dates are those of years 1970-9999; bounds beyond them select the same rows. */
function lakeDay(ts: number): string {
  return utcDay(Math.min(Math.max(ts, 0), MAX_LAKE_TS));
}

/** The ts range of [from, to), and on the lake its day partitions. */
function timeRange(from: number, to: number, options: MetricsSqlOptions): string {
  const range = `ts >= ${from} AND ts < ${to}`;
  return options.dayPartitions ? `${range}${dayPredicate(from, to)}` : range;
}

/** The partition predicate the lake adds (exported for tests and docs). */
export function dayPredicate(from: number, to: number): string {
  // DATE literals: the partition column is an Iceberg date, so the engine prunes without casting the column.
  return ` AND day BETWEEN DATE '${lakeDay(from)}' AND DATE '${lakeDay(to - 1)}'`;
}

/** Readings of one metric in [from, to), optionally of one line, every quality, latest version; by ts, line. */
export function seriesSql(query: SeriesSqlQuery, options: MetricsSqlOptions = {}): string {
  const plant = textLiteral('plantId', query.plantId);
  const metric = metricLiteral(query.metric);
  const from = timeBound('from', query.from);
  const to = timeBound('to', query.to);
  const line = query.line === undefined ? '' : ` AND line = ${textLiteral('line', query.line)}`;
  return (
    `SELECT ${READING_SELECT} FROM readings ` +
    `WHERE plant_id = ${plant} AND metric = ${metric}${line} AND ${timeRange(from, to, options)} ` +
    `${LATEST_READING} ORDER BY ts, line`
  );
}

/**
 * The last GOOD reading of each line strictly before `before` (and at or
 * after `since`), by line. Versions are resolved first, then the GOOD ones
 * kept: a BAD correction of a GOOD reading hides it.
 */
export function lastGoodBeforeSql(query: LastGoodSqlQuery, options: MetricsSqlOptions = {}): string {
  const plant = textLiteral('plantId', query.plantId);
  const metric = metricLiteral(query.metric);
  const before = timeBound('before', query.before);
  const since = query.since === undefined ? undefined : timeBound('since', query.since);
  const range =
    since === undefined
      ? `ts < ${before}${options.dayPartitions ? dayPredicate(0, before) : ''}`
      : timeRange(since, before, options);
  return lastGoodSql(`plant_id = ${plant} AND metric = ${metric} AND ${range}`, 'line');
}

/**
 * The last GOOD reading of each `partition` among the readings `where`
 * selects, ordered by `partition`: versions resolved first, so a BAD
 * correction of a GOOD reading hides it.
 */
function lastGoodSql(where: string, partition: string): string {
  const latest = `SELECT ${READING_SELECT} FROM readings WHERE ${where} ${LATEST_READING}`;
  return (
    `SELECT ${READING_SELECT} FROM (${latest}) AS latest WHERE quality = 'GOOD' ` +
    `QUALIFY row_number() OVER (PARTITION BY ${partition} ORDER BY ts DESC) = 1 ORDER BY ${partition}`
  );
}

/**
 * Movements with ts in [from, to), latest version of each ticket, by ts then
 * ticket. A correction can move a ticket's ts, so versions are resolved
 * among the rows within `horizonMs` of the range, and the range applies to
 * the winner: a ticket moved out of the range is not reported at its old ts.
 */
export function movementsSql(query: MovementsSqlQuery, options: MetricsSqlOptions = {}): string {
  const plant = textLiteral('plantId', query.plantId);
  const from = timeBound('from', query.from);
  const to = timeBound('to', query.to);
  const horizon = query.horizonMs;
  if (!(Number.isSafeInteger(horizon) && horizon >= 0))
    throw new RangeError(`horizonMs must be an integer >= 0, got ${horizon}`);
  const wideFrom = timeBound('from', from - horizon);
  const wideTo = timeBound('to', to + horizon);
  const latest =
    `SELECT ${MOVEMENT_SELECT} FROM movements ` +
    `WHERE plant_id = ${plant} AND ${timeRange(wideFrom, wideTo, options)} ${LATEST_MOVEMENT}`;
  return (
    `SELECT ${MOVEMENT_SELECT} FROM (${latest}) AS latest ` +
    `WHERE ts >= ${from} AND ts < ${to} ORDER BY ts, ticket_id`
  );
}

/** Every reading of the KPI counters in [from, to), every quality, latest version; by metric, ts, line. */
export function counterReadingsSql(query: CounterSqlQuery, options: MetricsSqlOptions = {}): string {
  const plant = textLiteral('plantId', query.plantId);
  const from = timeBound('from', query.from);
  const to = timeBound('to', query.to);
  const metrics = KPI_COUNTER_METRICS.map(metricLiteral).join(', ');
  return (
    `SELECT ${READING_SELECT} FROM readings ` +
    `WHERE plant_id = ${plant} AND metric IN (${metrics}) AND ${timeRange(from, to, options)} ` +
    `${LATEST_READING} ORDER BY metric, ts, line`
  );
}

/**
 * lastGoodBeforeSql for every KPI counter at once: the last GOOD reading of
 * each counter and line strictly before `before` and at or after `since`; by
 * metric, line.
 */
export function counterLastGoodBeforeSql(query: { plantId: string; before: number; since: number }): string {
  const plant = textLiteral('plantId', query.plantId);
  const before = timeBound('before', query.before);
  const since = timeBound('since', query.since);
  const metrics = KPI_COUNTER_METRICS.map(metricLiteral).join(', ');
  return lastGoodSql(
    `plant_id = ${plant} AND metric IN (${metrics}) AND ts >= ${since} AND ts < ${before}`,
    'metric, line',
  );
}

export interface GoodHoursSqlQuery {
  readonly plantId: string;
  readonly metrics: readonly MetricName[];
  readonly from: number;
  readonly to: number;
}

/**
 * The UTC hours of [from, to) in which each series (metric, line) of
 * `metrics` has at least one GOOD reading, versions resolved first (a BAD
 * correction of a GOOD reading empties its hour); by metric, line, hour.
 * An aggregate: a year of one series is at most 8,784 rows, not its readings.
 */
export function goodHoursSql(query: GoodHoursSqlQuery, options: MetricsSqlOptions = {}): string {
  const plant = textLiteral('plantId', query.plantId);
  if (query.metrics.length === 0) throw new RangeError('metrics must name at least one metric');
  const metrics = [...new Set(query.metrics)].map(metricLiteral).join(', ');
  const from = timeBound('from', query.from);
  const to = timeBound('to', query.to);
  const latest =
    `SELECT ${READING_SELECT} FROM readings ` +
    `WHERE plant_id = ${plant} AND metric IN (${metrics}) AND ${timeRange(from, to, options)} ${LATEST_READING}`;
  return (
    `SELECT metric, line, CAST(floor(ts / ${HOUR_MS}.0) AS BIGINT) * ${HOUR_MS} AS hour FROM (${latest}) AS latest ` +
    "WHERE quality = 'GOOD' GROUP BY metric, line, hour ORDER BY metric, line, hour"
  );
}
