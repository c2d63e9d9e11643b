/** Stored readings and tickets for adapter tests, one definition for every store. */
import { canonicalUnitOf, METRICS, type MetricName } from '../../lambdas/domain/catalog.ts';
import { BASE_VERSION, type StoredMovement, type StoredReading } from '../../lambdas/domain/ports.ts';

export const NOW = Date.parse('2026-11-24T12:00:00.000Z');
export const MINUTE = 60_000;
export const PLANT = 'kz-ast-01';

/** A GOOD reading one minute before NOW (furnace temperature on boiler-1 unless overridden), base version. */
export function reading(overrides: Partial<StoredReading> & { metric?: MetricName } = {}): StoredReading {
  const metric = overrides.metric ?? 'furnace_temperature';
  return {
    plantId: PLANT,
    line: 'boiler-1',
    metric,
    kind: METRICS[metric].kind,
    ts: NOW - MINUTE,
    value: 912.5,
    unit: canonicalUnitOf(metric),
    quality: 'GOOD',
    correction: false,
    version: BASE_VERSION,
    ...overrides,
  };
}

/** An inbound weighbridge ticket one hour before NOW, base version. */
export function movement(overrides: Partial<StoredMovement> = {}): StoredMovement {
  return {
    plantId: PLANT,
    ticketId: 'WB-2026-0001',
    ts: NOW - 60 * MINUTE,
    direction: 'in',
    netTonnes: 12.34,
    material: 'mixed_waste',
    correction: false,
    version: BASE_VERSION,
    ...overrides,
  };
}
