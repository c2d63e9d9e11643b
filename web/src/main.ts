/**
 * The operator page: pick a plant and a range of plant-local days, see its
 * daily diversion against target, tonnes in and out, net MWh per tonne, the
 * furnace temperature against its minimum, and its open alerts (with an
 * Acknowledge button). Plain DOM and uPlot; every text from the API goes in
 * through textContent.
 *
 * URL parameters: `plant`, `from`, `to` (YYYY-MM-DD, plant-local, both
 * included) keep a view shareable; `plants=a,b` adds plant ids to the picker
 * (for deployments without `GET /v1/plants`); `refresh` sets the reload
 * period in seconds (0: never; default 60).
 */
import './styles.css';
import { type Alert, Api, ApiError, type KpiPoint, type Plant, type SeriesPoint } from './api.ts';
import { Chart } from './charts.ts';
import { type DayRange, epochRange, normalizeRange, seriesIntervalFor } from './range.ts';

const DEFAULTS = { timeZone: 'Asia/Almaty', diversionTarget: 0.4, combustionMinTempC: 850 };
const PLANT_ID = /^[a-z0-9-]{1,64}$/;
const COLORS = {
  diversion: '#1b7f4b',
  target: '#c0392b',
  received: '#2563eb',
  landfilled: '#8a5a2b',
  recycled: '#16a34a',
  energy: '#7c3aed',
  coldest: '#ea580c',
  average: '#64748b',
};
const SEVERITY_ORDER: Record<string, number> = { critical: 0, warning: 1, info: 2 };

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
  alerts: $<HTMLTableElement>('alerts'),
  noAlerts: $('no-alerts'),
  zone: $('zone'),
  tiles: {
    received: $('tile-received'),
    diversion: $('tile-diversion'),
    energy: $('tile-energy'),
    alerts: $('tile-alerts'),
  },
};

const charts = {
  diversion: new Chart($('chart-diversion')),
  tonnes: new Chart($('chart-tonnes')),
  energy: new Chart($('chart-energy')),
  temperature: new Chart($('chart-temperature')),
};

const number = (digits: number) =>
  new Intl.NumberFormat('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const tonnes = number(0);
const oneDecimal = number(1);
const threeDecimals = number(3);
const percent = (rate: number) => `${oneDecimal.format(rate * 100)} %`;

const params = new URLSearchParams(location.search);
const apiBase = document.querySelector<HTMLMetaElement>('meta[name="wte-api-base"]')?.content.trim() ?? '';
const api = new Api(apiBase.replace(/\/+$/, ''));

let plants = new Map<string, Plant>();
let openCounts = new Map<string, number>();
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

/** Plants from the registry, the open alerts and `?plants=`, with their open-alert counts. */
async function loadPlants(): Promise<void> {
  const [registered, open] = await Promise.all([api.plants(), api.alerts({ state: 'open' })]);
  plants = new Map((registered ?? []).map((p) => [p.plantId, p]));
  openCounts = new Map();
  for (const alert of open) openCounts.set(alert.plantId, (openCounts.get(alert.plantId) ?? 0) + 1);
  const extra = (params.get('plants') ?? '').split(',').map((p) => p.trim());
  for (const plantId of [...openCounts.keys(), ...extra]) {
    if (PLANT_ID.test(plantId) && !plants.has(plantId)) plants.set(plantId, plantOf(plantId));
  }
  plants = new Map([...plants].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  renderPicker();
}

function renderPicker(): void {
  const selected = ui.plant.value || params.get('plant') || '';
  ui.plant.replaceChildren(
    ...[...plants.values()].map((p) => {
      const count = openCounts.get(p.plantId) ?? 0;
      const name = p.name === p.plantId ? p.plantId : `${p.name} (${p.plantId})`;
      return new Option(count > 0 ? `${name} · ${count} open` : name, p.plantId);
    }),
  );
  if (plants.has(selected)) ui.plant.value = selected;
}

function currentRange(plant: Plant): DayRange {
  return normalizeRange(ui.from.value || null, ui.to.value || null, Date.now(), plant.timeZone);
}

async function refresh(): Promise<void> {
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
  history.replaceState(null, '', `?${shareableQuery(plantId, range)}`);
  const { from, to } = epochRange(range, plant.timeZone);
  const interval = seriesIntervalFor({ from, to });
  const temperature = (agg: 'min' | 'avg') =>
    api.series(plantId, { metric: 'furnace_temperature', from, to, interval, agg }, signal);
  setStatus('Loading…');
  try {
    const [kpis, coldest, average, open, acknowledged] = await Promise.all([
      api.kpis(plantId, from, to, '1d', signal),
      temperature('min'),
      temperature('avg'),
      api.alerts({ plantId, state: 'open' }, signal),
      api.alerts({ plantId, state: 'acknowledged' }, signal),
    ]);
    if (signal.aborted) return;
    ui.zone.textContent = `(${plant.timeZone})`;
    renderKpis(plant, kpis, from, to);
    renderTemperature(plant, coldest, average, from, to, interval);
    renderAlerts(plant, [...open, ...acknowledged]);
    setStatus(`Updated ${new Date().toLocaleTimeString('en-GB')}`);
  } catch (error) {
    if (signal.aborted) return;
    console.error(error);
    setStatus(messageOf(error), 'error');
  }
}

function shareableQuery(plantId: string, range: DayRange): string {
  const query = new URLSearchParams(params);
  query.set('plant', plantId);
  query.set('from', range.fromDate);
  query.set('to', range.toDate);
  return query.toString();
}

const seconds = (iso: string) => Date.parse(iso) / 1000;
const HALF_DAY_S = 43_200;

function renderKpis(plant: Plant, points: readonly KpiPoint[], from: number, to: number): void {
  const x = points.map((p) => seconds(p.start));
  const lastStart = x.at(-1) ?? from / 1000;
  // Daily points sit on their day's midnight tick, half a day of room either side.
  const xRange = [
    from / 1000 - HALF_DAY_S,
    Math.max(lastStart, to / 1000 - 2 * HALF_DAY_S) + HALF_DAY_S,
  ] as const;
  const target = plant.diversionTarget;
  const partial = points.at(-1)?.complete === false ? 'last day so far' : undefined;
  charts.diversion.render({
    x,
    xRange,
    daily: true,
    timeZone: plant.timeZone,
    yLabel: '%',
    yRange: [0, 100],
    format: (v) => oneDecimal.format(v),
    note: [`target ${percent(target)}`, partial].filter(Boolean).join(' · '),
    threshold: { value: target * 100, label: `target ${percent(target)}`, color: COLORS.target },
    series: [
      {
        label: 'diversion',
        color: COLORS.diversion,
        points: true,
        values: points.map((p) => (p.diversion_rate === null ? null : p.diversion_rate * 100)),
      },
    ],
  });
  charts.tonnes.render({
    x,
    xRange,
    daily: true,
    timeZone: plant.timeZone,
    yLabel: 't',
    ...(partial ? { note: partial } : {}),
    robust: false,
    format: (v) => tonnes.format(v),
    series: [
      { label: 'received', color: COLORS.received, points: true, values: points.map((p) => p.received_t) },
      {
        label: 'landfilled',
        color: COLORS.landfilled,
        points: true,
        values: points.map((p) => p.landfilled_t),
      },
      { label: 'recycled', color: COLORS.recycled, points: true, values: points.map((p) => p.recycled_t) },
    ],
  });
  charts.energy.render({
    x,
    xRange,
    daily: true,
    timeZone: plant.timeZone,
    yLabel: 'MWh/t',
    ...(partial ? { note: partial } : {}),
    format: (v) => threeDecimals.format(v),
    series: [
      { label: 'net MWh/t', color: COLORS.energy, points: true, values: points.map((p) => p.net_mwh_per_t) },
    ],
  });

  const sum = (key: 'received_t' | 'landfilled_t' | 'fed_t' | 'electricity_exported_mwh') =>
    points.reduce((total, p) => total + p[key], 0);
  const received = sum('received_t');
  const fed = sum('fed_t');
  ui.tiles.received.textContent = `${tonnes.format(received)} t`;
  ui.tiles.diversion.textContent = received > 0 ? percent(1 - sum('landfilled_t') / received) : '–';
  ui.tiles.diversion.dataset.below = String(received > 0 && 1 - sum('landfilled_t') / received < target);
  ui.tiles.energy.textContent = fed > 0 ? threeDecimals.format(sum('electricity_exported_mwh') / fed) : '–';
}

function renderTemperature(
  plant: Plant,
  coldest: readonly SeriesPoint[],
  average: readonly SeriesPoint[],
  from: number,
  to: number,
  interval: string,
): void {
  const byTs = new Map<number, { min: number | null; avg: number | null }>();
  for (const p of coldest) byTs.set(seconds(p.ts), { min: p.value, avg: null });
  for (const p of average) {
    const ts = seconds(p.ts);
    byTs.set(ts, { min: byTs.get(ts)?.min ?? null, avg: p.value });
  }
  const x = [...byTs.keys()].sort((a, b) => a - b);
  const minimum = plant.combustionMinTempC;
  charts.temperature.render({
    x,
    xRange: [from / 1000, to / 1000],
    timeZone: plant.timeZone,
    yLabel: '°C',
    note: `per ${interval}, minimum ${minimum} °C`,
    format: (v) => tonnes.format(v),
    threshold: { value: minimum, label: `${minimum} °C`, color: COLORS.target },
    series: [
      { label: 'coldest line', color: COLORS.coldest, values: x.map((t) => byTs.get(t)?.min ?? null) },
      {
        label: 'average',
        color: COLORS.average,
        dash: [4, 3],
        values: x.map((t) => byTs.get(t)?.avg ?? null),
      },
    ],
  });
}

function renderAlerts(plant: Plant, alerts: readonly Alert[]): void {
  const when = new Intl.DateTimeFormat('en-GB', {
    timeZone: plant.timeZone,
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  const sorted = [...alerts].sort(
    (a, b) =>
      Number(a.state !== 'open') - Number(b.state !== 'open') ||
      (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9) ||
      b.openedAt.localeCompare(a.openedAt),
  );
  const body = ui.alerts.tBodies[0] as HTMLTableSectionElement;
  body.replaceChildren(...sorted.map((alert) => alertRow(alert, when)));
  ui.noAlerts.hidden = sorted.length > 0;
  ui.alerts.hidden = sorted.length === 0;
  updateOpenCount();
}

function alertRow(alert: Alert, when: Intl.DateTimeFormat): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.dataset.alertId = alert.alertId;
  const cell = (text: string, className?: string) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    row.append(td);
    return td;
  };
  cell(alert.severity, `severity ${alert.severity}`);
  const what = cell('');
  const type = document.createElement('strong');
  type.textContent = alert.type;
  const message = document.createElement('span');
  message.textContent = alert.message;
  what.append(type, message);
  cell(when.format(Date.parse(alert.openedAt)));
  const state = cell('', 'state');
  const action = cell('', 'action');
  const show = (current: Alert) => {
    row.dataset.state = current.state;
    state.textContent = current.state;
    state.title = current.acknowledgedBy ? `by ${current.acknowledgedBy}` : '';
    action.replaceChildren();
    if (current.state === 'open') action.append(ackButton(current, show, action));
  };
  show(alert);
  return row;
}

function ackButton(alert: Alert, show: (alert: Alert) => void, action: HTMLElement): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Acknowledge';
  button.addEventListener('click', async () => {
    button.disabled = true;
    button.textContent = 'Acknowledging…';
    try {
      const updated = await api.acknowledge(alert.alertId);
      show(updated);
      const left = (openCounts.get(alert.plantId) ?? 1) - 1;
      openCounts.set(alert.plantId, Math.max(0, left));
      updateOpenCount();
      renderPicker();
      setStatus(`Acknowledged ${alert.type}`);
    } catch (error) {
      button.disabled = false;
      button.textContent = 'Acknowledge';
      const note = document.createElement('small');
      note.className = 'error';
      note.textContent = messageOf(error);
      action.append(note);
    }
  });
  return button;
}

function updateOpenCount(): void {
  const open = ui.alerts.querySelectorAll('tbody tr[data-state="open"]').length;
  ui.tiles.alerts.textContent = String(open);
  ui.tiles.alerts.dataset.count = String(open);
}

async function start(): Promise<void> {
  try {
    await loadPlants();
  } catch (error) {
    console.error(error);
    setStatus(messageOf(error), 'error');
    return;
  }
  const initial = plantOf(ui.plant.value);
  const range = normalizeRange(params.get('from'), params.get('to'), Date.now(), initial.timeZone);
  ui.from.value = range.fromDate;
  ui.to.value = range.toDate;
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void refresh();
  });
  for (const input of [ui.plant, ui.from, ui.to]) input.addEventListener('change', () => void refresh());
  await refresh();
  const period = Number(params.get('refresh') ?? 60);
  if (Number.isFinite(period) && period > 0) {
    setInterval(() => {
      void loadPlants()
        .then(refresh)
        .catch(() => undefined);
    }, period * 1000);
  }
}

void start();
