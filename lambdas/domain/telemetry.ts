/**
 * Telemetry contract v1 (CONTRACT.md section 1): the wire schemas in zod and
 * the normalized shapes the rest of the pipeline works on.
 */
import * as z from 'zod/mini';
import type { MetricKind, MetricName } from './catalog.ts';
import { ProblemType } from './problem.ts';
import type { Unit } from './units.ts';
import './zod-english.ts';

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

const timestamp = z.union(
  [
    z
      .string()
      .check(
        z.maxLength(MAX_TIMESTAMP_CHARS, { error: `must be at most ${MAX_TIMESTAMP_CHARS} characters` }),
      ),
    z.number(),
  ],
  {
    error: 'must be an RFC 3339 string with an offset or integer epoch milliseconds',
  },
);

export const envelopeSchema = z.object({
  schema: z.literal(TELEMETRY_SCHEMA, { error: `must be "${TELEMETRY_SCHEMA}"` }),
  messageId: z
    .string()
    .check(z.regex(MESSAGE_ID_PATTERN, { error: 'must be 1 to 128 characters of [A-Za-z0-9._:-]' })),
  plantId: z.optional(
    z.string().check(z.regex(PLANT_ID_PATTERN, { error: 'must be 1 to 64 characters of [a-z0-9-]' })),
  ),
  sentAt: z.optional(timestamp),
  readings: z.optional(
    z.array(z.unknown()).check(z.maxLength(MAX_READINGS, { error: `at most ${MAX_READINGS} readings` })),
  ),
  movements: z.optional(
    z.array(z.unknown()).check(z.maxLength(MAX_MOVEMENTS, { error: `at most ${MAX_MOVEMENTS} movements` })),
  ),
});

export const readingSchema = z.object({
  ts: timestamp,
  line: z.string().check(z.regex(LINE_PATTERN, { error: 'must be 1 to 64 characters of [A-Za-z0-9._:-]' })),
  // Longer names cannot be in the catalog or the unit list: refused as such, without a lookup.
  metric: z.string({ error: 'must be a string' }).check(
    z.refine((metric) => metric.length <= 64, {
      error: 'is not in the metric catalog',
      params: { type: ProblemType.unknownMetric },
    }),
  ),
  value: z.number({ error: 'must be a finite number' }),
  unit: z.optional(
    z.string({ error: 'must be a string' }).check(
      z.refine((unit) => unit.length <= 16, {
        error: 'is not a known unit',
        params: { type: ProblemType.invalidUnit },
      }),
    ),
  ),
  quality: z._default(z.enum(QUALITIES, { error: 'must be GOOD, UNCERTAIN or BAD' }), 'GOOD'),
  correction: z._default(z.boolean({ error: 'must be a boolean' }), false),
});

export const movementSchema = z
  .object({
    ticketId: z
      .string()
      .check(z.regex(TICKET_ID_PATTERN, { error: 'must be 1 to 128 characters of [A-Za-z0-9._:/-]' })),
    ts: timestamp,
    direction: z.enum(DIRECTIONS, { error: 'must be "in" or "out"' }),
    netTonnes: z.number({ error: 'must be a finite number' }).check(
      z.gt(0, { error: 'must be greater than 0' }),
      // A gram is far below weighbridge resolution; smaller values are noise no store can hold exactly.
      z.gte(MIN_NET_TONNES, { error: `must be at least ${MIN_NET_TONNES} t` }),
      z.lte(MAX_NET_TONNES, { error: `must be at most ${MAX_NET_TONNES}` }),
    ),
    material: z.enum(MATERIALS, { error: `must be one of ${MATERIALS.join(', ')}` }),
    destination: z.optional(z.enum(DESTINATIONS, { error: `must be one of ${DESTINATIONS.join(', ')}` })),
    operationCode: z.optional(
      z.string().check(z.regex(OPERATION_CODE_PATTERN, { error: 'must be R1 to R13 or D1 to D15' })),
    ),
    correction: z._default(z.boolean({ error: 'must be a boolean' }), false),
  })
  .check(
    z.superRefine((movement, ctx) => {
      if (movement.direction === 'out' && movement.destination === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['destination'],
          message: 'is required when direction is "out"',
          params: { type: ProblemType.missingMember },
        });
      }
    }),
  );

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
