/**
 * Schemas for the alert store's items (dynamo-alert-store.ts). Alerts and
 * transitions are kept as JSON text inside the items, so any finite double
 * survives (a DynamoDB number cannot hold a magnitude below 1e-130, and a
 * rule's ratio or standard deviation may be that small); they are checked
 * here on the way in, so nothing unreadable is ever stored, and on the way out.
 */
import * as z from 'zod/mini';
import {
  ALERT_SEVERITIES,
  ALERT_STATES,
  ALERT_TYPES,
  type Alert,
  type AlertTransition,
  type TransitionKind,
} from '../../domain/alerts/model.ts';
import { once } from '../once.ts';
import { decoder, jsonOf } from './stored-items.ts';

const TRANSITION_KINDS = [
  'opened',
  'acknowledged',
  'resolved',
  'reminder',
  'updated',
] as const satisfies readonly TransitionKind[];

// Built on first use (once), not at cold start: see stored-items.ts.

/** Epoch ms; an integer, because it becomes part of a sort key. */
const epochMs = () => z.int().check(z.nonnegative(), z.lte(Number.MAX_SAFE_INTEGER));

const buildAlertSchema = () =>
  z.object({
    alertId: z.string().check(z.minLength(1)),
    plantId: z.string().check(z.minLength(1)),
    type: z.enum(ALERT_TYPES),
    subject: z.string().check(z.minLength(1)),
    severity: z.enum(ALERT_SEVERITIES),
    state: z.enum(ALERT_STATES),
    openedAt: z.number(),
    updatedAt: epochMs(),
    acknowledgedAt: z.optional(z.number()),
    acknowledgedBy: z.optional(z.string()),
    resolvedAt: z.optional(z.number()),
    lastRemindedAt: z.optional(z.number()),
    window: z.object({ start: z.number(), end: z.number() }),
    value: z.number(),
    threshold: z.number(),
    message: z.string(),
    sequence: z.int().check(z.positive()),
  }) satisfies z.ZodMiniType<Alert>;

export const alertSchema = /* @__PURE__ */ once(buildAlertSchema);

export const transitionSchema = /* @__PURE__ */ once(
  () =>
    z.object({
      transitionId: z.string().check(z.minLength(1)),
      kind: z.enum(TRANSITION_KINDS),
      subject: z.string(),
      alert: alertSchema(),
    }) satisfies z.ZodMiniType<AlertTransition>,
);

const outboxEntrySchema = () =>
  z.object({
    transitionId: z.string(),
    /** Order key: the transition's alert updatedAt, zero-padded. */
    at: z.string(),
    transition: jsonOf(transitionSchema()),
  });
export type OutboxEntry = z.infer<ReturnType<typeof outboxEntrySchema>>;

const headSchema = () =>
  z.object({
    alert: jsonOf(alertSchema()),
    outbox: z._default(z.array(outboxEntrySchema()), []),
  });
export type StoredHead = z.infer<ReturnType<typeof headSchema>>;

const recordSchema = () =>
  z.object({
    alert: jsonOf(alertSchema()),
  });

export const decodeHead = /* @__PURE__ */ decoder('alert head', headSchema);
const decodeRecord = /* @__PURE__ */ decoder('alert', recordSchema);
export const decodeAlertRecord = (data: unknown): Alert => decodeRecord(data).alert;

/** A value the store refuses to write: it could not read it back. */
export function checkedForStore<T>(what: string, schema: z.ZodMiniType<T>, value: T): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new RangeError(`${what} cannot be stored: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
}
