/**
 * The layout of the metrics store's Timestream records: metric codes, family
 * codes, measure names, quality and value texts (the planning rules are in
 * records.ts). Stored records depend on every name here: never change one.
 */
import type { MetricName } from '../../domain/catalog.ts';
import type { Quality } from '../../domain/telemetry.ts';
import { once } from '../once.ts';

/** Service limits of WriteRecords (docs/reference/aws-limits.md section 1.1). */
export const TIMESTREAM_LIMITS = {
  maxRecordsPerCall: 100,
  maxRecordBytes: 2048,
  maxMeasuresPerRecord: 256,
} as const;

export type RecordLimits = { -readonly [K in keyof typeof TIMESTREAM_LIMITS]: number };

export interface MetricCode {
  /** Bit of the metric in family codes. Fixed forever: never renumber, only append. */
  readonly index: number;
  /** Measure name of the metric's value. Fixed forever. */
  readonly code: string;
}

/**
 * The metric index table. Stored family codes and measure names depend on it:
 * never change an entry or reuse an index; a new catalog metric takes the
 * next free index (23) and a new code.
 */
export const METRIC_CODES: Readonly<Record<MetricName, MetricCode>> = {
  waste_feed_rate: { index: 0, code: 'wf' },
  furnace_temperature: { index: 1, code: 'ft' },
  steam_flow: { index: 2, code: 'sf' },
  steam_pressure: { index: 3, code: 'sp' },
  steam_temperature: { index: 4, code: 'st' },
  power_gross: { index: 5, code: 'pg' },
  power_export: { index: 6, code: 'pe' },
  heat_export: { index: 7, code: 'he' },
  flue_gas_o2: { index: 8, code: 'o2' },
  boiler_dp: { index: 9, code: 'dp' },
  dust: { index: 10, code: 'du' },
  toc: { index: 11, code: 'toc' },
  hcl: { index: 12, code: 'hcl' },
  hf: { index: 13, code: 'hf' },
  so2: { index: 14, code: 'so2' },
  nox: { index: 15, code: 'nox' },
  co: { index: 16, code: 'co' },
  waste_fed: { index: 17, code: 'wfc' },
  electricity_generated: { index: 18, code: 'eg' },
  electricity_exported: { index: 19, code: 'ee' },
  heat_exported: { index: 20, code: 'hx' },
  mrf_input: { index: 21, code: 'mi' },
  mrf_recovered: { index: 22, code: 'mr' },
};

export const READINGS_DIMENSIONS = ['plant', 'line'] as const;
export const MOVEMENTS_DIMENSIONS = ['plant', 'ticket'] as const;
export const FAMILY_PREFIX = 'm.';
export const QUALITY_MEASURE = 'q';
export const VERSION_MEASURE = 'v';
export const MOVEMENT_MEASURE_NAME = 'wb';
export const MOVEMENT_MEASURES = {
  netTonnes: 't',
  direction: 'dir',
  material: 'mat',
  destination: 'dst',
  operationCode: 'op',
} as const;

const QUALITY_LETTER: Readonly<Record<Exclude<Quality, 'GOOD'>, string>> = { UNCERTAIN: 'U', BAD: 'B' };
const LETTER_QUALITY: ReadonlyMap<string, Quality> = new Map([
  ['U', 'UNCERTAIN'],
  ['B', 'BAD'],
]);

// Built on first use (once): a lake bundle evaluates this module's top level too (docs/bundles.md).
const metricLookups = /* @__PURE__ */ once(() => {
  const byIndex = new Map<number, MetricName>();
  const byCode = new Map<string, MetricName>();
  for (const [metric, { index, code }] of Object.entries(METRIC_CODES) as Array<[MetricName, MetricCode]>) {
    if (byIndex.has(index) || byCode.has(code) || code === QUALITY_MEASURE || code === VERSION_MEASURE)
      throw new Error(`METRIC_CODES: index ${index} or code ${code} of ${metric} is not unique`);
    byIndex.set(index, metric);
    byCode.set(code, metric);
  }
  return { byIndex, byCode };
});

/** Family code of a set of metrics: `m.` + base36 of the bitmask of their indexes. Order does not matter. */
export function familyCode(metrics: Iterable<MetricName>): string {
  let mask = 0n;
  for (const metric of metrics) mask |= 1n << BigInt(METRIC_CODES[metric].index);
  return FAMILY_PREFIX + mask.toString(36);
}

/** The metrics of a family code, in index order; `undefined` when it is not one. */
export function metricsOfFamily(measureName: string): MetricName[] | undefined {
  if (!measureName.startsWith(FAMILY_PREFIX)) return undefined;
  const digits = measureName.slice(FAMILY_PREFIX.length);
  if (!/^[1-9a-z][0-9a-z]*$/.test(digits)) return undefined;
  let mask = 0n;
  for (const digit of digits) mask = mask * 36n + BigInt(Number.parseInt(digit, 36));
  const metrics: MetricName[] = [];
  for (let index = 0; mask > 0n; index++, mask >>= 1n) {
    if ((mask & 1n) === 0n) continue;
    const metric = metricLookups().byIndex.get(index);
    if (metric === undefined) return undefined;
    metrics.push(metric);
  }
  return metrics;
}

export const byIndex = (a: MetricName, b: MetricName) => METRIC_CODES[a].index - METRIC_CODES[b].index;

/** The `q` measure: non-GOOD qualities only, in index order; `undefined` when all are GOOD. */
export function encodeQualities(qualities: Iterable<readonly [MetricName, Quality]>): string | undefined {
  const parts = [...qualities]
    .filter(([, quality]) => quality !== 'GOOD')
    .sort(([a], [b]) => byIndex(a, b))
    .map(
      ([metric, quality]) => METRIC_CODES[metric].code + QUALITY_LETTER[quality as Exclude<Quality, 'GOOD'>],
    );
  return parts.length === 0 ? undefined : parts.join(',');
}

/** Reads a `q` measure back; metrics it does not name are GOOD. */
export function decodeQualities(q: string | undefined): Map<MetricName, Quality> {
  const out = new Map<MetricName, Quality>();
  if (q === undefined || q === '') return out;
  for (const part of q.split(',')) {
    const metric = metricLookups().byCode.get(part.slice(0, -1));
    const quality = LETTER_QUALITY.get(part.slice(-1));
    if (metric === undefined || quality === undefined) throw new RangeError(`not a quality entry: ${part}`);
    out.set(metric, quality);
  }
  return out;
}

/**
 * Value text of a DOUBLE measure: 12 significant digits, as in
 * `readingFingerprint`, so "the same content" is the same record text.
 */
export function doubleText(value: number): string {
  const text = String(value);
  // Fast path: at most 12 significant digits already (the shortest round-trip text has no more
  // digits than characters), so rounding to 12 digits gives the same number and the same text.
  if (text.length <= 12 && !text.includes('e')) return text;
  return String(Number(value.toPrecision(12)));
}
