/**
 * The operator page: opens on the plant that needs attention (attention.ts)
 * and shows the fleet's freshness, the plant's alerts (open, acknowledged,
 * resolved in the last 24 hours) with Acknowledge, its year to date against
 * its targets, and its daily KPIs and furnace temperature over a range of
 * plant-local days. Plain DOM and uPlot; every text from the API goes in
 * through textContent.
 *
 * URL: `#plant=…&from=…&to=…` (YYYY-MM-DD, plant-local, both included)
 * keeps a view shareable; a plant named there (or in the older
 * `?plant=`, `?from=`, `?to=`) is the user's choice and wins over the page's.
 * `?plants=a,b` adds plant ids to the picker (deployments without
 * `GET /v1/plants`); `?refresh=` sets the reload period in seconds (0:
 * never; default 60).
 */
import './styles.css';
import { zonedTimeToEpoch } from '../../lambdas/domain/time.ts';
import { AlertsView } from './alerts-view.ts';
import { type Alert, Api, ApiError, type Plant } from './api.ts';
import { type AttentionReason, type Freshness, plantNeedingAttention } from './attention.ts';
import { freshnessOfPlants } from './freshness.ts';
import { KpiView } from './kpi-view.ts';
import { type DayRange, epochRange, normalizeRange, seriesIntervalFor } from './range.ts';
import { freshnessText, renderFleet, renderYearToDate } from './status-view.ts';

const DEFAULTS = { timeZone: 'Asia/Almaty', diversionTarget: 0.4, combustionMinTempC: 850 };
const PLANT_ID = /^[a-z0-9-]{1,64}$/;
const DAY_MS = 86_400_000;
/** Longest range for which hourly KPIs are read to find days with hours missing (the API's 1h limit). */
const MAX_HOURLY_DAYS = 31;

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
};

const ui = {
  form: $<HTMLFormElement>('controls'),
  plant: $<HTMLSelectElement>('plant'),
  from: $<HTMLInputElement>('from'),
  to: $<HTMLInputElement>('to'),
  status: $('status'),
  why: $('why'),
  fleet: $('fleet'),
  zone: $('zone'),
  ytd: $('ytd'),
  ytdTitle: $('ytd-title'),
  openTile: $('tile-alerts'),
  freshTile: $('tile-fresh'),
};

const query = new URLSearchParams(location.search);
const apiBase = document.querySelector<HTMLMetaElement>('meta[name="wte-api-base"]')?.content.trim() ?? '';
const api = new Api(apiBase.replace(/\/+$/, ''));

const kpiView = new KpiView(
  {
    diversion: $('chart-diversion'),
    tonnes: $('chart-tonnes'),
    energy: $('chart-energy'),
    temperature: $('chart-temperature'),
  },
  { received: $('tile-received'), diversion: $('tile-diversion'), energy: $('tile-energy') },
);
const alertsView = new AlertsView($<HTMLTableElement>('alerts'), $('no-alerts'), api, {
  acknowledged: (alert) => {
    openCounts.set(alert.plantId, Math.max(0, (openCounts.get(alert.plantId) ?? 1) - 1));
    updateOpenTile();
    renderPlants();
    setStatus(`Acknowledged ${alert.type}`);
  },
  errorText: (error) => messageOf(error),
});

let plants = new Map<string, Plant>();
let openCounts = new Map<string, number>();
let freshness = new Map<string, Freshness>();
let openAlerts: Alert[] = [];
let loading: AbortController | undefined;

function plantOf(plantId: string): Plant {
  return plants.get(plantId) ?? { plantId, name: plantId, ...DEFAULTS };
}

function setStatus(text: string, kind: 'info' | 'error' = 'info'): void {
  ui.status.textContent = text;
  ui.status.dataset.kind = kind;
}

function messageOf(error: unknown): string {
  if (error instanceof ApiError) return `The API refused (${error.status}): ${error.message}`;
  if (error instanceof TypeError) return 'The API is unreachable; is local mode running?';
  return 'Something went wrong; see the browser console.';
}

/** The view named in the URL: the hash, else the query string (links made before the hash). */
function urlView(): { plant?: string; from?: string; to?: string } {
  const hash = new URLSearchParams(location.hash.slice(1));
  const read = (key: string) => hash.get(key) ?? query.get(key) ?? undefined;
  const plant = read('plant');
  const from = read('from');
  const to = read('to');
  return {
    ...(plant && PLANT_ID.test(plant) ? { plant } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

/** Plants, open alerts and freshness of the whole fleet: what choosing a plant needs. */
async function loadFleet(): Promise<void> {
  const [registered, open] = await Promise.all([api.plants(), api.alerts({ state: 'open' })]);
  plants = new Map((registered ?? []).map((p) => [p.plantId, p]));
  openCounts = new Map();
  for (const alert of open) openCounts.set(alert.plantId, (openCounts.get(alert.plantId) ?? 0) + 1);
  const extra = (query.get('plants') ?? '').split(',').map((p) => p.trim());
  for (const plantId of [...openCounts.keys(), ...extra]) {
    if (PLANT_ID.test(plantId) && !plants.has(plantId)) plants.set(plantId, plantOf(plantId));
  }
  plants = new Map([...plants].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  freshness = await freshnessOfPlants(api, [...plants.values()], Date.now());
  openAlerts = open;
}

function renderPlants(): void {
  const selected = ui.plant.value;
  ui.plant.replaceChildren(
    ...[...plants.values()].map((p) => {
      const count = openCounts.get(p.plantId) ?? 0;
      const name = p.name === p.plantId ? p.plantId : `${p.name} (${p.plantId})`;
      const stale = freshness.get(p.plantId)?.stale ? ' · stale' : '';
      return new Option(count > 0 ? `${name} · ${count} open${stale}` : `${name}${stale}`, p.plantId);
    }),
  );
  if (plants.has(selected)) ui.plant.value = selected;
  renderFleet(ui.fleet, [...plants.values()], openCounts, freshness, ui.plant.value, Date.now(), choose);
}

const REASONS: Record<AttentionReason, string> = {
  chosen: 'as chosen',
  alert: 'it has the most severe, oldest open alert',
  stale: 'its data is stale',
  first: 'no plant has open alerts or stale data',
};

function select(plantId: string, reason: AttentionReason): void {
  ui.plant.value = plantId;
  ui.why.dataset.reason = reason;
  ui.why.textContent = reason === 'chosen' ? '' : `Showing ${plantId}: ${REASONS[reason]}.`;
  renderPlants();
}

/** The user picked a plant (picker or fleet list): it is written to the URL and wins from now on. */
function choose(plantId: string): void {
  select(plantId, 'chosen');
  void refresh(true);
}

function currentRange(plant: Plant): DayRange {
  return normalizeRange(ui.from.value || null, ui.to.value || null, Date.now(), plant.timeZone);
}

async function refresh(chosen = ui.why.dataset.reason === 'chosen'): Promise<void> {
  loading?.abort();
  const controller = new AbortController();
  loading = controller;
  const signal = controller.signal;
  const plantId = ui.plant.value;
  if (!plantId) {
    setStatus('No plant has sent data yet: start the simulator (npx wte simulate) or a gateway.');
    return;
  }
  const plant = plantOf(plantId);
  const range = currentRange(plant);
  ui.from.value = range.fromDate;
  ui.to.value = range.toDate;
  const hash = new URLSearchParams({
    ...(chosen ? { plant: plantId } : {}),
    from: range.fromDate,
    to: range.toDate,
  });
  history.replaceState(null, '', `?${withoutView(query)}#${hash}`);
  const now = Date.now();
  const { from, to } = epochRange(range, plant.timeZone);
  const interval = seriesIntervalFor({ from, to });
  const temperature = (agg: 'min' | 'avg') =>
    api.series(plantId, { metric: 'furnace_temperature', from, to, interval, agg }, signal);
  const year = Number(
    new Intl.DateTimeFormat('en-CA', { timeZone: plant.timeZone, year: 'numeric' }).format(now),
  );
  const yearStart = zonedTimeToEpoch(year, 1, 1, 0, plant.timeZone);
  setStatus('Loading…');
  try {
    const [days, hours, coldest, average, open, acknowledged, resolved, ytd] = await Promise.all([
      api.kpis(plantId, from, to, '1d', signal),
      to - from <= MAX_HOURLY_DAYS * DAY_MS ? api.kpis(plantId, from, to, '1h', signal) : undefined,
      temperature('min'),
      temperature('avg'),
      api.alerts({ plantId, state: 'open' }, signal),
      api.alerts({ plantId, state: 'acknowledged' }, signal),
      api.resolvedSince(plantId, now - DAY_MS, signal),
      api.kpisWithTargets(plantId, yearStart, now, '1y', signal),
    ]);
    if (signal.aborted) return;
    ui.zone.textContent = `(${plant.timeZone})`;
    kpiView.renderDays(plant, days, hours, from, to);
    kpiView.renderTemperature(plant, coldest, average, from, to, interval);
    alertsView.render(plant.timeZone, [...open, ...acknowledged, ...resolved]);
    openCounts.set(plantId, open.length);
    updateOpenTile();
    renderYearToDate(
      ui.ytd,
      ui.ytdTitle,
      year,
      ytd.points.at(-1),
      ytd.targets.length > 0 ? ytd.targets : (plant.targets ?? []),
    );
    const fresh = freshness.get(plantId);
    ui.freshTile.textContent = freshnessText(fresh, now, plant.timeZone);
    ui.freshTile.dataset.stale = String(fresh?.stale ?? false);
    renderPlants();
    setStatus(`Updated ${new Date().toLocaleTimeString('en-GB')}`);
  } catch (error) {
    if (signal.aborted) return;
    console.error(error);
    setStatus(messageOf(error), 'error');
  }
}

/** The query string without the view (it lives in the hash now), keeping settings like `refresh`. */
function withoutView(params: URLSearchParams): string {
  const kept = new URLSearchParams(params);
  for (const key of ['plant', 'from', 'to']) kept.delete(key);
  return kept.toString();
}

function updateOpenTile(): void {
  const open = alertsView.openCount();
  ui.openTile.textContent = String(open);
  ui.openTile.dataset.count = String(open);
}

async function openView(): Promise<void> {
  const view = urlView();
  const attention = plantNeedingAttention({
    plantIds: [...plants.keys()],
    openAlerts,
    freshness,
    chosen: view.plant,
  });
  if (attention) select(attention.plantId, attention.reason);
  const range = normalizeRange(view.from, view.to, Date.now(), plantOf(ui.plant.value).timeZone);
  ui.from.value = range.fromDate;
  ui.to.value = range.toDate;
  await refresh();
}

async function start(): Promise<void> {
  try {
    await loadFleet();
  } catch (error) {
    console.error(error);
    setStatus(messageOf(error), 'error');
    return;
  }
  renderPlants();
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void refresh();
  });
  ui.plant.addEventListener('change', () => choose(ui.plant.value));
  for (const input of [ui.from, ui.to]) input.addEventListener('change', () => void refresh());
  // A link edited by hand: follow it (replaceState above fires no hashchange).
  window.addEventListener('hashchange', () => void openView());
  await openView();
  const period = Number(query.get('refresh') ?? 60);
  if (Number.isFinite(period) && period > 0) {
    setInterval(() => {
      void loadFleet()
        .then(() => refresh())
        .catch(() => undefined);
    }, period * 1000);
  }
}

void start();
