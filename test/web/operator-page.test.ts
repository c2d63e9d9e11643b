/**
 * The operator page end to end: local mode in-process with four and a bit
 * simulated days of two plants (plus an ash haul to landfill yesterday at
 * kz-ast-01, which opens a diversion alert), the page loaded in Debian's
 * Chromium through playwright-core. The charts must show exactly the points
 * the API answers, and acknowledging the alert must change its state in the
 * page and in the store. A screenshot goes to reports/operator-page.png.
 *
 * The browser part is skipped, with the reason printed, where
 * /usr/bin/chromium is missing (.ci/run installs it from Debian's packages).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertJson } from '../../lambdas/domain/alerts/model.ts';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import { DAY_MS, localDate, MINUTE_MS } from '../../lambdas/domain/time.ts';
import { type LocalMode, startLocalMode } from '../../lambdas/local/runtime.ts';
import { PAGE_CSP } from '../../lambdas/local/static-assets.ts';
import { type OutgoingMessage, simulate } from '../../lambdas/sim/simulator.ts';
import { addDays, dayStart, epochRange, seriesIntervalFor } from '../../web/src/range.ts';
import { stateStoreOf } from '../support/local-mode.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `operator page browser test skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run does this)`,
  );
}

const TZ = 'Asia/Almaty';
const TOKEN = 'web-test-dev-token-0123';
const AST = 'kz-ast-01';
const ALA = 'kz-ala-01';
const SCREENSHOT = join('reports', 'operator-page.png');

const NOW = Date.now();
const TODAY = localDate(NOW, TZ);
const FROM_DATE = addDays(TODAY, -4);
const YESTERDAY = dayStart(addDays(TODAY, -1), TZ);
const RANGE = epochRange({ fromDate: FROM_DATE, toDate: TODAY }, TZ);

let local: LocalMode;
const dataDir = mkdtempSync(join(tmpdir(), 'wte-web-'));

async function post(plantId: string, body: unknown): Promise<void> {
  const response = await fetch(`${local.httpUrl}/v1/plants/${plantId}/telemetry`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 202) throw new Error(`POST answered ${response.status}: ${await response.text()}`);
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(`${local.httpUrl}${path}`);
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
  return (await response.json()) as T;
}

interface KpiAnswer {
  points: Array<{ start: string; received_t: number; landfilled_t: number; diversion_rate: number | null }>;
}

/** Yesterday's ash haul: enough bottom ash to landfill to bring the day's diversion to about 30 %. */
async function haulAshToLandfill(): Promise<void> {
  const iso = new Date(YESTERDAY).toISOString();
  const to = new Date(YESTERDAY + DAY_MS).toISOString();
  const { points } = await getJson<KpiAnswer>(`/v1/plants/${AST}/kpis?from=${iso}&to=${to}&interval=1d`);
  const day = points[0];
  if (!day || day.received_t < 100) throw new Error('the simulated day has too few receipts');
  const trucks = Math.ceil((0.7 * day.received_t - day.landfilled_t) / 25);
  await post(AST, {
    schema: 'wte.telemetry.v1',
    messageId: 'web-test-ash-haul',
    plantId: AST,
    readings: [],
    movements: Array.from({ length: trucks }, (_, i) => ({
      ticketId: `ASH-HAUL-${i}`,
      ts: new Date(YESTERDAY + 9 * 60 * MINUTE_MS + i * 4 * MINUTE_MS).toISOString(),
      direction: 'out',
      netTonnes: 25,
      material: 'bottom_ash',
      destination: 'landfill',
      operationCode: 'D1',
    })),
  });
}

beforeAll(async () => {
  local = await startLocalMode({
    dataDir,
    httpPort: 0,
    mqttPort: 0,
    devToken: TOKEN,
    schedulerPaused: true,
    queue: { batchingWindowMs: 20 },
  });
  // Backfilled days are judged once a plant's late data pauses: here at once (quiet period 0); the 20-minute
  // sampling is not a silent sensor (stale after 60 minutes).
  for (const plantId of [AST, ALA]) {
    await stateStoreOf(local).putPlant({
      ...defaultPlantConfig(plantId),
      dayCompleteAfterMinutes: 0,
      staleAfterMinutes: 60,
    });
  }
  // One lane per plant keeps each gateway's messages in order while the plants send in parallel.
  const lanes = new Map<string, OutgoingMessage[]>();
  const messages = simulate({
    plants: 2,
    scenario: 'normal',
    start: RANGE.from,
    end: NOW - MINUTE_MS,
    intervalMs: 20 * MINUTE_MS,
    seed: 10,
    timeZone: TZ,
  });
  for (const message of messages)
    lanes.set(message.plantId, [...(lanes.get(message.plantId) ?? []), message]);
  await Promise.all(
    [...lanes.values()].map(async (lane) => {
      for (const message of lane) await post(message.plantId, message.body);
    }),
  );
  expect(await local.settle(60_000)).toBe(true);
  await haulAshToLandfill();
  expect(await local.settle(60_000)).toBe(true);
  // The scheduled run judges the complete backfilled days (the timer stays held, so it runs exactly once).
  await local.runScheduler();
}, 180_000);

afterAll(async () => {
  await local?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('local mode serves the operator page', () => {
  it('answers / with the page, under a CSP that allows only its own origin', async () => {
    const response = await fetch(`${local.httpUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(PAGE_CSP);
    const html = await response.text();
    expect(html).toContain('src="assets/app.js"');
    expect(html).toContain('href="assets/app.css"');
    // Bundled, not fetched: no URL of another origin anywhere in the page or its assets.
    for (const asset of ['/assets/app.js', '/assets/app.css']) {
      const bundled = await fetch(`${local.httpUrl}${asset}`);
      expect(bundled.status).toBe(200);
      expect(await bundled.text()).not.toMatch(/(?:src|href|url)\s*[=(]\s*["']?https?:/);
    }
  });

  it('lists the registered plants on GET /v1/plants', async () => {
    const { plants } = await getJson<{ plants: Array<{ plantId: string; diversionTarget: number }> }>(
      '/v1/plants',
    );
    expect(plants.map((p) => p.plantId)).toEqual([ALA, AST]);
    expect(plants[0]).toMatchObject({ timeZone: TZ, diversionTarget: 0.4, combustionMinTempC: 850 });
  });

  it('refuses an acknowledgement posted from another site, and lets its own page and the CLI through', async () => {
    const ack = (headers: Record<string, string>) =>
      fetch(`${local.httpUrl}/v1/alerts/no-such-alert/ack`, { method: 'POST', headers });
    const forged = await ack({ origin: 'https://evil.example' });
    expect(forged.status).toBe(403);
    expect(forged.headers.get('content-type')).toBe('application/problem+json');
    // Past the origin check, an unknown alert is 404.
    expect((await ack({ origin: local.httpUrl })).status).toBe(404);
    expect((await ack({})).status).toBe(404);
  });

  it('has the simulated data: an open diversion alert at kz-ast-01 for yesterday', async () => {
    const { alerts } = await getJson<{ alerts: AlertJson[] }>(`/v1/alerts?plantId=${AST}&state=open`);
    expect(alerts.filter((a) => a.type === 'DIVERSION_BELOW_TARGET')).toHaveLength(1);
  });
});

interface FigureData {
  points: number;
  values: Record<string, number>;
  threshold?: number;
}

async function figure(page: Page, id: string): Promise<FigureData> {
  const element = page.locator(`#${id}[data-state="ready"]`);
  await element.waitFor();
  const [points, values, threshold] = await Promise.all([
    element.getAttribute('data-points'),
    element.getAttribute('data-values'),
    element.getAttribute('data-threshold'),
  ]);
  return {
    points: Number(points),
    values: JSON.parse(values ?? '{}') as Record<string, number>,
    ...(threshold === null ? {} : { threshold: Number(threshold) }),
  };
}

describe.skipIf(!hasChromium)('the operator page in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${local.httpUrl}/?plant=${AST}&from=${FROM_DATE}&to=${TODAY}&refresh=0`);
    await page.locator('#status', { hasText: 'Updated' }).waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('offers every plant in the picker, the one with an open alert marked, and keeps the range', async () => {
    const options = await page
      .locator('#plant option')
      .evaluateAll((all) => all.map((o) => ({ value: o.getAttribute('value'), text: o.textContent })));
    expect(options.map((o) => o.value)).toEqual([ALA, AST]);
    expect(options.find((o) => o.value === AST)?.text).toMatch(/1 open/);
    expect(await page.inputValue('#plant')).toBe(AST);
    expect(await page.inputValue('#from')).toBe(FROM_DATE);
    expect(await page.inputValue('#to')).toBe(TODAY);
  });

  it('draws one point per plant-local day in the KPI charts, as the API answers them', async () => {
    const { points } = await getJson<KpiAnswer>(
      `/v1/plants/${AST}/kpis?from=${new Date(RANGE.from).toISOString()}&to=${new Date(RANGE.to).toISOString()}&interval=1d`,
    );
    expect(points).toHaveLength(5);
    const withRate = points.filter((p) => p.diversion_rate !== null).length;

    const diversion = await figure(page, 'chart-diversion');
    expect(diversion).toEqual({ points: 5, values: { diversion: withRate }, threshold: 40 });
    const tonnes = await figure(page, 'chart-tonnes');
    expect(tonnes).toEqual({ points: 5, values: { received: 5, landfilled: 5, recycled: 5 } });
    const energy = await figure(page, 'chart-energy');
    expect(energy.points).toBe(5);
    expect(energy.values['net MWh/t']).toBeGreaterThanOrEqual(4);
    // Yesterday is below target on the chart too.
    const yesterday = points.find((p) => Date.parse(p.start) === YESTERDAY);
    expect(yesterday?.diversion_rate).toBeLessThan(0.4);
    expect(await page.locator('#tile-diversion').textContent()).toMatch(/%$/);
    expect(await page.locator('canvas').count()).toBe(4);
  });

  it('draws the furnace temperature bucket by bucket as the series API answers, with the 850 degC line', async () => {
    const interval = seriesIntervalFor(RANGE);
    const series = async (agg: string) =>
      (
        await getJson<{ points: Array<{ ts: string }> }>(
          `/v1/plants/${AST}/series?metric=furnace_temperature&from=${new Date(RANGE.from).toISOString()}&to=${new Date(RANGE.to).toISOString()}&interval=${interval}&agg=${agg}`,
        )
      ).points;
    const [coldest, average] = await Promise.all([series('min'), series('avg')]);
    expect(coldest.length).toBeGreaterThan(100);
    const buckets = new Set([...coldest, ...average].map((p) => p.ts)).size;

    const temperature = await figure(page, 'chart-temperature');
    expect(temperature).toEqual({
      points: buckets,
      values: { 'coldest line': coldest.length, average: average.length },
      threshold: 850,
    });
  });

  it('lists the open alert, and acknowledging it changes its state in the page and in the store', async () => {
    const { alerts } = await getJson<{ alerts: AlertJson[] }>(`/v1/alerts?plantId=${AST}&state=open`);
    const alert = alerts.find((a) => a.type === 'DIVERSION_BELOW_TARGET');
    if (!alert) throw new Error('no open diversion alert');
    const row = page.locator(`#alerts tr[data-alert-id="${alert.alertId}"]`);
    await expect(row.getAttribute('data-state')).resolves.toBe('open');
    await expect(row.textContent()).resolves.toContain(alert.message);
    expect(await page.locator('#tile-alerts').textContent()).toBe(String(alerts.length));

    mkdirSync('reports', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await row.locator('xpath=self::*[@data-state="acknowledged"]').waitFor();
    expect(await row.locator('.state').textContent()).toBe('acknowledged');
    expect(await row.getByRole('button').count()).toBe(0);
    expect(await page.locator('#tile-alerts').textContent()).toBe(String(alerts.length - 1));

    const stored = await getJson<{ alerts: AlertJson[] }>(`/v1/alerts?plantId=${AST}&state=acknowledged`);
    expect(stored.alerts.map((a) => a.alertId)).toContain(alert.alertId);

    // A reload shows it acknowledged, without the button.
    await page.reload();
    await page.locator('#status', { hasText: 'Updated' }).waitFor();
    expect(await row.getAttribute('data-state')).toBe('acknowledged');
    expect(await row.getByRole('button').count()).toBe(0);
  });

  it('follows the plant picker to the other plant', async () => {
    await page.selectOption('#plant', ALA);
    await page.waitForURL(new RegExp(`plant=${ALA}`));
    await page.locator('#status', { hasText: 'Updated' }).waitFor();
    const diversion = await figure(page, 'chart-diversion');
    expect(diversion.points).toBe(5);
    expect(await page.locator('#no-alerts').isVisible()).toBe(true);
  });

  it('logged no error and no CSP violation in the browser', () => {
    expect(problems).toEqual([]);
  });
});
