/**
 * The metrics store's ports (Timestream or the lake on AWS, DuckDB locally):
 * its writes, its reads and what they answer. Split from ports.ts, which
 * keeps the items as stored (`StoredReading`, `StoredMovement`) and the
 * refusals every store shares.
 */
import type { MetricName } from './catalog.ts';
import type { CallOptions } from './deadline.ts';
import type { KpiCounterSlots } from './kpi-rollup.ts';
import type { StoredMovement, StoredReading, StoreRejection } from './ports.ts';

export interface WriteResult<T> {
  /** Items now stored (including identical rewrites and items a higher version already superseded). */
  readonly stored: number;
  /** Items refused for good; the caller quarantines them. */
  readonly rejected: ReadonlyArray<StoreRejection<T>>;
}

export interface SeriesQuery {
  readonly plantId: string;
  readonly metric: MetricName;
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  readonly line?: string;
}

/**
 * The metrics store's writes. They retry transient faults within bounds and
 * the call's deadline, then reject with `UnavailableError`; refusals come
 * back in `rejected`.
 */
export interface MetricsWriter {
  writeReadings(
    readings: readonly StoredReading[],
    options?: CallOptions,
  ): Promise<WriteResult<StoredReading>>;
  writeMovements(
    movements: readonly StoredMovement[],
    options?: CallOptions,
  ): Promise<WriteResult<StoredMovement>>;
}

/**
 * The metrics store's reads. Each takes the caller's deadline last: a store
 * that can wait (Athena's polling, Timestream's pages, the recent table's
 * pages) stops before it with `UnavailableError`.
 */
export interface MetricsReader {
  /** Readings of one metric in [from, to), every quality, latest version only, in time order. */
  readReadings(query: SeriesQuery, options?: CallOptions): Promise<StoredReading[]>;
  /** The last GOOD reading of each series (line) of `metric` strictly before `before`. */
  readLastBefore(
    plantId: string,
    metric: MetricName,
    before: number,
    options?: CallOptions,
  ): Promise<StoredReading[]>;
  /** Movements with ts in [from, to), latest version of each ticket. */
  readMovements(plantId: string, from: number, to: number, options?: CallOptions): Promise<StoredMovement[]>;
  /**
   * Optional, for stores that keep the KPI rollup (kpi-rollup.ts): the KPI
   * counters of [from, to), both multiples of SLOT_MS, as summaries of every
   * slot with GOOD counter readings plus the readings `readLastBefore(from)`
   * would give. Must describe exactly the readings `readReadings` and
   * `readLastBefore` return, so KPIs come out identical either way; stores
   * without it are read raw (lambdas/app/kpi-query.ts decides).
   */
  readKpiCounterSlots?(
    plantId: string,
    from: number,
    to: number,
    options?: CallOptions,
  ): Promise<KpiCounterSlots>;
  /**
   * Optional, for the annual report's coverage: the UTC hours of [from, to)
   * in which each series (metric, line) of `metrics` has at least one GOOD
   * reading, versions resolved as `readReadings` does, in any order. An
   * aggregate query, so a year costs no raw scan; stores without it are read
   * raw, month by month (lambdas/app/report.ts).
   */
  readGoodHours?(
    plantId: string,
    metrics: readonly MetricName[],
    from: number,
    to: number,
    options?: CallOptions,
  ): Promise<GoodHour[]>;
}

/** The whole metrics store: writes and reads (DuckDB locally; tests and tools on AWS). */
export interface MetricsStore extends MetricsWriter, MetricsReader {}

/** One hour in which a series had at least one GOOD reading. */
export interface GoodHour {
  readonly metric: MetricName;
  readonly line: string;
  /** Start of the UTC hour, epoch ms. */
  readonly hour: number;
}
