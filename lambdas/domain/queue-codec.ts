/**
 * The telemetry queue's message format, shared by both ingress paths
 * (docs/telemetry-queue.md):
 *
 * - HTTP ingest (and `wte quarantine replay`) enqueue
 *   `{ v: 1, source, plantId, receivedAt, form: "canonical", message }`:
 *   `message` is what `parseTelemetry` accepted at `receivedAt` (accepted
 *   items only, canonical units, epoch-ms times), itself a valid
 *   wte.telemetry.v1 message. A message too large for one queue message is
 *   split into parts that each carry the same messageId.
 * - The IoT topic rule enqueues `{ v: 1, source: "mqtt", plantId, receivedAt,
 *   payload }` with the raw MQTT payload base64-encoded
 *   (`SELECT encode(*, 'base64') AS payload, topic(3) AS plantId, ...`).
 *
 * Each message is validated once. The processor validates an MQTT payload
 * (and a `message` without `form`, which older ingest code wrote) with the
 * ingest parser, against `receivedAt` as "now", so a redelivery yields
 * exactly the same items. It reads a canonical message back without
 * validating it again (canonical-message.ts), because:
 *
 * - only our own code can write one: the queue accepts SendMessage from the
 *   ingest function's role, the IoT rule's action role (whose fixed SELECT
 *   can only produce the `payload` form, never `message` or `form`) and
 *   operators holding the data key (replay); nothing else holds
 *   sqs:SendMessage with kms:GenerateDataKey on it (lib/constructs/access.ts);
 * - `source: "mqtt"` is never trusted, whatever else the envelope says;
 * - the invariants the stores rely on are still checked (types, catalog
 *   metric in its canonical unit, finite values, epoch-ms times, enums, id
 *   patterns, the envelope's plant), and a canonical message that breaks one
 *   is validated in full instead; the stores keep their own checks too
 *   (records.ts, the DuckDB writer).
 *
 * An older processor ignores `form` (unknown envelope keys are dropped) and
 * validates the message as before, so a rollback reads new messages too.
 */
import * as z from 'zod/mini';
import { readCanonical, type StoredMessage, versionOf } from './canonical-message.ts';
import type { Rejection } from './parse-items.ts';
import { type ParseResult, parseTelemetry, parseTelemetryBody } from './parse-telemetry.ts';
import type { QueuedTelemetry } from './ports.ts';
import { type Problem, ProblemType, problem } from './problem.ts';
import { type Movement, PLANT_ID_PATTERN, type Reading, type TelemetryMessage } from './telemetry.ts';
import './zod-english.ts';

/** SQS's classic message size limit; larger messages are split. */
export const QUEUE_MESSAGE_LIMIT_BYTES = 256 * 1024;

/** Says that `message` is `parseTelemetry`'s output, written by `encodeQueued`. */
export const CANONICAL_FORM = 'canonical';

/** The envelope's rules (`wellFormedEnvelope` checks them by hand first). */
export const envelopeSchema = z.object({
  v: z.literal(1),
  source: z.enum(['http', 'mqtt', 'replay']),
  plantId: z.string().check(z.regex(PLANT_ID_PATTERN)),
  receivedAt: z.number().check(z.int(), z.nonnegative()),
  form: z.optional(z.literal(CANONICAL_FORM)),
  message: z.optional(z.record(z.string(), z.unknown())),
  payload: z.optional(z.string()),
});

export type QueueEnvelope = z.infer<typeof envelopeSchema>;

/** The contract's wire shape of a normalized message (no derived fields). */
export function toWire(message: TelemetryMessage): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    schema: message.schema,
    messageId: message.messageId,
    plantId: message.plantId,
  };
  if (message.sentAt !== undefined) wire.sentAt = message.sentAt;
  // Plain loops and one object per item: this runs for every accepted reading (no spreads, no closures).
  const readings: Array<Record<string, unknown>> = new Array(message.readings.length);
  for (let i = 0; i < readings.length; i++) readings[i] = wireReading(message.readings[i] as Reading);
  const movements: Array<Record<string, unknown>> = new Array(message.movements.length);
  for (let i = 0; i < movements.length; i++) movements[i] = wireMovement(message.movements[i] as Movement);
  wire.readings = readings;
  wire.movements = movements;
  return wire;
}

function wireReading(r: Reading): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ts: r.ts,
    line: r.line,
    metric: r.metric,
    value: r.value,
    unit: r.unit,
  };
  if (r.quality !== 'GOOD') out.quality = r.quality;
  if (r.correction) out.correction = true;
  return out;
}

/** A movement's own fields in its order, without the plant (the message names it) and `correction` only when set. */
function wireMovement(m: Movement): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in m) {
    if (key === 'plantId' || key === 'correction') continue;
    const value = m[key as keyof Movement];
    if (value !== undefined) out[key] = value;
  }
  if (m.correction) out.correction = true;
  return out;
}

/** UTF-8 bytes of `text`, or a bound under `limit` when the text cannot reach it (no encoding pass then). */
function byteLengthUpTo(text: string, limit: number): number {
  // A UTF-16 code unit is at most 3 UTF-8 bytes (a surrogate pair, 2 units, is 4).
  if (text.length * 3 <= limit) return text.length;
  return new TextEncoder().encode(text).byteLength;
}

/**
 * Serializes a queued message, split into parts of at most `limitBytes` each.
 * Parts split the readings and movements in order; each part is a valid
 * message with the same messageId.
 */
export function encodeQueued(item: QueuedTelemetry, limitBytes = QUEUE_MESSAGE_LIMIT_BYTES): string[] {
  const parts: string[] = [];
  const pending: TelemetryMessage[] = [item.message];
  while (pending.length > 0) {
    const message = pending.shift() as TelemetryMessage;
    const text = encodeEnvelope(item, message);
    const items = message.readings.length + message.movements.length;
    if (byteLengthUpTo(text, limitBytes) <= limitBytes || items <= 1) {
      parts.push(text);
      continue;
    }
    const half = Math.ceil(items / 2);
    const readingsFirst = message.readings.slice(0, half);
    const movementsFirst = message.movements.slice(0, Math.max(0, half - message.readings.length));
    pending.unshift(
      { ...message, readings: readingsFirst, movements: movementsFirst },
      {
        ...message,
        readings: message.readings.slice(readingsFirst.length),
        movements: message.movements.slice(movementsFirst.length),
      },
    );
  }
  return parts;
}

function encodeEnvelope(item: QueuedTelemetry, message: TelemetryMessage): string {
  return JSON.stringify({
    v: 1,
    source: item.source,
    plantId: message.plantId,
    receivedAt: item.receivedAt,
    form: CANONICAL_FORM,
    message: toWire(message),
  } satisfies QueueEnvelope);
}

/** A queued message read back: its readings carry the version they are stored with. */
export type QueuedParse =
  | { readonly ok: true; readonly message: StoredMessage; readonly rejected: readonly Rejection[] }
  | { readonly ok: false; readonly problem: Problem };

export type DecodedQueued =
  | { readonly ok: true; readonly envelope: QueueEnvelope; readonly parsed: QueuedParse }
  | { readonly ok: false; readonly reason: string };

/** Reads one queue message body; never throws. */
export function decodeQueued(body: string): DecodedQueued {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'queue message is not JSON' };
  }
  const envelope = wellFormedEnvelope(json) ?? envelopeSchema.safeParse(json);
  if (!envelope.success)
    return { ok: false, reason: `queue envelope invalid: ${envelope.error.issues[0]?.message}` };
  const { plantId, receivedAt, message, payload } = envelope.data;
  if (message !== undefined && envelope.data.form === CANONICAL_FORM && envelope.data.source !== 'mqtt') {
    const canonical = readCanonical(message, plantId, receivedAt);
    // One that breaks an invariant is validated in full below, which says what is wrong with it.
    if (canonical !== undefined)
      return { ok: true, envelope: envelope.data, parsed: { ok: true, message: canonical, rejected: [] } };
  }
  // A replay from the quarantine was valid when first received: no late-data horizon applies to it again.
  const options = {
    now: receivedAt,
    plantId,
    ...(envelope.data.source === 'replay' ? { lateHorizonMs: receivedAt } : {}),
  };
  if (message !== undefined)
    return {
      ok: true,
      envelope: envelope.data,
      parsed: stored(parseTelemetry(message, options), receivedAt),
    };
  if (payload !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
    } catch {
      const invalid = problem(
        400,
        ProblemType.invalidJson,
        'Invalid payload',
        'The MQTT payload is not base64.',
      );
      return { ok: true, envelope: envelope.data, parsed: { ok: false, problem: invalid } };
    }
    return {
      ok: true,
      envelope: envelope.data,
      parsed: stored(parseTelemetryBody(bytes, options), receivedAt),
    };
  }
  return { ok: false, reason: 'queue envelope has neither message nor payload' };
}

const SOURCES: ReadonlySet<unknown> = new Set(['http', 'mqtt', 'replay']);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `envelopeSchema`'s rules checked by hand for an envelope that follows them
 * (zod cost a tenth of reading a canonical message); `undefined` lets zod
 * judge it and word the problem. test/domain/queue-codec.property.test.ts
 * keeps both in step.
 */
export function wellFormedEnvelope(json: unknown): { success: true; data: QueueEnvelope } | undefined {
  if (!isRecord(json)) return undefined;
  const { v, source, plantId, receivedAt, form, message, payload } = json;
  if (
    v !== 1 ||
    !SOURCES.has(source) ||
    typeof plantId !== 'string' ||
    !PLANT_ID_PATTERN.test(plantId) ||
    !(Number.isSafeInteger(receivedAt) && (receivedAt as number) >= 0) ||
    !(form === undefined || form === CANONICAL_FORM) ||
    !(message === undefined || isRecord(message)) ||
    !(payload === undefined || typeof payload === 'string')
  )
    return undefined;
  return {
    success: true,
    data: {
      v,
      source: source as QueueEnvelope['source'],
      plantId,
      receivedAt: receivedAt as number,
      ...(form === undefined ? {} : { form }),
      ...(message === undefined ? {} : { message }),
      ...(payload === undefined ? {} : { payload }),
    },
  };
}

/** A validated message with the version of each reading. */
function stored(parsed: ParseResult, receivedAt: number): QueuedParse {
  if (!parsed.ok) return parsed;
  const { message, rejected } = parsed;
  const readings = message.readings.map((r) => ({
    plantId: r.plantId,
    line: r.line,
    metric: r.metric,
    kind: r.kind,
    ts: r.ts,
    value: r.value,
    unit: r.unit,
    quality: r.quality,
    correction: r.correction,
    version: versionOf(r.correction, receivedAt),
  }));
  return { ok: true, message: { ...message, readings }, rejected };
}
