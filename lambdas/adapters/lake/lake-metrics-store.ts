/**
 * The metrics store of `-c metricsStore=lake` (docs/recent-telemetry.md):
 * writes go to the lake through Firehose first and then, for the items the
 * lake writer did not refuse, to the recent telemetry store; reads are
 * tiered (tiered-metrics-reader.ts), so alert evaluation and the latest
 * values never wait on the lake's freshness.
 *
 * Order matters: an item is in the recent store only once Firehose accepted
 * it, so the recent store never shows what the lake will not get. If the
 * recent write fails, the call throws and SQS redelivers the chunk: the
 * lake receives an exact copy (readers collapse it) and the recent store
 * rewrites the same items. `readKpiCounterSlots` is attached by the
 * composition root (it needs the KPI rollup); this store offers the raw
 * `readCounterReadings` it is built on.
 */
import type { MetricName } from '../../domain/catalog.ts';
import type {
  MetricsStore,
  SeriesQuery,
  StoredMovement,
  StoredReading,
  WriteResult,
} from '../../domain/ports.ts';
import type { DynamoRecentTelemetryStore } from '../dynamo/dynamo-recent-telemetry-store.ts';
import { type LakeReads, type RecentReads, TieredMetricsReader } from './tiered-metrics-reader.ts';

export interface LakeMetricsStoreProps {
  /** The lake writer (FirehoseMetricsWriter): refusals come back in `rejected`, holding the input objects. */
  readonly writer: Pick<MetricsStore, 'writeReadings' | 'writeMovements'>;
  readonly recent: RecentReads & Pick<DynamoRecentTelemetryStore, 'writeReadings' | 'writeMovements'>;
  /** The lake reader (Athena). */
  readonly lake: LakeReads;
  readonly clock: { now(): number };
  /** @default recent.horizonMs */
  readonly horizonMs?: number;
  /** @default 1 hour */
  readonly safetyMarginMs?: number;
}

export class LakeMetricsStore
  implements
    LakeReads,
    Pick<
      MetricsStore,
      'writeReadings' | 'writeMovements' | 'readReadings' | 'readLastBefore' | 'readMovements'
    >
{
  readonly reader: TieredMetricsReader;

  constructor(private readonly props: LakeMetricsStoreProps) {
    this.reader = new TieredMetricsReader({
      recent: props.recent,
      lake: props.lake,
      clock: props.clock,
      ...(props.horizonMs === undefined ? {} : { horizonMs: props.horizonMs }),
      ...(props.safetyMarginMs === undefined ? {} : { safetyMarginMs: props.safetyMarginMs }),
    });
  }

  async writeReadings(readings: readonly StoredReading[]): Promise<WriteResult<StoredReading>> {
    const result = await this.props.writer.writeReadings(readings);
    const accepted = acceptedOf(readings, result);
    if (accepted.length > 0) await this.props.recent.writeReadings(accepted);
    return result;
  }

  async writeMovements(movements: readonly StoredMovement[]): Promise<WriteResult<StoredMovement>> {
    const result = await this.props.writer.writeMovements(movements);
    const accepted = acceptedOf(movements, result);
    if (accepted.length > 0) await this.props.recent.writeMovements(accepted);
    return result;
  }

  readReadings(query: SeriesQuery): Promise<StoredReading[]> {
    return this.reader.readReadings(query);
  }

  readLastBefore(plantId: string, metric: MetricName, before: number): Promise<StoredReading[]> {
    return this.reader.readLastBefore(plantId, metric, before);
  }

  readMovements(plantId: string, from: number, to: number): Promise<StoredMovement[]> {
    return this.reader.readMovements(plantId, from, to);
  }

  readCounterReadings(plantId: string, from: number, to: number): Promise<StoredReading[]> {
    return this.reader.readCounterReadings(plantId, from, to);
  }
}

/** The items the writer did not refuse (it returns the input objects it refused). */
function acceptedOf<T>(items: readonly T[], result: WriteResult<T>): T[] {
  const refused = new Set(result.rejected.map((r) => r.item));
  return items.filter((item) => !refused.has(item));
}
