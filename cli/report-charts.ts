/**
 * The annual report's monthly charts as inline SVG (no script, no external
 * asset, so the document prints and archives as one file). Axes start at
 * zero and rates run 0-100 %, so a small change never looks like a collapse;
 * a month without any recorded tonnage or energy is labelled "no data", not
 * drawn as zero, and months not yet begun are left empty.
 */
import type { ReportMonth } from './report-schema.ts';

const WIDTH = 680;
const HEIGHT = 230;
const LEFT = 56;
const RIGHT = 12;
const TOP = 14;
const BOTTOM = 40;
const PLOT_W = WIDTH - LEFT - RIGHT;
const PLOT_H = HEIGHT - TOP - BOTTOM;
const MONTH_LETTERS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  readonly value: (month: ReportMonth) => number | null;
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** The smallest 1, 2, 2.5 or 5 times a power of ten at or above `value` (at least 1). */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

const format = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** Whether a month recorded any tonnage or energy: one that did not is "no data", never zero. */
export function hasData(month: ReportMonth): boolean {
  return (
    month.received_t !== 0 ||
    month.fed_t !== 0 ||
    month.electricity_exported_mwh !== 0 ||
    month.heat_exported_mwh !== 0
  );
}

function frame(id: string, title: string, yMax: number, yLabel: (v: number) => string, body: string): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const y = TOP + PLOT_H * (1 - f);
      return (
        `<line class="grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y}" y2="${y}"/>` +
        `<text class="tick" x="${LEFT - 6}" y="${y + 4}" text-anchor="end">${escapeHtml(yLabel(yMax * f))}</text>`
      );
    })
    .join('');
  const months = MONTH_LETTERS.map(
    (m, i) =>
      `<text class="tick" x="${LEFT + (i + 0.5) * (PLOT_W / 12)}" y="${HEIGHT - BOTTOM + 16}" text-anchor="middle">${m}</text>`,
  ).join('');
  return (
    `<svg class="chart" data-chart="${id}" role="img" aria-labelledby="${id}-title" viewBox="0 0 ${WIDTH} ${HEIGHT}" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="${id}-title">${escapeHtml(title)}</title>${ticks}${months}${body}` +
    `<line class="axis" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${TOP + PLOT_H}" y2="${TOP + PLOT_H}"/></svg>`
  );
}

function legend(series: readonly ChartSeries[], extra = ''): string {
  const items = series
    .map((s) => `<span><i style="background:${s.color}"></i>${escapeHtml(s.label)}</span>`)
    .join('');
  return `<p class="legend">${items}${extra}</p>`;
}

/** Marks for months with no data and the current, unfinished month. */
function monthNotes(months: readonly ReportMonth[], begun: (i: number) => boolean): string {
  const slot = PLOT_W / 12;
  return months
    .map((m, i) => {
      const x = LEFT + (i + 0.5) * slot;
      if (!begun(i)) return '';
      if (!hasData(m))
        return `<text class="nodata" x="${x}" y="${TOP + PLOT_H - 6}" text-anchor="middle">no data</text>`;
      if (!m.complete)
        return `<text class="partial" x="${x}" y="${HEIGHT - BOTTOM + 30}" text-anchor="middle">so far</text>`;
      return '';
    })
    .join('');
}

/** Grouped monthly bars, zero-based; `until` (ISO) leaves months after it empty. */
export function barChart(
  id: string,
  title: string,
  unit: string,
  months: readonly ReportMonth[],
  series: readonly ChartSeries[],
  until: string,
): string {
  const begun = (i: number) => (months[i]?.start ?? '') < until;
  const values = months.flatMap((m, i) => (begun(i) && hasData(m) ? series.map((s) => s.value(m) ?? 0) : []));
  const yMax = niceCeiling(Math.max(0, ...values));
  const slot = PLOT_W / 12;
  const barW = (slot * 0.8) / series.length;
  const bars = months
    .map((m, i) => {
      if (!begun(i) || !hasData(m)) return '';
      return series
        .map((s, j) => {
          const v = Math.max(0, s.value(m) ?? 0);
          const h = (v / yMax) * PLOT_H;
          const x = LEFT + i * slot + slot * 0.1 + j * barW;
          return `<rect class="bar" x="${x.toFixed(1)}" y="${(TOP + PLOT_H - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"><title>${escapeHtml(`${MONTH_LETTERS[i]}: ${s.label} ${format.format(v)} ${unit}`)}</title></rect>`;
        })
        .join('');
    })
    .join('');
  const body = bars + monthNotes(months, begun);
  return (
    frame(id, title, yMax, (v) => format.format(v), body) +
    legend(series, ` <span>${escapeHtml(unit)}</span>`)
  );
}

/** Monthly rates on a fixed 0-100 % axis, gaps where a month has no rate, and dashed target lines. */
export function rateChart(
  id: string,
  title: string,
  months: readonly ReportMonth[],
  series: readonly ChartSeries[],
  targets: ReadonlyArray<{ readonly label: string; readonly rate: number; readonly color: string }>,
  until: string,
): string {
  const slot = PLOT_W / 12;
  const begun = (i: number) => (months[i]?.start ?? '') < until;
  const y = (rate: number) => TOP + PLOT_H * (1 - Math.min(Math.max(rate, 0), 1));
  const lines = series
    .map((s) => {
      let path = '';
      let pen = false;
      const dots: string[] = [];
      months.forEach((m, i) => {
        const v = begun(i) ? s.value(m) : null;
        if (v === null) {
          pen = false;
          return;
        }
        const x = LEFT + (i + 0.5) * slot;
        path += `${pen ? 'L' : 'M'}${x.toFixed(1)} ${y(v).toFixed(1)} `;
        pen = true;
        dots.push(
          `<circle class="point" cx="${x.toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${s.color}"><title>${escapeHtml(`${MONTH_LETTERS[i]}: ${s.label} ${(v * 100).toFixed(1)} %`)}</title></circle>`,
        );
      });
      return `<path class="line" d="${path.trim()}" stroke="${s.color}" fill="none"/>${dots.join('')}`;
    })
    .join('');
  const byRate = new Map<number, { label: string; rate: number; color: string }>();
  for (const t of targets) {
    const same = byRate.get(t.rate);
    byRate.set(t.rate, same ? { ...same, label: `${same.label}; ${t.label}`, color: '#555' } : t);
  }
  const targetLines = [...byRate.values()]
    .map(
      (t) =>
        `<line class="target" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(t.rate)}" y2="${y(t.rate)}" stroke="${t.color}"/>` +
        `<text class="tick" x="${WIDTH - RIGHT - 4}" y="${y(t.rate) - 4}" text-anchor="end">${escapeHtml(t.label)}</text>`,
    )
    .join('');
  const body = targetLines + lines + monthNotes(months, begun);
  return (
    frame(id, title, 1, (v) => `${Math.round(v * 100)} %`, body) +
    legend(series, targets.length > 0 ? ' <span>dashed: target</span>' : '')
  );
}
