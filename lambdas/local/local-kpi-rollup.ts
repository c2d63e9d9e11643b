/**
 * The KPI rollup in local mode (docs/kpi-rollup.md), wired as on AWS: the
 * rollup table in the local DynamoDB (dynalite), the processor's marks, the
 * scheduled job on a timer (the same handler as the kpi-rollup Lambda), and
 * the query API's KPI and report reads through `readKpiCounterSlots` over
 * DuckDB. A month or a year then reads its slot items and only the slots not
 * rolled up yet raw, in at most DEFAULT_MAX_RAW_RANGES reads per kind.
 *
 * A data directory written before local mode kept the rollup has slots
 * without marks: at the first start with the rollup every slot holding data
 * is marked once (the file READY_FILE records that this was done; a start
 * that crashed before marks it again), so a slot without an item is empty.
 */
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type DuckDbMetricsStore,
  LAST_BEFORE_LOOKBACK_MS,
  type MetricsReads,
} from '../adapters/duckdb/duckdb-metrics-store.ts';
import { createKpiRollupTable, DynamoKpiRollupStore } from '../adapters/dynamo/dynamo-kpi-rollup-store.ts';
import { DEFAULT_MAX_RAW_RANGES, misplacedSlotBound, readKpiCounterSlots } from '../app/kpi-counter-slots.ts';
import type { KpiRollupRun } from '../app/kpi-query.ts';
import { errorName } from '../domain/error-name.ts';
import type { KpiCounterSlots, KpiRollupReader, KpiSlotMarker, SettlePolicy } from '../domain/kpi-rollup.ts';
import type { Clock } from '../domain/ports.ts';
import { DAY_MS, MINUTE_MS } from '../domain/time.ts';
import { makeKpiRollupHandler } from '../handlers/kpi-rollup.ts';

export const LOCAL_KPI_ROLLUP_TABLE = 'wte-local-kpi-rollup';
/** Written once every slot holding data before the rollup has been marked. */
export const READY_FILE = 'kpi-rollup-ready';
/**
 * The look back for the predecessor of a range's first reading, as on AWS (entry/metrics-reads.ts):
 * the DuckDB store's own, so months from the rollup and days read raw find the same predecessor.
 */
export const LOCAL_LOOKBACK_MS = LAST_BEFORE_LOOKBACK_MS;
/** How often the rollup job runs. @default 1 minute, like the local scheduler */
export const DEFAULT_LOCAL_ROLLUP_INTERVAL_MS = MINUTE_MS;

/**
 * DuckDB reads are consistent at once; what must pass is the write a mark
 * precedes: a local batch marks, then writes in the same call, within the
 * queue's visibility timeout (30 s). Five minutes leave a wide margin.
 */
export const LOCAL_SETTLE_POLICY: SettlePolicy = { settleMs: 5 * MINUTE_MS, magneticSettleMs: 5 * MINUTE_MS };

/** DuckDB reads with KPI counters and tickets from the rollup where it has them. */
export type RolledReads = MetricsReads & {
  readKpiCounterSlots(plantId: string, from: number, to: number): Promise<KpiCounterSlots>;
  readonly rawRangeMaxMs: number;
};

/**
 * Hours and days over at most a month are read raw (kpi-query.ts
 * `rawRangeMaxMs`): DuckDB scans them in milliseconds, and the recent slots
 * an operator looks at are not rolled up yet, so the rollup would only add
 * its reads. Measured: with the rollup on that path, 16 gateways' tickets were
 * all counted 7.0 s after the last 202 instead of 2.8 s (bench, docs/kpi-rollup.md).
 */
export const LOCAL_RAW_RANGE_MAX_MS = 31 * DAY_MS;

/** `reads` plus `readKpiCounterSlots` over `rollup`; both bounds must lie on the slot grid. */
export function withKpiRollup(reads: MetricsReads, rollup: KpiRollupReader): RolledReads {
  return {
    ...reads,
    rawRangeMaxMs: LOCAL_RAW_RANGE_MAX_MS,
    readKpiCounterSlots: (plantId, from, to) => {
      const misplaced = misplacedSlotBound(from, to, Number.MAX_SAFE_INTEGER);
      if (misplaced) throw new RangeError(`${misplaced.field} ${misplaced.value} ${misplaced.reason}`);
      return readKpiCounterSlots(
        {
          rollup,
          readCounterReadings: (p, lo, hi) => reads.readCounterReadings(p, lo, hi),
          readMovements: (p, lo, hi) => reads.readMovements(p, lo, hi),
          lookbackMs: LOCAL_LOOKBACK_MS,
          maxRawRanges: DEFAULT_MAX_RAW_RANGES,
        },
        plantId,
        from,
        to,
      );
    },
  };
}

export interface LocalKpiRollupOptions {
  readonly client: DynamoDBClient;
  readonly dataDir: string;
  readonly metrics: Pick<DuckDbMetricsStore, 'queries' | 'tableQueries' | 'kpiSlotsWithData'>;
  readonly clock: Clock;
  /** @default DEFAULT_LOCAL_ROLLUP_INTERVAL_MS */
  readonly intervalMs?: number | undefined;
  readonly log: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
}

export interface LocalKpiRollup {
  /** For the processor. */
  readonly marker: KpiSlotMarker;
  /** The query API's reads (KPIs, report). */
  readonly reads: RolledReads;
  /** Runs the job now (what the timer does); runs never overlap. Undefined when the run failed (logged). */
  run(): Promise<KpiRollupRun | undefined>;
  close(): Promise<void>;
}

export async function startLocalKpiRollup(options: LocalKpiRollupOptions): Promise<LocalKpiRollup> {
  const { client, dataDir, metrics, clock, log } = options;
  await createKpiRollupTable(client, LOCAL_KPI_ROLLUP_TABLE);
  const store = new DynamoKpiRollupStore({
    client,
    tableName: LOCAL_KPI_ROLLUP_TABLE,
    clock,
    settle: LOCAL_SETTLE_POLICY,
    markReuseMs: MINUTE_MS,
  });
  const ready = join(dataDir, READY_FILE);
  const isReady = await access(ready).then(
    () => true,
    () => false,
  );
  if (!isReady) {
    let marked = 0;
    for (const { plantId, slotStarts } of await metrics.kpiSlotsWithData())
      for (let i = 0; i < slotStarts.length; i += 500) {
        await store.markTouched([{ plantId, slotStarts: slotStarts.slice(i, i + 500) }]);
        marked += Math.min(500, slotStarts.length - i);
      }
    if (marked > 0) log('info', 'KPI rollup: marked the slots written before it', { marked });
    await writeFile(ready, `${new Date(clock.now()).toISOString()}\n`, { mode: 0o600 });
  }

  // A run a minute: only what needs attention is logged.
  const quiet: typeof log = (level, message, fields) => level !== 'info' && log(level, message, fields);
  const job = makeKpiRollupHandler({
    rollup: store,
    marker: store,
    // Straight from the tables: the job's ranges are read once, keeping them would only evict the API's.
    readings: metrics.tableQueries(),
    clock,
    log: quiet,
  });
  let running: Promise<unknown> = Promise.resolve();
  const run = (): Promise<KpiRollupRun | undefined> => {
    const next = running.then(() =>
      job({}).catch((error: unknown) => {
        log('error', 'KPI rollup run failed; the next run retries', { error: errorName(error) });
        return undefined;
      }),
    );
    running = next;
    return next;
  };
  const timer = setInterval(() => void run(), options.intervalMs ?? DEFAULT_LOCAL_ROLLUP_INTERVAL_MS);
  timer.unref();
  return {
    marker: store,
    reads: withKpiRollup(metrics.queries(), store),
    run,
    close: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
