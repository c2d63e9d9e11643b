/**
 * The annual report's HTML (cli/report-html.ts) in Debian's Chromium through
 * playwright-core, from the API's answer over report-fixture.ts: it renders
 * with no console error or failed request, draws the monthly charts (bars
 * only for months with data, "no data" for the others, nothing for months
 * not begun), fits an A4 page's width and prints to A4 PDF pages.
 * Screenshot: reports/report-document.png. Skipped, with the reason printed,
 * where /usr/bin/chromium is missing (.ci/run installs it).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportHtml } from '../../cli/report-html.ts';
import { type PlantReportDocument, readReport } from '../../cli/report-schema.ts';
import { makeReportHandler } from '../../lambdas/handlers/report-api.ts';
import { ALA, AST, type ReportFixture, startReportFixture } from '../handlers/report-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`report document browser test skipped: ${CHROMIUM} is missing`);

/** A4 width at 96 CSS px per inch. */
const A4_WIDTH_PX = 794;

let fixture: ReportFixture;
let browser: Browser | undefined;

async function reportOf(plantId: string): Promise<PlantReportDocument> {
  const response = await makeReportHandler(fixture.deps)({
    httpMethod: 'GET',
    path: `/v1/plants/${plantId}/report`,
    headers: {},
    body: null,
    isBase64Encoded: false,
    pathParameters: { plantId },
    queryStringParameters: { year: '2026' },
  });
  const report = readReport(JSON.parse(response.body));
  if (typeof report === 'string') throw new Error(report);
  return report;
}

/** Loads the document with every console message and failed request recorded. */
async function open(html: string): Promise<{ page: Page; problems: string[] }> {
  const page = await (browser as Browser).newPage({ viewport: { width: A4_WIDTH_PX, height: 1123 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('data:') && r.url() !== 'about:blank') problems.push(`request: ${r.url()}`);
  });
  await page.setContent(html, { waitUntil: 'load' });
  return { page, problems };
}

beforeAll(async () => {
  fixture = await startReportFixture('state-report-web');
  if (hasChromium) browser = await chromium.launch({ executablePath: CHROMIUM });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await fixture?.close();
});

describe.skipIf(!hasChromium)('the annual report in Chromium', () => {
  it('renders the monthly charts with no console error and no request, and fits A4', async () => {
    const { page, problems } = await open(reportHtml(await reportOf(AST), 'http://127.0.0.1:8787'));
    // Bars only for November (the data's month): 3 tonnage series, 2 energy series.
    expect(await page.locator('svg[data-chart="tonnage"] rect.bar').count()).toBe(3);
    expect(await page.locator('svg[data-chart="energy"] rect.bar').count()).toBe(2);
    const heights = await page
      .locator('svg[data-chart="tonnage"] rect.bar')
      .evaluateAll((bars) => bars.map((b) => Number(b.getAttribute('height'))));
    expect(Math.max(...heights)).toBeGreaterThan(100);
    // January to October have no data (labelled, not drawn as zero); December has not begun.
    expect(await page.locator('svg[data-chart="tonnage"] text.nodata').count()).toBe(10);
    expect(await page.locator('svg[data-chart="tonnage"] text.partial').count()).toBe(1);
    // Rates: one point per series for November, on a fixed 0-100 % axis; both targets are 40 %: one dashed line, both named.
    expect(await page.locator('svg[data-chart="rates"] circle.point').count()).toBe(2);
    expect(await page.locator('svg[data-chart="rates"] line.target').count()).toBe(1);
    const targetLabel = (await page.locator('svg[data-chart="rates"]').textContent()) ?? '';
    expect(targetLabel).toContain('diversion target 40.0 % by 2030; recycling target 40.0 % by 2030');
    expect(await page.locator('svg[data-chart="rates"] text.tick').allTextContents()).toContain('100 %');
    // Every chart is drawn at the page's width, and nothing overflows an A4 page.
    for (const chart of ['tonnage', 'rates', 'energy']) {
      const box = await page.locator(`svg[data-chart="${chart}"]`).boundingBox();
      expect(box?.width, chart).toBeGreaterThan(500);
    }
    const overflow = await page.evaluate(
      '(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)()',
    );
    expect(overflow).toBe(0);
    expect(await page.locator('table[data-table="months"] tbody tr').count()).toBe(12);
    expect(await page.locator('table[data-table="months"] tr.nodata').count()).toBe(10);
    expect(await page.locator('table[data-table="months"] tbody').textContent()).toContain('not begun');
    expect(await page.locator('header .meta').textContent()).toContain(
      'period 1 January 2026 to 31 December 2026 (plant-local calendar year)',
    );
    expect(await page.locator('[data-r1]').textContent()).toMatch(/^R1 = -?\d+\.\d{3}$/);
    expect(await page.locator('#definitions dt').count()).toBeGreaterThanOrEqual(10);
    mkdirSync('reports', { recursive: true });
    await page.screenshot({ path: 'reports/report-document.png', fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('prints to A4 pages', async () => {
    const { page, problems } = await open(reportHtml(await reportOf(AST), 'http://127.0.0.1:8787'));
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ preferCSSPageSize: true });
    const text = pdf.toString('latin1');
    const pages = text.match(/\/Type\s*\/Page[^s]/g) ?? [];
    expect(pages.length).toBeGreaterThanOrEqual(2);
    // A4 is 210 x 297 mm: 595.3 x 841.9 points (Chromium writes 594.96 x 841.92).
    const boxes = [...text.matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)];
    expect(boxes.length).toBeGreaterThan(0);
    for (const [, w, h] of boxes) {
      expect(Math.abs(Number(w) - 595.3)).toBeLessThan(1);
      expect(Math.abs(Number(h) - 841.9)).toBeLessThan(1);
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('says why R1 is missing and shows a plant without targets without failing', async () => {
    const { page, problems } = await open(reportHtml(await reportOf(ALA), 'http://127.0.0.1:8787'));
    expect(await page.locator('#r1').textContent()).toContain('Not computed: missing plant settings r1.');
    expect(await page.locator('svg[data-chart="rates"] line.target').count()).toBe(0);
    expect(await page.locator('#targets').textContent()).toContain('No target');
    expect(problems).toEqual([]);
    await page.close();
  });
});
