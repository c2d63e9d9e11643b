/**
 * The Timestream record codes: every catalog metric has its own bit index and
 * measure code, none of them the quality or version measure's, and a family
 * code decodes back to its metrics. The uniqueness check runs when codes are
 * first decoded, so this test runs it on its own.
 */
import { describe, expect, it } from 'vitest';
import {
  familyCode,
  METRIC_CODES,
  metricsOfFamily,
  QUALITY_MEASURE,
  VERSION_MEASURE,
} from '../../../lambdas/adapters/timestream/record-codes.ts';
import { METRIC_NAMES } from '../../../lambdas/domain/catalog.ts';

describe('Timestream record codes', () => {
  it('gives every metric its own index and code, apart from the quality and version measures', () => {
    const codes = METRIC_NAMES.map((m) => METRIC_CODES[m].code);
    const indexes = METRIC_NAMES.map((m) => METRIC_CODES[m].index);
    expect(new Set(codes).size).toBe(METRIC_NAMES.length);
    expect(new Set(indexes).size).toBe(METRIC_NAMES.length);
    expect(codes).not.toContain(QUALITY_MEASURE);
    expect(codes).not.toContain(VERSION_MEASURE);
  });

  it('decodes every family code back to its metrics, in index order', () => {
    const sorted = [...METRIC_NAMES].sort((a, b) => METRIC_CODES[a].index - METRIC_CODES[b].index);
    expect(metricsOfFamily(familyCode(METRIC_NAMES))).toEqual(sorted);
    for (const metric of METRIC_NAMES) expect(metricsOfFamily(familyCode([metric]))).toEqual([metric]);
  });
});
