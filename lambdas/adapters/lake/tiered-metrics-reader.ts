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
import type { CallOptions } from '../../domain/deadline.ts';
import type { GoodHour, MetricsStore, SeriesQuery } from '../../domain/metrics-ports.ts';
import type { StoredMovement, StoredReading } from '../../domain/ports.ts';
import type { DynamoRecentTelemetryStore } from '../dynamo/dynamo-recent-telemetry-store.ts';
import { lastGoodPerLine, latestMovements, latestReadings } from '../latest-versions.ts';
import { RecentCut, type RecentCutProps } from './recent-cut.ts';

export { DEFAULT_SAFETY_MARGIN_MS } from './recent-cut.ts';

/** What the lake reader (Athena) answers; the tiered reader needs nothing else of it. */
export interface LakeReads
  extends Pick<MetricsStore, 'readReadings' | 'readLastBefore' | 'readMovements' | 'readGoodHours'> {
  /** Every reading of the KPI counters in [from, to), every quality, latest version of each. */
  readCounterReadings(
    plantId: string,
    from: number,
    to: number,
    options?: CallOptions,
  ): Promise<StoredReading[]>;
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
  /** Present when the lake answers it (the Athena reader does): report coverage without a raw scan. */
  readonly readGoodHours?: (
    plantId: string,
    metrics: readonly MetricName[],
    from: number,
    to: number,
    options?: CallOptions,
  ) => Promise<GoodHour[]>;

  constructor(private readonly props: TieredMetricsReaderProps) {
    this.span = new RecentCut(props);
    const lakeHours = props.lake.readGoodHours?.bind(props.lake);
    if (lakeHours)
      this.readGoodHours = (p, m, from, to, options) => goodHoursOf(this, lakeHours, p, m, from, to, options);
  }

  /** The two stores, for the coverage aggregate below. */
  get stores(): { readonly recent: RecentReads; readonly lake: LakeReads } {
    return this.props;
  }

  /** Epoch ms from which the recent store alone answers (see the rule above). */
  cut(): number {
    return this.span.cut();
  }

  async readReadings(query: SeriesQuery, options?: CallOptions): Promise<StoredReading[]> {
    const { recent, lake } = this.props;
    const cut = this.cut();
    if (!(query.to > query.from)) return [];
    if (query.from >= cut) return recent.readReadings(query, options);
    const [old, fresh] = await Promise.all([
      lake.readReadings({ ...query, to: Math.min(query.to, cut) }, options),
      recent.readReadings(query, options),
    ]);
    return latestReadings([...old, ...fresh]);
  }

  async readLastBefore(
    plantId: string,
    metric: MetricName,
    before: number,
    options?: CallOptions,
  ): Promise<StoredReading[]> {
    const { recent, lake } = this.props;
    const cut = this.cut();
    const from = before - recent.lookbackMs;
    if (from >= cut) return recent.readLastBefore(plantId, metric, before, options);
    const oldEnd = Math.min(before, cut);
    const rows = await recent.readingRows(plantId, metric, from, before, options);
    const recentOld = rows.filter((r) => r.ts < oldEnd);
    const old =
      recentOld.length === 0
        ? (await lake.readLastBefore(plantId, metric, oldEnd, options)).filter((r) => r.ts >= from)
        : lastGoodPerLine([
            ...(await lake.readReadings({ plantId, metric, from, to: oldEnd }, options)),
            ...recentOld,
          ]);
    const last = new Map(old.map((r) => [r.line, r]));
    // Where the recent store is complete, its last GOOD reading is exact and later than anything before cut.
    for (const r of lastGoodPerLine(rows.filter((r) => r.ts >= oldEnd))) last.set(r.line, r);
    return [...last.values()].sort((a, b) => (a.line < b.line ? -1 : a.line > b.line ? 1 : 0));
  }

  async readMovements(
    plantId: string,
    from: number,
    to: number,
    options?: CallOptions,
  ): Promise<StoredMovement[]> {
    const { recent, lake } = this.props;
    const cut = this.cut();
    if (!(to > from)) return [];
    const wideFrom = from - recent.shiftMs;
    const wideTo = to + recent.shiftMs;
    if (wideFrom >= cut) return recent.readMovements(plantId, from, to, options);
    // The lake's latest of each ticket before cut, and every recent version around the range.
    const [old, fresh] = await Promise.all([
      lake.readMovements(plantId, wideFrom, Math.min(wideTo, cut), options),
      recent.movementRows(plantId, wideFrom, wideTo, options),
    ]);
    return latestMovements([...old, ...fresh]).filter((m) => m.ts >= from && m.ts < to);
  }

  async readCounterReadings(
    plantId: string,
    from: number,
    to: number,
    options?: CallOptions,
  ): Promise<StoredReading[]> {
    const { recent, lake } = this.props;
    const cut = this.cut();
    if (!(to > from)) return [];
    if (from >= cut) return recent.readCounterReadings(plantId, from, to, options);
    const [old, fresh] = await Promise.all([
      lake.readCounterReadings(plantId, from, Math.min(to, cut), options),
      recent.readCounterReadings(plantId, from, to, options),
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

const HOUR_MS = 3_600_000;
const hourOf = (ts: number) => Math.floor(ts / HOUR_MS) * HOUR_MS;
/** Runs of consecutive hours, so each costs one lake read; past four runs, one run over them all. */
const MAX_HOUR_RUNS = 4;

function hourRuns(hours: readonly number[]): Array<{ from: number; to: number }> {
  const sorted = [...new Set(hours)].sort((a, b) => a - b);
  const runs: Array<{ from: number; to: number }> = [];
  for (const hour of sorted) {
    const last = runs.at(-1);
    if (last && last.to === hour) last.to = hour + HOUR_MS;
    else runs.push({ from: hour, to: hour + HOUR_MS });
  }
  const first = runs[0];
  const end = runs.at(-1);
  return runs.length > MAX_HOUR_RUNS && first && end ? [{ from: first.from, to: end.to }] : runs;
}

/**
 * The hours with a GOOD reading of each series, by the rule above: after
 * `cut` from the recent store's readings; before it from the lake's
 * aggregate, except the hours in which the recent store holds rows (versions
 * the lake may not show yet), which are decided again from both stores'
 * readings of those hours, resolved.
 */
async function goodHoursOf(
  tiered: TieredMetricsReader,
  lakeHours: NonNullable<LakeReads['readGoodHours']>,
  plantId: string,
  metrics: readonly MetricName[],
  from: number,
  to: number,
  options: CallOptions | undefined,
): Promise<GoodHour[]> {
  const { recent, lake } = tiered.stores;
  if (!(to > from) || metrics.length === 0) return [];
  const cut = tiered.cut();
  const found = new Map<string, GoodHour>();
  const add = (metric: MetricName, readings: readonly StoredReading[]) => {
    for (const r of readings)
      if (r.quality === 'GOOD') {
        const hour = hourOf(r.ts);
        found.set(`${metric}\u0000${r.line}\u0000${hour}`, { metric, line: r.line, hour });
      }
  };
  const freshFrom = Math.max(from, cut);
  if (to > freshFrom)
    for (const metric of metrics)
      add(metric, await recent.readReadings({ plantId, metric, from: freshFrom, to }, options));
  if (from >= cut) return [...found.values()];
  const oldTo = Math.min(to, cut);
  const redo = new Map<MetricName, Array<{ from: number; to: number }>>();
  for (const metric of metrics) {
    const rows = await recent.readingRows(plantId, metric, from, oldTo, options);
    if (rows.length === 0) continue;
    const runs = hourRuns(rows.map((r) => hourOf(r.ts)));
    redo.set(metric, runs);
    for (const run of runs) {
      const lo = Math.max(run.from, from);
      const hi = Math.min(run.to, oldTo);
      const own = rows.filter((r) => r.ts >= lo && r.ts < hi);
      add(
        metric,
        latestReadings([
          ...(await lake.readReadings({ plantId, metric, from: lo, to: hi }, options)),
          ...own,
        ]),
      );
    }
  }
  for (const h of await lakeHours(plantId, metrics, from, oldTo, options))
    if (!(redo.get(h.metric) ?? []).some((run) => h.hour >= run.from && h.hour < run.to))
      found.set(`${h.metric}\u0000${h.line}\u0000${h.hour}`, h);
  return [...found.values()];
}
