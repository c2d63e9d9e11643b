/**
 * Example tests of the telemetry parser against docs/contract.md sections 1 and 2:
 * normalization, per-item rejections with exact JSON pointers, message-level
 * RFC 9457 problems, duplicates inside one message and input echo limits.
 */
import { describe, expect, it } from 'vitest';
import { readingKey } from '../../lambdas/domain/identity.ts';
import {
  type ParseOptions,
  type ParseResult,
  parseTelemetry,
  parseTelemetryBody,
  type Rejection,
} from '../../lambdas/domain/parse-telemetry.ts';
import { type Problem, ProblemType, type ProblemTypeUri } from '../../lambdas/domain/problem.ts';
import { MAX_BODY_BYTES } from '../../lambdas/domain/telemetry.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** The injected clock: the contract example's sentAt. */
const NOW = Date.UTC(2026, 10, 24, 10, 0, 0);
const PLANT = 'kz-ast-01';
const HTTP: ParseOptions = { now: NOW, plantId: PLANT };

/** The example of docs/contract.md section 1, verbatim. */
const CONTRACT_EXAMPLE = `{
  "schema": "wte.telemetry.v1",
  "messageId": "gw-ast-01:000123",
  "plantId": "kz-ast-01",
  "sentAt": "2026-11-24T10:00:00Z",
  "readings": [
    { "ts": "2026-11-24T09:59:50Z", "line": "boiler-1", "metric": "furnace_temperature", "value": 912.4, "unit": "degC", "quality": "GOOD" },
    { "ts": 1795514390000, "line": "turbine", "metric": "electricity_exported", "value": 18250.5, "unit": "MWh" }
  ],
  "movements": [
    { "ticketId": "WB-2026-000981", "ts": "2026-11-24T09:41:00+05:00", "direction": "out",
      "netTonnes": 18.2, "material": "bottom_ash", "destination": "landfill", "operationCode": "D1" }
  ]
}`;

type Json = Record<string, unknown>;

/** A fresh copy of the contract example as a decoded JSON value. */
function example(): Json {
  const value: unknown = JSON.parse(CONTRACT_EXAMPLE);
  if (!isRecord(value)) throw new Error('the contract example is not an object');
  return value;
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function itemsOf(message: Json, field: 'readings' | 'movements'): unknown[] {
  const items = message[field];
  return Array.isArray(items) ? items : [];
}

/** The contract example with one more reading (at /readings/2) and/or movement (at /movements/1). */
function exampleWith(extra: { reading?: unknown; movement?: unknown }): Json {
  const message = example();
  if ('reading' in extra) message.readings = [...itemsOf(message, 'readings'), extra.reading];
  if ('movement' in extra) message.movements = [...itemsOf(message, 'movements'), extra.movement];
  return message;
}

/** A minimal message around the given items. */
function messageOf(items: { readings?: unknown[]; movements?: unknown[] }): Json {
  return { schema: 'wte.telemetry.v1', messageId: 'gw-ast-01:000124', plantId: PLANT, ...items };
}

const reading = (extra: Json = {}): Json => ({
  ts: '2026-11-24T09:59:50Z',
  line: 'boiler-1',
  metric: 'furnace_temperature',
  value: 912.4,
  ...extra,
});

const movement = (extra: Json = {}): Json => ({
  ticketId: 'WB-2026-000982',
  ts: '2026-11-24T09:45:00Z',
  direction: 'in',
  netTonnes: 21.5,
  material: 'mixed_waste',
  ...extra,
});

type Accepted = Extract<ParseResult, { ok: true }>;

function expectAccepted(result: ParseResult): Accepted {
  if (!result.ok)
    throw new Error(`expected the message to be accepted, got ${JSON.stringify(result.problem)}`);
  return result;
}

const POINTER = /^(\/([^~/]|~[01])*)*$/;

/** Asserts the RFC 9457 shape of a refusal and returns the problem. */
function expectProblem(result: ParseResult, status: number, type: ProblemTypeUri): Problem {
  if (result.ok) throw new Error(`expected a problem, got an accepted message ${JSON.stringify(result)}`);
  const { problem } = result;
  // RFC 9457 members of the contract; `instance` and `messageId` are the only other members allowed.
  expect(Object.keys(problem)).toEqual(
    expect.arrayContaining(['type', 'title', 'status', 'detail', 'errors']),
  );
  for (const key of Object.keys(problem)) {
    expect(['type', 'title', 'status', 'detail', 'errors', 'instance', 'messageId']).toContain(key);
  }
  expect(problem.status).toBe(status);
  expect(problem.type).toBe(type);
  expect(problem.title).toMatch(/\S/);
  expect(problem.detail).toMatch(/\S/);
  expect(Array.isArray(problem.errors)).toBe(true);
  for (const error of problem.errors) {
    expect(Object.keys(error).sort()).toEqual(['detail', 'pointer']);
    expect(error.pointer).toMatch(POINTER);
    expect(error.detail).toMatch(/\S/);
  }
  return problem;
}

const pointersOf = (problem: Problem): string[] => problem.errors.map((e) => e.pointer);

describe('parseTelemetry accepts the contract example', () => {
  it('normalizes timestamps to epoch ms, units to canonical, and applies the GOOD and correction defaults', () => {
    const result = expectAccepted(parseTelemetryBody(CONTRACT_EXAMPLE, HTTP));
    expect(result.rejected).toEqual([]);
    expect(result.message).toEqual({
      schema: 'wte.telemetry.v1',
      messageId: 'gw-ast-01:000123',
      plantId: PLANT,
      sentAt: NOW,
      readings: [
        {
          plantId: PLANT,
          line: 'boiler-1',
          metric: 'furnace_temperature',
          kind: 'gauge',
          ts: Date.UTC(2026, 10, 24, 9, 59, 50),
          value: 912.4,
          unit: 'degC',
          quality: 'GOOD',
          correction: false,
        },
        {
          plantId: PLANT,
          line: 'turbine',
          metric: 'electricity_exported',
          kind: 'counter',
          ts: 1795514390000,
          value: 18250.5,
          unit: 'MWh',
          quality: 'GOOD',
          correction: false,
        },
      ],
      movements: [
        {
          plantId: PLANT,
          ticketId: 'WB-2026-000981',
          ts: Date.UTC(2026, 10, 24, 4, 41, 0),
          direction: 'out',
          netTonnes: 18.2,
          material: 'bottom_ash',
          destination: 'landfill',
          operationCode: 'D1',
          correction: false,
        },
      ],
    });
  });

  it('gives the same result for the decoded object, the string body and the UTF-8 bytes', () => {
    const fromObject = parseTelemetry(example(), HTTP);
    expect(parseTelemetryBody(CONTRACT_EXAMPLE, HTTP)).toEqual(fromObject);
    expect(parseTelemetryBody(new TextEncoder().encode(CONTRACT_EXAMPLE), HTTP)).toEqual(fromObject);
  });

  it('keeps explicit quality and correction flags', () => {
    const result = expectAccepted(
      parseTelemetry(
        messageOf({
          readings: [
            reading({ quality: 'UNCERTAIN', correction: true }),
            reading({ line: 'b', quality: 'BAD' }),
          ],
          movements: [movement({ correction: true })],
        }),
        HTTP,
      ),
    );
    expect(result.message.readings.map((r) => [r.quality, r.correction])).toEqual([
      ['UNCERTAIN', true],
      ['BAD', false],
    ]);
    expect(result.message.movements.map((m) => m.correction)).toEqual([true]);
  });
});

describe('parseTelemetry converts units to the canonical unit of the metric', () => {
  it.each([
    { metric: 'electricity_exported', value: 1, unit: 'Gcal', canonical: 'MWh', expected: 1.163 },
    { metric: 'electricity_generated', value: 18_250_500, unit: 'kWh', canonical: 'MWh', expected: 18_250.5 },
    { metric: 'heat_exported', value: 36, unit: 'GJ', canonical: 'MWh', expected: 10 },
    { metric: 'waste_fed', value: 1500, unit: 'kg', canonical: 't', expected: 1.5 },
    { metric: 'mrf_input', value: 2.5, unit: 'Mg', canonical: 't', expected: 2.5 },
    { metric: 'furnace_temperature', value: 1185.55, unit: 'K', canonical: 'degC', expected: 912.4 },
    { metric: 'furnace_temperature', value: 1674.32, unit: 'degF', canonical: 'degC', expected: 912.4 },
    { metric: 'furnace_temperature', value: 912.4, unit: '°C', canonical: 'degC', expected: 912.4 },
    { metric: 'steam_pressure', value: 4000, unit: 'kPa', canonical: 'bar', expected: 40 },
    { metric: 'steam_pressure', value: 4, unit: 'MPa', canonical: 'bar', expected: 40 },
    { metric: 'steam_pressure', value: 100, unit: 'psi', canonical: 'bar', expected: 6.89475729316836 },
    { metric: 'boiler_dp', value: 450, unit: 'Pa', canonical: 'mbar', expected: 4.5 },
    { metric: 'steam_flow', value: 10, unit: 'kg/s', canonical: 't/h', expected: 36 },
    { metric: 'waste_feed_rate', value: 25_000, unit: 'kg/h', canonical: 't/h', expected: 25 },
    { metric: 'power_export', value: 18_000, unit: 'kW', canonical: 'MW', expected: 18 },
    { metric: 'nox', value: 120, unit: 'mg/Nm3', canonical: 'mg/Nm3', expected: 120 },
    { metric: 'flue_gas_o2', value: 7.5, unit: undefined, canonical: '%', expected: 7.5 },
  ])(
    '$value $unit of $metric is stored as $expected $canonical',
    ({ metric, value, unit, canonical, expected }) => {
      const result = expectAccepted(
        parseTelemetry(
          messageOf({ readings: [reading({ metric, value, ...(unit ? { unit } : {}) })] }),
          HTTP,
        ),
      );
      expect(result.rejected).toEqual([]);
      const [stored] = result.message.readings;
      expect(stored?.unit).toBe(canonical);
      expect(stored?.value).toBeCloseTo(expected, 9);
    },
  );

  it('names every problem of an item in its rejection, not only the first', () => {
    const result = expectAccepted(
      parseTelemetry(
        messageOf({ readings: [reading(), reading({ line: 'bad line!', value: 'abc' })] }),
        HTTP,
      ),
    );
    expect(result.rejected).toHaveLength(1);
    const [rejection] = result.rejected;
    expect(rejection?.pointer).toBe('/readings/1/line');
    expect(rejection?.detail).toContain('must be 1 to 64 characters');
    expect(rejection?.detail).toContain('/readings/1/value must be a finite number');
  });

  it('accepts a negative value for a gauge (boiler differential pressure)', () => {
    const result = expectAccepted(
      parseTelemetry(messageOf({ readings: [reading({ metric: 'boiler_dp', value: -2.5 })] }), HTTP),
    );
    expect(result.message.readings[0]?.value).toBe(-2.5);
  });
});

interface ItemCase {
  readonly name: string;
  readonly extra: { reading?: unknown; movement?: unknown };
  readonly pointer: string;
  readonly type: ProblemTypeUri;
  readonly detail?: RegExp;
}

const future = NOW + 15 * MINUTE_MS + 1;
const tooOld = NOW - 7 * DAY_MS - 1;

const ITEM_CASES: readonly ItemCase[] = [
  {
    name: 'an unknown metric',
    extra: { reading: reading({ metric: 'furnace_temp' }) },
    pointer: '/readings/2/metric',
    type: ProblemType.unknownMetric,
  },
  {
    name: 'a metric inherited from Object.prototype',
    extra: { reading: reading({ metric: 'toString' }) },
    pointer: '/readings/2/metric',
    type: ProblemType.unknownMetric,
  },
  {
    name: 'a metric that is not a string',
    extra: { reading: reading({ metric: 42 }) },
    pointer: '/readings/2/metric',
    type: ProblemType.wrongType,
  },
  {
    name: 'an unknown unit',
    extra: { reading: reading({ unit: 'furlong' }) },
    pointer: '/readings/2/unit',
    type: ProblemType.invalidUnit,
  },
  {
    name: 'a unit name inherited from Object.prototype',
    extra: { reading: reading({ unit: 'constructor' }) },
    pointer: '/readings/2/unit',
    type: ProblemType.invalidUnit,
  },
  {
    name: 'a unit of another quantity (bar for a temperature)',
    extra: { reading: reading({ unit: 'bar' }) },
    pointer: '/readings/2/unit',
    type: ProblemType.invalidUnit,
  },
  {
    name: 'a pressure unit for the boiler differential pressure (bar for boiler_dp)',
    extra: { reading: reading({ metric: 'boiler_dp', value: 5, unit: 'bar' }) },
    pointer: '/readings/2/unit',
    type: ProblemType.invalidUnit,
  },
  {
    name: 'a value given as a string',
    extra: { reading: reading({ value: '912.4' }) },
    pointer: '/readings/2/value',
    type: ProblemType.wrongType,
  },
  {
    name: 'a value given as the string "1e309"',
    extra: { reading: reading({ value: '1e309' }) },
    pointer: '/readings/2/value',
    type: ProblemType.wrongType,
  },
  {
    name: 'a null value',
    extra: { reading: reading({ value: null }) },
    pointer: '/readings/2/value',
    type: ProblemType.wrongType,
  },
  {
    name: 'a NaN value',
    extra: { reading: reading({ value: Number.NaN }) },
    pointer: '/readings/2/value',
    type: ProblemType.wrongType,
  },
  {
    name: 'an infinite value',
    extra: { reading: reading({ value: Number.POSITIVE_INFINITY }) },
    pointer: '/readings/2/value',
    type: ProblemType.wrongType,
  },
  {
    name: 'a value that overflows when converted (1e308 kg/s)',
    extra: { reading: reading({ metric: 'steam_flow', value: 1e308, unit: 'kg/s' }) },
    pointer: '/readings/2/value',
    type: ProblemType.valueOutOfRange,
  },
  {
    name: 'a negative counter value',
    extra: { reading: reading({ metric: 'electricity_exported', value: -1, unit: 'MWh' }) },
    pointer: '/readings/2/value',
    type: ProblemType.valueOutOfRange,
    detail: /counter/,
  },
  {
    name: 'a negative counter value in a non-canonical unit',
    extra: { reading: reading({ metric: 'waste_fed', value: -500, unit: 'kg' }) },
    pointer: '/readings/2/value',
    type: ProblemType.valueOutOfRange,
  },
  {
    name: 'a ts more than 15 minutes in the future (epoch ms)',
    extra: { reading: reading({ ts: future }) },
    pointer: '/readings/2/ts',
    type: ProblemType.timestampOutOfRange,
    detail: /future/,
  },
  {
    name: 'a ts more than 15 minutes in the future (RFC 3339)',
    extra: { reading: reading({ ts: '2026-11-24T15:15:00.001+05:00' }) },
    pointer: '/readings/2/ts',
    type: ProblemType.timestampOutOfRange,
  },
  {
    name: 'a ts older than the 7-day late-data horizon',
    extra: { reading: reading({ ts: tooOld }) },
    pointer: '/readings/2/ts',
    type: ProblemType.timestampOutOfRange,
    detail: /older/,
  },
  {
    name: 'a ts in epoch seconds (with a hint)',
    extra: { reading: reading({ ts: 1795514390 }) },
    pointer: '/readings/2/ts',
    type: ProblemType.timestampOutOfRange,
    detail: /epoch seconds/,
  },
  {
    name: 'a ts without an offset',
    extra: { reading: reading({ ts: '2026-11-24T09:59:50' }) },
    pointer: '/readings/2/ts',
    type: ProblemType.invalidFormat,
  },
  {
    name: 'a ts on a date that does not exist',
    extra: { reading: reading({ ts: '2026-02-30T09:59:50Z' }) },
    pointer: '/readings/2/ts',
    type: ProblemType.invalidFormat,
  },
  {
    name: 'a fractional epoch-ms ts',
    extra: { reading: reading({ ts: 1795514390000.5 }) },
    pointer: '/readings/2/ts',
    type: ProblemType.invalidFormat,
  },
  {
    name: 'a missing line',
    extra: { reading: { ts: '2026-11-24T09:59:50Z', metric: 'co', value: 3 } },
    pointer: '/readings/2/line',
    type: ProblemType.missingMember,
  },
  {
    name: 'a lower-case quality',
    extra: { reading: reading({ quality: 'good' }) },
    pointer: '/readings/2/quality',
    type: ProblemType.invalidChoice,
  },
  {
    name: 'a correction flag that is not a boolean',
    extra: { reading: reading({ correction: 'yes' }) },
    pointer: '/readings/2/correction',
    type: ProblemType.wrongType,
  },
  {
    name: 'a reading that is not an object',
    extra: { reading: 42 },
    pointer: '/readings/2',
    type: ProblemType.wrongType,
  },
  {
    name: 'a movement out without destination',
    extra: { movement: movement({ direction: 'out' }) },
    pointer: '/movements/1/destination',
    type: ProblemType.missingMember,
  },
  {
    name: 'netTonnes 0',
    extra: { movement: movement({ netTonnes: 0 }) },
    pointer: '/movements/1/netTonnes',
    type: ProblemType.valueOutOfRange,
  },
  {
    name: 'negative netTonnes',
    extra: { movement: movement({ netTonnes: -3 }) },
    pointer: '/movements/1/netTonnes',
    type: ProblemType.valueOutOfRange,
  },
  {
    name: 'netTonnes over 100',
    extra: { movement: movement({ netTonnes: 100.001 }) },
    pointer: '/movements/1/netTonnes',
    type: ProblemType.valueOutOfRange,
  },
  {
    name: 'netTonnes as a string',
    extra: { movement: movement({ netTonnes: '18.2' }) },
    pointer: '/movements/1/netTonnes',
    type: ProblemType.wrongType,
  },
  ...['R0', 'R14', 'D0', 'D16', 'r1', 'D01', 'X1', 'R1 '].map(
    (code): ItemCase => ({
      name: `operationCode ${JSON.stringify(code)}`,
      extra: { movement: movement({ operationCode: code }) },
      pointer: '/movements/1/operationCode',
      type: ProblemType.invalidFormat,
    }),
  ),
  {
    name: 'an unknown direction',
    extra: { movement: movement({ direction: 'sideways' }) },
    pointer: '/movements/1/direction',
    type: ProblemType.invalidChoice,
  },
  {
    name: 'an unknown material',
    extra: { movement: movement({ material: 'plastic' }) },
    pointer: '/movements/1/material',
    type: ProblemType.invalidChoice,
  },
  {
    name: 'an unknown destination',
    extra: { movement: movement({ direction: 'out', destination: 'river' }) },
    pointer: '/movements/1/destination',
    type: ProblemType.invalidChoice,
  },
  {
    name: 'a ticketId with a space',
    extra: { movement: movement({ ticketId: 'WB 1' }) },
    pointer: '/movements/1/ticketId',
    type: ProblemType.invalidFormat,
  },
  {
    name: 'a movement ts in the future',
    extra: { movement: movement({ ts: future }) },
    pointer: '/movements/1/ts',
    type: ProblemType.timestampOutOfRange,
  },
  {
    name: 'a movement ts older than 7 days',
    extra: { movement: movement({ ts: '2026-11-17T09:59:59.999Z' }) },
    pointer: '/movements/1/ts',
    type: ProblemType.timestampOutOfRange,
  },
  {
    name: 'a movement that is an array',
    extra: { movement: [] },
    pointer: '/movements/1',
    type: ProblemType.wrongType,
  },
];

describe('parseTelemetry rejects a single bad item and keeps the valid ones', () => {
  it.each(ITEM_CASES)('$name is rejected at $pointer', ({ extra, pointer, type, detail }) => {
    const result = expectAccepted(parseTelemetry(exampleWith(extra), HTTP));
    expect(result.rejected).toEqual([{ pointer, type, detail: expect.any(String) }]);
    if (detail) expect(result.rejected[0]?.detail).toMatch(detail);
    expect(result.message.readings.map((r) => r.line)).toEqual(['boiler-1', 'turbine']);
    expect(result.message.movements.map((m) => m.ticketId)).toEqual(['WB-2026-000981']);
  });

  it('reports every bad item of a message, each at its own index', () => {
    const message = messageOf({
      readings: [reading({ metric: 'nope' }), reading(), reading({ line: 'x', unit: 'kPa' })],
      movements: [movement({ netTonnes: 0 }), movement({ ticketId: 'WB-2' })],
    });
    const result = expectAccepted(parseTelemetry(message, HTTP));
    expect(result.rejected.map((r) => r.pointer)).toEqual([
      '/readings/0/metric',
      '/readings/2/unit',
      '/movements/0/netTonnes',
    ]);
    expect(result.message.readings).toHaveLength(1);
    expect(result.message.movements.map((m) => m.ticketId)).toEqual(['WB-2']);
  });
});

describe('parseTelemetry applies the time window at its exact bounds', () => {
  it.each([
    { name: 'exactly 15 minutes ahead', ts: NOW + 15 * MINUTE_MS },
    { name: 'exactly 7 days old', ts: NOW - 7 * DAY_MS },
    { name: 'the current instant', ts: NOW },
  ])('accepts a reading $name', ({ ts }) => {
    const result = expectAccepted(parseTelemetry(messageOf({ readings: [reading({ ts })] }), HTTP));
    expect(result.rejected).toEqual([]);
    expect(result.message.readings[0]?.ts).toBe(ts);
  });

  it('honours a shorter late-data horizon and future tolerance from the options', () => {
    const options: ParseOptions = { ...HTTP, lateHorizonMs: DAY_MS, futureToleranceMs: MINUTE_MS };
    const result = expectAccepted(
      parseTelemetry(
        messageOf({
          readings: [
            reading({ ts: NOW - 2 * DAY_MS }),
            reading({ ts: NOW + 2 * MINUTE_MS }),
            reading({ ts: NOW - DAY_MS }),
          ],
        }),
        options,
      ),
    );
    expect(result.rejected.map((r) => [r.pointer, r.type])).toEqual([
      ['/readings/0/ts', ProblemType.timestampOutOfRange],
      ['/readings/1/ts', ProblemType.timestampOutOfRange],
    ]);
    expect(result.message.readings.map((r) => r.ts)).toEqual([NOW - DAY_MS]);
  });
});

interface MessageCase {
  readonly name: string;
  readonly input: unknown;
  readonly options?: ParseOptions;
  readonly type: ProblemTypeUri;
  readonly pointers: readonly string[];
}

const without = (key: string): Json => {
  const message = example();
  delete message[key];
  return message;
};

const manyReadings = (count: number): Json[] =>
  Array.from({ length: count }, (_, i) => reading({ ts: NOW - i * 1000 }));

const MESSAGE_CASES: readonly MessageCase[] = [
  ...[null, [], 'text', 42, true].map(
    (input): MessageCase => ({
      name: `a message that is ${JSON.stringify(input)}`,
      input,
      type: ProblemType.invalidMessage,
      pointers: [''],
    }),
  ),
  {
    name: 'a wrong schema',
    input: { ...example(), schema: 'wte.telemetry.v2' },
    type: ProblemType.invalidMessage,
    pointers: ['/schema'],
  },
  {
    name: 'a missing schema',
    input: without('schema'),
    type: ProblemType.invalidMessage,
    pointers: ['/schema'],
  },
  ...['', 'has space', 'x'.repeat(129), 'ünïcode', 42].map(
    (messageId): MessageCase => ({
      name: `messageId ${JSON.stringify(messageId).slice(0, 20)}`,
      input: { ...example(), messageId },
      type: ProblemType.invalidMessage,
      pointers: ['/messageId'],
    }),
  ),
  {
    name: 'a missing messageId',
    input: without('messageId'),
    type: ProblemType.invalidMessage,
    pointers: ['/messageId'],
  },
  {
    name: 'an upper-case plantId',
    input: { ...example(), plantId: 'KZ-AST-01' },
    type: ProblemType.invalidMessage,
    pointers: ['/plantId'],
  },
  {
    name: 'a plantId other than the one of the path',
    input: { ...example(), plantId: 'kz-ala-02' },
    type: ProblemType.plantMismatch,
    pointers: ['/plantId'],
  },
  {
    name: 'no plantId in the message nor in the options',
    input: without('plantId'),
    options: { now: NOW },
    type: ProblemType.invalidMessage,
    pointers: ['/plantId'],
  },
  {
    name: 'an invalid sentAt',
    input: { ...example(), sentAt: '24.11.2026 10:00' },
    type: ProblemType.invalidMessage,
    pointers: ['/sentAt'],
  },
  {
    name: 'neither readings nor movements',
    input: messageOf({}),
    type: ProblemType.noValidItems,
    pointers: ['/readings'],
  },
  {
    name: 'empty readings and movements',
    input: messageOf({ readings: [], movements: [] }),
    type: ProblemType.noValidItems,
    pointers: ['/readings'],
  },
  {
    name: 'readings that are not an array',
    input: messageOf({ readings: reading() as unknown as unknown[] }),
    type: ProblemType.invalidMessage,
    pointers: ['/readings'],
  },
  {
    name: '1001 readings',
    input: messageOf({ readings: manyReadings(1001) }),
    type: ProblemType.tooManyItems,
    pointers: ['/readings'],
  },
  {
    name: '501 movements',
    input: messageOf({
      movements: Array.from({ length: 501 }, (_, i) => movement({ ticketId: `WB-${i}` })),
    }),
    type: ProblemType.tooManyItems,
    pointers: ['/movements'],
  },
  {
    name: 'no valid item at all',
    input: messageOf({
      readings: [reading({ metric: 'nope' }), reading({ ts: future })],
      movements: [movement({ direction: 'out' })],
    }),
    type: ProblemType.noValidItems,
    pointers: ['/readings/0/metric', '/readings/1/ts', '/movements/0/destination'],
  },
];

describe('parseTelemetry refuses the whole message with a 400 problem', () => {
  it.each(MESSAGE_CASES)('refuses $name', ({ input, options, type, pointers }) => {
    const problem = expectProblem(parseTelemetry(input, options ?? HTTP), 400, type);
    expect(pointersOf(problem)).toEqual(pointers);
  });

  it('accepts exactly 1000 readings', () => {
    const result = expectAccepted(parseTelemetry(messageOf({ readings: manyReadings(1000) }), HTTP));
    expect(result.rejected).toEqual([]);
    expect(result.message.readings).toHaveLength(1000);
  });

  it('names both plants in a plant mismatch', () => {
    const problem = expectProblem(
      parseTelemetry({ ...example(), plantId: 'kz-ala-02' }, HTTP),
      400,
      ProblemType.plantMismatch,
    );
    expect(problem.detail).toContain('"kz-ala-02"');
    expect(problem.detail).toContain('"kz-ast-01"');
  });
});

describe('parseTelemetry takes the plant from the topic on MQTT', () => {
  it('uses options.plantId when the message has no plantId', () => {
    const result = expectAccepted(parseTelemetry(without('plantId'), HTTP));
    expect(result.message.plantId).toBe(PLANT);
    expect(result.message.readings.map((r) => r.plantId)).toEqual([PLANT, PLANT]);
    expect(result.message.movements.map((m) => m.plantId)).toEqual([PLANT]);
  });

  it('accepts a plantId that matches the topic', () => {
    expect(expectAccepted(parseTelemetry(example(), HTTP)).message.plantId).toBe(PLANT);
  });

  it('uses the message plantId when no path or topic plant is given', () => {
    const result = expectAccepted(parseTelemetry({ ...example(), plantId: 'kz-ala-02' }, { now: NOW }));
    expect(result.message.readings.map((r) => r.plantId)).toEqual(['kz-ala-02', 'kz-ala-02']);
  });
});

describe('parseTelemetryBody decodes the body', () => {
  const padded = (bytes: number): string => {
    const body = JSON.stringify(example());
    return body + ' '.repeat(bytes - new TextEncoder().encode(body).byteLength);
  };

  it('accepts a body of exactly 256 KiB', () => {
    const body = padded(MAX_BODY_BYTES);
    expect(expectAccepted(parseTelemetryBody(body, HTTP)).rejected).toEqual([]);
    expect(expectAccepted(parseTelemetryBody(new TextEncoder().encode(body), HTTP)).rejected).toEqual([]);
  });

  it.each([
    { name: 'a string body one byte over 256 KiB', body: padded(MAX_BODY_BYTES + 1) },
    { name: 'a byte body one byte over 256 KiB', body: new TextEncoder().encode(padded(MAX_BODY_BYTES + 1)) },
    {
      name: 'a string under 256 Ki characters but over 256 KiB in UTF-8',
      body: JSON.stringify({ ...example(), note: '€'.repeat(90_000) }),
    },
    { name: 'a 1 MiB body of garbage', body: 'x'.repeat(1024 * 1024) },
  ])('refuses $name with 413', ({ body }) => {
    const problem = expectProblem(parseTelemetryBody(body, HTTP), 413, ProblemType.payloadTooLarge);
    expect(problem.errors).toEqual([]);
  });

  it.each([
    { name: 'a stray 0xFF byte', bytes: [0x7b, 0xff, 0x7d] },
    { name: 'an overlong encoding of "/"', bytes: [0x22, 0xc0, 0xaf, 0x22] },
    { name: 'an encoded UTF-16 surrogate', bytes: [0x22, 0xed, 0xa0, 0x80, 0x22] },
    { name: 'a truncated multi-byte sequence', bytes: [0x22, 0xe2, 0x82, 0x22] },
  ])('refuses invalid UTF-8 ($name) with 400', ({ bytes }) => {
    expectProblem(parseTelemetryBody(new Uint8Array(bytes), HTTP), 400, ProblemType.invalidJson);
  });

  it.each([
    '',
    '{',
    '{"schema":',
    "{'schema':'wte.telemetry.v1'}",
    'NaN',
    '{"schema":"wte.telemetry.v1",}',
    CONTRACT_EXAMPLE.slice(0, -1),
  ])('refuses invalid JSON %j with 400', (body) => {
    expectProblem(parseTelemetryBody(body, HTTP), 400, ProblemType.invalidJson);
  });

  it('rejects a number literal that overflows to Infinity (1e309) at its pointer', () => {
    const body = JSON.stringify(exampleWith({ reading: reading({ value: 0 }) })).replace(
      '"value":0',
      '"value":1e309',
    );
    const result = expectAccepted(parseTelemetryBody(body, HTTP));
    expect(result.rejected.map((r) => r.pointer)).toEqual(['/readings/2/value']);
  });

  it('treats a "__proto__" member as data and does not pollute Object.prototype', () => {
    const body = JSON.stringify(example()).replace(
      '"schema"',
      '"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"schema"',
    );
    expect(expectAccepted(parseTelemetryBody(body, HTTP)).rejected).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseTelemetry de-duplicates identities within one message', () => {
  it('accepts an exact duplicate reading once', () => {
    const result = expectAccepted(parseTelemetry(messageOf({ readings: [reading(), reading()] }), HTTP));
    expect(result.rejected).toEqual([]);
    expect(result.message.readings).toHaveLength(1);
  });

  it('treats the same reading sent with another offset and unit as a duplicate', () => {
    const result = expectAccepted(
      parseTelemetry(
        messageOf({
          readings: [
            reading({ metric: 'electricity_exported', value: 18.2505, unit: 'MWh' }),
            reading({
              metric: 'electricity_exported',
              ts: '2026-11-24T14:59:50+05:00',
              value: 18_250.5,
              unit: 'kWh',
            }),
          ],
        }),
        HTTP,
      ),
    );
    expect(result.rejected).toEqual([]);
    expect(result.message.readings).toHaveLength(1);
  });

  it('rejects a conflicting duplicate reading as a conflict and keeps the first', () => {
    const result = expectAccepted(
      parseTelemetry(messageOf({ readings: [reading(), reading({ value: 913 })] }), HTTP),
    );
    expect(result.rejected).toEqual([
      { pointer: '/readings/1', type: ProblemType.conflict, detail: expect.any(String) },
    ]);
    expect(result.message.readings.map((r) => r.value)).toEqual([912.4]);
  });

  it('rejects a duplicate reading that differs only in quality as a conflict', () => {
    const result = expectAccepted(
      parseTelemetry(messageOf({ readings: [reading(), reading({ quality: 'BAD' })] }), HTTP),
    );
    expect(result.rejected.map((r) => [r.pointer, r.type])).toEqual([['/readings/1', ProblemType.conflict]]);
  });

  it('keeps readings that differ in line, metric or ts as distinct identities', () => {
    const result = expectAccepted(
      parseTelemetry(
        messageOf({
          readings: [
            reading(),
            reading({ line: 'boiler-2' }),
            reading({ metric: 'steam_temperature', value: 420 }),
            reading({ ts: '2026-11-24T09:59:50.001Z' }),
          ],
        }),
        HTTP,
      ),
    );
    expect(result.rejected).toEqual([]);
    expect(new Set(result.message.readings.map(readingKey)).size).toBe(4);
  });

  it('accepts an exact duplicate movement once and rejects a conflicting one', () => {
    const result = expectAccepted(
      parseTelemetry(messageOf({ movements: [movement(), movement(), movement({ netTonnes: 22 })] }), HTTP),
    );
    expect(result.rejected).toEqual([
      { pointer: '/movements/2', type: ProblemType.conflict, detail: expect.any(String) },
    ]);
    expect(result.message.movements.map((m) => m.netTonnes)).toEqual([21.5]);
  });
});

describe('parseTelemetry normalizes the same instant to the same identity', () => {
  const forms = [
    '2026-11-24T09:59:50Z',
    '2026-11-24T09:59:50.000Z',
    '2026-11-24t09:59:50z',
    '2026-11-24T14:59:50+05:00',
    '2026-11-24T06:29:50-03:30',
    '2026-11-24T09:59:50.000999+00:00',
    1795514390000,
  ];

  it.each(forms)('%j is epoch ms 1795514390000 with the readingKey of the "Z" form', (ts) => {
    const keyOf = (value: string | number): string => {
      const result = expectAccepted(parseTelemetry(messageOf({ readings: [reading({ ts: value })] }), HTTP));
      const [stored] = result.message.readings;
      if (!stored) throw new Error('no reading accepted');
      expect(stored.ts).toBe(1795514390000);
      return readingKey(stored);
    };
    expect(keyOf(ts)).toBe(keyOf('2026-11-24T09:59:50Z'));
  });

  it('gives a different readingKey to a different instant', () => {
    const keys = ['2026-11-24T09:59:50Z', '2026-11-24T09:59:50+05:00'].map((ts) => {
      const result = expectAccepted(parseTelemetry(messageOf({ readings: [reading({ ts })] }), HTTP));
      return result.message.readings.map(readingKey)[0];
    });
    expect(keys[0]).not.toBe(keys[1]);
  });
});

/** UTF-8 byte length of a string. */
const utf8Bytes = (text: string): number => new TextEncoder().encode(text).byteLength;

/** UTF-8 byte length of one code point. */
function codePointBytes(point: string): number {
  const code = point.codePointAt(0) ?? 0;
  return code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
}

/**
 * The first substring of `input` of more than 128 UTF-8 bytes (on code point
 * boundaries) that `output` contains, if any.
 */
function longEcho(output: string, input: string): string | undefined {
  const points = [...input];
  const sizes = points.map(codePointBytes);
  let end = 0;
  let bytes = 0;
  for (let start = 0; start < points.length; start++) {
    while (end < points.length && bytes <= 128) {
      bytes += sizes[end] ?? 0;
      end++;
    }
    if (bytes <= 128) return undefined;
    const window = points.slice(start, end).join('');
    if (output.includes(window)) return window;
    bytes -= sizes[start] ?? 0;
  }
  return undefined;
}

/** Everything of a result the caller would see as a problem or rejection. */
function refusalText(result: ParseResult): string {
  const parts: Array<Problem | Rejection> = result.ok ? [...result.rejected] : [result.problem];
  return parts.map((part) => JSON.stringify(part)).join('\n');
}

/** A non-periodic 10,000-character string of plant-id-like characters (a fixed LCG sequence). */
const LONG = ((): string => {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-';
  let state = 12345;
  let text = '';
  for (let i = 0; i < 10_000; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    text += alphabet[Math.floor((state / 2147483648) * alphabet.length)];
  }
  return text;
})();

describe('problem bodies never echo more than 128 bytes of the input', () => {
  it.each([
    { name: 'metric', input: LONG, build: (s: string) => exampleWith({ reading: reading({ metric: s }) }) },
    { name: 'plantId', input: LONG, build: (s: string) => ({ ...example(), plantId: s }) },
    { name: 'messageId', input: LONG, build: (s: string) => ({ ...example(), messageId: s }) },
    { name: 'schema', input: LONG, build: (s: string) => ({ ...example(), schema: s }) },
    { name: 'unit', input: LONG, build: (s: string) => exampleWith({ reading: reading({ unit: s }) }) },
    { name: 'line', input: LONG, build: (s: string) => exampleWith({ reading: reading({ line: s }) }) },
    { name: 'ts', input: LONG, build: (s: string) => exampleWith({ reading: reading({ ts: s }) }) },
    { name: 'quality', input: LONG, build: (s: string) => exampleWith({ reading: reading({ quality: s }) }) },
    {
      name: 'ticketId',
      input: LONG,
      build: (s: string) => exampleWith({ movement: movement({ ticketId: s }) }),
    },
    {
      name: 'material',
      input: LONG,
      build: (s: string) => exampleWith({ movement: movement({ material: s }) }),
    },
    {
      name: 'metric as the only item',
      input: LONG,
      build: (s: string) => messageOf({ readings: [reading({ metric: s })] }),
    },
    {
      name: 'metric of 64 characters',
      input: LONG.slice(0, 64).repeat(3),
      build: (s: string) => messageOf({ readings: [reading({ metric: s.slice(0, 64) })] }),
    },
  ])('with a 10,000-character $name', ({ input, build }) => {
    const result = parseTelemetry(build(input), HTTP);
    const text = refusalText(result);
    expect(text).not.toBe('');
    expect(longEcho(text, input)).toBeUndefined();
  });

  it('with a 10,000-character plantId in the path and another in the message', () => {
    const result = parseTelemetry({ ...example(), plantId: LONG.slice(0, 64) }, { now: NOW, plantId: LONG });
    const text = refusalText(result);
    expect(text).not.toBe('');
    expect(longEcho(text, LONG)).toBeUndefined();
  });

  it('with a body of 10,000-character invalid JSON', () => {
    const text = refusalText(parseTelemetryBody(`{"schema":"${LONG}`, HTTP));
    expect(text).not.toBe('');
    expect(longEcho(text, LONG)).toBeUndefined();
  });

  // 24 four-byte and 16 three-byte characters: 64 UTF-16 units (accepted by the 64-character
  // limit on metric) but 144 UTF-8 bytes.
  it('with a 64-unit metric of multi-byte characters (144 UTF-8 bytes)', () => {
    const metric = '😀'.repeat(24) + '€'.repeat(16);
    expect(utf8Bytes(metric)).toBe(144);
    const text = refusalText(parseTelemetry(messageOf({ readings: [reading({ metric })] }), HTTP));
    expect(text).not.toBe('');
    expect(longEcho(text, metric)).toBeUndefined();
  });

  // A path or topic plant of 400 bytes.
  it('with a path plant of 100 four-byte characters in a plant mismatch', () => {
    const pathPlant = '😀'.repeat(100);
    const text = refusalText(parseTelemetry(example(), { now: NOW, plantId: pathPlant }));
    expect(text).not.toBe('');
    expect(longEcho(text, pathPlant)).toBeUndefined();
  });
});
