/**
 * The DuckDB store's recent readings of the series its pipeline reads (the
 * alert step's furnace temperatures after every batch), kept in memory so
 * those reads stop scanning the readings table (docs/performance.md, "Local
 * mode (#19)"). Reads of a series from a time it covers are answered here.
 *
 * Exact: one store instance makes every write to its file (DuckDB locks it)
 * and reports each committed change here at once, so a kept series is what
 * the table holds for ts in [coveredFrom, coveredTo). A series is loaded by
 * one read of a window from the asked time on (at least `windowMs`, so the
 * next batches' reads, a little later in data time, are answered too);
 * changes committed while that read runs are applied to its answer
 * afterwards (the highest version of a (line, ts) wins, so applying one the
 * answer already holds changes nothing).
 */

import type { SeriesQuery } from '../../domain/metrics-ports.ts';
import type { StoredReading } from '../../domain/ports.ts';
import { readingOfRow, storedDouble } from '../metrics-rows.ts';
import { firstAtOrAfter } from './time-ordered.ts';

export interface ReadingWindowLimits {
  /** A load reads at least this much data time from the asked start. @default 2 hours */
  readonly windowMs: number;
  /** Readings kept per series; past it the older half is dropped. @default 20,000 */
  readonly perSeries: number;
  /** Readings kept in all (least recently read series dropped first). @default 300,000 */
  readonly total: number;
}

const DEFAULT_LIMITS: ReadingWindowLimits = { windowMs: 2 * 60 * 60_000, perSeries: 20_000, total: 300_000 };

interface Series {
  /** Every stored reading of the series with ts in [coveredFrom, coveredTo) is in `rows`. */
  coveredFrom: number;
  readonly coveredTo: number;
  /** Latest version of each (line, ts), ordered by ts then line, as the table's reads order them. */
  rows: StoredReading[];
}

interface Loading {
  readonly key: string;
  readonly from: number;
  readonly to: number;
  readonly changes: StoredReading[];
}

export type ReadReadings = (query: SeriesQuery) => Promise<StoredReading[]>;

export class ReadingWindowCache {
  private readonly series = new Map<string, Series>();
  private readonly loading = new Set<Loading>();
  /** Series whose window held more than `perSeries` readings: read straight from the table. */
  private readonly dense = new Set<string>();
  private kept = 0;

  constructor(private readonly limits: ReadingWindowLimits = DEFAULT_LIMITS) {}

  /** What `read(query)` gives, from memory when the series is kept over [query.from, query.to). */
  async read(query: SeriesQuery, read: ReadReadings): Promise<StoredReading[]> {
    // Invalid bounds are the table's to refuse.
    if (!(Number.isSafeInteger(query.from) && Number.isSafeInteger(query.to) && query.to > query.from))
      return read(query);
    const key = seriesKey(query.plantId, query.metric);
    if (this.dense.has(key)) return read(query);
    let series = this.series.get(key);
    if (series && series.coveredFrom <= query.from && query.to <= series.coveredTo) {
      // Most recently read last, so the least recently read series is dropped first.
      this.series.delete(key);
      this.series.set(key, series);
    } else {
      series = await this.load(key, query, read);
    }
    const { rows } = series;
    const out: StoredReading[] = [];
    for (let i = firstAtOrAfter(rows, query.from); i < rows.length; i++) {
      const r = rows[i] as StoredReading;
      if (r.ts >= query.to) break;
      if (query.line === undefined || r.line === query.line) out.push(r);
    }
    return out;
  }

  /** A committed write stored `item` (new, or a higher version of its (line, ts)). */
  changed(item: StoredReading): void {
    const key = seriesKey(item.plantId, item.metric);
    const { ts } = item;
    const series = this.series.get(key);
    // Every written reading passes here: the stored form is built only for a series kept or loading.
    let stored: StoredReading | undefined;
    if (series && ts >= series.coveredFrom && ts < series.coveredTo) {
      stored = asStored(item);
      this.kept += upsert(series.rows, stored);
      if (series.rows.length > this.limits.perSeries) this.kept -= dropOlderHalf(series);
      this.bound();
    }
    for (const load of this.loading) {
      if (load.key !== key || ts < load.from || ts >= load.to) continue;
      stored ??= asStored(item);
      load.changes.push(stored);
    }
  }

  private async load(key: string, query: SeriesQuery, read: ReadReadings): Promise<Series> {
    const to = Math.max(query.to, query.from + this.limits.windowMs);
    const loading: Loading = { key, from: query.from, to, changes: [] };
    this.loading.add(loading);
    let rows: StoredReading[];
    try {
      rows = await read({ plantId: query.plantId, metric: query.metric, from: query.from, to });
    } finally {
      this.loading.delete(loading);
    }
    for (const change of loading.changes) upsert(rows, change);
    const series: Series = { coveredFrom: query.from, coveredTo: to, rows };
    const old = this.series.get(key);
    if (old) this.kept -= old.rows.length;
    this.series.delete(key);
    if (rows.length > this.limits.perSeries) {
      // Loading a window again for every read would read more than the reads ask: stop keeping it.
      if (this.dense.size >= 10_000) this.dense.clear();
      this.dense.add(key);
      return series;
    }
    this.series.set(key, series);
    this.kept += rows.length;
    this.bound();
    return series;
  }

  private bound(): void {
    for (const [key, oldest] of this.series) {
      if (this.kept <= this.limits.total) return;
      this.series.delete(key);
      this.kept -= oldest.rows.length;
    }
  }
}

const seriesKey = (plantId: string, metric: string) => `${plantId}\u0000${metric}`;

/** The reading as the table gives it back: the decoder of the row the write stored. */
function asStored(r: StoredReading): StoredReading {
  return readingOfRow({
    plant_id: r.plantId,
    line: r.line,
    metric: r.metric,
    ts: r.ts,
    value: storedDouble(r.value),
    unit: r.unit,
    quality: r.quality,
    version: r.version,
  });
}

/** Orders by ts, then line as DuckDB orders text (by code point, as UTF-8 bytes sort). */
function before(a: StoredReading, ts: number, line: string): boolean {
  return a.ts < ts || (a.ts === ts && textBefore(a.line, line));
}

/** JavaScript's `<` compares UTF-16 units, which puts code points past U+FFFF (surrogates) before U+E000-U+FFFF. */
export function textBefore(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xHigh = x >= 0xd800 && x <= 0xdfff;
    const yHigh = y >= 0xd800 && y <= 0xdfff;
    // A surrogate starts a code point above every unit that is not one.
    return xHigh === yHigh ? x < y : yHigh;
  }
  return a.length < b.length;
}

/** Puts `r` in its place, replacing a lower or equal version of its (line, ts); how many rows were added. */
function upsert(rows: StoredReading[], r: StoredReading): number {
  let lo = 0;
  let hi = rows.length;
  // Most writes are the newest readings: check the end first.
  if (hi > 0 && before(rows[hi - 1] as StoredReading, r.ts, r.line)) lo = hi;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(rows[mid] as StoredReading, r.ts, r.line)) lo = mid + 1;
    else hi = mid;
  }
  const at = rows[lo];
  if (at && at.ts === r.ts && at.line === r.line) {
    if (r.version >= at.version) rows[lo] = r;
    return 0;
  }
  rows.splice(lo, 0, r);
  return 1;
}

/** Drops the older half, whole instants only; how many rows were dropped. */
function dropOlderHalf(series: Series): number {
  const cutTs = (series.rows[series.rows.length >>> 1] as StoredReading).ts;
  const cut = firstAtOrAfter(series.rows, cutTs);
  series.rows.splice(0, cut);
  series.coveredFrom = cutTs;
  return cut;
}
