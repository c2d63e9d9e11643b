import { BASE_VERSION, type StoredMovement, type StoredReading } from '../../../lambdas/domain/ports.ts';

export const NOW = Date.parse('2026-11-24T12:00:00.000Z');
export const MINUTE = 60_000;
export const PLANT = 'kz-ast-01';

/** A furnace temperature reading one minute before NOW, base version. */
export function reading(overrides: Partial<StoredReading> = {}): StoredReading {
  return {
    plantId: PLANT,
    line: 'L1',
    metric: 'furnace_temperature',
    kind: 'gauge',
    ts: NOW - MINUTE,
    value: 912.5,
    unit: 'degC',
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

/** Every reading of a plant and metric, whatever its time. */
export const ALL_TIME = { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY } as const;
