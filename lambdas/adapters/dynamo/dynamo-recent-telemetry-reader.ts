/**
 * The reads of the recent telemetry store (docs/recent-telemetry.md): its
 * table, its settings and `DynamoRecentTelemetryReader`, what the tiered
 * reader of every function on the lake needs. The processor's writes and
 * conflict lookup are dynamo-recent-telemetry-store.ts; a read-only function
 * bundles neither.
 *
 * Reads: one Query per series and range, by minute for readings (packs of a
 * call's rows, recent-telemetry-packs.ts), versions and duplicates resolved
 * as every lake reader does (docs/lake.md); strongly consistent only where
 * the caller reads its own writes (`consistentRead`). Each read carries its
 * caller's deadline (`CallOptions`): no Query page starts within 1 s of it.
 */
import {
  type CreateTableCommandInput,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import type { MetricName } from '../../domain/catalog.ts';
import { type CallOptions, timeLeft } from '../../domain/deadline.ts';
import { KPI_COUNTER_METRICS } from '../../domain/kpis.ts';
import type { SeriesQuery } from '../../domain/metrics-ports.ts';
import { type Clock, type StoredMovement, type StoredReading, UnavailableError } from '../../domain/ports.ts';
import { MAX_LAKE_TS } from '../lake/lake-rows.ts';
import { lastGoodPerLine, latestMovements, latestReadings } from '../latest-versions.ts';
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
  readingsKey,
  unpackMovements,
  unpackReadings,
  utcMinute,
} from './recent-telemetry-packs.ts';

export const RECENT_PK = 'pk';
export const RECENT_SK = 'sk';
export const RECENT_TTL_ATTRIBUTE = 'expiresAt';

export const DAY_MS = 86_400_000;
/** @see DynamoRecentTelemetryStoreProps.horizonMs */
export const DEFAULT_RECENT_HORIZON_MS = 40 * DAY_MS;
export const DEFAULT_RECEIPT_RETENTION_MS = DAY_MS;
export const DEFAULT_LOOKBACK_MS = 7 * DAY_MS;
/** Time kept before a call's deadline: no page starts within it, and a page running into it is cut off. */
const PAGE_MARGIN_MS = 1000;

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

/**
 * The reads of the recent store. DynamoRecentTelemetryStore adds the writes
 * and the conflict lookup, the processor's (docs/bundles.md).
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
  async readingRows(
    plantId: string,
    metric: MetricName,
    from: number,
    to: number,
    options?: CallOptions,
    line?: string,
  ): Promise<StoredReading[]> {
    if (!(to > from)) return [];
    const items = await this.query(readingsKey(plantId, metric), from, to, 'minute', options);
    return items
      .flatMap((text) => unpackReadings(plantId, metric, text))
      .filter((r) => r.ts >= from && r.ts < to && (line === undefined || r.line === line));
  }

  /** Every stored row of the plant's tickets with ts in [from, to) (all versions and copies). */
  async movementRows(
    plantId: string,
    from: number,
    to: number,
    options?: CallOptions,
  ): Promise<StoredMovement[]> {
    if (!(to > from)) return [];
    const items = await this.query(movementsKey(plantId), from, to, 'day', options);
    return items.flatMap((text) => unpackMovements(plantId, text)).filter((m) => m.ts >= from && m.ts < to);
  }

  /** Readings of one metric in [from, to), every quality, latest version only, in time order. */
  async readReadings(query: SeriesQuery, options?: CallOptions): Promise<StoredReading[]> {
    return latestReadings(
      await this.readingRows(query.plantId, query.metric, query.from, query.to, options, query.line),
    );
  }

  /** The last GOOD reading of each line strictly before `before`, within the lookback. */
  async readLastBefore(
    plantId: string,
    metric: MetricName,
    before: number,
    options?: CallOptions,
  ): Promise<StoredReading[]> {
    return lastGoodPerLine(
      await this.readingRows(plantId, metric, before - this.lookbackMs, before, options),
    );
  }

  /** Movements with ts in [from, to), latest version of each ticket among versions within the shift horizon. */
  async readMovements(
    plantId: string,
    from: number,
    to: number,
    options?: CallOptions,
  ): Promise<StoredMovement[]> {
    if (!(to > from)) return [];
    const rows = await this.movementRows(plantId, from - this.shiftMs, to + this.shiftMs, options);
    return latestMovements(rows).filter((m) => m.ts >= from && m.ts < to);
  }

  /** Every reading of the KPI counters in [from, to), every quality, latest version of each. */
  async readCounterReadings(
    plantId: string,
    from: number,
    to: number,
    options?: CallOptions,
  ): Promise<StoredReading[]> {
    const perMetric = await Promise.all(
      KPI_COUNTER_METRICS.map((metric) => this.readReadings({ plantId, metric, from, to }, options)),
    );
    return perMetric.flat();
  }

  /**
   * The bodies of the items of `pk` that may hold ts in [from, to): reading
   * packs by their UTC minute, ticket packs by their UTC day.
   */
  protected async query(
    pk: string,
    from: number,
    to: number,
    keys: 'minute' | 'day',
    options: CallOptions | undefined,
  ): Promise<string[]> {
    if (from > MAX_LAKE_TS) return [];
    const lo = Math.max(0, from);
    const hi = Math.min(to, MAX_LAKE_TS + 1) - 1;
    if (hi < lo) return [];
    const bounds = keys === 'minute' ? minuteBounds(utcMinute(lo), utcMinute(hi)) : dayBounds(lo, hi + 1);
    return this.pages(pk, bounds.lo, bounds.hi, this.props.consistentRead ?? true, options);
  }

  /** The bodies of the items of `pk` with `lo <= sk <= hi`, within `maxPages` and the call's deadline. */
  protected async pages(
    pk: string,
    lo: string,
    hi: string,
    consistentRead: boolean,
    options: CallOptions | undefined,
  ): Promise<string[]> {
    const bodies: string[] = [];
    const maxPages = this.props.maxPages ?? 2000;
    let startKey: Item | undefined;
    for (let page = 1; ; page++) {
      if (page > maxPages)
        throw new RangeError(`recent telemetry: a read of ${pk} took more than ${maxPages} pages`);
      const left = timeLeft(options, this.props.clock.now()) - PAGE_MARGIN_MS;
      if (left < 0)
        throw new UnavailableError(`recent telemetry: no time left to read ${pk} before the deadline`);
      // A page (with the SDK's retries) is cut off when only the margin is left, so the caller still answers.
      const abort = Number.isFinite(left)
        ? { abortSignal: AbortSignal.timeout(Math.max(1, left)) }
        : undefined;
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
          abort,
        ),
      ).catch((error: unknown) => {
        if (abort === undefined || timeLeft(options, this.props.clock.now()) > PAGE_MARGIN_MS) throw error;
        throw new UnavailableError(`recent telemetry: a read of ${pk} stopped at the deadline`, 5, {
          cause: error,
        });
      });
      for (const item of output.Items ?? [])
        bodies.push(
          bodyText({ ...(item.j?.S ? { j: item.j.S } : {}), ...(item.z?.B ? { z: item.z.B } : {}) }),
        );
      startKey = output.LastEvaluatedKey;
      if (startKey === undefined) return bodies;
    }
  }
}
