/**
 * The read half of the metrics store on the lake: Iceberg tables `readings`
 * and `movements` (docs/lake.md), queried through a SqlRunner (Athena's
 * DuckDB workgroup in AWS) with the SQL the local DuckDB store runs
 * (../metrics-sql.ts), plus the lake's `day` partition predicate.
 *
 * The tables are append-only: resends, corrections and same-version
 * conflicts sit side by side, and every query resolves them in SQL with the
 * Timestream reader's rule, so the three stores answer alike.
 *
 * Bounded like the Timestream reader, with the same defaults:
 * - readLastBefore looks back `lastBeforeLookbackMs` (7 days), not the whole
 *   history of a line that went quiet;
 * - readMovements resolves a ticket's versions among rows within
 *   `ticketShiftHorizonMs` (7 days) of the range: a correction that moved a
 *   ticket further than that is not seen;
 * - with `rollup`, readKpiCounterSlots reads current slots from the KPI
 *   rollup and only the others raw, in at most `maxRawRanges` queries
 *   (lambdas/app/kpi-counter-slots.ts).
 *
 * Arguments outside the contract (plant id, line, metric, NaN times) throw
 * `InvalidMetricsQueryError` before any query; an empty range sends none.
 * Runner errors pass through (`UnavailableError` when transient); a row no
 * writer could have made is a `LakeQueryError`.
 */
import {
  checkRollupLookback,
  DEFAULT_MAX_RAW_RANGES,
  misplacedSlotBound,
  readKpiCounterSlots,
} from '../../app/kpi-counter-slots.ts';
import { isMetricName, type MetricName } from '../../domain/catalog.ts';
import type { CallOptions } from '../../domain/deadline.ts';
import type { KpiCounterSlots, KpiRollupReader } from '../../domain/kpi-rollup.ts';
import { KPI_COUNTER_METRICS } from '../../domain/kpis.ts';
import type { GoodHour, MetricsStore, SeriesQuery } from '../../domain/metrics-ports.ts';
import type { StoredMovement, StoredReading } from '../../domain/ports.ts';
import { LINE_PATTERN, PLANT_ID_PATTERN } from '../../domain/telemetry.ts';
import { goodHourOfRow, type MetricsRow, movementOfRow, readingOfRow } from '../metrics-rows.ts';
import {
  counterReadingsSql,
  goodHoursSql,
  lastGoodBeforeSql,
  type MetricsSqlOptions,
  movementsSql,
  seriesSql,
} from '../metrics-sql.ts';
import { once } from '../once.ts';
import { positiveOption } from '../options.ts';
import type { SqlRunner } from '../sql-runner.ts';
import { InvalidMetricsQueryError } from '../timestream-query/errors.ts';
import { LakeQueryError } from './lake-query-error.ts';
import { MAX_LAKE_TS } from './lake-rows.ts';

const DAY_MS = 86_400_000;

/** How far back readLastBefore looks (as the Timestream reader). */
export const DEFAULT_LAST_BEFORE_LOOKBACK_MS = 7 * DAY_MS;
/** How far a ticket correction may move the ticket's ts and still be seen by readMovements. */
export const DEFAULT_TICKET_SHIFT_HORIZON_MS = 7 * DAY_MS;

export interface LakeMetricsReaderProps {
  /** Runs DuckDB SQL on the lake (AthenaQueryRunner), tables named unqualified, within each call's deadline. */
  readonly runner: SqlRunner;
  /** readLastBefore ignores readings older than `before` minus this. @default 7 days */
  readonly lastBeforeLookbackMs?: number;
  /** readMovements sees ticket corrections that moved the ts by at most this. @default 7 days */
  readonly ticketShiftHorizonMs?: number;
  /**
   * The KPI rollup. With it the reader offers `readKpiCounterSlots`;
   * `lastBeforeLookbackMs` must then be a multiple of 15 minutes.
   * @default none: KPIs are computed from raw readings
   */
  readonly rollup?: KpiRollupReader;
  /** Raw queries one `readKpiCounterSlots` may make at most. @default 4 */
  readonly maxRawRanges?: number;
}

const LAKE: MetricsSqlOptions = { dayPartitions: true };
/** The first instant after the last one a lake row can hold. */
const LAKE_END = MAX_LAKE_TS + 1;
// Built on first use (once): a Timestream bundle evaluates this module's top level too.
const counterOrder = /* @__PURE__ */ once(
  () => new Map<string, number>(KPI_COUNTER_METRICS.map((metric, i) => [metric, i])),
);

export class LakeMetricsReader
  implements
    Pick<
      MetricsStore,
      'readReadings' | 'readLastBefore' | 'readMovements' | 'readKpiCounterSlots' | 'readGoodHours'
    >
{
  /** Present only with a rollup: kpi-query.ts reads raw readings otherwise. */
  readonly readKpiCounterSlots?: (
    plantId: string,
    from: number,
    to: number,
    options?: CallOptions,
  ) => Promise<KpiCounterSlots>;
  private readonly runner: SqlRunner;
  private readonly lookbackMs: number;
  private readonly horizonMs: number;
  private readonly maxRawRanges: number;

  constructor(props: LakeMetricsReaderProps) {
    if (typeof props.runner?.run !== 'function') throw new TypeError('runner must be a SqlRunner');
    this.runner = props.runner;
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
    this.maxRawRanges = positiveOption('maxRawRanges', props.maxRawRanges, DEFAULT_MAX_RAW_RANGES, true);
    const rollup = props.rollup;
    if (rollup !== undefined) {
      checkRollupLookback(this.lookbackMs);
      this.readKpiCounterSlots = (plantId, from, to, options) =>
        this.counterSlots(rollup, plantId, from, to, options);
    }
  }

  async readReadings(query: SeriesQuery, options?: CallOptions): Promise<StoredReading[]> {
    const plantId = checkPlant(query.plantId);
    const metric = checkMetric(query.metric);
    const line = query.line === undefined ? undefined : checkLine(query.line);
    const from = bound('from', query.from);
    const to = bound('to', query.to);
    if (from >= to) return [];
    const sql = seriesSql({ plantId, metric, from, to, ...(line === undefined ? {} : { line }) }, LAKE);
    return this.rows(sql, readingOfRow, options);
  }

  async readLastBefore(
    plantId: string,
    metric: MetricName,
    before: number,
    options?: CallOptions,
  ): Promise<StoredReading[]> {
    const plant = checkPlant(plantId);
    const checked = checkMetric(metric);
    const to = bound('before', before);
    if (to <= 0) return [];
    const since = Math.max(0, to - this.lookbackMs);
    return this.rows(
      lastGoodBeforeSql({ plantId: plant, metric: checked, before: to, since }, LAKE),
      readingOfRow,
      options,
    );
  }

  async readMovements(
    plantId: string,
    from: number,
    to: number,
    options?: CallOptions,
  ): Promise<StoredMovement[]> {
    const plant = checkPlant(plantId);
    const lo = bound('from', from);
    const hi = bound('to', to);
    if (lo >= hi) return [];
    const sql = movementsSql({ plantId: plant, from: lo, to: hi, horizonMs: this.horizonMs }, LAKE);
    return this.rows(sql, movementOfRow, options);
  }

  /** The report's coverage in one aggregate query (goodHoursSql): hours, not readings, cross the wire. */
  async readGoodHours(
    plantId: string,
    metrics: readonly MetricName[],
    from: number,
    to: number,
    options?: CallOptions,
  ): Promise<GoodHour[]> {
    const plant = checkPlant(plantId);
    const checked = metrics.map(checkMetric);
    const lo = bound('from', from);
    const hi = bound('to', to);
    if (lo >= hi || checked.length === 0) return [];
    return this.rows(
      goodHoursSql({ plantId: plant, metrics: checked, from: lo, to: hi }, LAKE),
      goodHourOfRow,
      options,
    );
  }

  /**
   * Every reading of the KPI counters in [from, to) (every quality, latest
   * version of each), in one query: the raw side of the KPI rollup. Grouped
   * by counter in KPI_COUNTER_METRICS order, then by ts and line, as the
   * Timestream reader answers.
   */
  async readCounterReadings(
    plantId: string,
    from: number,
    to: number,
    options?: CallOptions,
  ): Promise<StoredReading[]> {
    const plant = checkPlant(plantId);
    const lo = bound('from', from);
    const hi = bound('to', to);
    if (lo >= hi) return [];
    const readings = await this.rows(
      counterReadingsSql({ plantId: plant, from: lo, to: hi }, LAKE),
      readingOfRow,
      options,
    );
    const order = counterOrder();
    const rank = (r: StoredReading) => order.get(r.metric) ?? Number.MAX_SAFE_INTEGER;
    // Stable: within a counter the SQL's (ts, line) order stays.
    return readings.sort((a, b) => rank(a) - rank(b));
  }

  private async counterSlots(
    rollup: KpiRollupReader,
    plantId: string,
    from: number,
    to: number,
    options: CallOptions | undefined,
  ): Promise<KpiCounterSlots> {
    checkPlant(plantId);
    const misplaced = misplacedSlotBound(from, to, LAKE_END);
    if (misplaced) throw new InvalidMetricsQueryError(misplaced.field, misplaced.value, misplaced.reason);
    return readKpiCounterSlots(
      {
        rollup,
        readCounterReadings: (p, lo, hi) => this.readCounterReadings(p, lo, hi, options),
        lookbackMs: this.lookbackMs,
        maxRawRanges: this.maxRawRanges,
      },
      plantId,
      from,
      to,
    );
  }

  private async rows<T>(
    sql: string,
    decode: (row: MetricsRow) => T,
    options: CallOptions | undefined,
  ): Promise<T[]> {
    const rows = await this.runner.run(sql, options);
    return rows.map((row, index) => {
      try {
        return decode(row);
      } catch (error) {
        throw new LakeQueryError(
          { reason: `result row ${index} is not a stored item: ${String(error)}` },
          { cause: error },
        );
      }
    });
  }
}

function checkPlant(plantId: unknown): string {
  if (typeof plantId !== 'string' || !PLANT_ID_PATTERN.test(plantId))
    throw new InvalidMetricsQueryError('plantId', plantId, `must match ${PLANT_ID_PATTERN}`);
  return plantId;
}

function checkLine(line: unknown): string {
  if (typeof line !== 'string' || !LINE_PATTERN.test(line))
    throw new InvalidMetricsQueryError('line', line, `must match ${LINE_PATTERN}`);
  return line;
}

function checkMetric(metric: unknown): MetricName {
  if (typeof metric !== 'string' || !isMetricName(metric))
    throw new InvalidMetricsQueryError('metric', metric, 'must be a metric of the catalog');
  return metric;
}

/**
 * An epoch-ms bound as the integer bound that selects the same stored
 * (integer) times, clamped to the instants a lake row can hold.
 */
function bound(field: string, ms: unknown): number {
  if (typeof ms !== 'number' || Number.isNaN(ms))
    throw new InvalidMetricsQueryError(field, ms, 'must be a number of epoch milliseconds');
  return Math.ceil(Math.min(Math.max(ms, 0), LAKE_END));
}
