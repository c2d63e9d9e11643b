/**
 * The recent telemetry store (docs/recent-telemetry.md): with the lake as
 * metrics store, the processor also writes every item the lake writer
 * accepted here, so what operators wait on (alert evaluation, the latest
 * values) never waits on Firehose's buffer or Athena. Its reads, table and
 * settings are dynamo-recent-telemetry-reader.ts.
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
 * jitter, at most `maxAttempts` times and never within 1 s of the deadline
 * the write carries, then `UnavailableError` (SQS redelivers the chunk;
 * identical packs rewrite the same items). `current` answers the lake
 * store's conflict check from the minutes a call touches.
 */
import { BatchWriteItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { MetricName } from '../../domain/catalog.ts';
import type { CallOptions } from '../../domain/deadline.ts';
import { readingFingerprint, readingKey } from '../../domain/identity.ts';
import type { StoredMovement, StoredReading } from '../../domain/ports.ts';
import { checkMovement, checkReading } from '../lake/lake-rows.ts';
import { latestReadings } from '../latest-versions.ts';
import { mapLimited } from '../map-limited.ts';
import type { Item } from './attribute-values.ts';
import {
  DAY_MS,
  DynamoRecentTelemetryReader,
  RECENT_PK,
  RECENT_SK,
  RECENT_TTL_ATTRIBUTE,
  type StoredVersion,
} from './dynamo-recent-telemetry-reader.ts';
import {
  minuteBounds,
  type Pack,
  packMovements,
  packReadings,
  readingsKey,
  unpackReadings,
  utcMinute,
} from './recent-telemetry-packs.ts';
import { unprocessedRounds } from './unprocessed-rounds.ts';

export {
  createRecentTelemetryTable,
  DEFAULT_LOOKBACK_MS,
  DEFAULT_RECEIPT_RETENTION_MS,
  DEFAULT_RECENT_HORIZON_MS,
  DynamoRecentTelemetryReader,
  type DynamoRecentTelemetryStoreProps,
  RECENT_PK,
  RECENT_SK,
  RECENT_TTL_ATTRIBUTE,
  recentTelemetryTableDefinition,
  type StoredVersion,
} from './dynamo-recent-telemetry-reader.ts';

const MINUTE_MS = 60_000;
const BATCH_ITEMS = 25;

/** The recent store of the processor: the reads, the writes of what the lake accepted, and `current`. */
export class DynamoRecentTelemetryStore extends DynamoRecentTelemetryReader {
  /** Stores the readings (accepted by the lake writer, so valid); idempotent: the same call rewrites the same items. */
  async writeReadings(readings: readonly StoredReading[], options?: CallOptions): Promise<void> {
    await this.write(packReadings(valid(readings, checkReading), this.maxPackBytes), options);
  }

  async writeMovements(movements: readonly StoredMovement[], options?: CallOptions): Promise<void> {
    await this.write(packMovements(valid(movements, checkMovement), this.maxPackBytes), options);
  }

  /** The TTL of a pack of `day` written at `now`, epoch seconds. */
  expiresAt(day: string, now: number): number {
    const dayEnd = Date.parse(`${day}T00:00:00Z`) + DAY_MS;
    return Math.ceil(Math.max(dayEnd + this.horizonMs, now + this.receiptRetentionMs) / 1000);
  }

  private async write(packs: readonly Pack[], options: CallOptions | undefined): Promise<void> {
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
    await mapLimited(batches, this.props.concurrency ?? 4, (batch) => this.writeBatch(batch, options));
  }

  /** One batch until DynamoDB has processed every item, within the attempts and the deadline. */
  private async writeBatch(batch: readonly WriteRequest[], options: CallOptions | undefined): Promise<void> {
    const { tableName, client, maxAttempts, baseDelayMs, maxDelayMs, sleep, random, clock } = this.props;
    await unprocessedRounds(
      'write recent telemetry',
      {
        ...options,
        now: () => clock.now(),
        ...(maxAttempts === undefined ? {} : { maxRounds: maxAttempts }),
        ...(baseDelayMs === undefined ? {} : { baseDelayMs }),
        ...(maxDelayMs === undefined ? {} : { maxDelayMs }),
        ...(sleep === undefined ? {} : { sleep }),
        ...(random === undefined ? {} : { random }),
      },
      batch,
      async (pending) => {
        const output = await client.send(
          new BatchWriteItemCommand({ RequestItems: { [tableName]: [...pending] } }),
        );
        return output.UnprocessedItems?.[tableName] ?? [];
      },
      (left, attempts) =>
        `recent telemetry: ${left} items still unprocessed (throttled) after ${attempts} attempts`,
    );
  }

  /**
   * For the lake store's conflict check: per identity of `readings`, the
   * highest stored version and the fingerprint of the content readers keep
   * at it (absent when nothing is stored). Reads only the (plant, metric)
   * partitions and UTC minutes touched, one strongly consistent Query per
   * run of minutes no more than RUN_GAP_MINUTES apart (a sparse backfill
   * costs a few Queries a series, not one a reading).
   */
  async current(
    readings: readonly StoredReading[],
    options?: CallOptions,
  ): Promise<Map<string, StoredVersion>> {
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
      const bodies = await this.pages(lookup.pk, lo, hi, true, options);
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
