/**
 * Schemas for what the state table gives back. An item is read as `unknown`
 * and checked here before the domain sees it, so a hand-edited or
 * half-migrated item fails loudly instead of travelling on as a lie.
 * Key attributes and bookkeeping (pk, sk, gsi*, entity, fingerprint) are
 * stripped by the object schemas.
 */
import * as z from 'zod/mini';
import { isMetricName, type MetricName } from '../../domain/catalog.ts';
import type { PlantConfig } from '../../domain/plant.ts';
import type { GatewayToken, QuarantineEntry, StoredMovement, StoredReading } from '../../domain/ports.ts';
import { ProblemType, type ProblemTypeUri } from '../../domain/problem.ts';
import { DESTINATIONS, DIRECTIONS, MATERIALS, QUALITIES } from '../../domain/telemetry.ts';
import { isUnit, type Unit } from '../../domain/units.ts';
import { once } from '../once.ts';

/** The table holds an item this adapter cannot read. Not transient: retrying does not help. */
export class StoredItemError extends Error {
  override readonly name = 'StoredItemError';
}

// Each schema is built on first use (once): a cold start builds none, and a function that never
// decodes an item of a kind bundles none of its schema (`/* @__PURE__ */` lets esbuild drop it).
const metricName = () =>
  z.custom<MetricName>((v) => typeof v === 'string' && isMetricName(v), 'unknown metric');
const unit = () => z.custom<Unit>((v) => typeof v === 'string' && isUnit(v), 'unknown unit');
const problemType = () => {
  const types: ReadonlySet<string> = new Set(Object.values(ProblemType));
  return z.custom<ProblemTypeUri>((v) => typeof v === 'string' && types.has(v), 'unknown problem type');
};

const plantSchema = () =>
  z.object({
    plantId: z.string(),
    name: z.string(),
    timeZone: z.string(),
    diversionTarget: z.number(),
    diversionMinReceivedT: z.number(),
    diversionDeadband: z.number(),
    combustionMinTempC: z.number(),
    combustionOnDelayMinutes: z.number(),
    staleAfterMinutes: z.number(),
    dayCompleteAfterMinutes: z.optional(z.number()),
    jurisdiction: z.optional(z.string()),
    targets: z.optional(
      z.array(
        z.object({
          kpi: z.enum(['diversion_rate', 'recycling_rate']),
          rate: z.number(),
          year: z.number(),
          source: z.string(),
        }),
      ),
    ),
    r1: z.optional(
      z.object({
        wasteNcvGJPerT: z.optional(z.number()),
        importedEnergyGJPerYear: z.optional(z.number()),
        auxiliaryFuelGJPerYear: z.optional(z.number()),
        heatingDegreeDays: z.optional(z.number()),
        permittedOn: z.optional(z.string()),
        inOperationSince: z.optional(z.string()),
      }),
    ),
  }) satisfies z.ZodMiniType<PlantConfig>;

const movementSchema = () =>
  z.object({
    plantId: z.string(),
    ticketId: z.string(),
    ts: z.number(),
    direction: z.enum(DIRECTIONS),
    netTonnes: z.number(),
    material: z.enum(MATERIALS),
    destination: z.optional(z.enum(DESTINATIONS)),
    operationCode: z.optional(z.string()),
    correction: z.boolean(),
    version: z.number(),
  }) satisfies z.ZodMiniType<StoredMovement>;

const readingSchema = () =>
  z.object({
    plantId: z.string(),
    line: z.string(),
    metric: metricName(),
    kind: z.enum(['gauge', 'counter']),
    ts: z.number(),
    value: z.number(),
    unit: unit(),
    quality: z.enum(QUALITIES),
    correction: z.boolean(),
    version: z.number(),
  }) satisfies z.ZodMiniType<StoredReading>;

const tokenSchema = () =>
  z.object({
    tokenId: z.string(),
    gatewayId: z.string(),
    plants: z.array(z.string()),
    secretHash: z.string(),
    createdAt: z.number(),
    revokedAt: z.optional(z.number()),
    label: z.optional(z.string()),
  }) satisfies z.ZodMiniType<GatewayToken>;

const quarantineCommon = () => ({
  quarantineId: z.string(),
  plantId: z.string(),
  messageId: z.string(),
  pointer: z.string(),
  type: problemType(),
  reason: z.string(),
  quarantinedAt: z.number(),
});

/** A JSON text holding a value of `schema`. */
export function jsonOf<T>(schema: z.ZodMiniType<T>) {
  const parsed = z.pipe(
    z.string(),
    z.transform((text: string, ctx): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        ctx.issues.push({ code: 'custom', message: 'is not JSON', input: text });
        return z.NEVER;
      }
    }),
  );
  return z.pipe(parsed, schema);
}

// The quarantined item is kept as JSON text: a refused reading may hold a number
// outside DynamoDB's range (above 1e126 or below 1e-130 in magnitude), and it must still be kept.
const quarantineSchema = () =>
  z.discriminatedUnion('itemKind', [
    z.object({ ...quarantineCommon(), itemKind: z.literal('reading'), item: jsonOf(readingSchema()) }),
    z.object({ ...quarantineCommon(), itemKind: z.literal('movement'), item: jsonOf(movementSchema()) }),
  ]) satisfies z.ZodMiniType<QuarantineEntry>;

/**
 * Checks stored data against the schema `build` returns (built on the first
 * check, then kept); a mismatch is a `StoredItemError` naming `what`.
 */
export function decoder<T>(what: string, build: () => z.ZodMiniType<T>): (data: unknown) => T {
  const schema = once(build);
  return (data) => {
    const parsed = schema().safeParse(data);
    if (parsed.success) return parsed.data;
    throw new StoredItemError(`stored ${what} is malformed: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  };
}

export const decodePlant = /* @__PURE__ */ decoder('plant', plantSchema);
export const decodeMovement = /* @__PURE__ */ decoder('movement', movementSchema);
export const decodeToken = /* @__PURE__ */ decoder('token', tokenSchema);
export const decodeQuarantine = /* @__PURE__ */ decoder('quarantine entry', quarantineSchema);
