/**
 * Metrics reads over the lake and the recent telemetry store
 * (docs/recent-telemetry.md): what an operator waits on never waits on
 * Firehose's buffer or on Athena, and older reads still see late data the
 * lake does not show yet.
 *
 * The rule. Let `cut = now - horizonMs + safetyMarginMs`.
 * - A read whose whole span (the range plus any lookback or ticket-shift
 *   horizon it resolves over) starts at or after `cut` is answered by the
 *   recent store alone and never touches the lake. The recent store holds
 *   every version of every item with ts after `now - horizonMs` (its TTL
 *   runs from the end of the item's UTC day), so it is complete there.
 * - An older read is the union of the lake (asked only about ts before
 *   `cut`, where it is needed) and the recent store, resolved with the rule
 *   every lake reader applies (docs/lake.md): readings per (line, metric,
 *   ts) the highest version, then the smallest value, then the worst
 *   quality; tickets the highest version, then the smallest fingerprint.
 *
 * The assumption: the lake holds everything received more than Firehose's
 * delivery time ago (buffer interval plus delivery, minutes), and the recent
 * store everything received within `receiptRetentionMs` (24 h) whatever its
 * ts. So every version is in one or the other as long as the lake lags by
 * less than the retention; the lake's freshness alarm fires long before.
 * Records Firehose could not deliver (its error prefix) are in neither once
 * the retention passes: that alarm, too, fires first.
 *
 * `readLastBefore` over an older window cannot union two "last GOOD"
 * answers (a version only the recent store holds can turn the lake's last
 * GOOD reading BAD): it takes the recent answer where the recent store is
 * complete (ts after `cut`), and before `cut` the lake's own answer when
 * the recent store holds nothing of the metric there, or else the union of
 * the lake's readings of that part and the recent rows, resolved. The lake
 * reader's lookback must be at least this reader's (both default 7 days).
 */
import type { MetricName } from '../../domain/catalog.ts';
import type { MetricsStore, SeriesQuery, StoredMovement, StoredReading } from '../../domain/ports.ts';
import type { DynamoRecentTelemetryStore } from '../dynamo/dynamo-recent-telemetry-store.ts';
import { lastGoodPerLine, latestMovements, latestReadings } from '../latest-versions.ts';
import { RecentCut, type RecentCutProps } from './recent-cut.ts';

export { DEFAULT_SAFETY_MARGIN_MS } from './recent-cut.ts';

/** What the lake reader (Athena) answers; the tiered reader needs nothing else of it. */
export interface LakeReads extends Pick<MetricsStore, 'readReadings' | 'readLastBefore' | 'readMovements'> {
  /** Every reading of the KPI counters in [from, to), every quality, latest version of each. */
  readCounterReadings(plantId: string, from: number, to: number): Promise<StoredReading[]>;
}

/** What the tiered reader uses of the recent store. */
export type RecentReads = LakeReads &
  Pick<DynamoRecentTelemetryStore, 'readingRows' | 'movementRows' | 'horizonMs' | 'lookbackMs' | 'shiftMs'>;

export interface TieredMetricsReaderProps extends RecentCutProps {
  readonly recent: RecentReads;
  readonly lake: LakeReads;
}

export class TieredMetricsReader implements LakeReads {
  private readonly span: RecentCut;

  constructor(private readonly props: TieredMetricsReaderProps) {
    this.span = new RecentCut(props);
  }

  /** Epoch ms from which the recent store alone answers (see the rule above). */
  cut(): number {
    return this.span.cut();
  }

  async readReadings(query: SeriesQuery): Promise<StoredReading[]> {
    const { recent, lake } = this.props;
    const cut = this.cut();
    if (!(query.to > query.from)) return [];
    if (query.from >= cut) return recent.readReadings(query);
    const [old, fresh] = await Promise.all([
      lake.readReadings({ ...query, to: Math.min(query.to, cut) }),
      recent.readReadings(query),
    ]);
    return latestReadings([...old, ...fresh]);
  }

  async readLastBefore(plantId: string, metric: MetricName, before: number): Promise<StoredReading[]> {
    const { recent, lake } = this.props;
    const cut = this.cut();
    const from = before - recent.lookbackMs;
    if (from >= cut) return recent.readLastBefore(plantId, metric, before);
    const oldEnd = Math.min(before, cut);
    const rows = await recent.readingRows(plantId, metric, from, before);
    const recentOld = rows.filter((r) => r.ts < oldEnd);
    const old =
      recentOld.length === 0
        ? (await lake.readLastBefore(plantId, metric, oldEnd)).filter((r) => r.ts >= from)
        : lastGoodPerLine([
            ...(await lake.readReadings({ plantId, metric, from, to: oldEnd })),
            ...recentOld,
          ]);
    const last = new Map(old.map((r) => [r.line, r]));
    // Where the recent store is complete, its last GOOD reading is exact and later than anything before cut.
    for (const r of lastGoodPerLine(rows.filter((r) => r.ts >= oldEnd))) last.set(r.line, r);
    return [...last.values()].sort((a, b) => (a.line < b.line ? -1 : a.line > b.line ? 1 : 0));
  }

  async readMovements(plantId: string, from: number, to: number): Promise<StoredMovement[]> {
    const { recent, lake } = this.props;
    const cut = this.cut();
    if (!(to > from)) return [];
    const wideFrom = from - recent.shiftMs;
    const wideTo = to + recent.shiftMs;
    if (wideFrom >= cut) return recent.readMovements(plantId, from, to);
    // The lake's latest of each ticket before cut, and every recent version around the range.
    const [old, fresh] = await Promise.all([
      lake.readMovements(plantId, wideFrom, Math.min(wideTo, cut)),
      recent.movementRows(plantId, wideFrom, wideTo),
    ]);
    return latestMovements([...old, ...fresh]).filter((m) => m.ts >= from && m.ts < to);
  }

  async readCounterReadings(plantId: string, from: number, to: number): Promise<StoredReading[]> {
    const { recent, lake } = this.props;
    const cut = this.cut();
    if (!(to > from)) return [];
    if (from >= cut) return recent.readCounterReadings(plantId, from, to);
    const [old, fresh] = await Promise.all([
      lake.readCounterReadings(plantId, from, Math.min(to, cut)),
      recent.readCounterReadings(plantId, from, to),
    ]);
    const perMetric = new Map<MetricName, StoredReading[]>();
    for (const r of [...old, ...fresh]) {
      const list = perMetric.get(r.metric);
      if (list) list.push(r);
      else perMetric.set(r.metric, [r]);
    }
    return [...perMetric.values()].flatMap(latestReadings);
  }
}
