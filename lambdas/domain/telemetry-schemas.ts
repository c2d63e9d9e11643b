/**
 * The wire schemas of telemetry contract v1 (docs/contract.md section 1) in zod.
 * Their own module, so only the functions that parse telemetry (ingest, the
 * processor) build them at load; the constants they use are telemetry.ts's.
 */
import * as z from 'zod/mini';
import { ProblemType } from './problem.ts';
import {
  DESTINATIONS,
  DIRECTIONS,
  LINE_PATTERN,
  MATERIALS,
  MAX_MOVEMENTS,
  MAX_NET_TONNES,
  MAX_READINGS,
  MAX_TIMESTAMP_CHARS,
  MESSAGE_ID_PATTERN,
  MIN_NET_TONNES,
  OPERATION_CODE_PATTERN,
  PLANT_ID_PATTERN,
  QUALITIES,
  TELEMETRY_SCHEMA,
  TICKET_ID_PATTERN,
} from './telemetry.ts';
import './zod-english.ts';

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
