/**
 * Parsing of telemetry messages. Total: whatever the input, it returns either
 * the accepted items with per-item rejections, or one message-level problem.
 * It never throws.
 */
import { movementFingerprint, movementKey, readingFingerprint } from './identity.ts';
import { issueProblems } from './issue-problems.ts';
import { type Rejection, validateMovement, validateReading } from './parse-items.ts';
import {
  type FieldError,
  type Problem,
  ProblemType,
  type ProblemTypeUri,
  pointer,
  problem,
  quote,
} from './problem.ts';
import {
  MAX_BODY_BYTES,
  MAX_MOVEMENTS,
  MAX_READINGS,
  MESSAGE_ID_PATTERN,
  PLANT_ID_PATTERN,
  type Reading,
  type TelemetryMessage,
} from './telemetry.ts';
import { envelopeSchema } from './telemetry-schemas.ts';
import { DAY_MS, MINUTE_MS, parseTimestamp } from './time.ts';

export { type Rejection, wellFormedReading } from './parse-items.ts';

export const DEFAULT_FUTURE_TOLERANCE_MS = 15 * MINUTE_MS;
export const DEFAULT_LATE_HORIZON_MS = 7 * DAY_MS;

export interface ParseOptions {
  /** Current time in epoch milliseconds (the injected clock). */
  readonly now: number;
  /** The plant named by the HTTP path or MQTT topic; the message must match it. */
  readonly plantId?: string;
  readonly futureToleranceMs?: number;
  readonly lateHorizonMs?: number;
}

export type ParseResult =
  | { readonly ok: true; readonly message: TelemetryMessage; readonly rejected: readonly Rejection[] }
  | { readonly ok: false; readonly problem: Problem };

const MAX_LISTED_ERRORS = 50;

function badRequest(type: ProblemTypeUri, title: string, detail: string, errors: readonly FieldError[] = []) {
  return {
    ok: false as const,
    problem: problem(400, type, title, detail, errors.slice(0, MAX_LISTED_ERRORS)),
  };
}

/**
 * The message's own messageId when it is well formed, so a refusal of the
 * whole message can still say which message it refuses.
 */
export function readableMessageId(input: unknown): string | undefined {
  const id = isPlainObject(input) && Object.hasOwn(input, 'messageId') ? input.messageId : undefined;
  return typeof id === 'string' && MESSAGE_ID_PATTERN.test(id) ? id : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** UTF-8 length of a string, counting no further than `stopAfter` bytes. */
function utf8Length(text: string, stopAfter: number): number {
  let bytes = 0;
  for (let i = 0; i < text.length && bytes < stopAfter; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Decodes and parses a request body (UTF-8 JSON), then validates it. */
export function parseTelemetryBody(body: string | Uint8Array, options: ParseOptions): ParseResult {
  try {
    const bytes = typeof body === 'string' ? utf8Length(body, MAX_BODY_BYTES + 1) : body.byteLength;
    if (bytes > MAX_BODY_BYTES) {
      return {
        ok: false,
        problem: problem(
          413,
          ProblemType.payloadTooLarge,
          'Payload too large',
          `The body is over the limit of ${MAX_BODY_BYTES} bytes (256 KiB); split it into several messages.`,
        ),
      };
    }
    let text: string;
    try {
      // TextDecoder drops a leading byte-order mark; a string body gets the same treatment.
      text =
        typeof body === 'string'
          ? body.replace(/^\uFEFF/, '')
          : new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      return badRequest(ProblemType.invalidJson, 'Invalid JSON', 'The body is not valid UTF-8.');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return badRequest(ProblemType.invalidJson, 'Invalid JSON', 'The body is not valid JSON.');
    }
    return parseTelemetry(parsed, options);
  } catch {
    return badRequest(
      ProblemType.invalidMessage,
      'Invalid telemetry message',
      'The message could not be read.',
    );
  }
}

/** Validates an already-decoded JSON value as a telemetry message. */
export function parseTelemetry(input: unknown, options: ParseOptions): ParseResult {
  try {
    return parseUnsafe(input, options);
  } catch {
    // Defence in depth: the checks above are total, but an ingest path must never crash.
    return badRequest(
      ProblemType.invalidMessage,
      'Invalid telemetry message',
      'The message could not be read.',
    );
  }
}

function parseUnsafe(input: unknown, options: ParseOptions): ParseResult {
  if (!isPlainObject(input)) {
    return badRequest(
      ProblemType.invalidMessage,
      'Invalid telemetry message',
      'The message must be a JSON object.',
      [{ pointer: '', detail: 'must be a JSON object' }],
    );
  }
  const result = parseObject(input, options);
  const messageId = result.ok ? undefined : readableMessageId(input);
  return messageId === undefined || result.ok
    ? result
    : { ok: false, problem: { ...result.problem, messageId } };
}

function parseObject(input: Record<string, unknown>, options: ParseOptions): ParseResult {
  const checked = checkEnvelope(input, options);
  if ('ok' in checked) return checked;
  const { env, plantId, sentAt } = checked;
  const rawReadings = env.readings ?? [];
  const rawMovements = env.movements ?? [];
  if (rawReadings.length + rawMovements.length === 0) {
    return badRequest(
      ProblemType.noValidItems,
      'No items',
      'A message carries at least one reading or movement.',
      [{ pointer: '/readings', detail: 'at least one reading or movement is required' }],
    );
  }

  const window = {
    earliest: options.now - (options.lateHorizonMs ?? DEFAULT_LATE_HORIZON_MS),
    latest: options.now + (options.futureToleranceMs ?? DEFAULT_FUTURE_TOLERANCE_MS),
  };
  const rejected: Rejection[] = [];
  const readings = distinctItems(
    rawReadings.map((raw, index) => validateReading(raw, index, plantId, window)),
    (result) => result.reading,
    {
      list: 'readings',
      // Within one message the plant is fixed: (line, metric, ts) is the identity. Neither a line
      // (LINE_PATTERN) nor a catalog metric contains '|', so the text is unambiguous.
      key: ({ line, metric, ts }: Reading) => `${line}|${metric}|${ts}`,
      fingerprint: readingFingerprint,
      conflict: 'another reading in this message has the same line, metric and ts with different content',
    },
    rejected,
  );
  const movements = distinctItems(
    rawMovements.map((raw, index) => validateMovement(raw, index, plantId, window)),
    (result) => result.movement,
    {
      list: 'movements',
      key: movementKey,
      fingerprint: movementFingerprint,
      conflict: 'another movement in this message has the same ticketId with different content',
    },
    rejected,
  );

  if (readings.length + movements.length === 0) {
    return badRequest(
      ProblemType.noValidItems,
      'No valid items',
      `None of the ${rawReadings.length + rawMovements.length} items is valid.`,
      rejected.map(({ pointer: p, detail }) => ({ pointer: p, detail })),
    );
  }
  const message: TelemetryMessage = {
    schema: env.schema,
    messageId: env.messageId,
    plantId,
    ...(sentAt === undefined ? {} : { sentAt }),
    readings,
    movements,
  };
  return { ok: true, message, rejected };
}

type Envelope = ReturnType<typeof envelopeSchema.parse>;

/** The envelope, its plant (of the message or of the path or topic) and sentAt; or why the message is refused. */
function checkEnvelope(
  input: Record<string, unknown>,
  options: ParseOptions,
): ParseResult | { readonly env: Envelope; readonly plantId: string; readonly sentAt: number | undefined } {
  const envelope = envelopeSchema.safeParse(input);
  if (!envelope.success) {
    const errors = issueProblems(envelope.error.issues, input, []);
    // Only an over-long readings or movements array makes the message "too many items".
    const tooMany = errors.some((e) => e.type === ProblemType.tooManyItems);
    return badRequest(
      tooMany ? ProblemType.tooManyItems : ProblemType.invalidMessage,
      tooMany ? 'Too many items' : 'Invalid telemetry message',
      tooMany
        ? `A message carries at most ${MAX_READINGS} readings and ${MAX_MOVEMENTS} movements.`
        : 'The message envelope does not follow wte.telemetry.v1.',
      errors.map(({ pointer: p, detail }) => ({ pointer: p, detail })),
    );
  }
  const env = envelope.data;
  if (options.plantId !== undefined && !PLANT_ID_PATTERN.test(options.plantId)) {
    return badRequest(
      ProblemType.invalidMessage,
      'Invalid plant',
      'The plant of the path or topic is not a plant id.',
      [{ pointer: '/plantId', detail: 'plant ids are 1 to 64 characters of [a-z0-9-]' }],
    );
  }
  const plantId = env.plantId ?? options.plantId;
  if (plantId === undefined) {
    return badRequest(
      ProblemType.invalidMessage,
      'Invalid telemetry message',
      'The message must name its plant.',
      [{ pointer: '/plantId', detail: 'is required' }],
    );
  }
  if (options.plantId !== undefined && plantId !== options.plantId) {
    return badRequest(
      ProblemType.plantMismatch,
      'Plant mismatch',
      // Both are validated plant ids (ASCII, quoted to 48 bytes each), so at most 96 bytes of input.
      `The message is for plant ${quote(plantId)} but was sent to plant ${quote(options.plantId)}.`,
      [{ pointer: '/plantId', detail: 'must equal the plant of the path or topic' }],
    );
  }
  if (env.sentAt === undefined) return { env, plantId, sentAt: undefined };
  const parsedSentAt = parseTimestamp(env.sentAt);
  if (!parsedSentAt.ok) {
    return badRequest(ProblemType.invalidMessage, 'Invalid telemetry message', 'sentAt is not a timestamp.', [
      { pointer: '/sentAt', detail: parsedSentAt.reason },
    ]);
  }
  return { env, plantId, sentAt: parsedSentAt.epochMs };
}

/**
 * The valid items of one list, in order, the first of each identity kept: a
 * repeat with the same content is dropped silently (a gateway's retry), one
 * with other content is a conflict. Refusals go to `rejected` in order.
 */
function distinctItems<U extends object, T>(
  results: readonly U[],
  itemOf: (result: Exclude<U, { rejection: Rejection }>) => T,
  rules: {
    readonly list: 'readings' | 'movements';
    readonly key: (item: T) => string;
    readonly fingerprint: (item: T) => string;
    readonly conflict: string;
  },
  rejected: Rejection[],
): T[] {
  const items: T[] = [];
  // Fingerprints are compared only when an identity repeats.
  const seen = new Map<string, T>();
  results.forEach((result, index) => {
    if ('rejection' in result) {
      rejected.push(result.rejection as Rejection);
      return;
    }
    const item = itemOf(result as Exclude<U, { rejection: Rejection }>);
    const key = rules.key(item);
    const earlier = seen.get(key);
    if (earlier === undefined) {
      seen.set(key, item);
      items.push(item);
    } else if (rules.fingerprint(earlier) !== rules.fingerprint(item)) {
      rejected.push({
        pointer: pointer(rules.list, index),
        type: ProblemType.conflict,
        detail: rules.conflict,
      });
    }
  });
  return items;
}
