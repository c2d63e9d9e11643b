/**
 * Identities and content fingerprints (docs/contract.md section 1). The identity
 * says which stored item a new one would replace; the fingerprint says
 * whether the content differs, which separates a harmless redelivery from a
 * conflict or a correction.
 */
import type { Movement, Reading } from './telemetry.ts';

const SEP = '|';

/** (plantId, line, metric, ts), with ts normalized to epoch milliseconds. */
export function readingKey(reading: Pick<Reading, 'plantId' | 'line' | 'metric' | 'ts'>): string {
  return [reading.plantId, reading.line, reading.metric, reading.ts].join(SEP);
}

/** (plantId, ticketId). */
export function movementKey(movement: Pick<Movement, 'plantId' | 'ticketId'>): string {
  return [movement.plantId, movement.ticketId].join(SEP);
}

/**
 * Canonical values are rounded to 12 significant digits so the same quantity
 * sent in different units (18.2505 MWh or 18250.5 kWh) is the same content.
 */
function stableNumber(value: number): string {
  return Number(value.toPrecision(12)).toString();
}

export function readingFingerprint(reading: Pick<Reading, 'value' | 'quality'>): string {
  return [stableNumber(reading.value), reading.quality].join(SEP);
}

export function movementFingerprint(movement: Movement): string {
  return [
    movement.ts,
    movement.direction,
    stableNumber(movement.netTonnes),
    movement.material,
    movement.destination ?? '',
    movement.operationCode ?? '',
  ].join(SEP);
}
