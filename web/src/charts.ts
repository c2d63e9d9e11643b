/**
 * Time charts on uPlot: plant-local time axis, an optional dashed threshold
 * line (target, minimum temperature) drawn across the plot and kept inside
 * the y range, a y scale one outlier cannot flatten (scale.ts: values far
 * from the rest are drawn on the axis edge, marked and counted in the
 * caption), and what was drawn exposed as data attributes on the figure
 * (`data-points`: x values; `data-values`: non-null values per series;
 * `data-threshold`; `data-off-scale`: values clipped; `data-y-min` and
 * `data-y-max`: the axis drawn; `data-latest`: each series' latest value as
 * its legend shows it; `data-partial`, `data-no-data`: days so marked;
 * `data-gaps`: breaks drawn) for tests and for anyone inspecting the page.
 * Legends show each series' latest value until the cursor picks another.
 */
import uPlot from 'uplot';
import type { DayMark } from './gaps.ts';
import { axisRange, clip, offScaleNote, type RobustScale, robustScale } from './scale.ts';

export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  readonly values: ReadonlyArray<number | null>;
  readonly dash?: number[];
  /** Draw a marker at every point (daily charts have few). */
  readonly points?: boolean;
}

export interface ChartSpec {
  /** Epoch seconds. */
  readonly x: readonly number[];
  readonly series: readonly ChartSeries[];
  readonly timeZone: string;
  /** Epoch seconds shown on the x axis. */
  readonly xRange: readonly [number, number];
  /** Daily buckets: ticks on whole days only. */
  readonly daily?: boolean;
  readonly yLabel: string;
  readonly yRange?: readonly [number, number];
  /** The narrowest y span (scale.ts `axisRange`). */
  readonly minSpan?: number;
  /** Start the y axis at zero. */
  readonly zeroBased?: boolean;
  /** Days shaded as partial or labelled "no data" (daily charts). */
  readonly marks?: readonly DayMark[];
  /** Breaks already inserted into the series (gaps.ts `breakGaps`), for `data-gaps`. */
  readonly gaps?: number;
  /**
   * Scale y on robust statistics, clipping far outliers (default true). Off
   * where no single value can be absurd and zeros are common (daily tonnes:
   * sums of tickets of at most 100 t, zero on days without deliveries).
   */
  readonly robust?: boolean;
  readonly threshold?: { readonly value: number; readonly label: string; readonly color: string };
  readonly format: (value: number) => string;
  /** Shown after the caption. */
  readonly note?: string;
}

const HEIGHT = 230;
const OFF_SCALE_COLOR = '#b42318';
const PARTIAL_FILL = 'rgba(180, 83, 9, 0.09)';
const MARK_TEXT = '#7a4a12';
const DAY_S = 86_400;
const DAY_INCREMENTS = [1, 2, 3, 7, 14, 30, 60, 90, 180, 365].map((days) => days * DAY_S);

/** Plant-local tick labels: `21 Nov` on midnight, `06:00` within a day (both with `full`). */
function tickLabel(timeZone: string, full = false): (seconds: number) => string {
  const day = new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short' });
  const time = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  return (seconds) => {
    const clock = time.format(seconds * 1000);
    if (full)
      return clock === '00:00' ? day.format(seconds * 1000) : `${day.format(seconds * 1000)} ${clock}`;
    return clock === '00:00' ? day.format(seconds * 1000) : clock;
  };
}

export class Chart {
  private plot: uPlot | undefined;
  private readonly plotArea: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly note: HTMLElement;
  private readonly resize: ResizeObserver;

  constructor(private readonly figure: HTMLElement) {
    this.plotArea = figure.querySelector<HTMLElement>('.plot') ?? figure;
    this.empty = document.createElement('p');
    this.empty.className = 'empty';
    this.empty.textContent = 'No data in this range';
    this.empty.hidden = true;
    this.plotArea.after(this.empty);
    this.note = document.createElement('small');
    figure.querySelector('figcaption')?.append(' ', this.note);
    this.resize = new ResizeObserver(() => {
      this.plot?.setSize({ width: this.width(), height: HEIGHT });
    });
    this.resize.observe(this.plotArea);
  }

  render(spec: ChartSpec): void {
    this.plot?.destroy();
    const counts = Object.fromEntries(
      spec.series.map((s) => [s.label, s.values.filter((v) => v !== null && Number.isFinite(v)).length]),
    );
    this.figure.dataset.points = String(spec.x.length);
    this.figure.dataset.values = JSON.stringify(counts);
    if (spec.threshold) this.figure.dataset.threshold = String(spec.threshold.value);
    else delete this.figure.dataset.threshold;
    this.figure.dataset.state = 'ready';
    this.empty.hidden = spec.x.length > 0;
    // A fixed range (diversion, 0 to 100 %) needs no robust scale.
    const scale =
      spec.yRange || spec.robust === false ? undefined : robustScale(spec.series.flatMap((s) => s.values));
    const offScale = scale ? offScaleNote(scale, spec.format) : '';
    this.figure.dataset.offScale = String(scale ? scale.above + scale.below : 0);
    this.note.textContent = [spec.note, offScale].filter(Boolean).join(' · ');
    const marks = spec.marks ?? [];
    this.figure.dataset.partial = String(marks.filter((m) => m.state === 'partial').length);
    this.figure.dataset.noData = String(marks.filter((m) => m.state === 'none').length);
    this.figure.dataset.gaps = String(spec.gaps ?? 0);
    const latest = spec.series.map((s) => latestOf(s.values));
    this.figure.dataset.latest = JSON.stringify(
      Object.fromEntries(spec.series.map((s, i) => [s.label, latestText(latest[i], spec.format)])),
    );
    const lastX = spec.x.findLastIndex((_, i) => latest.some((l) => l?.index === i));
    const xLabel = tickLabel(spec.timeZone, true);

    const threshold = spec.threshold;
    const options: uPlot.Options = {
      width: this.width(),
      height: HEIGHT,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), spec.timeZone),
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true, range: () => [spec.xRange[0], spec.xRange[1]] },
        y: {
          range: (_u, min, max) => {
            if (spec.yRange) return [spec.yRange[0], spec.yRange[1]];
            const axis = { threshold: threshold?.value, minSpan: spec.minSpan, zeroBased: spec.zeroBased };
            return scale ? axisRange(scale.lo, scale.hi, axis) : axisRange(min, max, axis);
          },
        },
      },
      axes: [
        {
          stroke: '#5b6570',
          grid: { stroke: '#eef1f4' },
          ...(spec.daily ? { incrs: DAY_INCREMENTS } : {}),
          values: (_u, ticks) => ticks.map(tickLabel(spec.timeZone)),
        },
        {
          label: spec.yLabel,
          stroke: '#5b6570',
          grid: { stroke: '#eef1f4' },
          size: 60,
          values: (_u, ticks) => ticks.map((t) => spec.format(t)),
        },
      ],
      series: [
        {
          // Without a cursor the legend names the latest point's time, the one its values are from.
          value: (_u, v, _series, index) => {
            const at = index === null ? spec.x[lastX] : v;
            return at === undefined || at === null ? '–' : `${index === null ? 'latest ' : ''}${xLabel(at)}`;
          },
        },
        ...spec.series.map(
          (s, seriesIndex): uPlot.Series => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            ...(s.dash ? { dash: s.dash } : {}),
            spanGaps: false,
            points: s.points ? { show: true, size: 7, fill: s.color } : { show: false },
            // The legend shows the value as measured, not where it is drawn.
            value: (_u, _v, _series, index) => {
              if (index === null) return latestText(latest[seriesIndex], spec.format);
              const measured = s.values[index] ?? null;
              return measured === null ? 'no data' : spec.format(measured);
            },
          }),
        ),
      ],
      hooks: {
        setScale: [
          (u, key) => {
            if (key !== 'y') return;
            this.figure.dataset.yMin = String(u.scales.y?.min);
            this.figure.dataset.yMax = String(u.scales.y?.max);
          },
        ],
      },
      plugins: [
        ...(marks.length > 0 ? [dayMarksPlugin(marks)] : []),
        ...(threshold ? [thresholdLine(threshold)] : []),
        ...(scale && offScale ? [offScaleMarks(spec.series, scale)] : []),
      ],
    };
    const drawn = spec.series.map((s) => (scale ? s.values.map((v) => clip(v, scale)) : s.values));
    const data = [spec.x, ...drawn] as unknown as uPlot.AlignedData;
    this.plot = new uPlot(options, data, this.plotArea);
  }

  private width(): number {
    return Math.max(280, Math.floor(this.plotArea.clientWidth));
  }
}

function latestOf(values: ReadonlyArray<number | null>): { value: number; index: number } | undefined {
  for (let i = values.length - 1; i >= 0; i--) {
    const value = values[i];
    if (value !== null && value !== undefined && Number.isFinite(value)) return { value, index: i };
  }
  return undefined;
}

function latestText(latest: { value: number } | undefined, format: (v: number) => string): string {
  return latest === undefined ? 'no data' : format(latest.value);
}

/** Partial days shaded with "partial" on top; days without data labelled "no data" (their points are gaps). */
function dayMarksPlugin(marks: readonly DayMark[]): uPlot.Plugin {
  return {
    hooks: {
      drawAxes: [
        (u) => {
          const ratio = window.devicePixelRatio || 1;
          const ctx = u.ctx;
          const { top, height } = u.bbox;
          ctx.save();
          ctx.font = `${10 * ratio}px system-ui, sans-serif`;
          ctx.textAlign = 'center';
          for (const mark of marks) {
            if (mark.state === 'full') continue;
            // Daily points sit on their day's start: the band is the half day either side of it.
            const half = (mark.end - mark.start) / 2000;
            const x0 = u.valToPos(mark.start / 1000 - half, 'x', true);
            const x1 = u.valToPos(mark.start / 1000 + half, 'x', true);
            const mid = (x0 + x1) / 2;
            if (mark.state === 'partial') {
              ctx.fillStyle = PARTIAL_FILL;
              ctx.fillRect(x0, top, x1 - x0, height);
            }
            ctx.fillStyle = MARK_TEXT;
            ctx.fillText(mark.state === 'partial' ? 'partial' : 'no data', mid, top + 12 * ratio);
          }
          ctx.restore();
        },
      ],
    },
  };
}

/** A red triangle on the axis edge, pointing outwards, at every value drawn there instead of where it lies. */
function offScaleMarks(series: readonly ChartSeries[], scale: RobustScale): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u) => {
          const ratio = window.devicePixelRatio || 1;
          const size = 5 * ratio;
          const ctx = u.ctx;
          ctx.save();
          ctx.fillStyle = OFF_SCALE_COLOR;
          for (const s of series) {
            s.values.forEach((v, i) => {
              if (v === null || !Number.isFinite(v) || clip(v, scale) === v) return;
              const x = u.valToPos(u.data[0][i] as number, 'x', true);
              const up = v > scale.hi;
              const y = u.valToPos(up ? scale.hi : scale.lo, 'y', true);
              const tip = up ? y - 2 * size : y + 2 * size;
              ctx.beginPath();
              ctx.moveTo(x - size, y);
              ctx.lineTo(x + size, y);
              ctx.lineTo(x, tip);
              ctx.closePath();
              ctx.fill();
            });
          }
          ctx.restore();
        },
      ],
    },
  };
}

function thresholdLine(threshold: NonNullable<ChartSpec['threshold']>): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u) => {
          const y = u.valToPos(threshold.value, 'y', true);
          const { left, top, width, height } = u.bbox;
          if (!(y >= top && y <= top + height)) return;
          const ratio = window.devicePixelRatio || 1;
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = threshold.color;
          ctx.fillStyle = threshold.color;
          ctx.lineWidth = 1.5 * ratio;
          ctx.setLineDash([6 * ratio, 4 * ratio]);
          ctx.beginPath();
          ctx.moveTo(left, y);
          ctx.lineTo(left + width, y);
          ctx.stroke();
          ctx.font = `${11 * ratio}px system-ui, sans-serif`;
          ctx.textAlign = 'right';
          ctx.fillText(threshold.label, left + width - 4 * ratio, y - 4 * ratio);
          ctx.restore();
        },
      ],
    },
  };
}
