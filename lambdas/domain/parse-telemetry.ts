/**
 * Parsing of telemetry messages. Total: whatever the input, it returns either
 * the accepted items with per-item rejections, or one message-level problem.
 * It never throws.
 */
import type { z } from 'zod';
import { canonicalUnitOf, isMetricName, METRICS, type MetricName } from './catalog.ts';
import { movementFingerprint, movementKey, readingFingerprint } from './identity.ts';
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
  envelopeSchema,
  LINE_PATTERN,
  MAX_BODY_BYTES,
  type Movement,
  movementSchema,
  PLANT_ID_PATTERN,
  QUALITIES,
  type Quality,
  type Reading,
  readingSchema,
  type TelemetryMessage,
} from './telemetry.ts';
import { DAY_MS, MINUTE_MS, parseTimestamp } from './time.ts';
import { isUnit, toCanonical, UNITS, type Unit, unitsOf } from './units.ts';

export const DEFAULT_FUTURE_TOLERANCE_MS = 15 * MINUTE_MS;
export const DEFAULT_LATE_HORIZON_MS = 7 * DAY_MS;

/** Common spellings mapped to the contract's unit names. */
const UNIT_ALIASES: Readonly<Record<string, Unit>> = {
  '°C': 'degC',
  '°F': 'degF',
  'mg/Nm³': 'mg/Nm3',
};

export interface ParseOptions {
  /** Current time in epoch milliseconds (the injected clock). */
  readonly now: number;
  /** The plant named by the HTTP path or MQTT topic; the message must match it. */
  readonly plantId?: string;
  readonly futureToleranceMs?: number;
  readonly lateHorizonMs?: number;
}

/** One refused item inside an otherwise accepted message. */
export interface Rejection {
  readonly pointer: string;
  readonly type: ProblemTypeUri;
  readonly detail: string;
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

function issuesToErrors(
  issues: readonly z.core.$ZodIssue[],
  base: ReadonlyArray<string | number>,
): FieldError[] {
  return issues.map((issue) => ({
    pointer: pointer(...base, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p.description) : p))),
    detail: issue.message,
  }));
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
  const envelope = envelopeSchema.safeParse(input);
  if (!envelope.success) {
    const tooMany = envelope.error.issues.some((i) => i.code === 'too_big');
    return badRequest(
      tooMany ? ProblemType.tooManyItems : ProblemType.invalidMessage,
      tooMany ? 'Too many items' : 'Invalid telemetry message',
      tooMany
        ? 'A message carries at most 1000 readings and 500 movements.'
        : 'The message envelope does not follow wte.telemetry.v1.',
      issuesToErrors(envelope.error.issues, []),
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
  let sentAt: number | undefined;
  if (env.sentAt !== undefined) {
    const parsedSentAt = parseTimestamp(env.sentAt);
    if (!parsedSentAt.ok) {
      return badRequest(
        ProblemType.invalidMessage,
        'Invalid telemetry message',
        'sentAt is not a timestamp.',
        [{ pointer: '/sentAt', detail: parsedSentAt.reason }],
      );
    }
    sentAt = parsedSentAt.epochMs;
  }
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
  const readings: Reading[] = [];
  // The first reading of each identity; fingerprints are compared only when an identity repeats.
  const readingSeen = new Map<string, Reading>();
  rawReadings.forEach((raw, index) => {
    const result = validateReading(raw, index, plantId, window);
    if ('rejection' in result) {
      rejected.push(result.rejection);
      return;
    }
    // Within one message the plant is fixed: (line, metric, ts) is the identity. Neither a line
    // (LINE_PATTERN) nor a catalog metric contains '|', so the text is unambiguous.
    const { line, metric, ts } = result.reading;
    const key = `${line}|${metric}|${ts}`;
    const earlier = readingSeen.get(key);
    if (earlier === undefined) {
      readingSeen.set(key, result.reading);
      readings.push(result.reading);
    } else if (readingFingerprint(earlier) !== readingFingerprint(result.reading)) {
      rejected.push({
        pointer: pointer('readings', index),
        type: ProblemType.conflict,
        detail: 'another reading in this message has the same line, metric and ts with different content',
      });
    }
  });
  const movements: Movement[] = [];
  const movementSeen = new Map<string, Movement>();
  rawMovements.forEach((raw, index) => {
    const result = validateMovement(raw, index, plantId, window);
    if ('rejection' in result) {
      rejected.push(result.rejection);
      return;
    }
    const key = movementKey(result.movement);
    const earlier = movementSeen.get(key);
    if (earlier === undefined) {
      movementSeen.set(key, result.movement);
      movements.push(result.movement);
    } else if (movementFingerprint(earlier) !== movementFingerprint(result.movement)) {
      rejected.push({
        pointer: pointer('movements', index),
        type: ProblemType.conflict,
        detail: 'another movement in this message has the same ticketId with different content',
      });
    }
  });

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

interface TimeWindow {
  readonly earliest: number;
  readonly latest: number;
}

function checkTime(
  value: string | number,
  base: ReadonlyArray<string | number>,
  window: TimeWindow,
): { epochMs: number } | { rejection: Rejection } {
  const ts = parseTimestamp(value);
  // Built only for a rejection: most items pass, and the pointer is a measurable share of parsing.
  const at = () => pointer(...base, 'ts');
  if (!ts.ok) return { rejection: { pointer: at(), type: ProblemType.invalidItem, detail: ts.reason } };
  if (ts.epochMs > window.latest) {
    return {
      rejection: {
        pointer: at(),
        type: ProblemType.timestampOutOfRange,
        detail: 'is more than 15 minutes in the future; check the gateway clock',
      },
    };
  }
  if (ts.epochMs < window.earliest) {
    const hint =
      typeof value === 'number' && value < 1e11 ? ' (it looks like epoch seconds, not milliseconds)' : '';
    return {
      rejection: {
        pointer: at(),
        type: ProblemType.timestampOutOfRange,
        detail: `is older than the late-data horizon${hint}`,
      },
    };
  }
  return { epochMs: ts.epochMs };
}

function firstIssue(
  error: z.ZodError,
  base: ReadonlyArray<string | number>,
  type: ProblemTypeUri = ProblemType.invalidItem,
): Rejection {
  const errors = issuesToErrors(error.issues, base);
  const first = errors[0] ?? { pointer: pointer(...base), detail: 'is invalid' };
  const more =
    errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
  return { pointer: first.pointer, type, detail: `${first.detail}${more}` };
}

type ReadingFields = z.infer<typeof readingSchema>;

/**
 * `readingSchema`'s rules checked by hand, for the common case of a reading
 * that follows them (about a fifth of the processor's time went to zod here):
 * the fields zod would return, or `undefined` to let zod judge and word the
 * problem. It accepts nothing zod refuses and returns what zod would
 * (test/bench/fast-paths.test.ts keeps both in step).
 */
export function wellFormedReading(raw: Record<string, unknown>): ReadingFields | undefined {
  const { ts, line, metric, value, unit, quality, correction } = raw;
  if (typeof ts === 'number' ? !Number.isFinite(ts) : !(typeof ts === 'string' && ts.length <= 64))
    return undefined;
  if (typeof line !== 'string' || !LINE_PATTERN.test(line)) return undefined;
  if (typeof metric !== 'string' || metric.length > 64) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (unit !== undefined && !(typeof unit === 'string' && unit.length <= 16)) return undefined;
  if (quality !== undefined && !(QUALITIES as readonly unknown[]).includes(quality)) return undefined;
  if (correction !== undefined && typeof correction !== 'boolean') return undefined;
  return {
    ts: ts as string | number,
    line,
    metric,
    value,
    ...(unit === undefined ? {} : { unit }),
    quality: (quality ?? 'GOOD') as Quality,
    correction: correction ?? false,
  };
}

function validateReading(
  raw: unknown,
  index: number,
  plantId: string,
  window: TimeWindow,
): { reading: Reading } | { rejection: Rejection } {
  const base = ['readings', index] as const;
  if (!isPlainObject(raw)) {
    return {
      rejection: { pointer: pointer(...base), type: ProblemType.invalidItem, detail: 'must be an object' },
    };
  }
  let item = wellFormedReading(raw);
  if (item === undefined) {
    const parsed = readingSchema.safeParse(raw);
    if (!parsed.success) return { rejection: firstIssue(parsed.error, base) };
    item = parsed.data;
  }
  if (!isMetricName(item.metric)) {
    return {
      rejection: {
        pointer: pointer(...base, 'metric'),
        type: ProblemType.unknownMetric,
        detail: 'is not in the metric catalog (see `wte catalog`)',
      },
    };
  }
  const metric: MetricName = item.metric;
  if (!Number.isFinite(item.value)) {
    return {
      rejection: {
        pointer: pointer(...base, 'value'),
        type: ProblemType.invalidItem,
        detail: 'must be finite',
      },
    };
  }
  const canonical = canonicalUnitOf(metric);
  let value = item.value;
  if (item.unit !== undefined) {
    const unit = Object.hasOwn(UNIT_ALIASES, item.unit) ? (UNIT_ALIASES[item.unit] as Unit) : item.unit;
    if (!isUnit(unit)) {
      return {
        rejection: {
          pointer: pointer(...base, 'unit'),
          type: ProblemType.invalidUnit,
          detail: 'is not a known unit',
        },
      };
    }
    if (UNITS[unit].quantity !== METRICS[metric].quantity) {
      return {
        rejection: {
          pointer: pointer(...base, 'unit'),
          type: ProblemType.invalidUnit,
          detail: `is not a unit of ${metric}; use ${unitsOf(METRICS[metric].quantity).join(', ')}`,
        },
      };
    }
    value = toCanonical(item.value, unit);
    if (!Number.isFinite(value)) {
      return {
        rejection: {
          pointer: pointer(...base, 'value'),
          type: ProblemType.invalidItem,
          detail: 'overflows on conversion',
        },
      };
    }
  }
  if (METRICS[metric].kind === 'counter' && value < 0) {
    return {
      rejection: {
        pointer: pointer(...base, 'value'),
        type: ProblemType.invalidItem,
        detail: `${metric} is a counter and cannot be negative`,
      },
    };
  }
  const time = checkTime(item.ts, base, window);
  if ('rejection' in time) return time;
  return {
    reading: {
      plantId,
      line: item.line,
      metric,
      kind: METRICS[metric].kind,
      ts: time.epochMs,
      value,
      unit: canonical,
      quality: item.quality,
      correction: item.correction,
    },
  };
}

function validateMovement(
  raw: unknown,
  index: number,
  plantId: string,
  window: TimeWindow,
): { movement: Movement } | { rejection: Rejection } {
  const base = ['movements', index] as const;
  if (!isPlainObject(raw)) {
    return {
      rejection: { pointer: pointer(...base), type: ProblemType.invalidItem, detail: 'must be an object' },
    };
  }
  const parsed = movementSchema.safeParse(raw);
  if (!parsed.success) return { rejection: firstIssue(parsed.error, base) };
  const item = parsed.data;
  const time = checkTime(item.ts, base, window);
  if ('rejection' in time) return time;
  return {
    movement: {
      plantId,
      ticketId: item.ticketId,
      ts: time.epochMs,
      direction: item.direction,
      netTonnes: item.netTonnes,
      material: item.material,
      ...(item.destination === undefined ? {} : { destination: item.destination }),
      ...(item.operationCode === undefined ? {} : { operationCode: item.operationCode }),
      correction: item.correction,
    },
  };
}
