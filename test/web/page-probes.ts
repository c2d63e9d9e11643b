/** What the operator page's browser test reads from the DOM: charts' data attributes, legends, layout. */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

export interface FigureData {
  points: number;
  values: Record<string, number>;
  threshold?: number;
  yMin: number;
  yMax: number;
  partial: number;
  noData: number;
  gaps: number;
}

export async function waitUpdated(page: Page): Promise<void> {
  await page.locator('#status', { hasText: 'Updated' }).waitFor();
}

export async function figure(page: Page, id: string): Promise<FigureData> {
  const element = page.locator(`#${id}[data-state="ready"]`);
  await element.waitFor();
  const attributes = ['points', 'values', 'threshold', 'y-min', 'y-max', 'partial', 'no-data', 'gaps'];
  const read = await Promise.all(attributes.map((a) => element.getAttribute(`data-${a}`)));
  const data = Object.fromEntries(attributes.map((a, i) => [a, read[i] ?? undefined]));
  return {
    points: Number(data.points),
    values: JSON.parse(data.values ?? '{}') as Record<string, number>,
    ...(data.threshold === undefined ? {} : { threshold: Number(data.threshold) }),
    yMin: Number(data['y-min']),
    yMax: Number(data['y-max']),
    partial: Number(data.partial),
    noData: Number(data['no-data']),
    gaps: Number(data.gaps),
  };
}

/** The legend's text per series as shown (the time series under the key `x`). */
export async function legendValues(page: Page, id: string): Promise<Record<string, string>> {
  return page
    .locator(`#${id} .u-legend .u-series`)
    .evaluateAll((rows) =>
      Object.fromEntries(
        rows.map((row, i) => [
          i === 0 ? 'x' : (row.querySelector('.u-label')?.textContent ?? ''),
          row.querySelector('.u-value')?.textContent ?? '',
        ]),
      ),
    );
}

/**
 * Readable at the page's viewport: the document does not scroll sideways,
 * and no visible element of the header or main sticks out of the viewport
 * or out of a box that clips it.
 */
export async function assertFits(page: Page): Promise<void> {
  const report = (await page.evaluate(FITS)) as { scrollWidth: number; width: number; out: string[] };
  expect(report.out).toEqual([]);
  expect(report.scrollWidth).toBeLessThanOrEqual(report.width);
}

/** Runs in the page (a string: the test project has no DOM types). */
const FITS = `(() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (typeof e.className === 'string' && e.className ? '.' + e.className.split(' ').join('.') : '');
  for (const element of document.querySelectorAll('header *, main *')) {
    const box = element.getBoundingClientRect();
    // Visually hidden text (one pixel, clipped on purpose) is for screen readers.
    if (box.width <= 1 || box.height <= 1) continue;
    if (box.left < -0.5 || box.right > width + 0.5) out.push(name(element) + ' ' + box.left + '..' + box.right);
    const overflow = getComputedStyle(element).overflowX;
    if (overflow !== 'visible' && element.clientWidth > 0 && element.scrollWidth > element.clientWidth + 1) {
      out.push(name(element) + ' scrolls ' + element.scrollWidth + ' > ' + element.clientWidth);
    }
  }
  return { scrollWidth: document.documentElement.scrollWidth, width, out };
})()`;
