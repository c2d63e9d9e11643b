/**
 * Meters the recent telemetry table for the metering suite's fleet: each
 * processor call's readings go through the real DynamoRecentTelemetryStore
 * (so its own packing, gzip choice, keys and TTL make the items), over a
 * client that accepts every BatchWriteItem and sizes each item as DynamoDB
 * bills it. The readers then issue their Queries through real stores, wired
 * as lambdas/entry/metrics-stores.ts wires them (the processor strongly
 * consistent, every other reader eventually consistent), at the times and
 * over the spans the app reads (READ_PLAN below); each Query is billed on
 * the items its key range held at that moment. The processor's write-time
 * version check (`current`, before each write) is billed the same way.
 *
 * Steady state: the measured span is one period of a fleet that has run for
 * longer than the horizon. A read reaching back before the span is split: the
 * part before it is read from the same-length part at the end of the span
 * (the previous period, as stored), the rest as the table stood then.
 */
import type { BatchWriteItemCommand, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DynamoRecentTelemetryStore } from '../lambdas/adapters/dynamo/dynamo-recent-telemetry-store.ts';
import { METRIC_NAMES, type MetricName } from '../lambdas/domain/catalog.ts';
import type { StoredReading } from '../lambdas/domain/ports.ts';
import {
  dynamoItemBytes,
  type MeteredValue,
  QUERY_PAGE_BYTES,
  queryReadUnits,
  type RecentReadFigures,
  type RecentTableFigures,
  writeUnits,
} from './recent-telemetry-cost.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** When and what the app reads (defaults of lib/config.ts and AlertRuleSettings; docs/performance.md). */
export const READ_PLAN = {
  /** The scheduler runs every 5 minutes (`schedulerIntervalMinutes`). */
  schedulerIntervalMs: 5 * MINUTE_MS,
  /** sensorEvaluations reads the last 24 h of every metric. */
  sensorSpanMs: DAY_MS,
  /** Combustion: settle 2 min, catch-up 60 min, look back on-delay 5 + off-delay 2 + 5 min. */
  settleMs: 2 * MINUTE_MS,
  catchUpMs: 60 * MINUTE_MS,
  combustionLookbackMs: 12 * MINUTE_MS,
  /** The rollup reads each 15-minute slot of counters once, 20 minutes after it ends. */
  rollupSlotMs: 15 * MINUTE_MS,
  rollupSettleMs: 20 * MINUTE_MS,
  /** Query API, as the lake row assumes: a 24 h series every 5 minutes per plant... */
  seriesIntervalMs: 5 * MINUTE_MS,
  seriesMetric: 'furnace_temperature' as MetricName,
  /** ...and a 30-day KPI request every 30 minutes, whose raw side is the last slots not rolled up yet. */
  kpiIntervalMs: 30 * MINUTE_MS,
  kpiRawSpanMs: 35 * MINUTE_MS,
} as const;

type Reader = 'processor write check' | 'processor after batch' | 'scheduler' | 'query API' | 'KPI rollup';
const CONSISTENT: Readonly<Record<Reader, boolean>> = {
  'processor write check': true,
  'processor after batch': true,
  scheduler: false,
  'query API': false,
  'KPI rollup': false,
};

interface Recorded {
  readonly reader: Reader;
  readonly pk: string;
  readonly lo: string;
  readonly hi: string;
  readonly consistent: boolean;
  /** Items written after this are not in the table yet. */
  readonly asOf: number;
}

/**
 * A DynamoDB client that takes every BatchWriteItem (sizing each item) and
 * records every Query; `figures` bills the recorded Queries on the final
 * index. Only `send` is ever called by the store.
 */
export class MeteringDynamoClient {
  items = 0;
  gzipItems = 0;
  itemBytes = 0;
  largestItemBytes = 0;
  writeUnits = 0;
  /** Write time of the next items, and read time and reader of the next Queries. */
  at = 0;
  reader: Reader = 'scheduler';
  private readonly index = new Map<string, { sk: string[]; bytes: number[]; at: number[] }>();
  private readonly queries: Recorded[] = [];

  async send(command: BatchWriteItemCommand | QueryCommand): Promise<object> {
    const input = command.input as BatchWriteItemCommand['input'] & QueryCommand['input'];
    if (input.RequestItems) {
      for (const requests of Object.values(input.RequestItems))
        for (const request of requests) this.put(request.PutRequest?.Item as Record<string, MeteredValue>);
      return { UnprocessedItems: {} };
    }
    const values = input.ExpressionAttributeValues ?? {};
    const [pk, lo, hi] = [values[':pk']?.S, values[':lo']?.S, values[':hi']?.S];
    if (pk === undefined || lo === undefined || hi === undefined)
      throw new Error(`unexpected Query: ${input.KeyConditionExpression}`);
    this.queries.push({
      reader: this.reader,
      pk,
      lo,
      hi,
      consistent: input.ConsistentRead === true,
      asOf: this.at,
    });
    // The readers' results do not change which Queries they make: they get nothing back.
    return { Items: [] };
  }

  private put(item: Record<string, MeteredValue> | undefined): void {
    const pk = item?.pk?.S;
    const sk = item?.sk?.S;
    if (!item || pk === undefined || sk === undefined) throw new Error('a put without pk and sk');
    const bytes = dynamoItemBytes(item);
    this.items++;
    if (item.z) this.gzipItems++;
    this.itemBytes += bytes;
    this.largestItemBytes = Math.max(this.largestItemBytes, bytes);
    this.writeUnits += writeUnits(bytes);
    const entries = this.index.get(pk) ?? { sk: [], bytes: [], at: [] };
    this.index.set(pk, entries);
    entries.sk.push(sk);
    entries.bytes.push(bytes);
    entries.at.push(this.at);
  }

  /** The recorded Queries, billed per 1 MB page on the items in their key range written by their time. */
  reads(): RecentReadFigures[] {
    const sorted = new Map<string, { sk: string[]; bytes: Float64Array; at: Float64Array }>();
    for (const [pk, e] of this.index) {
      const order = e.sk.map((_, i) => i).sort((a, b) => compare(e.sk[a] as string, e.sk[b] as string));
      sorted.set(pk, {
        sk: order.map((i) => e.sk[i] as string),
        bytes: Float64Array.from(order, (i) => e.bytes[i] as number),
        at: Float64Array.from(order, (i) => e.at[i] as number),
      });
    }
    const totals = new Map(
      (Object.keys(CONSISTENT) as Reader[]).map((r) => [
        r,
        { consistent: CONSISTENT[r], queries: 0, bytes: 0, readUnits: 0 },
      ]),
    );
    for (const q of this.queries) {
      const t = totals.get(q.reader);
      if (!t) throw new Error(`unknown reader ${q.reader}`);
      if (t.consistent !== q.consistent)
        throw new Error(`${q.reader} read with ConsistentRead ${q.consistent}, not as wired`);
      const e = sorted.get(q.pk);
      let page = 0;
      let pages = 0;
      if (e)
        for (let i = lowerBound(e.sk, q.lo); i < e.sk.length && (e.sk[i] as string) <= q.hi; i++) {
          if ((e.at[i] as number) > q.asOf) continue;
          const bytes = e.bytes[i] as number;
          if (page + bytes > QUERY_PAGE_BYTES) {
            t.readUnits += queryReadUnits(page, q.consistent);
            pages++;
            page = 0;
          }
          page += bytes;
          t.bytes += bytes;
        }
      if (page > 0 || pages === 0) t.readUnits += queryReadUnits(page, q.consistent);
      t.queries++;
    }
    return [...totals].map(([reader, t]) => ({ reader, ...t }));
  }

  asClient(): DynamoDBClient {
    return this as unknown as DynamoDBClient;
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function lowerBound(keys: readonly string[], key: string): number {
  let [lo, hi] = [0, keys.length];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The recent table over `[start, end)` of the fleet: `write` each processor
 * call's readings in time order (it also makes the processor's after-batch
 * reads and the scheduled reads that have come due), then `figures`.
 */
export function recentMeter(span: {
  readonly start: number;
  readonly end: number;
  readonly horizonDays?: number;
}) {
  if (!(span.end > span.start))
    throw new RangeError(`the span must end after it starts, got [${span.start}, ${span.end})`);
  const horizonDays = span.horizonDays ?? 40;
  const client = new MeteringDynamoClient();
  const store = (consistentRead: boolean) =>
    new DynamoRecentTelemetryStore({
      client: client.asClient(),
      tableName: 'bench-recent',
      clock: { now: () => client.at },
      horizonMs: horizonDays * DAY_MS,
      consistentRead,
    });
  const processor = store(true);
  const readers = store(false);
  const period = span.end - span.start;
  const plants = new Map<string, Set<string>>();
  let calls = 0;
  let readings = 0;
  let nextRun = span.start;

  /** A read of [from, to) at `at`, the part before the span read from the previous period (the end of the span). */
  const read = async (
    reader: Reader,
    at: number,
    from: number,
    to: number,
    go: (f: number, t: number) => Promise<unknown>,
  ) => {
    client.reader = reader;
    if (from < span.start) {
      client.at = Number.POSITIVE_INFINITY;
      await go(Math.max(from + period, span.start), Math.min(to, span.start) + period);
    }
    client.at = at;
    if (to > span.start) await go(Math.max(from, span.start), to);
  };
  const storeOf = (reader: Reader) => (CONSISTENT[reader] ? processor : readers);

  const scheduled = async (at: number) => {
    for (const [plantId, furnaceLines] of plants) {
      const s = storeOf('scheduler');
      for (const metric of METRIC_NAMES)
        await read('scheduler', at, at - READ_PLAN.sensorSpanMs, at + 1, (from, to) =>
          s.readReadings({ plantId, metric, from, to }),
        );
      const last = at - READ_PLAN.settleMs;
      const from = last - READ_PLAN.catchUpMs - READ_PLAN.combustionLookbackMs;
      for (const line of furnaceLines)
        await read('scheduler', at, from, last + 1, (f, t) =>
          s.readReadings({ plantId, metric: 'furnace_temperature', line, from: f, to: t }),
        );
      const q = storeOf('query API');
      if ((at - span.start) % READ_PLAN.seriesIntervalMs === 0)
        await read('query API', at, at - DAY_MS, at, (f, t) =>
          q.readReadings({ plantId, metric: READ_PLAN.seriesMetric, from: f, to: t }),
        );
      if ((at - span.start) % READ_PLAN.kpiIntervalMs === 0)
        await read('query API', at, at - READ_PLAN.kpiRawSpanMs, at, (f, t) =>
          q.readCounterReadings(plantId, f, t),
        );
      const slotEnd = at - READ_PLAN.rollupSettleMs;
      if ((slotEnd - span.start) % READ_PLAN.rollupSlotMs === 0)
        await read('KPI rollup', at, slotEnd - READ_PLAN.rollupSlotMs, slotEnd, (f, t) =>
          storeOf('KPI rollup').readCounterReadings(plantId, f, t),
        );
    }
  };

  return {
    /** One processor call: its write, the reads its alert step makes, then the scheduled runs now due. */
    async write(batch: readonly StoredReading[]): Promise<void> {
      if (batch.length === 0) return;
      const now = batch.reduce((n, r) => Math.max(n, r.ts), Number.NEGATIVE_INFINITY);
      while (nextRun <= now) {
        await scheduled(nextRun);
        nextRun += READ_PLAN.schedulerIntervalMs;
      }
      calls++;
      readings += batch.length;
      client.at = now;
      // LakeMetricsStore.writeReadings: the versions stored for the call's identities within the horizon (all of a live call).
      client.reader = 'processor write check';
      await processor.current(batch);
      await processor.writeReadings(batch);
      for (const [plantId, rows] of groupBy(batch, (r) => r.plantId)) {
        const lines = plants.get(plantId) ?? new Set<string>();
        plants.set(plantId, lines);
        const from = Math.min(...rows.map((r) => r.ts));
        const to = Math.max(...rows.map((r) => r.ts)) + 1;
        const furnace = new Set(rows.filter((r) => r.metric === 'furnace_temperature').map((r) => r.line));
        for (const line of furnace) {
          lines.add(line);
          // AlertEngine.afterBatch's combustion: only instants settled by now are judged, so live data reads nothing.
          const last = Math.min(to + READ_PLAN.combustionLookbackMs - 1, now - READ_PLAN.settleMs);
          if (from > last) continue;
          await read('processor after batch', now, from - READ_PLAN.combustionLookbackMs, last + 1, (f, t) =>
            processor.readReadings({ plantId, metric: 'furnace_temperature', line, from: f, to: t }),
          );
        }
      }
    },
    figures(): RecentTableFigures {
      const { items, gzipItems, itemBytes, largestItemBytes } = client;
      return {
        calls,
        readings,
        items,
        gzipItems,
        itemBytes,
        largestItemBytes,
        writeUnits: client.writeUnits,
        reads: client.reads(),
        horizonDays,
      };
    },
  };
}

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
