/**
 * The recent telemetry store (docs/recent-telemetry.md): with the lake as
 * metrics store, the processor also writes every item the lake writer
 * accepted here, so what operators wait on (alert evaluation, the latest
 * values) never waits on Firehose's buffer or Athena. Items are packs of a
 * call's rows (recent-telemetry-packs.ts); reads resolve versions and
 * duplicates as every lake reader does (docs/lake.md), with the Timestream
 * reader's exported rules.
 *
 * What is kept (the TTL `expiresAt`, epoch seconds): an item lives until the
 * later of the end of its UTC day plus `horizonMs` and its write plus
 * `receiptRetentionMs`. So every item whose ts is within the horizon is
 * here, and so is everything received within the retention, whatever its
 * ts (late data the lake may not show yet). Expired items DynamoDB has not
 * deleted yet are still read: they are true rows, and readers resolve them.
 *
 * Writes: BatchWriteItem, 25 items a call, `concurrency` calls in flight;
 * unprocessed items are resent with capped exponential backoff and full
 * jitter, at most `maxAttempts` times and never past the deadline, then
 * `UnavailableError` (SQS redelivers the chunk; identical packs rewrite the
 * same items). Reads: one Query per series and range, by minute for
 * readings; strongly consistent only where the caller reads its own writes
 * (`consistentRead`: the processor). `current` answers the lake store's
 * conflict check from the minutes a call touches.
 */
import {
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type CreateTableCommandInput,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandOutput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { MetricName } from '../../domain/catalog.ts';
import { readingFingerprint, readingKey } from '../../domain/identity.ts';
import { KPI_COUNTER_METRICS } from '../../domain/kpis.ts';
import type { SeriesQuery } from '../../domain/metrics-ports.ts';
import { type Clock, type StoredMovement, type StoredReading, UnavailableError } from '../../domain/ports.ts';
import { checkMovement, checkReading, MAX_LAKE_TS } from '../lake/lake-rows.ts';
import { lastGoodPerLine, latestMovements, latestReadings } from '../latest-versions.ts';
import { mapLimited } from '../map-limited.ts';
import { positiveOption } from '../options.ts';
import type { Item } from './attribute-values.ts';
import { checkTableName, createTableAndWait } from './create-table.ts';
import { dynamoCall } from './dynamo-errors.ts';
import {
  bodyText,
  DEFAULT_MAX_PACK_BYTES,
  dayBounds,
  minuteBounds,
  movementsKey,
  type Pack,
  packMovements,
  packReadings,
  readingsKey,
  unpackMovements,
  unpackReadings,
  utcMinute,
} from './recent-telemetry-packs.ts';

export const RECENT_PK = 'pk';
export const RECENT_SK = 'sk';
export const RECENT_TTL_ATTRIBUTE = 'expiresAt';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** @see DynamoRecentTelemetryStoreProps.horizonMs */
export const DEFAULT_RECENT_HORIZON_MS = 40 * DAY_MS;
export const DEFAULT_RECEIPT_RETENTION_MS = DAY_MS;
export const DEFAULT_LOOKBACK_MS = 7 * DAY_MS;
const BATCH_ITEMS = 25;

/** The table's shape, for the CDK construct, local tools and tests alike. */
export function recentTelemetryTableDefinition(tableName: string): CreateTableCommandInput {
  checkTableName(tableName);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: RECENT_PK, AttributeType: 'S' },
      { AttributeName: RECENT_SK, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: RECENT_PK, KeyType: 'HASH' },
      { AttributeName: RECENT_SK, KeyType: 'RANGE' },
    ],
  };
}

/** Creates the table (tests and local tools; CDK creates it on AWS) and waits until it is ACTIVE. */
export function createRecentTelemetryTable(client: DynamoDBClient, tableName: string): Promise<void> {
  return createTableAndWait(client, { ...recentTelemetryTableDefinition(tableName), TableName: tableName });
}

export interface DynamoRecentTelemetryStoreProps {
  /** Created once at module scope by the composition root. */
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly clock: Clock;
  /**
   * Items with ts in the last this-much stay (TTL from the end of their UTC
   * day). Readers that answer from this store alone must use the same value
   * (tiered-metrics-reader.ts). @default 40 days
   */
  readonly horizonMs?: number;
  /** Everything received in the last this-much stays, whatever its ts. @default 24 hours */
  readonly receiptRetentionMs?: number;
  /** readLastBefore ignores readings older than `before` minus this. @default 7 days */
  readonly lastBeforeLookbackMs?: number;
  /** readMovements sees ticket corrections that moved the ts by at most this. @default 7 days */
  readonly ticketShiftHorizonMs?: number;
  /** JSON bytes per item before a pack splits. @default 350 KiB */
  readonly maxPackBytes?: number;
  /** BatchWriteItem calls in flight. @default 4 */
  readonly concurrency?: number;
  /** Attempts per batch, the first included, while items come back unprocessed. @default 8 */
  readonly maxAttempts?: number;
  /** @default 50 */
  readonly baseDelayMs?: number;
  /** @default 2000 */
  readonly maxDelayMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), for backoff jitter. @default Math.random */
  readonly random?: () => number;
  /** Milliseconds left before the caller's deadline: no backoff sleep or Query page past it minus 1 s. */
  readonly remainingMs?: () => number;
  /**
   * Strongly consistent queries: needed where a read follows the write in
   * the same invocation (the processor's alert step). Functions that read
   * data written minutes before (the scheduler, the query API) may pass
   * false and pay half. @default true
   */
  readonly consistentRead?: boolean;
  /** Items per Query page (tests; DynamoDB pages at 1 MB anyway). */
  readonly pageSize?: number;
  /** Pages one read may take before it fails. @default 2000 (2 GB) */
  readonly maxPages?: number;
  /** Queries in flight for one `current` lookup. @default 16 */
  readonly readConcurrency?: number;
}

/** What `current` reports of one identity: the version readers would take and its content. */
export interface StoredVersion {
  readonly version: number;
  /** `readingFingerprint` (identity.ts) of the content readers keep at that version. */
  readonly fingerprint: string;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The reads of the recent store: what the tiered reader of every function on
 * the lake needs. DynamoRecentTelemetryStore adds the writes and the conflict
 * lookup, the processor's; a read-only function builds this and bundles
 * neither (docs/bundles.md).
 */
export class DynamoRecentTelemetryReader {
  readonly horizonMs: number;
  readonly receiptRetentionMs: number;
  readonly lookbackMs: number;
  readonly shiftMs: number;
  protected readonly maxPackBytes: number;

  constructor(protected readonly props: DynamoRecentTelemetryStoreProps) {
    checkTableName(props.tableName);
    this.horizonMs = positiveOption('horizonMs', props.horizonMs, DEFAULT_RECENT_HORIZON_MS);
    this.receiptRetentionMs = positiveOption(
      'receiptRetentionMs',
      props.receiptRetentionMs,
      DEFAULT_RECEIPT_RETENTION_MS,
    );
    this.lookbackMs = positiveOption('lastBeforeLookbackMs', props.lastBeforeLookbackMs, DEFAULT_LOOKBACK_MS);
    this.shiftMs = positiveOption('ticketShiftHorizonMs', props.ticketShiftHorizonMs, DEFAULT_LOOKBACK_MS);
    this.maxPackBytes = positiveOption('maxPackBytes', props.maxPackBytes, DEFAULT_MAX_PACK_BYTES, true);
    for (const name of ['concurrency', 'maxAttempts', 'pageSize', 'maxPages', 'readConcurrency'] as const)
      positiveOption(name, props[name], 1, true);
  }

  /** Every stored row of `metric` with ts in [from, to) (all versions and copies; optionally one line). */
  async readingRows(plantId: string, metric: MetricName, from: number, to: number, line?: string) {
    if (!(to > from)) return [];
    const items = await this.query(readingsKey(plantId, metric), from, to, 'minute');
    return items
      .flatMap((text) => unpackReadings(plantId, metric, text))
      .filter((r) => r.ts >= from && r.ts < to && (line === undefined || r.line === line));
  }

  /** Every stored row of the plant's tickets with ts in [from, to) (all versions and copies). */
  async movementRows(plantId: string, from: number, to: number): Promise<StoredMovement[]> {
    if (!(to > from)) return [];
    const items = await this.query(movementsKey(plantId), from, to, 'day');
    return items.flatMap((text) => unpackMovements(plantId, text)).filter((m) => m.ts >= from && m.ts < to);
  }

  /** Readings of one metric in [from, to), every quality, latest version only, in time order. */
  async readReadings(query: SeriesQuery): Promise<StoredReading[]> {
    return latestReadings(
      await this.readingRows(query.plantId, query.metric, query.from, query.to, query.line),
    );
  }

  /** The last GOOD reading of each line strictly before `before`, within the lookback. */
  async readLastBefore(plantId: string, metric: MetricName, before: number): Promise<StoredReading[]> {
    return lastGoodPerLine(await this.readingRows(plantId, metric, before - this.lookbackMs, before));
  }

  /** Movements with ts in [from, to), latest version of each ticket among versions within the shift horizon. */
  async readMovements(plantId: string, from: number, to: number): Promise<StoredMovement[]> {
    if (!(to > from)) return [];
    const rows = await this.movementRows(plantId, from - this.shiftMs, to + this.shiftMs);
    return latestMovements(rows).filter((m) => m.ts >= from && m.ts < to);
  }

  /** Every reading of the KPI counters in [from, to), every quality, latest version of each. */
  async readCounterReadings(plantId: string, from: number, to: number): Promise<StoredReading[]> {
    const perMetric = await Promise.all(
      KPI_COUNTER_METRICS.map((metric) => this.readReadings({ plantId, metric, from, to })),
    );
    return perMetric.flat();
  }

  /**
   * The bodies of the items of `pk` that may hold ts in [from, to): reading
   * packs by their UTC minute, ticket packs by their UTC day.
   */
  protected async query(pk: string, from: number, to: number, keys: 'minute' | 'day'): Promise<string[]> {
    if (from > MAX_LAKE_TS) return [];
    const lo = Math.max(0, from);
    const hi = Math.min(to, MAX_LAKE_TS + 1) - 1;
    if (hi < lo) return [];
    const bounds = keys === 'minute' ? minuteBounds(utcMinute(lo), utcMinute(hi)) : dayBounds(lo, hi + 1);
    return this.pages(pk, bounds.lo, bounds.hi, this.props.consistentRead ?? true);
  }

  /** The bodies of the items of `pk` with `lo <= sk <= hi`, within `maxPages` and the deadline. */
  protected async pages(pk: string, lo: string, hi: string, consistentRead: boolean): Promise<string[]> {
    const bodies: string[] = [];
    const maxPages = this.props.maxPages ?? 2000;
    let startKey: Item | undefined;
    for (let page = 1; ; page++) {
      if (page > maxPages)
        throw new RangeError(`recent telemetry: a read of ${pk} took more than ${maxPages} pages`);
      if ((this.props.remainingMs?.() ?? Number.POSITIVE_INFINITY) < 1000)
        throw new UnavailableError(`recent telemetry: no time left to read ${pk} before the deadline`);
      const output: QueryCommandOutput = await dynamoCall('read recent telemetry', () =>
        this.props.client.send(
          new QueryCommand({
            TableName: this.props.tableName,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
            ExpressionAttributeNames: { '#pk': RECENT_PK, '#sk': RECENT_SK, '#j': 'j', '#z': 'z' },
            ExpressionAttributeValues: { ':pk': { S: pk }, ':lo': { S: lo }, ':hi': { S: hi } },
            ProjectionExpression: '#j, #z',
            ConsistentRead: consistentRead,
            ...(this.props.pageSize ? { Limit: this.props.pageSize } : {}),
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      for (const item of output.Items ?? [])
        bodies.push(
          bodyText({ ...(item.j?.S ? { j: item.j.S } : {}), ...(item.z?.B ? { z: item.z.B } : {}) }),
        );
      startKey = output.LastEvaluatedKey;
      if (startKey === undefined) return bodies;
    }
  }
}

/** The recent store of the processor: the reads, the writes of what the lake accepted, and `current`. */
export class DynamoRecentTelemetryStore extends DynamoRecentTelemetryReader {
  /** Stores the readings (accepted by the lake writer, so valid); idempotent: the same call rewrites the same items. */
  async writeReadings(readings: readonly StoredReading[]): Promise<void> {
    await this.write(packReadings(valid(readings, checkReading), this.maxPackBytes));
  }

  async writeMovements(movements: readonly StoredMovement[]): Promise<void> {
    await this.write(packMovements(valid(movements, checkMovement), this.maxPackBytes));
  }

  /** The TTL of a pack of `day` written at `now`, epoch seconds. */
  expiresAt(day: string, now: number): number {
    const dayEnd = Date.parse(`${day}T00:00:00Z`) + DAY_MS;
    return Math.ceil(Math.max(dayEnd + this.horizonMs, now + this.receiptRetentionMs) / 1000);
  }

  private async write(packs: readonly Pack[]): Promise<void> {
    const now = this.props.clock.now();
    // Identical packs of one call have one key: BatchWriteItem refuses a key twice in a call.
    const requests = new Map<string, WriteRequest>();
    for (const p of packs) {
      const item: Item = {
        [RECENT_PK]: { S: p.pk },
        [RECENT_SK]: { S: p.sk },
        [RECENT_TTL_ATTRIBUTE]: { N: String(this.expiresAt(p.day, now)) },
        ...('j' in p.body ? { j: { S: p.body.j } } : { z: { B: p.body.z } }),
      };
      requests.set(`${p.pk}\u0000${p.sk}`, { PutRequest: { Item: item } });
    }
    const all = [...requests.values()];
    const batches: WriteRequest[][] = [];
    for (let i = 0; i < all.length; i += BATCH_ITEMS) batches.push(all.slice(i, i + BATCH_ITEMS));
    await mapLimited(batches, this.props.concurrency ?? 4, (batch) => this.writeBatch(batch));
  }

  /** One batch until DynamoDB has processed every item, within the attempts and the deadline. */
  private async writeBatch(batch: readonly WriteRequest[]): Promise<void> {
    const { tableName } = this.props;
    const maxAttempts = this.props.maxAttempts ?? 8;
    let pending = [...batch];
    for (let attempt = 1; ; attempt++) {
      const output: BatchWriteItemCommandOutput = await dynamoCall('write recent telemetry', () =>
        this.props.client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } })),
      );
      const left = output.UnprocessedItems?.[tableName] ?? [];
      if (left.length === 0) return;
      pending = left;
      const ceiling = Math.min(
        this.props.maxDelayMs ?? 2000,
        (this.props.baseDelayMs ?? 50) * 2 ** (attempt - 1),
      );
      const delay = Math.floor((this.props.random ?? Math.random)() * ceiling);
      const remaining = this.props.remainingMs?.() ?? Number.POSITIVE_INFINITY;
      if (attempt >= maxAttempts || remaining - delay < 1000)
        throw new UnavailableError(
          `recent telemetry: ${left.length} items still unprocessed (throttled) after ${attempt} attempts`,
        );
      await (this.props.sleep ?? sleepFor)(delay);
    }
  }

  /**
   * For the lake store's conflict check: per identity of `readings`, the
   * highest stored version and the fingerprint of the content readers keep
   * at it (absent when nothing is stored). Reads only the (plant, metric)
   * partitions and UTC minutes touched, one strongly consistent Query per
   * run of minutes no more than RUN_GAP_MINUTES apart (a sparse backfill
   * costs a few Queries a series, not one a reading).
   */
  async current(readings: readonly StoredReading[]): Promise<Map<string, StoredVersion>> {
    const wanted = new Set<string>();
    const series = new Map<string, { plantId: string; metric: MetricName; minutes: Set<number> }>();
    for (const r of valid(readings, checkReading)) {
      wanted.add(readingKey(r));
      const pk = readingsKey(r.plantId, r.metric);
      const entry = series.get(pk) ?? { plantId: r.plantId, metric: r.metric, minutes: new Set<number>() };
      entry.minutes.add(Math.floor(r.ts / MINUTE_MS));
      series.set(pk, entry);
    }
    const lookups = [...series.entries()].flatMap(([pk, { plantId, metric, minutes }]) =>
      minuteRuns([...minutes]).map(([first, last]) => ({ pk, plantId, metric, first, last })),
    );
    const found = await mapLimited(lookups, this.props.readConcurrency ?? 16, async (lookup) => {
      const { lo, hi } = minuteBounds(
        utcMinute(lookup.first * MINUTE_MS),
        utcMinute(lookup.last * MINUTE_MS),
      );
      const bodies = await this.pages(lookup.pk, lo, hi, true);
      const rows = bodies.flatMap((text) => unpackReadings(lookup.plantId, lookup.metric, text));
      // One partition, disjoint minutes per lookup: resolving per lookup is resolving per identity.
      return latestReadings(rows.filter((r) => wanted.has(readingKey(r))));
    });
    const current = new Map<string, StoredVersion>();
    for (const r of found.flat())
      current.set(readingKey(r), { version: r.version, fingerprint: readingFingerprint(r) });
    return current;
  }
}

/** Minutes this close share one lookup: reading a few empty or unrelated minutes costs less than a Query. */
const RUN_GAP_MINUTES = 30;

/** Runs of `values` no more than RUN_GAP_MINUTES apart, as [first, last] pairs in order. */
function minuteRuns(values: readonly number[]): Array<[number, number]> {
  const sorted = [...values].sort((a, b) => a - b);
  const runs: Array<[number, number]> = [];
  for (const value of sorted) {
    const run = runs.at(-1);
    if (run && value <= run[1] + RUN_GAP_MINUTES) run[1] = value;
    else runs.push([value, value]);
  }
  return runs;
}

/** The items as the lake accepted them; anything else is a caller bug, not data to store. */
function valid<T>(items: readonly T[], check: (item: T) => { reason: string } | undefined): readonly T[] {
  for (const item of items) {
    const refusal = check(item);
    if (refusal) throw new RangeError(`recent telemetry: not a storable item (${refusal.reason})`);
  }
  return items;
}
