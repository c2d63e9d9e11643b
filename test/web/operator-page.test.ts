/**
 * The operator page end to end (issue #20 item 1): local mode in-process
 * with two plants built to show what the page must tell truthfully
 * (operator-fixture.ts), loaded in Debian's Chromium through
 * playwright-core. Asserts on the DOM and computed layout, never on pixels.
 * Screenshots go to reports/operator-page.png (1280x800, the one in docs/)
 * and reports/operator-page-phone.png (390x844).
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
import type { LocalMode } from '../../lambdas/local/runtime.ts';
import { PAGE_CSP } from '../../lambdas/local/static-assets.ts';
import { plantNeedingAttention } from '../../web/src/attention.ts';
import { type Bucket, dayMarks, hasData } from '../../web/src/gaps.ts';
import {
  ALA,
  AST,
  AST_GAP_DAY,
  day,
  FROM_DATE,
  getJson,
  type KpiAnswer,
  kpiPath,
  NOW,
  RANGE,
  startFleet,
  TODAY,
  TZ,
} from './operator-fixture.ts';
import { assertFits, figure, legendValues, waitUpdated } from './page-probes.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `operator page browser test skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run does this)`,
  );
}

let local: LocalMode;
const dataDir = mkdtempSync(join(tmpdir(), 'wte-web-'));
const get = <T>(path: string) => getJson<T>(local, path);
const alertsOf = async (plantId: string, state: string) =>
  (await get<{ alerts: AlertJson[] }>(`/v1/alerts?plantId=${plantId}&state=${state}`)).alerts;
/** Hours of the plant-local day starting at `start` in which the KPI API saw any ticket or counter step. */
async function hoursWithData(plantId: string, start: number): Promise<number> {
  const { points } = await get<{ points: Parameters<typeof hasData>[0][] }>(
    kpiPath(plantId, start, start + 86_400_000, '1h'),
  );
  expect(points).toHaveLength(24);
  return points.filter(hasData).length;
}
const shortDay = (epochMs: number) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: TZ, day: 'numeric', month: 'short' }).format(epochMs);

beforeAll(async () => {
  local = await startFleet(dataDir);
}, 180_000);

afterAll(async () => {
  await local?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('local mode serves the operator page', () => {
  it('answers / with the page, under a CSP that allows only its own origin', async () => {
    const response = await fetch(`${local.httpUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(PAGE_CSP);
    const html = await response.text();
    expect(html).toContain('src="assets/app.js"');
    for (const asset of ['/assets/app.js', '/assets/app.css']) {
      const bundled = await fetch(`${local.httpUrl}${asset}`);
      expect(bundled.status).toBe(200);
      expect(await bundled.text()).not.toMatch(/(?:src|href|url)\s*[=(]\s*["']?https?:/);
    }
  });

  it('refuses an acknowledgement posted from another site, and lets its own page and the CLI through', async () => {
    const ack = (headers: Record<string, string>) =>
      fetch(`${local.httpUrl}/v1/alerts/no-such-alert/ack`, { method: 'POST', headers });
    expect((await ack({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await ack({ origin: local.httpUrl })).status).toBe(404);
    expect((await ack({})).status).toBe(404);
  });

  it('has the fixture: an open diversion alert at kz-ast-01, a resolved one at kz-ala-01, a zero day at kz-ast-01', async () => {
    expect((await alertsOf(AST, 'open')).filter((a) => a.type === 'DIVERSION_BELOW_TARGET')).toHaveLength(1);
    expect(await alertsOf(ALA, 'open')).toEqual([]);
    const resolved = await alertsOf(ALA, 'resolved');
    expect(resolved.filter((a) => a.type === 'DIVERSION_BELOW_TARGET')).toHaveLength(1);
    // The KPI API answers the missing day with zeros: the page must not draw them as 0 t.
    const { points } = await get<KpiAnswer>(kpiPath(AST, AST_GAP_DAY, AST_GAP_DAY + 86_400_000, '1d'));
    expect(points[0]).toMatchObject({ received_t: 0, landfilled_t: 0, complete: true });
  });
});

describe.skipIf(!hasChromium)('the operator page in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${local.httpUrl}/?refresh=0#from=${FROM_DATE}&to=${TODAY}`);
    await waitUpdated(page);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('opens on the plant with the most severe, oldest open alert, not the first plant, and says why', async () => {
    const open = await get<{ alerts: AlertJson[] }>('/v1/alerts?state=open');
    const expected = plantNeedingAttention({
      plantIds: [ALA, AST],
      openAlerts: open.alerts,
      freshness: new Map(),
    });
    expect(expected).toEqual({ plantId: AST, reason: 'alert' });
    expect(await page.inputValue('#plant')).toBe(AST);
    expect(await page.getAttribute('#why', 'data-reason')).toBe('alert');
    expect(await page.textContent('#why')).toContain('open alert');
    // The page's own choice is not written into the URL as if the user had made it.
    expect(new URL(page.url()).hash).not.toContain('plant=');
  });

  it("shows each plant's data freshness: last data time, stale past the threshold", async () => {
    const ast = page.locator(`#fleet li[data-plant-id="${AST}"]`);
    const ala = page.locator(`#fleet li[data-plant-id="${ALA}"]`);
    expect(await ast.getAttribute('data-stale')).toBe('true');
    expect(await ast.locator('.freshness').textContent()).toMatch(
      /^last data .+ \((2|3) h \d\d min ago\), stale/,
    );
    expect(await ast.locator('.open').textContent()).toMatch(/^\d+ open alerts?$/);
    expect(await ala.getAttribute('data-stale')).toBe('false');
    expect(await ala.locator('.freshness').textContent()).toMatch(/^last data .+ \([0-4] min ago\)$/);
    expect(await page.getAttribute('#tile-fresh', 'data-stale')).toBe('true');
    expect(await page.textContent('#tile-fresh')).toContain('stale');
  });

  it('draws the day without data as a gap, not 0 t, and marks the first replayed day and today as partial', async () => {
    // The marks follow the API's hourly KPIs: within 3 hours of plant-local midnight the silence reaches into
    // yesterday (partial) and today has no data yet.
    const [days, hours] = await Promise.all(
      (['1d', '1h'] as const).map(
        async (i) =>
          (
            await get<{ points: Array<Bucket & { diversion_rate: number | null }> }>(
              kpiPath(AST, RANGE.from, RANGE.to, i),
            )
          ).points,
      ),
    );
    const expected = dayMarks(days ?? [], hours);
    expect(expected.map((m) => m.state)).toEqual([
      'partial',
      'full',
      'none',
      expect.stringMatching(/^(full|partial)$/),
      expect.stringMatching(/^(partial|none)$/),
    ]);
    const count = (state: string) => expected.filter((m) => m.state === state).length;
    const withData = 5 - count('none');
    const diversion = await figure(page, 'chart-diversion');
    const tonnes = await figure(page, 'chart-tonnes');
    expect(tonnes.points).toBe(5);
    // A day without data is a gap in every series: one value fewer per missing day, never a zero.
    expect(tonnes.values).toEqual({
      'received t': withData,
      'landfilled t': withData,
      'recycled t': withData,
    });
    expect(diversion.values['diversion %']).toBe(
      (days ?? []).filter((d) => hasData(d) && d.diversion_rate !== null).length,
    );
    for (const chart of [diversion, tonnes]) {
      expect(chart).toMatchObject({ noData: count('none'), partial: count('partial') });
    }
    const caption = await page.textContent('#chart-tonnes figcaption');
    expect(caption).toContain(`no data: ${shortDay(AST_GAP_DAY)}`);
    // The replay starts at noon: about half the first day's hours have data.
    const firstDayHours = await hoursWithData(AST, day(-4));
    expect(firstDayHours).toBeGreaterThanOrEqual(12);
    expect(firstDayHours).toBeLessThanOrEqual(13);
    expect(caption).toContain(`partial: ${shortDay(day(-4))} (${firstDayHours} of 24 h with data)`);
    if (expected[4]?.state === 'partial') expect(caption).toContain(`${shortDay(day(0))} (so far)`);
    // The furnace temperature breaks across the missing day instead of joining its ends.
    expect((await figure(page, 'chart-temperature')).gaps).toBe(1);
  });

  it('draws axes that do not exaggerate: rates 0 to 100 %, tonnes from 0, net MWh/t and temperature wide enough', async () => {
    expect(await figure(page, 'chart-diversion')).toMatchObject({ yMin: 0, yMax: 100 });
    expect((await figure(page, 'chart-tonnes')).yMin).toBe(0);
    const energy = await figure(page, 'chart-energy');
    expect(energy.yMax - energy.yMin).toBeGreaterThanOrEqual(0.1 - 1e-9);
    const temperature = await figure(page, 'chart-temperature');
    expect(temperature.yMax - temperature.yMin).toBeGreaterThanOrEqual(100);
  });

  it('shows the latest value in every legend without hovering', async () => {
    await page.mouse.move(0, 0);
    const { points } = await get<KpiAnswer>(kpiPath(AST, RANGE.from, RANGE.to, '1d'));
    const latestEnergy = points.filter((p) => p.net_mwh_per_t !== null).at(-1)?.net_mwh_per_t as number;
    const energy = await legendValues(page, 'chart-energy');
    expect(energy['net MWh/t']).toBe(latestEnergy.toFixed(3));
    expect(energy.x).toMatch(/^latest /);
    const latestDiversion = points.filter((p) => p.diversion_rate !== null).at(-1)?.diversion_rate as number;
    expect((await legendValues(page, 'chart-diversion'))['diversion %']).toBe(
      (latestDiversion * 100).toFixed(1),
    );
    for (const id of ['chart-tonnes', 'chart-temperature']) {
      for (const [label, text] of Object.entries(await legendValues(page, id))) {
        expect(text, `${id} ${label}`).toMatch(/^(latest )?[\d,.]+|^latest \d/);
      }
    }
  });

  it('shows year-to-date diversion and recycling against the targets, with their source', async () => {
    const yearStart = Date.parse(`${TODAY.slice(0, 4)}-01-01T00:00:00+05:00`);
    const ytd = await get<KpiAnswer>(kpiPath(AST, yearStart, NOW, '1y'));
    const point = ytd.points.at(-1);
    expect(point?.complete).toBe(false);
    for (const kpi of ['diversion_rate', 'recycling_rate'] as const) {
      const row = page.locator(`#ytd .ytd-row[data-kpi="${kpi}"]`);
      const target = ytd.targets.find((t) => t.kpi === kpi);
      if (!target || point?.[kpi] === null || point?.[kpi] === undefined) throw new Error(`no ${kpi} target`);
      expect(await row.locator('.value').textContent()).toBe(`${(point[kpi] * 100).toFixed(1)} %`);
      expect(await row.locator('.target').textContent()).toBe(
        `target ${(target.rate * 100).toFixed(1)} % by 2030${kpi === 'diversion_rate' ? 1 : 2}`,
      );
      expect(await row.locator('.target').getAttribute('title')).toBe(target.source);
      expect(await row.locator('.target-mark').getAttribute('style')).toBe('left: 40%;');
    }
    expect(await page.locator('#ytd .ytd-notes li').allTextContents()).toEqual(
      ytd.targets.map((t) => t.source),
    );
  });

  it('fits 1280x800: no horizontal scroll, nothing cut off', async () => {
    await assertFits(page);
    mkdirSync('reports', { recursive: true });
    await page.screenshot({ path: join('reports', 'operator-page.png'), fullPage: true });
  });

  it('lists the open alert, and acknowledging it changes its state in the page and in the store', async () => {
    const alerts = await alertsOf(AST, 'open');
    const alert = alerts.find((a) => a.type === 'DIVERSION_BELOW_TARGET');
    if (!alert) throw new Error('no open diversion alert');
    const row = page.locator(`#alerts tr[data-alert-id="${alert.alertId}"]`);
    expect(await row.getAttribute('data-state')).toBe('open');
    expect(await row.textContent()).toContain(alert.message);
    expect(await page.textContent('#tile-alerts')).toBe(String(alerts.length));
    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await row.locator('xpath=self::*[@data-state="acknowledged"]').waitFor();
    expect(await row.getByRole('button').count()).toBe(0);
    expect(await page.textContent('#tile-alerts')).toBe(String(alerts.length - 1));
    expect((await alertsOf(AST, 'acknowledged')).map((a) => a.alertId)).toContain(alert.alertId);
  });

  it('follows the picker to the other plant, keeps that choice in the URL, and lists its alert resolved in the last 24 h', async () => {
    await page.selectOption('#plant', ALA);
    await page.waitForURL(new RegExp(`#plant=${ALA}`));
    await waitUpdated(page);
    expect(await page.getAttribute('#why', 'data-reason')).toBe('chosen');
    const [resolved] = await alertsOf(ALA, 'resolved');
    if (!resolved?.resolvedAt) throw new Error('no resolved alert');
    expect(NOW - Date.parse(resolved.resolvedAt)).toBeLessThan(86_400_000);
    const row = page.locator(`#alerts tr[data-alert-id="${resolved.alertId}"]`);
    expect(await row.getAttribute('data-state')).toBe('resolved');
    expect(await row.locator('.state').textContent()).toMatch(/^resolved /);
    expect(await row.getByRole('button').count()).toBe(0);
    // Six hours missing: a break in the temperature line, and that day partial.
    expect((await figure(page, 'chart-temperature')).gaps).toBe(1);
    const hours = await hoursWithData(ALA, day(-3));
    expect(hours).toBeGreaterThanOrEqual(18);
    expect(hours).toBeLessThanOrEqual(19);
    expect(await page.textContent('#chart-tonnes figcaption')).toContain(
      `${shortDay(day(-3))} (${hours} of 24 h with data)`,
    ); // A reload keeps the user's plant although kz-ast-01 still needs attention.
    await page.reload();
    await waitUpdated(page);
    expect(await page.inputValue('#plant')).toBe(ALA);
  });

  it('fits a phone (390x844): no horizontal scroll, nothing cut off', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      await phone.goto(`${local.httpUrl}/?refresh=0#plant=${AST}&from=${FROM_DATE}&to=${TODAY}`);
      await waitUpdated(phone);
      await assertFits(phone);
      await phone.screenshot({ path: join('reports', 'operator-page-phone.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  });

  it('with no open alert left, opens on the stale plant rather than the first', async () => {
    for (const alert of await alertsOf(AST, 'open')) {
      const response = await fetch(`${local.httpUrl}/v1/alerts/${alert.alertId}/ack`, { method: 'POST' });
      expect(response.status).toBe(200);
    }
    expect(await get<{ alerts: AlertJson[] }>('/v1/alerts?state=open')).toEqual({ alerts: [] });
    await page.goto(`${local.httpUrl}/?refresh=0`);
    await waitUpdated(page);
    expect(await page.inputValue('#plant')).toBe(AST);
    expect(await page.getAttribute('#why', 'data-reason')).toBe('stale');
  });

  it('logged no error and no CSP violation in the browser', () => {
    expect(problems).toEqual([]);
  });
});
