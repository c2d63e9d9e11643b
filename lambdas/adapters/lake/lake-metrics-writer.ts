/**
 * The write path of `-c metricsStore=lake` (docs/recent-telemetry.md):
 * writes go to the lake through Firehose first and then, for the items the
 * lake writer did not refuse, to the recent telemetry store. The processor
 * holds this alone; LakeMetricsStore adds the tiered reads.
 *
 * Order matters: an item is in the recent store only once Firehose accepted
 * it, so the recent store never shows what the lake will not get. If the
 * recent write fails, the call throws and SQS redelivers the chunk: the
 * lake receives an exact copy (readers collapse it) and the recent store
 * rewrites the same items.
 *
 * Firehose cannot refuse a write, so readings are judged here first, with
 * DuckDB's rules (../write-rules.ts) against what the recent store holds
 * (`current`): an identical rewrite or a superseded version is counted
 * stored and not sent again, a different content at the stored version is
 * refused as a conflict in DuckDB's words. Readings older than the recent
 * store's complete span (recent-cut.ts) cannot be checked and are sent;
 * readers resolve them (docs/lake.md). Tickets need no check here: the
 * ticket ledger refuses their conflicts before any metrics store.
 */
import type { CallOptions } from '../../domain/deadline.ts';
import { readingFingerprint, readingKey } from '../../domain/identity.ts';
import type { MetricsStore, WriteResult } from '../../domain/metrics-ports.ts';
import type { StoredMovement, StoredReading, StoreRejection } from '../../domain/ports.ts';
import type { DynamoRecentTelemetryStore, StoredVersion } from '../dynamo/dynamo-recent-telemetry-store.ts';
import { conflictReason, pendingContents } from '../write-rules.ts';
import { checkReading, FUTURE_TOLERANCE_MS } from './lake-rows.ts';
import { RecentCut, type RecentCutProps } from './recent-cut.ts';

/** How DuckDB and Timestream name a reading's identity in a conflict. */
const READING_IDENTITY = 'time, dimensions, measure name';

export interface LakeMetricsWriterProps extends Omit<RecentCutProps, 'recent'> {
  /** The lake writer (FirehoseMetricsWriter): refusals come back in `rejected`, holding the input objects. */
  readonly writer: Pick<MetricsStore, 'writeReadings' | 'writeMovements'>;
  readonly recent: Pick<
    DynamoRecentTelemetryStore,
    'writeReadings' | 'writeMovements' | 'current' | 'horizonMs'
  >;
  /** How far ahead of the clock a timestamp may be; the writer's value. @default 15 minutes */
  readonly futureToleranceMs?: number;
  /**
   * Bulk loads of history (`wte migrate-to-lake`): items older than the
   * reader's cut go to the lake only. Readers ask the lake for them, and
   * nothing waits on them within Firehose's minutes of delivery, so the
   * recent table's writes would only cost. The processor keeps the default:
   * everything it received in the last day is in the table. @default false
   */
  readonly recentOnlyWithinHorizon?: boolean;
}

export class LakeMetricsWriter implements Pick<MetricsStore, 'writeReadings' | 'writeMovements'> {
  private readonly span: RecentCut;

  constructor(private readonly props: LakeMetricsWriterProps) {
    this.span = new RecentCut(props);
  }

  /**
   * DuckDB's write, item for item: the readings the writer would refuse
   * (invalid, out of window) go to it and come back refused in its words;
   * the others apply per identity, lowest version first, then in
   * fingerprint order, against what the recent store holds. Only the
   * content that ends up current for an identity is sent, once.
   */
  async writeReadings(
    readings: readonly StoredReading[],
    options?: CallOptions,
  ): Promise<WriteResult<StoredReading>> {
    const now = this.props.clock.now();
    const latest = now + (this.props.futureToleranceMs ?? FUTURE_TOLERANCE_MS);
    const refused = readings.map((r) => r.ts > latest || checkReading(r) !== undefined);
    const rejections: Array<StoreRejection<StoredReading> | undefined> = refused.map((out, index) =>
      out
        ? { item: readings[index] as StoredReading, kind: 'invalid', reason: 'refused by the writer' }
        : undefined,
    );
    const versions = pendingContents<StoredReading>(readings, rejections, {
      key: readingKey,
      fingerprint: readingFingerprint,
    });
    const cut = this.span.cut();
    const checkable = versions.filter((v) => v.item.ts >= cut).map((v) => v.item);
    const current: Map<string, StoredVersion> =
      checkable.length > 0 ? await this.props.recent.current(checkable, options) : new Map();

    const changed = new Map<string, { item: StoredReading; copies: readonly number[] }>();
    let stored = 0;
    for (const { key, item, fingerprint, copies } of versions) {
      const before = current.get(key);
      if (before === undefined || item.version > before.version) {
        current.set(key, { version: item.version, fingerprint });
        changed.set(key, { item, copies });
        stored += copies.length;
      } else if (item.version < before.version || fingerprint === before.fingerprint) {
        // An identical rewrite, or a version a higher one already superseded: stored, nothing to send.
        stored += copies.length;
      } else {
        const reason = conflictReason(READING_IDENTITY, before.version);
        for (const index of copies)
          rejections[index] = { item: readings[index] as StoredReading, kind: 'conflict', reason };
      }
    }

    const toSend = [...changed.values()].map((c) => c.item);
    const outOfWriter = readings.filter((_, index) => refused[index]);
    if (toSend.length + outOfWriter.length === 0) return result(stored, rejections);
    const written = await this.props.writer.writeReadings([...toSend, ...outOfWriter], options);
    const writerRefused = new Map(written.rejected.map((r) => [r.item, r]));
    for (const [index, out] of refused.entries()) {
      const item = readings[index] as StoredReading;
      if (out) rejections[index] = writerRefused.get(item);
      // At a later instant the writer's window only widens: it sends what we thought out of it.
      if (out && !writerRefused.has(item)) stored++;
    }
    for (const { item, copies } of changed.values()) {
      const refusal = writerRefused.get(item);
      if (refusal === undefined) continue;
      stored -= copies.length;
      for (const index of copies) rejections[index] = { ...refusal, item: readings[index] as StoredReading };
    }
    const accepted = this.forRecent([...toSend, ...outOfWriter].filter((item) => !writerRefused.has(item)));
    if (accepted.length > 0) await this.props.recent.writeReadings(accepted, options);
    return result(stored, rejections);
  }

  async writeMovements(
    movements: readonly StoredMovement[],
    options?: CallOptions,
  ): Promise<WriteResult<StoredMovement>> {
    const result = await this.props.writer.writeMovements(movements, options);
    const accepted = this.forRecent(acceptedOf(movements, result));
    if (accepted.length > 0) await this.props.recent.writeMovements(accepted, options);
    return result;
  }

  private forRecent<T extends { readonly ts: number }>(items: T[]): T[] {
    if (this.props.recentOnlyWithinHorizon !== true) return items;
    const cut = this.span.cut();
    return items.filter((item) => item.ts >= cut);
  }
}

function result<T>(stored: number, rejections: ReadonlyArray<StoreRejection<T> | undefined>): WriteResult<T> {
  return { stored, rejected: rejections.filter((r): r is StoreRejection<T> => r !== undefined) };
}

/** The items the writer did not refuse (it returns the input objects it refused). */
function acceptedOf<T>(items: readonly T[], result: WriteResult<T>): T[] {
  const refused = new Set(result.rejected.map((r) => r.item));
  return items.filter((item) => !refused.has(item));
}
