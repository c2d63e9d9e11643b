/**
 * Monthly cost of the lake deployment (`-c metricsStore=lake`) for the
 * fleet-day the metering suite measured: the Iceberg lake (Firehose -> S3
 * Tables -> Athena on DuckDB) plus the recent telemetry table
 * (recent-telemetry-cost.ts), beside Timestream for LiveAnalytics and the
 * smallest Timestream for InfluxDB. Pure: prices,
 * assumptions and the measured write figures in, dollars out (no network).
 * Prices, sources and formulas are in docs/performance.md, "Which store costs what".
 *
 * Units are binary throughout, as AWS meters them: KB = 1,024 B, MB = 2^20,
 * GB = 2^30, TB = 2^40.
 */

import { type RecentTableCost, type RecentTableFigures, recentTableCost } from './recent-telemetry-cost.ts';

const KB = 1024;
const MB = 1024 ** 2;
const GB = 1024 ** 3;
const TB = 1024 ** 4;
/** A month is 30 days, as the Timestream row counts it. */
export const DAYS_PER_MONTH = 30;

/** us-east-1 list prices, read 2026-12-06 (sources and caveats in docs/performance.md). */
export const LAKE_PRICES = {
  /** Firehose Direct PUT ingestion, first 500 TB a month, per GB billed. */
  firehoseUsdPerGB: 0.029,
  /** Firehose bills each record rounded up to a whole number of 5 KB. */
  firehoseIncrementBytes: 5 * KB,
  s3TablesStorageUsdPerGBMonth: 0.0265,
  s3TablesPutUsdPer1000: 0.005,
  s3TablesGetUsdPer1000: 0.0004,
  s3TablesMonitoringUsdPer1000Objects: 0.025,
  s3TablesCompactionUsdPer1000Objects: 0.004,
  s3TablesCompactionUsdPerGB: 0.05,
  athenaUsdPerTB: 5,
  /** Athena rounds each query up to a whole MB, with a 10 MB minimum. */
  athenaMinimumBytes: 10 * MB,
  /** Timestream for LiveAnalytics writes, per million 1-KiB units (docs/reference/aws-limits.md section 1.2). */
  timestreamUsdPerMillionKiB: 0.5,
  /** The smallest Timestream for InfluxDB instance (db.influx.medium), AWS's estimate (docs/reference/lake-on-aws.md). */
  influxDbSmallestUsdPerMonth: 95,
} as const;

export type LakePrices = { -readonly [K in keyof typeof LAKE_PRICES]: number };

/** What the figures assume beyond the measured rows (each written down in docs/performance.md). */
export const LAKE_ASSUMPTIONS = {
  /** JSON bytes Firehose receives over the Parquet bytes it stores (dictionary-encoded columns, zstd). */
  parquetCompressionRatio: 10,
  /**
   * Firehose buffering interval of the readings stream (the `lakeBufferIntervalSeconds` default of
   * the CDK app): one file per partition per flush, as the fleet never fills the size buffer.
   */
  bufferIntervalSeconds: 60,
  /** Iceberg metadata objects written per commit (metadata.json, manifest list, manifest). */
  metadataPutsPerCommit: 3,
  /** Months of data kept: storage is billed at that steady state. */
  retentionMonths: 12,
  /** Per plant and day: a 30-day daily KPI request (a dashboard opened twice an hour). */
  kpi30dQueriesPerPlantDay: 48,
  /** Per plant and day: a 24 h series request (a panel refreshed every 5 minutes). */
  series24hQueriesPerPlantDay: 288,
  /** Per plant and day: rollup queries, one per settled 15-minute slot. */
  rollupQueriesPerPlantDay: 96,
  /**
   * `lakeRecentHorizonDays` (CDK default 40): the tiered reader answers a range that starts within
   * the horizon less its 1 h margin from the recent table alone, so such queries never reach Athena.
   * 0: the lake alone, every query on Athena.
   */
  recentHorizonDays: 40,
} as const;

export type LakeAssumptions = { -readonly [K in keyof typeof LAKE_ASSUMPTIONS]: number };

/** What the metering suite measured through the real FirehoseMetricsWriter. */
export interface LakeWriteFigures {
  readonly calls: number;
  readonly records: number;
  /** Encoded row bytes as sent. */
  readonly bytes: number;
  /** Sum over records of ceil(size / 5 KB) x 5 KB. */
  readonly billedBytes: number;
  readonly largestRecordBytes: number;
  /** The same calls through the recent telemetry store (lake-metering.ts); absent, the table is not counted. */
  readonly recent?: RecentTableFigures;
}

export interface AthenaQueryCost {
  readonly name: string;
  /** Days back the query reaches; within the recent horizon it is answered by the recent table. */
  readonly spanDays: number;
  readonly answeredBy: 'athena' | 'recent table';
  readonly perDay: number;
  readonly scannedBytes: number;
  readonly billedBytes: number;
  readonly usdPerMonth: number;
}

export interface LakeCost {
  readonly prices: LakePrices;
  readonly assumptions: LakeAssumptions;
  readonly firehose: {
    readonly recordsPerMonth: number;
    readonly sentGBPerMonth: number;
    readonly billedGBPerMonth: number;
    /** Billed over sent: what the 5 KB rounding costs. */
    readonly roundingFactor: number;
    readonly usdPerMonth: number;
  };
  readonly s3Tables: {
    readonly parquetGBPerDay: number;
    readonly storedGB: number;
    readonly filesPerDay: number;
    readonly putsPerMonth: number;
    readonly getsPerMonth: number;
    readonly storageUsdPerMonth: number;
    readonly requestsUsdPerMonth: number;
    readonly compactionUsdPerMonth: number;
    readonly monitoringUsdPerMonth: number;
    readonly usdPerMonth: number;
  };
  readonly athena: { readonly queries: readonly AthenaQueryCost[]; readonly usdPerMonth: number };
  /** Firehose + S3 Tables + Athena. */
  readonly icebergUsdPerMonth: number;
  /** The recent telemetry table, when its figures were measured. */
  readonly recentTable?: RecentTableCost;
  /** Iceberg lake + recent table: what the lake deployment costs. */
  readonly usdPerMonth: number;
}

/** Bytes Firehose bills for records of these sizes: each rounded up to the 5 KB increment. */
export function firehoseBilledBytes(
  recordSizes: Iterable<number>,
  increment: number = LAKE_PRICES.firehoseIncrementBytes,
): number {
  let billed = 0;
  for (const size of recordSizes) {
    if (!(Number.isSafeInteger(size) && size > 0))
      throw new RangeError(`a record size must be a positive integer, got ${size}`);
    billed += Math.ceil(size / increment) * increment;
  }
  return billed;
}

/** Bytes Athena bills for one query that scans `scanned` bytes: whole MB, at least the minimum. */
export function athenaBilledBytes(scanned: number, minimum: number = LAKE_PRICES.athenaMinimumBytes): number {
  if (!(Number.isFinite(scanned) && scanned >= 0))
    throw new RangeError(`scanned bytes must be a finite number >= 0, got ${scanned}`);
  return Math.max(minimum, Math.ceil(scanned / MB) * MB);
}

const usd = (value: number) => Math.round(value * 1e4) / 1e4;

/**
 * The lake's monthly cost for `writes`, measured over `plants` plants and `hours` hours, the
 * day repeated for a month. Readings table only, as the Timestream row.
 */
export function lakeCost(
  writes: LakeWriteFigures,
  run: { readonly plants: number; readonly hours: number },
  prices: LakePrices = LAKE_PRICES,
  assumptions: LakeAssumptions = LAKE_ASSUMPTIONS,
): LakeCost {
  if (!(run.plants > 0 && run.hours > 0))
    throw new RangeError(`plants and hours must be > 0, got ${run.plants} and ${run.hours}`);
  const perMonth = (24 / run.hours) * DAYS_PER_MONTH;
  const billedGBPerMonth = (writes.billedBytes * perMonth) / GB;
  const firehoseUsd = billedGBPerMonth * prices.firehoseUsdPerGB;

  const jsonBytesPerDay = (writes.bytes * 24) / run.hours;
  const parquetBytesPerDay = jsonBytesPerDay / assumptions.parquetCompressionRatio;
  const plantDayBytes = parquetBytesPerDay / run.plants;
  const storedGB = (parquetBytesPerDay * DAYS_PER_MONTH * assumptions.retentionMonths) / GB;
  const flushesPerDay = 86_400 / assumptions.bufferIntervalSeconds;
  // One file per plant partition per flush, and one commit per flush.
  const filesPerDay = flushesPerDay * run.plants;
  const putsPerDay = filesPerDay + flushesPerDay * assumptions.metadataPutsPerCommit;

  const query = (
    name: string,
    perPlantDay: number,
    spanDays: number,
    scannedBytes: number,
  ): AthenaQueryCost => {
    const billed = athenaBilledBytes(scannedBytes, prices.athenaMinimumBytes);
    const recent = assumptions.recentHorizonDays > 0 && spanDays <= assumptions.recentHorizonDays - 1 / 24;
    const perDay = recent ? 0 : perPlantDay * run.plants;
    return {
      name,
      spanDays,
      answeredBy: recent ? 'recent table' : 'athena',
      perDay,
      scannedBytes: Math.round(scannedBytes),
      billedBytes: billed,
      usdPerMonth: usd(((perDay * DAYS_PER_MONTH * billed) / TB) * prices.athenaUsdPerTB),
    };
  };
  // A plant's local days cross UTC dates, so a 30-day request reads 31 partitions; a 24 h series
  // reads one day of files thanks to the per-file ts statistics; a 15-minute slot about 1/96 of one.
  const queries = [
    query('kpi 30 days (query API)', assumptions.kpi30dQueriesPerPlantDay, 31, 31 * plantDayBytes),
    query('series 24 h (query API)', assumptions.series24hQueriesPerPlantDay, 1, plantDayBytes),
    query('rollup 15-minute slot', assumptions.rollupQueriesPerPlantDay, 35 / 1440, plantDayBytes / 96),
  ];
  // After compaction, one file per partition-day; a query GETs its metadata (3) and its files.
  const partitionsRead = [31, 1, 1];
  const getsPerDay = queries.reduce((n, q, i) => n + q.perDay * (3 + (partitionsRead[i] ?? 1)), 0);
  const athenaUsd = queries.reduce((n, q) => n + q.usdPerMonth, 0);

  const storageUsd = storedGB * prices.s3TablesStorageUsdPerGBMonth;
  const requestsUsd =
    ((putsPerDay * DAYS_PER_MONTH) / 1000) * prices.s3TablesPutUsdPer1000 +
    ((getsPerDay * DAYS_PER_MONTH) / 1000) * prices.s3TablesGetUsdPer1000;
  // Every delivered file and byte is compacted once.
  const compactionUsd =
    ((filesPerDay * DAYS_PER_MONTH) / 1000) * prices.s3TablesCompactionUsdPer1000Objects +
    ((parquetBytesPerDay * DAYS_PER_MONTH) / GB) * prices.s3TablesCompactionUsdPerGB;
  const storedObjects = run.plants * DAYS_PER_MONTH * assumptions.retentionMonths;
  const monitoringUsd = (storedObjects / 1000) * prices.s3TablesMonitoringUsdPer1000Objects;
  const s3TablesUsd = storageUsd + requestsUsd + compactionUsd + monitoringUsd;
  const icebergUsd = firehoseUsd + s3TablesUsd + athenaUsd;
  const recentTable = writes.recent ? recentTableCost(writes.recent, run.hours) : undefined;

  return {
    prices,
    assumptions,
    firehose: {
      recordsPerMonth: Math.round(writes.records * perMonth),
      sentGBPerMonth: Math.round(((writes.bytes * perMonth) / GB) * 1000) / 1000,
      billedGBPerMonth: Math.round(billedGBPerMonth * 1000) / 1000,
      roundingFactor: Math.round((writes.billedBytes / writes.bytes) * 100) / 100,
      usdPerMonth: usd(firehoseUsd),
    },
    s3Tables: {
      parquetGBPerDay: Math.round((parquetBytesPerDay / GB) * 1e4) / 1e4,
      storedGB: Math.round(storedGB * 100) / 100,
      filesPerDay,
      putsPerMonth: putsPerDay * DAYS_PER_MONTH,
      getsPerMonth: getsPerDay * DAYS_PER_MONTH,
      storageUsdPerMonth: usd(storageUsd),
      requestsUsdPerMonth: usd(requestsUsd),
      compactionUsdPerMonth: usd(compactionUsd),
      monitoringUsdPerMonth: usd(monitoringUsd),
      usdPerMonth: usd(s3TablesUsd),
    },
    athena: { queries, usdPerMonth: usd(athenaUsd) },
    icebergUsdPerMonth: usd(icebergUsd),
    ...(recentTable ? { recentTable } : {}),
    usdPerMonth: usd(icebergUsd + (recentTable?.usdPerMonth ?? 0)),
  };
}

/** The three stores side by side, dollars a month. */
export interface StoreCostComparison {
  /** The lake deployment: lakeIceberg + lakeRecentTable. */
  readonly lake: number;
  readonly lakeIceberg: number;
  readonly lakeRecentTable: number;
  /** Writes only, at the measured billed KiB (storage and queries not included). */
  readonly timestreamLiveAnalyticsWrites: number;
  /** One instance, storage not included. */
  readonly influxDbSmallest: number;
}

export function storeCostComparison(
  lake: LakeCost,
  timestreamBilledKiB: number,
  hours: number,
  prices: LakePrices = LAKE_PRICES,
): StoreCostComparison {
  const kibPerMonth = (timestreamBilledKiB * 24 * DAYS_PER_MONTH) / hours;
  return {
    lake: lake.usdPerMonth,
    lakeIceberg: lake.icebergUsdPerMonth,
    lakeRecentTable: lake.recentTable?.usdPerMonth ?? 0,
    timestreamLiveAnalyticsWrites: usd((kibPerMonth / 1e6) * prices.timestreamUsdPerMillionKiB),
    influxDbSmallest: prices.influxDbSmallestUsdPerMonth,
  };
}
