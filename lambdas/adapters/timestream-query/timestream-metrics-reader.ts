/**
 * The read half of the metrics store on Timestream for LiveAnalytics, with
 * the DuckDB adapter's semantics over the write side's record design
 * (../timestream/records.ts): readReadings, readLastBefore, readMovements,
 * and with a KPI rollup readKpiCounterSlots (docs/kpi-rollup.md).
 *
 * Each call checks its arguments (`InvalidMetricsQueryError` before any
 * call), sends one query for one plant and a closed time range, follows its
 * pages, and reruns it without a measure column the table does not have yet.
 * Throttling, 5xx, network faults and timeouts are the domain's
 * `UnavailableError`, any other refusal a `TimestreamQueryError`; so is a
 * page not sent, or aborted, at the deadline the call carries (`CallOptions`).
 * SQL parts: ./query-parts.ts; rows to items: ./row-decoders.ts; errors:
 * ./errors.ts. Record design, cost, and where answers differ from DuckDB's:
 * docs/timestream-reads.md.
 */
import type { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import {
  checkRollupLookback,
  DEFAULT_MAX_RAW_RANGES,
  misplacedSlotBound,
  readKpiCounterSlots,
} from '../../app/kpi-counter-slots.ts';
import type { MetricName } from '../../domain/catalog.ts';
import type { CallOptions } from '../../domain/deadline.ts';
import type { KpiCounterSlots, KpiRollupReader } from '../../domain/kpi-rollup.ts';
import { KPI_COUNTER_METRICS, type KpiCounterMetric } from '../../domain/kpis.ts';
import type { MetricsStore, SeriesQuery } from '../../domain/metrics-ports.ts';
import type { Clock, StoredMovement, StoredReading } from '../../domain/ports.ts';
import { lastGoodPerLine, latestMovements, latestReadings } from '../latest-versions.ts';
import { positiveOption } from '../options.ts';
import { METRIC_CODES, MOVEMENT_MEASURES, QUALITY_MEASURE, VERSION_MEASURE } from '../timestream/records.ts';
import { InvalidMetricsQueryError, TimestreamQueryError } from './errors.ts';
import {
  BASE,
  bound,
  buildSqlParts,
  COMMA,
  COUNTER_CODES,
  checkMetric,
  entriesOf,
  FAMILY_PATTERN,
  LINE,
  MOVEMENT_NAME,
  MOVEMENT_ROLES,
  measureColumn,
  measureRef,
  PLANT,
  Q,
  qualityPattern,
  READING_DIMENSIONS,
  readingColumns,
  TICKET,
  timeFilter,
  V,
} from './query-parts.ts';
import type { ResultRow } from './result-rows.ts';
import { counterReadingsOfRow, movementOf, readingOf } from './row-decoders.ts';
import {
  checkResourceName,
  epochMsLiteral,
  identifier,
  joinSql,
  lineLiteral,
  MAX_QUERY_TIME_MS,
  plantIdLiteral,
  type Sql,
  sql,
  tableRef,
  textConstant,
} from './sql.ts';
import { TimestreamQueryRunner } from './timestream-query-runner.ts';

const DAY_MS = 86_400_000;

/** How far back readLastBefore looks. */
export const DEFAULT_LAST_BEFORE_LOOKBACK_MS = 7 * DAY_MS;
/** How far a ticket correction may move the ticket's ts and still be seen by readMovements. */
export const DEFAULT_TICKET_SHIFT_HORIZON_MS = 7 * DAY_MS;
/** Pages of one query before the reader gives up (a 1 MB page each: far beyond any answer here). */
export const DEFAULT_MAX_PAGES = 1000;

/** The rollup merge is shared with the lake reader (lambdas/app/kpi-counter-slots.ts). */
export { DEFAULT_MAX_RAW_RANGES, rawRanges } from '../../app/kpi-counter-slots.ts';
/** Kept for the modules that import them from here (they are store-neutral: ../latest-versions.ts). */
export { lastGoodPerLine, latestMovements, latestReadings } from '../latest-versions.ts';
/** Kept for the modules that import them from here (./query-parts.ts, ./errors.ts). */
export { isUnavailable, missingColumnOf } from './errors.ts';
export { qualityIn, qualityPattern } from './query-parts.ts';

export interface TimestreamMetricsReaderProps {
  /** Created once by the composition root. */
  readonly client: TimestreamQueryClient;
  /** 3 to 256 characters of [A-Za-z0-9_.-]. */
  readonly databaseName: string;
  readonly readingsTableName: string;
  readonly movementsTableName: string;
  /** readLastBefore ignores readings older than `before` minus this. @default 7 days */
  readonly lastBeforeLookbackMs?: number;
  /** readMovements sees ticket corrections that moved the ts by at most this. @default 7 days */
  readonly ticketShiftHorizonMs?: number;
  /** @default 1000 */
  readonly maxPages?: number;
  /**
   * The KPI rollup (kpi-rollup.ts). With it the reader offers
   * `readKpiCounterSlots`: current slots from the rollup, the others from raw
   * readings. `lastBeforeLookbackMs` must then be a multiple of 15 minutes.
   * @default none: KPIs are computed from raw readings
   */
  readonly rollup?: KpiRollupReader;
  /** Raw reads (queries) one `readKpiCounterSlots` may make at most; nearby slot ranges merge. @default 4 */
  readonly maxRawRanges?: number;
  /** Against which each call's deadline is measured. @default the system clock */
  readonly clock?: Clock;
}

const systemClock: Clock = { now: () => Date.now() };

export class TimestreamMetricsReader
  implements Pick<MetricsStore, 'readReadings' | 'readLastBefore' | 'readMovements' | 'readKpiCounterSlots'>
{
  /** Present only with a rollup (docs/timestream-reads.md): kpi-query.ts reads raw readings otherwise. */
  readonly readKpiCounterSlots?: (
    plantId: string,
    from: number,
    to: number,
    options?: CallOptions,
  ) => Promise<KpiCounterSlots>;
  private readonly readings: Sql;
  private readonly movements: Sql;
  private readonly lookbackMs: number;
  private readonly horizonMs: number;
  private readonly runner: TimestreamQueryRunner;
  private readonly maxRawRanges: number;

  constructor(private readonly props: TimestreamMetricsReaderProps) {
    buildSqlParts();
    checkResourceName('databaseName', props.databaseName);
    checkResourceName('readingsTableName', props.readingsTableName);
    checkResourceName('movementsTableName', props.movementsTableName);
    this.readings = tableRef(props.databaseName, props.readingsTableName);
    this.movements = tableRef(props.databaseName, props.movementsTableName);
    this.lookbackMs = positiveOption(
      'lastBeforeLookbackMs',
      props.lastBeforeLookbackMs,
      DEFAULT_LAST_BEFORE_LOOKBACK_MS,
      true,
    );
    this.horizonMs = positiveOption(
      'ticketShiftHorizonMs',
      props.ticketShiftHorizonMs,
      DEFAULT_TICKET_SHIFT_HORIZON_MS,
      true,
    );
    this.runner = new TimestreamQueryRunner({
      client: props.client,
      databaseName: props.databaseName,
      maxPages: positiveOption('maxPages', props.maxPages, DEFAULT_MAX_PAGES, true),
      clock: props.clock ?? systemClock,
    });
    this.maxRawRanges = positiveOption('maxRawRanges', props.maxRawRanges, DEFAULT_MAX_RAW_RANGES, true);
    const rollup = props.rollup;
    if (rollup !== undefined) {
      checkRollupLookback(this.lookbackMs);
      this.readKpiCounterSlots = (plantId, from, to, options) =>
        this.counterSlots(rollup, plantId, from, to, options);
    }
  }

  /**
   * Every reading of the KPI counters in [from, to) (every quality, latest
   * version of each), in one query: the raw side of the KPI rollup.
   */
  async readCounterReadings(
    plantId: string,
    from: number,
    to: number,
    options?: CallOptions,
  ): Promise<StoredReading[]> {
    const plant = plantIdLiteral(plantId);
    const lo = bound('from', from);
    const hi = bound('to', to);
    if (lo >= hi) return [];
    const rows = await this.runner.select(
      this.props.readingsTableName,
      { required: READING_DIMENSIONS, optional: [QUALITY_MEASURE, VERSION_MEASURE], anyOf: COUNTER_CODES },
      (absent) => {
        const present = COUNTER_CODES.filter((code) => !absent.has(code));
        const columns = joinSql(
          [
            LINE,
            sql`measure_name`,
            sql`time`,
            ...COUNTER_CODES.map((code) => measureColumn(code, 'DOUBLE', absent)),
            measureColumn(QUALITY_MEASURE, 'VARCHAR', absent),
            measureColumn(VERSION_MEASURE, 'BIGINT', absent),
          ],
          COMMA,
        );
        const anyCounter = joinSql(
          present.map((code) => sql`${identifier(code)} IS NOT NULL`),
          sql` OR `,
        );
        return sql`SELECT ${columns} FROM ${this.readings} WHERE ${timeFilter(epochMsLiteral('from', lo), epochMsLiteral('to', hi))} AND ${PLANT} = ${plant} AND measure_name LIKE ${FAMILY_PATTERN} AND (${anyCounter})`;
      },
      options,
    );
    const perMetric = new Map<KpiCounterMetric, StoredReading[]>(KPI_COUNTER_METRICS.map((m) => [m, []]));
    for (const reading of this.convert(rows, (row) => counterReadingsOfRow(row, plantId)).flat())
      perMetric.get(reading.metric as KpiCounterMetric)?.push(reading);
    return [...perMetric.values()].flatMap(latestReadings);
  }

  /** Checks the arguments before any call, then merges the rollup with raw reads, tickets too (kpi-counter-slots.ts). */
  private async counterSlots(
    rollup: KpiRollupReader,
    plantId: string,
    from: number,
    to: number,
    options: CallOptions | undefined,
  ): Promise<KpiCounterSlots> {
    plantIdLiteral(plantId);
    const misplaced = misplacedSlotBound(from, to, MAX_QUERY_TIME_MS);
    if (misplaced) throw new InvalidMetricsQueryError(misplaced.field, misplaced.value, misplaced.reason);
    return readKpiCounterSlots(
      {
        rollup,
        readCounterReadings: (p, lo, hi) => this.readCounterReadings(p, lo, hi, options),
        readMovements: (p, lo, hi) => this.readMovements(p, lo, hi, options),
        ticketHorizonMs: this.horizonMs,
        lookbackMs: this.lookbackMs,
        maxRawRanges: this.maxRawRanges,
      },
      plantId,
      from,
      to,
    );
  }

  async readReadings(query: SeriesQuery, options?: CallOptions): Promise<StoredReading[]> {
    const plant = plantIdLiteral(query.plantId);
    const line = query.line === undefined ? undefined : lineLiteral(query.line);
    const metric = checkMetric(query.metric);
    const from = bound('from', query.from);
    const to = bound('to', query.to);
    if (from >= to) return [];
    const code = METRIC_CODES[metric].code;
    const lineFilter = line === undefined ? sql`` : sql` AND ${LINE} = ${line}`;
    const rows = await this.runner.select(
      this.props.readingsTableName,
      { required: [...READING_DIMENSIONS, code], optional: [QUALITY_MEASURE, VERSION_MEASURE] },
      (absent) =>
        sql`SELECT ${readingColumns(code, absent)} FROM ${this.readings} WHERE ${timeFilter(epochMsLiteral('from', from), epochMsLiteral('to', to))} AND ${PLANT} = ${plant}${lineFilter} AND measure_name LIKE ${FAMILY_PATTERN} AND ${identifier(code)} IS NOT NULL`,
      options,
    );
    return latestReadings(this.convert(rows, (row) => readingOf(row, query.plantId, metric)));
  }

  async readLastBefore(
    plantId: string,
    metric: MetricName,
    before: number,
    options?: CallOptions,
  ): Promise<StoredReading[]> {
    const plant = plantIdLiteral(plantId);
    const checked = checkMetric(metric);
    const to = bound('before', before);
    if (to <= 0) return [];
    const from = Math.max(0, to - this.lookbackMs);
    const code = METRIC_CODES[checked].code;
    const value = identifier(code);
    const { BAD, UNCERTAIN } = entriesOf(checked);
    const plain = joinSql([LINE, sql`measure_name`, sql`time`, value, Q, V], COMMA);
    const rows = await this.runner.select(
      this.props.readingsTableName,
      { required: [...READING_DIMENSIONS, code], optional: [QUALITY_MEASURE, VERSION_MEASURE] },
      (absent) => {
        const q = measureRef(QUALITY_MEASURE, 'VARCHAR', absent);
        const v = measureRef(VERSION_MEASURE, 'BIGINT', absent);
        // Same order as readingWins: the record that holds the reading's current content ranks 1.
        const severity = sql`CASE WHEN regexp_like(${q}, ${textConstant(qualityPattern(BAD))}) THEN 2 WHEN regexp_like(${q}, ${textConstant(qualityPattern(UNCERTAIN))}) THEN 1 ELSE 0 END`;
        const versions = sql`SELECT ${readingColumns(code, absent)}, row_number() OVER (PARTITION BY ${LINE}, time ORDER BY coalesce(${v}, ${BASE}) DESC, ${value} ASC, ${severity} DESC) AS pick FROM ${this.readings} WHERE ${timeFilter(epochMsLiteral('from', from), epochMsLiteral('before', to))} AND ${PLANT} = ${plant} AND measure_name LIKE ${FAMILY_PATTERN} AND ${value} IS NOT NULL`;
        const good = sql`SELECT ${plain}, row_number() OVER (PARTITION BY ${LINE} ORDER BY time DESC) AS recency FROM (${versions}) AS versions WHERE pick = 1 AND NOT coalesce(regexp_like(${Q}, ${textConstant(qualityPattern(BAD, UNCERTAIN))}), false)`;
        return sql`SELECT ${plain} FROM (${good}) AS good WHERE recency = 1`;
      },
      options,
    );
    // The SQL already did this; doing it again makes the answer independent of how far the engine went.
    return lastGoodPerLine(this.convert(rows, (row) => readingOf(row, plantId, checked)));
  }

  async readMovements(
    plantId: string,
    from: number,
    to: number,
    options?: CallOptions,
  ): Promise<StoredMovement[]> {
    const plant = plantIdLiteral(plantId);
    const lo = bound('from', from);
    const hi = bound('to', to);
    if (lo >= hi) return [];
    const wideFrom = Math.max(0, lo - this.horizonMs);
    const wideTo = Math.min(MAX_QUERY_TIME_MS, hi + this.horizonMs);
    const rows = await this.runner.select(
      this.props.movementsTableName,
      MOVEMENT_ROLES,
      (absent) => {
        const columns = joinSql(
          [
            TICKET,
            sql`time`,
            identifier(MOVEMENT_MEASURES.netTonnes),
            identifier(MOVEMENT_MEASURES.direction),
            identifier(MOVEMENT_MEASURES.material),
            measureColumn(MOVEMENT_MEASURES.destination, 'VARCHAR', absent),
            measureColumn(MOVEMENT_MEASURES.operationCode, 'VARCHAR', absent),
            measureColumn(VERSION_MEASURE, 'BIGINT', absent),
          ],
          COMMA,
        );
        const inRange = sql`SELECT ${TICKET} FROM ${this.movements} WHERE ${timeFilter(epochMsLiteral('from', lo), epochMsLiteral('to', hi))} AND ${PLANT} = ${plant} AND measure_name = ${MOVEMENT_NAME}`;
        return sql`SELECT ${columns} FROM ${this.movements} WHERE ${timeFilter(epochMsLiteral('from', wideFrom), epochMsLiteral('to', wideTo))} AND ${PLANT} = ${plant} AND measure_name = ${MOVEMENT_NAME} AND ${TICKET} IN (${inRange})`;
      },
      options,
    );
    return latestMovements(this.convert(rows, (row) => movementOf(row, plantId))).filter(
      (m) => m.ts >= lo && m.ts < hi,
    );
  }

  private convert<T>(rows: readonly ResultRow[], convert: (row: ResultRow) => T): T[] {
    return rows.map((row, index) => {
      try {
        return convert(row);
      } catch (error) {
        if (error instanceof TimestreamQueryError) throw error;
        throw new TimestreamQueryError(
          `result row ${index} is not a stored item: ${String(error)}`,
          undefined,
          {
            cause: error,
          },
        );
      }
    });
  }
}
