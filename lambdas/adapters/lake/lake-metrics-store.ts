/**
 * The metrics store of `-c metricsStore=lake` (docs/recent-telemetry.md):
 * the lake's write path (lake-metrics-writer.ts) and tiered reads
 * (tiered-metrics-reader.ts), so alert evaluation and the latest values
 * never wait on the lake's freshness. Tests, the bench and `wte
 * migrate-to-lake` use the pair; the processor holds the writer alone and
 * the readers the tiered reader alone.
 *
 * `readKpiCounterSlots` is attached by the composition root (it needs the
 * KPI rollup); this store offers the raw `readCounterReadings` it is built on.
 */
import type { MetricName } from '../../domain/catalog.ts';
import type { CallOptions } from '../../domain/deadline.ts';
import type { MetricsStore, SeriesQuery } from '../../domain/metrics-ports.ts';
import type { StoredMovement, StoredReading } from '../../domain/ports.ts';
import type { DynamoRecentTelemetryStore } from '../dynamo/dynamo-recent-telemetry-store.ts';
import { LakeMetricsWriter, type LakeMetricsWriterProps } from './lake-metrics-writer.ts';
import { type LakeReads, type RecentReads, TieredMetricsReader } from './tiered-metrics-reader.ts';

export interface LakeMetricsStoreProps extends LakeMetricsWriterProps {
  readonly recent: RecentReads &
    Pick<DynamoRecentTelemetryStore, 'writeReadings' | 'writeMovements' | 'current'>;
  /** The lake reader (Athena). */
  readonly lake: LakeReads;
}

export class LakeMetricsStore
  extends LakeMetricsWriter
  implements
    LakeReads,
    Pick<
      MetricsStore,
      'writeReadings' | 'writeMovements' | 'readReadings' | 'readLastBefore' | 'readMovements'
    >
{
  readonly reader: TieredMetricsReader;

  constructor(props: LakeMetricsStoreProps) {
    super(props);
    this.reader = new TieredMetricsReader(props);
  }

  readReadings(query: SeriesQuery, options?: CallOptions): Promise<StoredReading[]> {
    return this.reader.readReadings(query, options);
  }

  readLastBefore(
    plantId: string,
    metric: MetricName,
    before: number,
    options?: CallOptions,
  ): Promise<StoredReading[]> {
    return this.reader.readLastBefore(plantId, metric, before, options);
  }

  readMovements(plantId: string, from: number, to: number, options?: CallOptions): Promise<StoredMovement[]> {
    return this.reader.readMovements(plantId, from, to, options);
  }

  readCounterReadings(
    plantId: string,
    from: number,
    to: number,
    options?: CallOptions,
  ): Promise<StoredReading[]> {
    return this.reader.readCounterReadings(plantId, from, to, options);
  }
}
