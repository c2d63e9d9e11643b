/**
 * Telemetry contract v1 (docs/contract.md section 1): its limits, vocabularies and
 * identifier patterns, and the normalized shapes the rest of the pipeline
 * works on. The wire schemas are in telemetry-schemas.ts: every store imports
 * this module, and only the parsers need the schemas built.
 */
import type { MetricKind, MetricName } from './catalog.ts';
import type { Unit } from './units.ts';

export const TELEMETRY_SCHEMA = 'wte.telemetry.v1';
export const MAX_READINGS = 1000;
export const MAX_MOVEMENTS = 500;
export const MAX_BODY_BYTES = 256 * 1024;
export const MAX_NET_TONNES = 100;
export const MIN_NET_TONNES = 0.000001;

export const QUALITIES = ['GOOD', 'UNCERTAIN', 'BAD'] as const;
export type Quality = (typeof QUALITIES)[number];

export const MATERIALS = [
  'mixed_waste',
  'recyclables',
  'metals',
  'bottom_ash',
  'apc_residue',
  'rejects',
  'other',
] as const;
export type Material = (typeof MATERIALS)[number];

export const DESTINATIONS = [
  'landfill',
  'recycling',
  'energy_recovery',
  'composting',
  'storage',
  'other',
] as const;
export type Destination = (typeof DESTINATIONS)[number];

export const DIRECTIONS = ['in', 'out'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const MESSAGE_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const PLANT_ID_PATTERN = /^[a-z0-9-]{1,64}$/;
export const LINE_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
export const TICKET_ID_PATTERN = /^[A-Za-z0-9._:/-]{1,128}$/;
export const OPERATION_CODE_PATTERN = /^(R([1-9]|1[0-3])|D([1-9]|1[0-5]))$/;

export const MAX_TIMESTAMP_CHARS = 64;

/** A reading after validation: canonical unit, epoch-ms time, plant resolved. */
export interface Reading {
  readonly plantId: string;
  readonly line: string;
  readonly metric: MetricName;
  readonly kind: MetricKind;
  readonly ts: number;
  /** Value in the metric's canonical unit. */
  readonly value: number;
  readonly unit: Unit;
  readonly quality: Quality;
  readonly correction: boolean;
}

/** A weighbridge ticket after validation. */
export interface Movement {
  readonly plantId: string;
  readonly ticketId: string;
  readonly ts: number;
  readonly direction: Direction;
  readonly netTonnes: number;
  readonly material: Material;
  readonly destination?: Destination;
  readonly operationCode?: string;
  readonly correction: boolean;
}

export interface TelemetryMessage {
  readonly schema: typeof TELEMETRY_SCHEMA;
  readonly messageId: string;
  readonly plantId: string;
  readonly sentAt?: number;
  readonly readings: readonly Reading[];
  readonly movements: readonly Movement[];
}
