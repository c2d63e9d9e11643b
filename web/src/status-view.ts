/**
 * The fleet at a glance and the selected plant's year: every plant with its
 * open alerts and data freshness (last data time, "stale" past its
 * threshold), and year-to-date diversion and recycling against the
 * plant's targets, each target's source on hover and as a footnote.
 */
import type { KpiPoint, KpiTarget, Plant } from './api.ts';
import type { Freshness } from './attention.ts';
import { percent } from './kpi-view.ts';

const MINUTE_MS = 60_000;

/** "4 min", "3 h 05 min", "2 d 4 h". */
export function ageText(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / MINUTE_MS));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function freshnessText(freshness: Freshness | undefined, now: number, timeZone: string): string {
  if (freshness === undefined) return 'freshness unknown';
  if (freshness.lastDataAt === null) return 'no data in the last 8 days';
  const when = new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' });
  const base = `last data ${when.format(freshness.lastDataAt)} (${ageText(now - freshness.lastDataAt)} ago)`;
  return freshness.stale ? `${base}, stale: over ${freshness.staleAfterMinutes} min` : base;
}

export function renderFleet(
  list: HTMLElement,
  plants: readonly Plant[],
  openCounts: ReadonlyMap<string, number>,
  freshness: ReadonlyMap<string, Freshness>,
  selected: string,
  now: number,
  choose: (plantId: string) => void,
): void {
  list.replaceChildren(
    ...plants.map((plant) => {
      const item = document.createElement('li');
      item.dataset.plantId = plant.plantId;
      const fresh = freshness.get(plant.plantId);
      item.dataset.stale = String(fresh?.stale ?? false);
      item.dataset.open = String(openCounts.get(plant.plantId) ?? 0);
      if (plant.plantId === selected) item.setAttribute('aria-current', 'true');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'pick';
      button.textContent = plant.name === plant.plantId ? plant.plantId : `${plant.name} (${plant.plantId})`;
      button.addEventListener('click', () => choose(plant.plantId));
      const open = document.createElement('span');
      open.className = 'open';
      const count = openCounts.get(plant.plantId) ?? 0;
      open.textContent = count > 0 ? `${count} open alert${count === 1 ? '' : 's'}` : 'no open alerts';
      const data = document.createElement('span');
      data.className = 'freshness';
      data.textContent = freshnessText(fresh, now, plant.timeZone);
      item.append(button, open, data);
      return item;
    }),
  );
}

const KPI_NAMES: Readonly<Record<KpiTarget['kpi'], string>> = {
  diversion_rate: 'Landfill diversion',
  recycling_rate: 'Recycling',
};

/** Year-to-date rates as meters from 0 to 100 %, the target marked, its source as a numbered footnote. */
export function renderYearToDate(
  panel: HTMLElement,
  title: HTMLElement,
  year: number,
  point: KpiPoint | undefined,
  targets: readonly KpiTarget[],
): void {
  title.textContent = `Year to date, ${year}`;
  const rows = panel.querySelector('.ytd-rows') as HTMLElement;
  const notes = panel.querySelector('.ytd-notes') as HTMLElement;
  const footnotes: HTMLLIElement[] = [];
  rows.replaceChildren(
    ...(['diversion_rate', 'recycling_rate'] as const).map((kpi) => {
      const rate = point?.[kpi] ?? null;
      const target = targets.find((t) => t.kpi === kpi);
      const row = document.createElement('div');
      row.className = 'ytd-row';
      row.dataset.kpi = kpi;
      row.dataset.rate = rate === null ? '' : String(rate);
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = KPI_NAMES[kpi];
      const value = document.createElement('span');
      value.className = 'value';
      value.textContent = rate === null ? 'no data' : percent(rate);
      const meter = document.createElement('div');
      meter.className = 'meter';
      meter.setAttribute('role', 'img');
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${Math.min(100, Math.max(0, (rate ?? 0) * 100))}%`;
      meter.append(bar);
      const goal = document.createElement('span');
      goal.className = 'target';
      if (target) {
        const mark = document.createElement('span');
        mark.className = 'target-mark';
        mark.style.left = `${target.rate * 100}%`;
        meter.append(mark);
        footnotes.push(footnote(target.source));
        const n = footnotes.length;
        goal.textContent = `target ${percent(target.rate)} by ${target.year}`;
        const ref = document.createElement('sup');
        ref.textContent = String(n);
        goal.append(ref);
        goal.title = target.source;
        row.dataset.target = String(target.rate);
        row.dataset.below = String(rate !== null && rate < target.rate);
      } else {
        goal.textContent = 'no target';
      }
      meter.setAttribute(
        'aria-label',
        `${KPI_NAMES[kpi]} ${value.textContent}${target ? `, target ${percent(target.rate)}` : ''}`,
      );
      row.append(name, value, goal, meter);
      return row;
    }),
  );
  notes.replaceChildren(...footnotes);
}

function footnote(text: string): HTMLLIElement {
  const item = document.createElement('li');
  item.textContent = text;
  return item;
}
