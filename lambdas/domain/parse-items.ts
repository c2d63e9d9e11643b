/**
 * Validation of one reading or one movement of a telemetry message: the
 * zod schema (or the reading fast path), the catalog, units, physical bounds
 * and the time window. Each refusal names one pointer, one problem type and
 * a detail that quotes no caller text.
 */
import type { z } from 'zod/mini';
import { boundsOf, canonicalUnitOf, isMetricName, METRICS, type MetricName } from './catalog.ts';
import { issueProblems } from './issue-problems.ts';
import { ProblemType, type ProblemTypeUri, pointer } from './problem.ts';
import {
  LINE_PATTERN,
  MAX_TIMESTAMP_CHARS,
  type Movement,
  QUALITIES,
  type Quality,
  type Reading,
} from './telemetry.ts';
import { movementSchema, readingSchema } from './telemetry-schemas.ts';
import { parseTimestamp } from './time.ts';
import { isUnit, toCanonical, UNITS, type Unit, unitsOf } from './units.ts';

/** Common spellings mapped to the contract's unit names. */
const UNIT_ALIASES: Readonly<Record<string, Unit>> = {
  '°C': 'degC',
  '°F': 'degF',
  'mg/Nm³': 'mg/Nm3',
};

/** One refused item inside an otherwise accepted message. */
export interface Rejection {
  readonly pointer: string;
  readonly type: ProblemTypeUri;
  readonly detail: string;
}

export interface TimeWindow {
  readonly earliest: number;
  readonly latest: number;
}

type Base = readonly ['readings' | 'movements', number];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const tsPointer = (base: Base): string => pointer(...base, 'ts');

function checkTime(
  value: string | number,
  base: Base,
  window: TimeWindow,
): { epochMs: number } | { rejection: Rejection } {
  const ts = parseTimestamp(value);
  // The pointer is built only for a rejection (most items pass), and no closure is made per item:
  // under tsx (local mode) each closure also costs a defineProperty of its name.
  if (!ts.ok)
    return { rejection: { pointer: tsPointer(base), type: ProblemType.invalidFormat, detail: ts.reason } };
  if (ts.epochMs > window.latest) {
    return {
      rejection: {
        pointer: tsPointer(base),
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
        pointer: tsPointer(base),
        type: ProblemType.timestampOutOfRange,
        detail: `is older than the late-data horizon${hint}`,
      },
    };
  }
  return { epochMs: ts.epochMs };
}

/** An item's first zod issue gives the rejection's pointer and type; its detail names every other one too. */
function firstIssue(error: z.core.$ZodError, raw: unknown, base: Base): Rejection {
  const problems = issueProblems(error.issues, raw, base);
  const first = problems[0] ?? {
    pointer: pointer(...base),
    type: ProblemType.invalidItem,
    detail: 'is invalid',
  };
  const others = problems.slice(1).map((p) => `${p.pointer} ${p.detail}`);
  const also = others.length > 0 ? `; also ${others.join('; ')}` : '';
  return { pointer: first.pointer, type: first.type, detail: `${first.detail}${also}` };
}

type ReadingFields = z.infer<typeof readingSchema>;

/**
 * `readingSchema`'s rules checked by hand, for the common case of a reading
 * that follows them (about a fifth of the processor's time went to zod here):
 * the fields zod would return, or `undefined` to let zod judge and word the
 * problem. It accepts nothing zod refuses and returns what zod would
 * (test/bench/fast-paths.test.ts keeps both in step). Physical bounds are not
 * a schema rule: they are checked after conversion, on both paths alike.
 */
export function wellFormedReading(raw: Record<string, unknown>): ReadingFields | undefined {
  const { ts, line, metric, value, unit, quality, correction } = raw;
  if (
    typeof ts === 'number'
      ? !Number.isFinite(ts)
      : !(typeof ts === 'string' && ts.length <= MAX_TIMESTAMP_CHARS)
  )
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

/** Rounding of a unit conversion, relative to the limit: a value this close to a limit is the limit. */
const LIMIT_TOLERANCE = 1e-12;

const shown = (value: number): string => String(Number(value.toPrecision(12)));

const slack = (limit: number): number => LIMIT_TOLERANCE * Math.max(1, Math.abs(limit));

/** The value as sent, and in the canonical unit when that differs: for a refusal's detail. */
const sentValue = (metric: MetricName, sent: number, unit: Unit, canonicalValue: number, canonical: Unit) =>
  `${metric} ${shown(sent)} ${unit}${unit === canonical ? '' : ` (${shown(canonicalValue)} ${canonical})`}`;

/**
 * A canonical value inside the metric's physical bounds (a value within
 * conversion rounding of a limit becomes the limit, -0 becomes 0), or the
 * refusal naming the limit.
 */
export function withinBounds(
  metric: MetricName,
  sent: number,
  unit: Unit,
  canonicalValue: number,
): { value: number } | { detail: string } {
  const { min, max, minNote } = boundsOf(metric);
  const canonical = canonicalUnitOf(metric);
  if (!(canonicalValue >= min - slack(min))) {
    const named = minNote === undefined ? '' : ` (${minNote})`;
    const what = sentValue(metric, sent, unit, canonicalValue, canonical);
    return { detail: `${what} is below the physical minimum ${shown(min)} ${canonical}${named}` };
  }
  if (!(canonicalValue <= max + slack(max))) {
    const what = sentValue(metric, sent, unit, canonicalValue, canonical);
    return { detail: `${what} is above the physical maximum ${shown(max)} ${canonical}` };
  }
  return { value: Math.min(max, Math.max(min, canonicalValue)) + 0 };
}

export function validateReading(
  raw: unknown,
  index: number,
  plantId: string,
  window: TimeWindow,
): { reading: Reading } | { rejection: Rejection } {
  const base = ['readings', index] as const;
  if (!isPlainObject(raw)) {
    return {
      rejection: { pointer: pointer(...base), type: ProblemType.wrongType, detail: 'must be an object' },
    };
  }
  let item = wellFormedReading(raw);
  if (item === undefined) {
    const parsed = readingSchema.safeParse(raw);
    if (!parsed.success) return { rejection: firstIssue(parsed.error, raw, base) };
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
  const canonical = canonicalUnitOf(metric);
  let unit: Unit = canonical;
  if (item.unit !== undefined) {
    const named = Object.hasOwn(UNIT_ALIASES, item.unit) ? (UNIT_ALIASES[item.unit] as Unit) : item.unit;
    if (!isUnit(named)) {
      return {
        rejection: {
          pointer: pointer(...base, 'unit'),
          type: ProblemType.invalidUnit,
          detail: 'is not a known unit',
        },
      };
    }
    if (UNITS[named].quantity !== METRICS[metric].quantity) {
      return {
        rejection: {
          pointer: pointer(...base, 'unit'),
          type: ProblemType.invalidUnit,
          detail: `is not a unit of ${metric}; use ${unitsOf(METRICS[metric].quantity).join(', ')}`,
        },
      };
    }
    unit = named;
  }
  // Checked in the canonical unit, so -5000 K is below absolute zero like -5273.15 degC.
  const bounded = withinBounds(metric, item.value, unit, toCanonical(item.value, unit));
  if ('detail' in bounded) {
    return {
      rejection: {
        pointer: pointer(...base, 'value'),
        type: ProblemType.valueOutOfRange,
        detail: bounded.detail,
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
      value: bounded.value,
      unit: canonical,
      quality: item.quality,
      correction: item.correction,
    },
  };
}

export function validateMovement(
  raw: unknown,
  index: number,
  plantId: string,
  window: TimeWindow,
): { movement: Movement } | { rejection: Rejection } {
  const base = ['movements', index] as const;
  if (!isPlainObject(raw)) {
    return {
      rejection: { pointer: pointer(...base), type: ProblemType.wrongType, detail: 'must be an object' },
    };
  }
  const parsed = movementSchema.safeParse(raw);
  if (!parsed.success) return { rejection: firstIssue(parsed.error, raw, base) };
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
