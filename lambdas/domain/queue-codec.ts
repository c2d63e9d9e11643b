/**
 * The telemetry queue's message format, shared by both ingress paths:
 *
 * - HTTP ingest enqueues `{ v: 1, source, plantId, receivedAt, message }` where
 *   `message` holds the accepted items only, in canonical units: itself a
 *   valid wte.telemetry.v1 message. A message too large for one queue
 *   message is split into parts that each carry the same messageId.
 * - The IoT topic rule enqueues `{ v: 1, source: "mqtt", plantId, receivedAt,
 *   payload }` with the raw MQTT payload base64-encoded
 *   (`SELECT encode(*, 'base64') AS payload, topic(3) AS plantId, ...`).
 *
 * The processor validates either form with the same parser, against
 * `receivedAt` as "now", so a redelivery yields exactly the same items.
 */
import * as z from 'zod';
import { type ParseResult, parseTelemetry, parseTelemetryBody } from './parse-telemetry.ts';
import type { QueuedTelemetry } from './ports.ts';
import { ProblemType, problem } from './problem.ts';
import { PLANT_ID_PATTERN, type TelemetryMessage } from './telemetry.ts';

/** SQS's classic message size limit; larger messages are split. */
export const QUEUE_MESSAGE_LIMIT_BYTES = 256 * 1024;

const envelopeSchema = z.object({
  v: z.literal(1),
  source: z.enum(['http', 'mqtt', 'replay']),
  plantId: z.string().regex(PLANT_ID_PATTERN),
  receivedAt: z.number().int().nonnegative(),
  message: z.record(z.string(), z.unknown()).optional(),
  payload: z.string().optional(),
});

export type QueueEnvelope = z.infer<typeof envelopeSchema>;

/** The contract's wire shape of a normalized message (no derived fields). */
export function toWire(message: TelemetryMessage): Record<string, unknown> {
  return {
    schema: message.schema,
    messageId: message.messageId,
    plantId: message.plantId,
    ...(message.sentAt === undefined ? {} : { sentAt: message.sentAt }),
    readings: message.readings.map((r) => ({
      ts: r.ts,
      line: r.line,
      metric: r.metric,
      value: r.value,
      unit: r.unit,
      ...(r.quality === 'GOOD' ? {} : { quality: r.quality }),
      ...(r.correction ? { correction: true } : {}),
    })),
    movements: message.movements.map(({ plantId: _plant, correction, ...movement }) => ({
      ...movement,
      ...(correction ? { correction: true } : {}),
    })),
  };
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}

/**
 * Serializes a queued message, split into parts of at most `limitBytes` each.
 * Parts split the readings and movements in order; each part is a valid
 * message with the same messageId.
 */
export function encodeQueued(item: QueuedTelemetry, limitBytes = QUEUE_MESSAGE_LIMIT_BYTES): string[] {
  const encode = (message: TelemetryMessage): string =>
    JSON.stringify({
      v: 1,
      source: item.source,
      plantId: message.plantId,
      receivedAt: item.receivedAt,
      message: toWire(message),
    } satisfies QueueEnvelope);
  const parts: string[] = [];
  const pending: TelemetryMessage[] = [item.message];
  while (pending.length > 0) {
    const message = pending.shift() as TelemetryMessage;
    const text = encode(message);
    const items = message.readings.length + message.movements.length;
    if (byteLength(text) <= limitBytes || items <= 1) {
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

export type DecodedQueued =
  | { readonly ok: true; readonly envelope: QueueEnvelope; readonly parsed: ParseResult }
  | { readonly ok: false; readonly reason: string };

/** Reads one queue message body; never throws. */
export function decodeQueued(body: string): DecodedQueued {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'queue message is not JSON' };
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success)
    return { ok: false, reason: `queue envelope invalid: ${envelope.error.issues[0]?.message}` };
  const { plantId, receivedAt, message, payload } = envelope.data;
  // A replay from the quarantine was valid when first received: no late-data horizon applies to it again.
  const options = {
    now: receivedAt,
    plantId,
    ...(envelope.data.source === 'replay' ? { lateHorizonMs: receivedAt } : {}),
  };
  if (message !== undefined)
    return { ok: true, envelope: envelope.data, parsed: parseTelemetry(message, options) };
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
    return { ok: true, envelope: envelope.data, parsed: parseTelemetryBody(bytes, options) };
  }
  return { ok: false, reason: 'queue envelope has neither message nor payload' };
}
