/**
 * The KPI rollup's writing settings belong to the writer: the processor's
 * marker reads KPI_ROLLUP_MEMORY_RETENTION_HOURS and refuses a bad one at
 * cold start; a reader (query API, widget, scheduler) neither needs nor
 * checks it, so its bundle holds no settle policy (docs/bundles.md).
 */
import { describe, expect, it } from 'vitest';
import { kpiRollupReader, kpiSlotMarker } from '../../lambdas/entry/aws-stores.ts';

const ENV = {
  AWS_REGION: 'eu-central-1',
  KPI_ROLLUP_TABLE: 'wte-kpi-rollup',
  KPI_ROLLUP_SINCE: '1795478400000',
};

describe('KPI rollup settings by role', () => {
  it('the memory retention is checked by the marker, which uses it, and not by a reader', () => {
    const bad = { ...ENV, KPI_ROLLUP_MEMORY_RETENTION_HOURS: 'a day' };
    expect(() => kpiSlotMarker(bad)).toThrow('KPI_ROLLUP_MEMORY_RETENTION_HOURS');
    expect(kpiSlotMarker({ ...ENV, KPI_ROLLUP_MEMORY_RETENTION_HOURS: '24' })).toBeDefined();
    expect(kpiRollupReader(bad)).toBeDefined();
    // A reader still checks what it reads by.
    expect(() => kpiRollupReader({ ...ENV, KPI_ROLLUP_SINCE: 'yesterday' })).toThrow('KPI_ROLLUP_SINCE');
    expect(kpiRollupReader({ AWS_REGION: 'eu-central-1' })).toBeUndefined();
  });
});
