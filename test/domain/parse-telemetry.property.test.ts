/**
 * Property tests of the telemetry parser: totality on malformed input (with
 * RFC 6901 pointers that resolve into the input), determinism of identities on
 * valid input, and round-tripping unit conversions.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalUnitOf, METRIC_NAMES, METRICS, type MetricName } from '../../lambdas/domain/catalog.ts';
import { movementKey, readingKey } from '../../lambdas/domain/identity.ts';
import {
  type ParseOptions,
  type ParseResult,
  parseTelemetry,
  parseTelemetryBody,
} from '../../lambdas/domain/parse-telemetry.ts';
import { ProblemType } from '../../lambdas/domain/problem.ts';
import {
  DESTINATIONS,
  DIRECTIONS,
  MATERIALS,
  MIN_NET_TONNES,
  QUALITIES,
  TELEMETRY_SCHEMA,
} from '../../lambdas/domain/telemetry.ts';
import { fromCanonical, toCanonical, UNITS, type Unit, unitsOf } from '../../lambdas/domain/units.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** The injected clock. */
const NOW = Date.UTC(2026, 10, 24, 10, 0, 0);
const RUNS = 10_000;
const SEED = 20_261_124;
const params = { numRuns: RUNS, seed: SEED } as const;

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------
// Valid messages

const OPERATION_CODES = [
  ...Array.from({ length: 13 }, (_, i) => `R${i + 1}`),
  ...Array.from({ length: 15 }, (_, i) => `D${i + 1}`),
];

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** RFC 3339 for `epochMs` written in a local offset, with optional sub-millisecond digits. */
function rfc3339(
  epochMs: number,
  offsetMinutes: number,
  extraDigits: string,
  fraction: boolean,
  lower: boolean,
) {
  const local = new Date(epochMs + offsetMinutes * MINUTE_MS).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const ms = epochMs % 1000;
  const frac = ms !== 0 || fraction || extraDigits !== '' ? `.${local.slice(20, 23)}${extraDigits}` : '';
  const abs = Math.abs(offsetMinutes);
  const zone =
    offsetMinutes === 0 && !fraction
      ? 'Z'
      : `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  const text = `${local.slice(0, 19)}${frac}${zone}`;
  return lower ? text.replace('T', 't').replace('Z', 'z') : text;
}

interface WireTs {
  readonly ms: number;
  readonly wire: string | number;
}

const epochInWindow = fc.integer({ min: NOW - 7 * DAY_MS, max: NOW + 15 * MINUTE_MS });

const wireTs: fc.Arbitrary<WireTs> = fc.oneof(
  epochInWindow.map((ms) => ({ ms, wire: ms })),
  fc
    .record({
      ms: epochInWindow,
      offset: fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
      extra: fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 6 }),
      fraction: fc.boolean(),
      lower: fc.boolean(),
    })
    .map(({ ms, offset, extra, fraction, lower }) => ({
      ms,
      wire: rfc3339(ms, offset, extra, fraction, lower),
    })),
);

const lineArb = fc.oneof(
  fc.constantFrom('boiler-1', 'turbine', 'line:2', 'mrf.a'),
  fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/),
);

interface GeneratedReading {
  readonly ms: number;
  readonly line: string;
  readonly metric: MetricName;
  readonly wire: Json;
}

const readingArb: fc.Arbitrary<GeneratedReading> = fc
  .record({
    ts: wireTs,
    line: lineArb,
    metric: fc.constantFrom(...METRIC_NAMES),
    // Where in the metric's physical bounds: the limits themselves often, anywhere between otherwise.
    share: fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })),
    unitIndex: fc.option(fc.nat(), { nil: undefined }),
    quality: fc.option(fc.constantFrom(...QUALITIES), { nil: undefined }),
    correction: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map(({ ts, line, metric, share, unitIndex, quality, correction }) => {
    const definition = METRICS[metric];
    const units = unitsOf(definition.quantity);
    const unit = unitIndex === undefined ? undefined : units[unitIndex % units.length];
    const { min, max } = definition.bounds;
    const sent = fromCanonical(min + share * (max - min), unit ?? canonicalUnitOf(metric));
    // No -0: JSON cannot carry it, and the string-body comparison below would differ on it.
    const value = sent === 0 ? 0 : sent;
    return {
      ms: ts.ms,
      line,
      metric,
      wire: {
        ts: ts.wire,
        line,
        metric,
        value,
        ...(unit === undefined ? {} : { unit }),
        ...(quality === undefined ? {} : { quality }),
        ...(correction === undefined ? {} : { correction }),
      },
    };
  });

interface GeneratedMovement {
  readonly ticketId: string;
  readonly wire: Json;
}

const movementArb: fc.Arbitrary<GeneratedMovement> = fc
  .record({
    ticketId: fc.stringMatching(/^[A-Za-z0-9._:/-]{1,128}$/),
    ts: wireTs,
    direction: fc.constantFrom(...DIRECTIONS),
    netTonnes: fc.double({ min: MIN_NET_TONNES, max: 100, noNaN: true }),
    material: fc.constantFrom(...MATERIALS),
    destination: fc.option(fc.constantFrom(...DESTINATIONS), { nil: undefined }),
    fallbackDestination: fc.constantFrom(...DESTINATIONS),
    operationCode: fc.option(fc.constantFrom(...OPERATION_CODES), { nil: undefined }),
    correction: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map(
    ({ ticketId, ts, direction, destination, fallbackDestination, operationCode, correction, ...rest }) => {
      const dest = direction === 'out' ? (destination ?? fallbackDestination) : destination;
      return {
        ticketId,
        wire: {
          ticketId,
          ts: ts.wire,
          direction,
          netTonnes: rest.netTonnes,
          material: rest.material,
          ...(dest === undefined ? {} : { destination: dest }),
          ...(operationCode === undefined ? {} : { operationCode }),
          ...(correction === undefined ? {} : { correction }),
        },
      };
    },
  );

interface GeneratedMessage {
  readonly plantId: string;
  readonly options: ParseOptions;
  readonly readings: readonly GeneratedReading[];
  readonly movements: readonly GeneratedMovement[];
  readonly wire: Json;
}

const messageArb: fc.Arbitrary<GeneratedMessage> = fc
  .record({
    plantId: fc.oneof(fc.constant('kz-ast-01'), fc.stringMatching(/^[a-z0-9-]{1,64}$/)),
    messageId: fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/),
    // Where the plant is named: the message only (no path), the path or topic only (MQTT), or both.
    plantIn: fc.constantFrom('message', 'options', 'both'),
    sentAt: fc.option(wireTs, { nil: undefined }),
    readings: fc.uniqueArray(readingArb, { maxLength: 8, selector: (r) => `${r.line}|${r.metric}|${r.ms}` }),
    movements: fc.uniqueArray(movementArb, { maxLength: 4, selector: (m) => m.ticketId }),
    omitEmpty: fc.boolean(),
  })
  .filter(({ readings, movements }) => readings.length + movements.length > 0)
  .map(({ plantId, messageId, plantIn, sentAt, readings, movements, omitEmpty }) => {
    const list = (items: readonly { wire: Json }[]) =>
      items.length === 0 && omitEmpty ? undefined : items.map((i) => i.wire);
    const readingList = list(readings);
    const movementList = list(movements);
    return {
      plantId,
      options: plantIn === 'message' ? { now: NOW } : { now: NOW, plantId },
      readings,
      movements,
      wire: {
        schema: TELEMETRY_SCHEMA,
        messageId,
        ...(plantIn === 'options' ? {} : { plantId }),
        ...(sentAt === undefined ? {} : { sentAt: sentAt.wire }),
        ...(readingList === undefined ? {} : { readings: readingList }),
        ...(movementList === undefined ? {} : { movements: movementList }),
      },
    };
  });

/** A deep copy of a JSON tree with the keys of every object in reverse order (and optionally items reversed). */
function reordered(value: unknown, reverseItems: boolean): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => reordered(item, reverseItems));
    return reverseItems ? items.reverse() : items;
  }
  if (isRecord(value)) {
    const copy: Json = {};
    for (const key of Object.keys(value).reverse()) copy[key] = reordered(value[key], reverseItems);
    return copy;
  }
  return value;
}

// ---------------------------------------------------------------------------
// Malformed messages

/** 10,000 nested arrays: too deep for JSON.stringify, fine for JSON.parse. */
const DEEP_TEXT = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
const DEEP: unknown = JSON.parse(DEEP_TEXT);
const DEEP_TOKEN = '\u0000deep-nesting\u0000';

/** JSON text of a value that may hold the DEEP array (spliced in as text). */
function toJsonText(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (v === DEEP ? DEEP_TOKEN : v));
  return text.replaceAll(JSON.stringify(DEEP_TOKEN), DEEP_TEXT);
}

/** Containers of the message under mutation (never the shared or generated bad values). */
type Owned = WeakSet<object>;

function cloneOwned(value: unknown, owned: Owned): unknown {
  if (Array.isArray(value)) {
    const copy = value.map((item) => cloneOwned(item, owned));
    owned.add(copy);
    return copy;
  }
  if (isRecord(value)) {
    const copy: Json = {};
    for (const key of Object.keys(value)) defineMember(copy, key, cloneOwned(value[key], owned));
    owned.add(copy);
    return copy;
  }
  return value;
}

/** Sets a member as own data, even for "__proto__" (plain assignment would change the prototype). */
function defineMember(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Every owned container of the tree, root first. */
function ownedContainers(root: unknown, owned: Owned): object[] {
  const found: object[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null || !owned.has(node)) continue;
    found.push(node);
    for (const child of Object.values(node)) stack.push(child);
  }
  return found;
}

const hugeString = fc
  .record({
    unit: fc.oneof(
      fc.string({ minLength: 1, maxLength: 3 }),
      fc.constantFrom('€', '😀', '\u0000', '"\\', 'é'),
    ),
    repeat: fc.integer({ min: 45, max: 4000 }),
  })
  .map(({ unit, repeat }) => unit.repeat(repeat));

const asciiHugeString = fc
  .record({ unit: fc.string({ minLength: 1, maxLength: 3 }), repeat: fc.integer({ min: 45, max: 4000 }) })
  .map(({ unit, repeat }) => unit.repeat(repeat));

/** Fresh bad values; factories so no mutation ever touches a shared constant. */
const badValue: fc.Arbitrary<unknown> = fc.oneof(
  fc
    .constantFrom<() => unknown>(
      () => null,
      () => true,
      () => 0,
      () => -0,
      () => -1,
      () => 1e308,
      () => 2 ** 53 + 2,
      () => 1.5,
      () => Number.NaN,
      () => Number.POSITIVE_INFINITY,
      () => Number.NEGATIVE_INFINITY,
      () => '',
      () => 'NaN',
      () => 'Infinity',
      () => '1e309',
      () => '-1e309',
      () => '0x10',
      () => ' 1',
      () => '2026-11-24T10:00:00',
      () => '9999-12-31T23:59:59Z',
      () => '0000-01-01T00:00:00Z',
      () => [],
      () => ({}),
      () => [{}],
      () => DEEP,
      () => JSON.parse('{"__proto__":{"polluted":"yes"}}'),
      () => JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}'),
      () => 'toString',
      () => '__proto__',
      () => 'constructor',
    )
    .map((make) => make()),
  hugeString,
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.jsonValue({ maxDepth: 2 }),
);

const memberName = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'polluted',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'extra',
    'schema',
    'readings',
    'ts',
    'value',
    'metric',
    '',
    '~',
    '/',
    '~1',
    '0',
  ),
  fc.string({ maxLength: 10 }),
);

type Mutation =
  | { readonly kind: 'drop'; readonly at: number; readonly pick: number }
  | { readonly kind: 'set'; readonly at: number; readonly pick: number; readonly value: unknown }
  | { readonly kind: 'add'; readonly at: number; readonly key: string; readonly value: unknown }
  | { readonly kind: 'inflate'; readonly at: number; readonly count: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('drop' as const), at: fc.nat(), pick: fc.nat() }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      at: fc.nat(),
      pick: fc.nat(),
      value: badValue,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      at: fc.nat(),
      key: memberName,
      value: badValue,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('inflate' as const),
      at: fc.nat(),
      count: fc.constantFrom(1001, 501, 2, 50),
    }),
  },
);

/** Applies one mutation in place to an owned container chosen by `at`. */
function mutate(root: unknown, mutation: Mutation, owned: Owned): void {
  const containers = ownedContainers(root, owned);
  const target = containers[mutation.at % containers.length];
  if (target === undefined) return;
  if (Array.isArray(target)) {
    const index = target.length === 0 ? 0 : ('pick' in mutation ? mutation.pick : 0) % target.length;
    if (mutation.kind === 'drop') target.splice(index, 1);
    else if (mutation.kind === 'set') target[index] = mutation.value;
    else if (mutation.kind === 'add') target.push(mutation.value);
    else if (target.length > 0) {
      const item = target[0];
      while (target.length < mutation.count) target.push(item);
    }
    return;
  }
  const keys = Object.keys(target);
  const key =
    keys.length === 0 ? 'schema' : (keys[('pick' in mutation ? mutation.pick : 0) % keys.length] ?? '');
  if (mutation.kind === 'drop') Reflect.deleteProperty(target, key);
  else if (mutation.kind === 'set') defineMember(target, key, mutation.value);
  else if (mutation.kind === 'add') defineMember(target, mutation.key, mutation.value);
}

interface Malformed {
  readonly input: unknown;
  readonly options: ParseOptions;
  readonly via: 'object' | 'string' | 'bytes';
}

const malformedArb: fc.Arbitrary<Malformed> = fc
  .record({
    message: messageArb,
    mutations: fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
    via: fc.constantFrom('object' as const, 'string' as const, 'bytes' as const),
    options: fc.oneof(
      { weight: 4, arbitrary: fc.constant<ParseOptions | undefined>(undefined) },
      // The path or topic plant, often not a valid plant id at all.
      {
        weight: 1,
        arbitrary: fc.record({
          now: fc.constant(NOW),
          plantId: fc.oneof(fc.constant('kz-ast-01'), asciiHugeString),
        }),
      },
    ),
  })
  .map(({ message, mutations, via, options }) => {
    const owned: Owned = new WeakSet();
    const input = cloneOwned(message.wire, owned);
    for (const mutation of mutations) mutate(input, mutation, owned);
    return { input, via, options: options ?? message.options };
  });

function run({ input, options, via }: Malformed): { result: ParseResult; document: unknown } {
  if (via === 'object') return { result: parseTelemetry(input, options), document: input };
  const text = toJsonText(input);
  const body = via === 'string' ? text : new TextEncoder().encode(text);
  return { result: parseTelemetryBody(body, options), document: JSON.parse(text) };
}

// ---------------------------------------------------------------------------
// Checks

const ENVELOPE_REQUIRED = new Set(['schema', 'messageId', 'plantId', 'readings']);
const READING_REQUIRED = new Set(['ts', 'line', 'metric', 'value']);
const MOVEMENT_REQUIRED = new Set(['ticketId', 'ts', 'direction', 'netTonnes', 'material', 'destination']);
const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/** RFC 6901 reference tokens, or undefined when the pointer is not syntactically valid. */
function pointerTokens(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const tokens = pointer.slice(1).split('/');
  if (tokens.some((t) => /~(?![01])/.test(t))) return undefined;
  return tokens.map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/**
 * Why a pointer does not resolve in `document`, or undefined when it names an
 * existing location or a missing required member of an existing object.
 */
function pointerProblem(document: unknown, pointer: string): string | undefined {
  const tokens = pointerTokens(pointer);
  if (tokens === undefined) return `${JSON.stringify(pointer)} is not an RFC 6901 pointer`;
  let node: unknown = document;
  for (const [depth, token] of tokens.entries()) {
    const last = depth === tokens.length - 1;
    if (Array.isArray(node)) {
      if (!ARRAY_INDEX.test(token) || Number(token) >= node.length) return `no item ${token} at ${pointer}`;
      node = node[Number(token)];
    } else if (typeof node === 'object' && node !== null) {
      if (Object.hasOwn(node, token)) {
        node = Reflect.get(node, token);
      } else {
        if (!last) return `missing parent ${token} of ${pointer}`;
        const parent = tokens.slice(0, -1);
        const required =
          parent.length === 0
            ? ENVELOPE_REQUIRED
            : parent.length === 2 && parent[0] === 'readings'
              ? READING_REQUIRED
              : parent.length === 2 && parent[0] === 'movements'
                ? MOVEMENT_REQUIRED
                : new Set<string>();
        return required.has(token) ? undefined : `${pointer} names a missing member that is not required`;
      }
    } else {
      return `${pointer} goes through a ${node === null ? 'null' : typeof node}`;
    }
  }
  return undefined;
}

/** Every string of the input (keys and values), not descending into the deep array. */
function inputStrings(input: unknown): string[] {
  const strings: string[] = [];
  const stack: unknown[] = [input];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') strings.push(node);
    else if (typeof node === 'object' && node !== null && node !== DEEP) {
      for (const [key, child] of Object.entries(node)) {
        strings.push(key);
        stack.push(child);
      }
    }
  }
  return strings;
}

function codePointBytes(point: string): number {
  const code = point.codePointAt(0) ?? 0;
  return code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
}

/** Substrings of more than 128 UTF-8 bytes (minimal ones, on code point boundaries). */
function longWindows(text: string): string[] {
  const windows: string[] = [];
  if (text.length <= 32) return windows;
  const points = [...text];
  const sizes = points.map(codePointBytes);
  let end = 0;
  let bytes = 0;
  for (let start = 0; start < points.length; start++) {
    while (end < points.length && bytes <= 128) {
      bytes += sizes[end] ?? 0;
      end++;
    }
    if (bytes <= 128) break;
    windows.push(points.slice(start, end).join(''));
    bytes -= sizes[start] ?? 0;
  }
  return windows;
}

/** Asserts the refusal is well formed, resolves in `document` and echoes at most 128 bytes of the input. */
function checkResult(result: ParseResult, document: unknown, input: unknown): void {
  const refusals: string[] = [];
  if (result.ok) {
    const { message, rejected } = result;
    expect(message.readings.length + message.movements.length).toBeGreaterThan(0);
    for (const reading of message.readings) {
      expect(Number.isFinite(reading.value)).toBe(true);
      expect(reading.ts).toBeGreaterThanOrEqual(NOW - 7 * DAY_MS);
      expect(reading.ts).toBeLessThanOrEqual(NOW + 15 * MINUTE_MS);
    }
    for (const movement of message.movements) {
      expect(movement.netTonnes).toBeGreaterThan(0);
      expect(movement.netTonnes).toBeLessThanOrEqual(100);
    }
    const items = new Set<string>();
    for (const rejection of rejected) {
      expect(Object.values(ProblemType)).toContain(rejection.type);
      expect(rejection.detail).toMatch(/\S/);
      expect(rejection.pointer).toMatch(/^\/(readings|movements)\/(0|[1-9][0-9]*)(\/|$)/);
      expect(pointerProblem(document, rejection.pointer)).toBeUndefined();
      items.add(rejection.pointer.split('/').slice(0, 3).join('/'));
      refusals.push(rejection.pointer, rejection.detail);
    }
    // Each item is accepted, rejected once, or dropped as an exact duplicate.
    expect(items.size).toBe(rejected.length);
  } else {
    const { problem } = result;
    expect([400, 413]).toContain(problem.status);
    expect(problem.type).toMatch(/^urn:wte:problem:[a-z-]+$/);
    expect(problem.title).toMatch(/\S/);
    expect(problem.detail).toMatch(/\S/);
    expect(problem.detail).not.toBe('The message could not be read.');
    expect(Array.isArray(problem.errors)).toBe(true);
    for (const error of problem.errors) {
      expect(error.detail).toMatch(/\S/);
      expect(pointerProblem(document, error.pointer)).toBeUndefined();
      refusals.push(error.pointer, error.detail);
    }
    refusals.push(problem.title, problem.detail);
  }
  // Any substring of more than 128 bytes of a refusal string that occurs in the input is an echo.
  const windows = refusals.flatMap(longWindows);
  if (windows.length > 0) {
    for (const text of inputStrings(input)) {
      const echoed = windows.find((window) => text.includes(window));
      if (echoed !== undefined) throw new Error(`the refusal echoes ${JSON.stringify(echoed)}`);
    }
  }
}

// ---------------------------------------------------------------------------
// Properties

const PROTOTYPE_MEMBERS = Object.getOwnPropertyNames(Object.prototype).sort();
const ARRAY_PROTOTYPE_MEMBERS = Object.getOwnPropertyNames(Array.prototype).sort();

function expectPrototypesIntact(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_MEMBERS);
  expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(ARRAY_PROTOTYPE_MEMBERS);
  expect(({} as Json).polluted).toBeUndefined();
  expect(Reflect.get([], 'polluted')).toBeUndefined();
}

describe('parseTelemetry on malformed input', () => {
  afterAll(expectPrototypesIntact);

  it('never throws and yields a well-formed problem or rejections whose pointers resolve in the input', () => {
    fc.assert(
      fc.property(malformedArb, (malformed) => {
        const { result, document } = run(malformed);
        checkResult(result, document, malformed.input);
      }),
      params,
    );
    expectPrototypesIntact();
  });

  it('handles any JavaScript value without throwing', () => {
    const anything = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withTypedArray: true,
      withUnicodeString: true,
    });
    fc.assert(
      fc.property(anything, (input) => {
        checkResult(parseTelemetry(input, { now: NOW, plantId: 'kz-ast-01' }), input, input);
      }),
      params,
    );
    expectPrototypesIntact();
  });

  it('gives the same answer for a JSON text and for its decoded value', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), fc.boolean(), (text, withPlant) => {
        const options: ParseOptions = withPlant ? { now: NOW, plantId: 'kz-ast-01' } : { now: NOW };
        const document: unknown = JSON.parse(text);
        const result = parseTelemetryBody(text, options);
        checkResult(result, document, document);
        expect(result).toEqual(parseTelemetry(document, options));
      }),
      params,
    );
  });

  it('refuses arbitrary bytes and strings with a problem, never a throw', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })),
        (body) => {
          const result = parseTelemetryBody(body, { now: NOW, plantId: 'kz-ast-01' });
          let document: unknown;
          try {
            const text =
              typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body);
            document = JSON.parse(text);
          } catch {
            expect(result).toMatchObject({
              ok: false,
              problem: { status: 400, type: ProblemType.invalidJson },
            });
            return;
          }
          checkResult(result, document, body);
        },
      ),
      params,
    );
    expectPrototypesIntact();
  });
});

describe('parseTelemetry on valid generated messages', () => {
  it('accepts every item, deterministically, whatever the key and item order', () => {
    fc.assert(
      fc.property(messageArb, (generated) => {
        const { wire, options, plantId } = generated;
        const first = parseTelemetry(wire, options);
        if (!first.ok) throw new Error(`refused: ${JSON.stringify(first.problem)}`);
        expect(first.rejected).toEqual([]);
        expect(first.message.plantId).toBe(plantId);

        const readingKeys = new Set(
          generated.readings.map((r) => readingKey({ plantId, line: r.line, metric: r.metric, ts: r.ms })),
        );
        const movementKeys = new Set(
          generated.movements.map((m) => movementKey({ plantId, ticketId: m.ticketId })),
        );
        const keysOf = (result: ParseResult) => {
          if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.problem)}`);
          expect(result.rejected).toEqual([]);
          return {
            readings: new Set(result.message.readings.map(readingKey)),
            movements: new Set(result.message.movements.map(movementKey)),
          };
        };
        const expected = { readings: readingKeys, movements: movementKeys };
        expect(keysOf(first)).toEqual(expected);
        expect(first.message.readings).toHaveLength(generated.readings.length);
        expect(first.message.movements).toHaveLength(generated.movements.length);

        expect(parseTelemetry(wire, options)).toEqual(first);
        const keysReversed = reordered(wire, false);
        expect(parseTelemetry(keysReversed, options)).toEqual(first);
        expect(parseTelemetryBody(JSON.stringify(keysReversed), options)).toEqual(first);
        expect(keysOf(parseTelemetry(reordered(wire, true), options))).toEqual(expected);
      }),
      params,
    );
  });
});

describe('unit conversions', () => {
  const units = Object.keys(UNITS) as Unit[];

  it('round-trip every unit through the canonical unit', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...units),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        (unit, value) => {
          const back = fromCanonical(toCanonical(value, unit), unit);
          expect(Math.abs(back - value)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(value)));
        },
      ),
      params,
    );
  });
});
