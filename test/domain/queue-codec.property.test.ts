/**
 * The queue codec validates each message once: what HTTP ingest accepted is
 * read back in its canonical form without a second validation, and gives
 * exactly what validating it again (the zod path the processor used to take)
 * gives. A canonical form is trusted only as far as the stores are safe.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planReadingWrites } from '../../lambdas/adapters/timestream/records.ts';
import { readCanonical } from '../../lambdas/domain/canonical-message.ts';
import { canonicalUnitOf, METRIC_NAMES, METRICS } from '../../lambdas/domain/catalog.ts';
import { validateMovement } from '../../lambdas/domain/parse-items.ts';
import { parseTelemetry } from '../../lambdas/domain/parse-telemetry.ts';
import {
  decodeQueued,
  encodeQueued,
  envelopeSchema,
  wellFormedEnvelope,
} from '../../lambdas/domain/queue-codec.ts';
import {
  DESTINATIONS,
  DIRECTIONS,
  LINE_PATTERN,
  MATERIALS,
  QUALITIES,
  TELEMETRY_SCHEMA,
} from '../../lambdas/domain/telemetry.ts';
import { fromCanonical, unitsOf } from '../../lambdas/domain/units.ts';

const NOW = Date.UTC(2026, 10, 24, 10, 0, 0);
const DAY_MS = 86_400_000;
const PLANT = 'kz-ast-01';

/** Wire readings near every rule: units to convert, values around the bounds, times around the window. */
const wireReading = fc
  .record(
    {
      metric: fc.oneof(fc.constantFrom(...METRIC_NAMES), fc.constant('not_a_metric')),
      line: fc.constantFrom('boiler-1', 'turbine', 'L.2:a', 'bad line'),
      unitPick: fc.option(fc.nat(), { nil: undefined }),
      canonical: fc.oneof(
        fc.double({ min: -400, max: 3000, noNaN: true }),
        fc.constantFrom(0, -0, 1e9 + 1, -273.15, -1),
      ),
      ts: fc.oneof(
        fc.integer({ min: NOW - 8 * DAY_MS, max: NOW + 20 * 60_000 }),
        fc.constantFrom('2026-11-24T09:59:50Z', '2026-11-24T14:59:50+05:00', NOW, NOW - 10_000),
      ),
      quality: fc.constantFrom(...QUALITIES, 'good'),
      correction: fc.boolean(),
    },
    { requiredKeys: ['metric', 'line', 'canonical', 'ts'] },
  )
  .map(({ metric, unitPick, canonical, ...rest }) => {
    if (!(metric in METRICS)) return { ...rest, metric, value: canonical };
    const m = metric as (typeof METRIC_NAMES)[number];
    const units = unitsOf(METRICS[m].quantity);
    const unit = unitPick === undefined ? undefined : units[unitPick % units.length];
    const value = fromCanonical(canonical, unit ?? canonicalUnitOf(m));
    return { ...rest, metric, value, ...(unit === undefined ? {} : { unit }) };
  });

const wireMovement = fc.record(
  {
    ticketId: fc.constantFrom('WB-1', 'WB-2', 'WB/3', 'bad ticket'),
    ts: fc.oneof(fc.integer({ min: NOW - 8 * DAY_MS, max: NOW }), fc.constant('2026-11-24T09:41:00+05:00')),
    direction: fc.constantFrom(...DIRECTIONS),
    netTonnes: fc.oneof(fc.double({ min: 0, max: 120, noNaN: true }), fc.constant(18.2)),
    material: fc.constantFrom(...MATERIALS),
    destination: fc.constantFrom(...DESTINATIONS),
    operationCode: fc.constantFrom('R1', 'D10', 'X9'),
    correction: fc.boolean(),
  },
  { requiredKeys: ['ticketId', 'ts', 'direction', 'netTonnes', 'material'] },
);

const wireMessage = fc.record({
  readings: fc.array(wireReading, { maxLength: 40 }),
  movements: fc.array(wireMovement, { maxLength: 6 }),
  sentAt: fc.option(fc.constantFrom(NOW, '2026-11-24T10:00:00Z'), { nil: undefined }),
  receivedAt: fc.integer({ min: NOW, max: NOW + 60_000 }),
  source: fc.constantFrom('http' as const, 'replay' as const),
});

/** The body as ingest code before the canonical form wrote it: the same message, validated again on read. */
const withoutForm = (body: string): string => {
  const { form: _form, ...rest } = JSON.parse(body) as Record<string, unknown>;
  return JSON.stringify(rest);
};

describe('the canonical form HTTP ingest queues', () => {
  it('reads back exactly what validating it again gives, for every message ingest accepts', () => {
    fc.assert(
      fc.property(wireMessage, ({ readings, movements, sentAt, receivedAt, source }) => {
        const raw = { schema: TELEMETRY_SCHEMA, messageId: 'gw:1', sentAt, readings, movements };
        const accepted = parseTelemetry(raw, { now: receivedAt, plantId: PLANT });
        fc.pre(accepted.ok);
        if (!accepted.ok) return;
        const parts = encodeQueued({ message: accepted.message, source, receivedAt }, 4096);
        const items: unknown[] = [];
        for (const part of parts) {
          const envelope = JSON.parse(part) as { form?: string; message: unknown };
          expect(envelope.form).toBe('canonical');
          // The trusted reader takes every message ingest writes (none falls back to validation).
          expect(readCanonical(envelope.message, PLANT, receivedAt)).toBeDefined();
          const fast = decodeQueued(part);
          const validated = decodeQueued(withoutForm(part));
          expect(fast.ok && fast.parsed).toEqual(validated.ok && validated.parsed);
          if (!fast.ok || !fast.parsed.ok) throw new Error('a queued part did not decode');
          items.push(...fast.parsed.message.readings, ...fast.parsed.message.movements);
        }
        const version = (correction: boolean) => (correction ? receivedAt : 1);
        expect(items).toEqual([
          ...accepted.message.readings.map((r) => ({ ...r, version: version(r.correction) })),
          ...accepted.message.movements,
        ]);
      }),
      { numRuns: 3_000, seed: 19_3 },
    );
  });

  it('trusts nothing the stores could not hold, whatever a canonical envelope carries', () => {
    const anything = fc.oneof(
      fc.constant(undefined),
      fc.string(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
    );
    const forged = fc.record({
      readings: fc.array(
        fc.oneof(
          wireReading,
          fc.record({ ts: anything, line: anything, metric: anything, value: anything, unit: anything }),
        ),
        { maxLength: 8 },
      ),
      movements: fc.array(
        fc.oneof(wireMovement, fc.record({ ticketId: anything, ts: anything, direction: anything })),
        { maxLength: 3 },
      ),
      plantId: fc.constantFrom(PLANT, 'other-plant'),
    });
    fc.assert(
      fc.property(forged, ({ readings, movements, plantId }) => {
        const message = readCanonical(
          { schema: TELEMETRY_SCHEMA, messageId: 'forged:1', plantId, readings, movements },
          PLANT,
          NOW,
        );
        if (message === undefined) return;
        expect(message.plantId).toBe(PLANT);
        // The planner's own checks (catalog, canonical unit, kind, quality, finite value, epoch-ms time) pass.
        expect(planReadingWrites(message.readings).rejected).toEqual([]);
        for (const r of message.readings) expect(r.line).toMatch(LINE_PATTERN);
        const window = { earliest: Number.NEGATIVE_INFINITY, latest: Number.POSITIVE_INFINITY };
        message.movements.forEach((m, i) => {
          expect(validateMovement(m, i, PLANT, window)).toEqual({ movement: m });
        });
      }),
      { numRuns: 5_000, seed: 19_3 },
    );
  });
});

describe('the envelope check skips zod only for what zod accepts', () => {
  it('accepts nothing the envelope schema refuses, and reads what it reads', () => {
    const near = <T>(valid: fc.Arbitrary<T>) =>
      fc.oneof(
        { weight: 4, arbitrary: valid },
        {
          weight: 1,
          arbitrary: fc.oneof(
            fc.constant(undefined),
            fc.constant(null),
            fc.string({ maxLength: 4 }),
            fc.double(),
            fc.boolean(),
            fc.array(fc.nat(), { maxLength: 2 }),
            fc.dictionary(fc.string({ maxLength: 3 }), fc.nat(), { maxKeys: 2 }),
          ),
        },
      );
    const envelope = fc.record(
      {
        v: near(fc.constantFrom(1, 2, '1')),
        source: near(fc.constantFrom('http', 'mqtt', 'replay', 'HTTP')),
        plantId: near(fc.constantFrom(PLANT, 'Bad Plant', '', 'x'.repeat(65))),
        receivedAt: near(fc.oneof(fc.integer({ min: -5, max: 2 ** 53 + 4 }), fc.double())),
        form: near(fc.constantFrom('canonical', 'other')),
        message: near(fc.constant({ schema: TELEMETRY_SCHEMA })),
        payload: near(fc.base64String({ maxLength: 8 })),
        extra: fc.string({ maxLength: 3 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(envelope, (json) => {
        const fast = wellFormedEnvelope(json);
        if (fast === undefined) return;
        const zod = envelopeSchema.safeParse(json);
        expect(zod.success).toBe(true);
        expect(fast.data).toEqual(zod.data);
      }),
      { numRuns: 20_000, seed: 19_3 },
    );
  });
});

describe('validated once', () => {
  const old = {
    schema: TELEMETRY_SCHEMA,
    messageId: 'gw:late',
    plantId: PLANT,
    readings: [
      { ts: NOW - 8 * DAY_MS, line: 'boiler-1', metric: 'furnace_temperature', value: 900, unit: 'degC' },
    ],
  };
  const envelope = (fields: Record<string, unknown>) =>
    JSON.stringify({ v: 1, source: 'http', plantId: PLANT, receivedAt: NOW, message: old, ...fields });

  it('does not judge a canonical message again (ingest already did, with its own settings)', () => {
    const decoded = decodeQueued(envelope({ form: 'canonical' }));
    expect(decoded.ok && decoded.parsed.ok && decoded.parsed.message.readings).toEqual([
      expect.objectContaining({ ts: NOW - 8 * DAY_MS, value: 900, version: 1 }),
    ]);
  });

  it('still validates a message older ingest code queued, and anything from MQTT', () => {
    for (const body of [envelope({}), envelope({ source: 'mqtt', form: 'canonical' })]) {
      const decoded = decodeQueued(body);
      expect(decoded.ok && !decoded.parsed.ok && decoded.parsed.problem.errors).toEqual([
        { pointer: '/readings/0/ts', detail: 'is older than the late-data horizon' },
      ]);
    }
  });

  it('validates in full a canonical message that breaks an invariant, so the refusal says why', () => {
    const broken = { ...old, readings: [{ ...old.readings[0], ts: NOW, unit: 'degF' }] };
    const decoded = decodeQueued(envelope({ form: 'canonical', message: broken }));
    // Not canonical (a non-canonical unit): converted and judged like any message.
    expect(decoded.ok && decoded.parsed.ok && decoded.parsed.message.readings[0]?.value).toBeCloseTo(
      (900 - 32) / 1.8,
      9,
    );
  });
});
