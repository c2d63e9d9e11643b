/**
 * Seeded generator of bad telemetry requests for the fuzz row: each case is
 * refused as a whole by construction, and knows the status (and problem
 * types) the contract gives it (docs/contract.md section 4):
 *
 * | category            | what is wrong                                              | status |
 * | ------------------- | ---------------------------------------------------------- | ------ |
 * | invalid-utf8        | bytes that are not UTF-8 inside an otherwise valid message | 400    |
 * | invalid-json        | truncated, trailing commas, comments, single quotes, NaN   | 400    |
 * | empty-body          | no bytes, or only whitespace                               | 400    |
 * | not-an-object       | a JSON array, string, number, null, boolean, deep array    | 400    |
 * | wrong-types         | an envelope member of the wrong type or pattern            | 400    |
 * | missing-fields      | schema or messageId missing, or no items at all            | 400    |
 * | items-invalid       | every reading and ticket broken (types, missing, ranges)   | 400    |
 * | numbers-as-strings  | NaN, Infinity, 1e309 as strings or literals, everywhere    | 400    |
 * | proto-keys          | the message hidden under `__proto__` / `constructor` keys  | 400    |
 * | deep-nesting        | 100 to 100,000 levels where a value or item should be      | 400    |
 * | huge-strings        | 1 KB to 200 KB strings (ASCII, multibyte, NUL, quotes)     | 400    |
 * | duplicate-keys      | a member given twice, the last one invalid (JSON.parse)    | 400    |
 * | too-many-items      | 1,001 readings or 501 tickets                              | 400    |
 * | plant-mismatch      | the body names another plant than the path or topic        | 400    |
 * | oversize            | a body over 256 KiB (HTTP) or a payload over 128 KiB (MQTT)| 413    |
 * | wrong-content-type  | not application/json nor +json, or none (HTTP only)        | 415    |
 * | bad-route           | the path's plant is not a plant id (HTTP only)             | 404    |
 *
 * Any case may also carry noise that must change nothing: unknown members,
 * `__proto__` / `constructor` / `toString` members with a `polluted` payload.
 */
import { canonicalUnitOf, METRIC_NAMES } from '../../../lambdas/domain/catalog.ts';
import { prng } from '../../../lambdas/sim/fleet.ts';

export const FUZZ_CATEGORIES = [
  'invalid-utf8',
  'invalid-json',
  'empty-body',
  'not-an-object',
  'wrong-types',
  'missing-fields',
  'items-invalid',
  'numbers-as-strings',
  'proto-keys',
  'deep-nesting',
  'huge-strings',
  'duplicate-keys',
  'too-many-items',
  'plant-mismatch',
  'oversize',
  'wrong-content-type',
  'bad-route',
] as const;
export type FuzzCategory = (typeof FUZZ_CATEGORIES)[number];

const HTTP_ONLY: ReadonlySet<FuzzCategory> = new Set(['wrong-content-type', 'bad-route']);

export type Transport = 'http' | 'mqtt';

export interface BadRequest {
  readonly index: number;
  readonly category: FuzzCategory;
  /** The plant of the path or topic as sent (may not be a plant id for bad-route). */
  readonly pathPlant: string;
  /** HTTP Content-Type; null sends none. */
  readonly contentType: string | null;
  readonly body: Uint8Array;
  readonly expectedStatus: number;
  /** Problem types the answer may carry. */
  readonly expectedTypes: readonly string[];
}

const P = 'urn:wte:problem:';
const TYPES = {
  json: [`${P}invalid-json`],
  message: [`${P}invalid-message`, `${P}no-valid-items`],
  tooMany: [`${P}too-many-items`],
  mismatch: [`${P}plant-mismatch`],
  tooLarge: [`${P}payload-too-large`],
  mediaType: [`${P}unsupported-media-type`],
  notFound: [`${P}not-found`],
} as const;

/** Per MQTT, IoT Core's payload limit; per HTTP, the contract's body limit. */
export const MQTT_PAYLOAD_LIMIT = 128 * 1024;
export const HTTP_BODY_LIMIT = 256 * 1024;

type Random = () => number;
type Json = Record<string, unknown>;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));

/**
 * JSON text with pieces JSON.stringify cannot write: raw tokens (1e309, deep
 * nesting) and duplicate keys. A raw token is a sentinel string replaced after
 * stringify; a duplicate key is a sentinel key renamed after stringify.
 */
class JsonText {
  private raws = new Map<string, string>();
  private keys = new Map<string, string>();
  private counter = 0;

  raw(text: string): string {
    const sentinel = `\u0000raw${this.counter++}\u0000`;
    this.raws.set(sentinel, text);
    return sentinel;
  }

  /** A key that serializes as `name`, so an object can hold `name` twice (the later one wins in JSON.parse). */
  duplicate(name: string): string {
    const sentinel = `\u0000key${this.counter++}\u0000`;
    this.keys.set(sentinel, name);
    return sentinel;
  }

  stringify(value: unknown): string {
    let text = JSON.stringify(value);
    for (const [sentinel, raw] of this.raws) text = text.replaceAll(JSON.stringify(sentinel), raw);
    for (const [sentinel, name] of this.keys)
      text = text.replaceAll(`${JSON.stringify(sentinel)}:`, `${JSON.stringify(name)}:`);
    return text;
  }
}

/** Sets an own enumerable member, even `__proto__` (plain assignment would change the prototype). */
function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const LINES = ['boiler-1', 'boiler-2', 'turbine', 'stack'];

function validReading(random: Random, now: number): Json {
  const metric = pick(random, METRIC_NAMES);
  return {
    ts: now - int(random, 1, 6 * 60) * 60_000,
    line: pick(random, LINES),
    metric,
    value: Math.round(random() * 100_000) / 100,
    ...(random() < 0.5 ? { unit: canonicalUnitOf(metric) } : {}),
  };
}

function validTicket(random: Random, now: number, n: number): Json {
  const out = random() < 0.5;
  return {
    ticketId: `WB-FZ-${n}`,
    ts: now - int(random, 1, 6 * 60) * 60_000,
    direction: out ? 'out' : 'in',
    netTonnes: 1 + Math.round(random() * 3000) / 100,
    material: out ? 'bottom_ash' : 'mixed_waste',
    ...(out ? { destination: 'landfill' } : {}),
  };
}

function validMessage(random: Random, plantId: string, now: number, index: number): Json {
  const readings = Array.from({ length: int(random, 1, 5) }, () => validReading(random, now));
  const movements = Array.from({ length: int(random, 0, 2) }, (_, k) =>
    validTicket(random, now, index * 10 + k),
  );
  return {
    schema: 'wte.telemetry.v1',
    messageId: `fz-${index}`,
    plantId,
    sentAt: new Date(now).toISOString(),
    readings,
    movements,
  };
}

/** Strings worth repeating into huge values: ASCII, multibyte, NUL, JSON-escaped characters. */
const HUGE_UNITS = ['a', 'xyz', '€', '😀', '\u0000', '"\\', 'é', '<script>', '\u2028'];

/** A huge string of about `bytes` UTF-8 bytes. */
function huge(random: Random, bytes: number): string {
  const unit = pick(random, HUGE_UNITS);
  const unitBytes = Buffer.byteLength(unit, 'utf8');
  return unit.repeat(Math.max(1, Math.floor(bytes / unitBytes)));
}

const NUMERIC_STRINGS = ['NaN', 'Infinity', '-Infinity', '1e309', '-1e309', '0x10', ' 1', '1_000', ''];

/** Breaks one reading so that no valid reading can come of it. */
function breakReading(random: Random, text: JsonText, reading: Json): void {
  const choice = int(random, 0, 13);
  switch (choice) {
    case 0:
      reading.value = String(reading.value);
      break;
    case 1:
      reading.value = null;
      break;
    case 2:
      delete reading.value;
      break;
    case 3:
      delete reading.ts;
      break;
    case 4:
      reading.ts = pick(random, ['yesterday', '2026-13-45T25:61:00Z', '', '1e309', {}, [], true]);
      break;
    case 5:
      reading.ts = Date.now() + 48 * 3_600_000; // far in the future
      break;
    case 6:
      reading.ts = Date.now() - 30 * 86_400_000; // older than the late-data horizon
      break;
    case 7:
      reading.line = pick(random, ['', 'has space', 'x'.repeat(65), 'ü', 5, null]);
      break;
    case 8:
      reading.metric = pick(random, [
        'no_such_metric',
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        7,
      ]);
      break;
    case 9:
      reading.unit = pick(random, ['furlongs', 'degK', 'MW', '__proto__', 'valueOf', 12]);
      if (
        reading.metric === 'power_gross' ||
        reading.metric === 'power_export' ||
        reading.metric === 'heat_export'
      )
        reading.unit = 'degC';
      break;
    case 10:
      reading.quality = pick(random, ['EXCELLENT', 'good', 1, null]);
      break;
    case 11:
      reading.correction = pick(random, ['yes', 1, null]);
      break;
    case 12:
      reading.value = text.raw(pick(random, ['1e309', '-1e309']));
      break;
    default:
      reading.value = pick(random, [{}, [], [1], { value: 1 }, true]);
  }
}

function breakTicket(random: Random, ticket: Json): void {
  const choice = int(random, 0, 8);
  switch (choice) {
    case 0:
      ticket.netTonnes = pick(random, [0, -1, 100.5, '12', null, 1e-9]);
      break;
    case 1:
      ticket.material = pick(random, ['plutonium', '', 'MIXED_WASTE', 3]);
      break;
    case 2:
      ticket.direction = pick(random, ['sideways', 'IN', '', null]);
      break;
    case 3:
      ticket.direction = 'out';
      delete ticket.destination;
      break;
    case 4:
      ticket.ticketId = pick(random, ['', 'has space', 'x'.repeat(129), 'ticket#1', 42]);
      break;
    case 5:
      ticket.operationCode = pick(random, ['X99', 'R14', 'D0', 'r1', 1]);
      break;
    case 6:
      delete ticket.ts;
      break;
    case 7:
      ticket.netTonnes = pick(random, NUMERIC_STRINGS);
      break;
    default:
      ticket.ts = pick(random, ['now', {}, Date.now() + 86_400_000]);
  }
}

/** Every item broken: the message has no valid item, so it is refused with 400. */
function breakAllItems(random: Random, text: JsonText, message: Json): void {
  for (const reading of message.readings as Json[]) breakReading(random, text, reading);
  for (const ticket of message.movements as Json[]) breakTicket(random, ticket);
}

/** Unknown members and prototype-looking keys at the root and in items: they must change nothing. */
function addNoise(random: Random, message: Json): void {
  const noise = (target: Json) => {
    const kind = int(random, 0, 5);
    if (kind === 0) define(target, '__proto__', { polluted: 'yes', isAdmin: true });
    else if (kind === 1) define(target, 'constructor', { prototype: { polluted: 'yes' } });
    else if (kind === 2) define(target, 'toString', 'not a function');
    else if (kind === 3) define(target, 'hasOwnProperty', 1);
    else if (kind === 4) define(target, 'extra', { nested: [1, 'two', null] });
    else define(target, `x-${int(random, 0, 999)}`, random() < 0.5 ? 'y' : 1);
  };
  noise(message);
  for (const list of [message.readings, message.movements]) {
    if (!Array.isArray(list)) continue;
    for (const item of list) if (typeof item === 'object' && item !== null && random() < 0.5) noise(item);
  }
}

const INVALID_UTF8: readonly number[][] = [
  [0xff],
  [0xfe, 0xff],
  [0xc3, 0x28],
  [0x80],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
];

const NON_JSON_TYPES = [
  'text/plain',
  'text/json',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  'application/octet-stream',
  'json',
  '',
  null,
];

const BAD_PLANTS = [
  'KZ-AST-01',
  'kz_ast_01',
  '%ZZ',
  'a%2Fb',
  'x'.repeat(65),
  '%00',
  'k%20z',
  '%C3%BC',
  'plant.1',
];

export interface GenerateOptions {
  readonly transport: Transport;
  readonly count: number;
  readonly seed: number;
  /** The plant of the path or topic (valid). */
  readonly plantId: string;
  /** Another valid plant, for mismatches. */
  readonly otherPlantId: string;
  readonly now: number;
}

const encode = (text: string) => new TextEncoder().encode(text);

/** `count` bad requests, the categories in turn (so each gets its share), seeded. */
export function* badRequests(options: GenerateOptions): Generator<BadRequest> {
  const random = prng(options.seed);
  const categories = FUZZ_CATEGORIES.filter((c) => options.transport === 'http' || !HTTP_ONLY.has(c));
  for (let index = 0; index < options.count; index++) {
    const category = categories[index % categories.length] as FuzzCategory;
    const made = makeCase(random, category, index, options);
    // Size is checked before content: whatever else is wrong, a body over the limit is 413.
    const limit = options.transport === 'http' ? HTTP_BODY_LIMIT : MQTT_PAYLOAD_LIMIT;
    yield made.expectedStatus === 400 && made.body.byteLength > limit
      ? { ...made, expectedStatus: 413, expectedTypes: TYPES.tooLarge }
      : made;
  }
}

function makeCase(
  random: Random,
  category: FuzzCategory,
  index: number,
  options: GenerateOptions,
): BadRequest {
  const text = new JsonText();
  const message = validMessage(random, options.plantId, options.now, index);
  const base = {
    index,
    category,
    pathPlant: options.plantId,
    contentType: 'application/json' as string | null,
  };
  const refused = (body: string | Uint8Array, types: readonly string[] = TYPES.message): BadRequest => ({
    ...base,
    body: typeof body === 'string' ? encode(body) : body,
    expectedStatus: 400,
    expectedTypes: types,
  });
  const withNoise = (m: Json) => {
    if (random() < 0.3) addNoise(random, m);
    return m;
  };

  switch (category) {
    case 'invalid-utf8': {
      const json = encode(JSON.stringify(withNoise(message)));
      const at = Buffer.from(json).indexOf('"fz-') + 1; // inside the messageId string
      const bad = pick(random, INVALID_UTF8);
      const body = new Uint8Array([...json.slice(0, at), ...bad, ...json.slice(at)]);
      return refused(body, TYPES.json);
    }
    case 'invalid-json': {
      const json = JSON.stringify(message);
      const variants = [
        () => json.slice(0, int(random, 1, json.length - 1)),
        () => json.replace('}', ',}'),
        () => json.replace(']', ',]'),
        () => `${json}${pick(random, ['}', ']', ',', 'x', '{}'])}`,
        () => json.replaceAll('"', "'"),
        () => `/* c */${json}`,
        () => json.replace(/"value":[^,}]+/, '"value":NaN'),
        () => json.replace(/"value":[^,}]+/, '"value":Infinity'),
        () => json.replace(/"value":[^,}]+/, '"value":-'),
        () => json.replace(/"value":[^,}]+/, '"value":01'),
        () => json.replace('"schema"', 'schema'),
        () => json.replace('"readings":', '"readings"'),
        () => `{"a":"\\x41"}`,
        () => '{"a":"unterminated',
        () => '\u00ef\u00bb\u00bf{}',
        () => 'undefined',
      ];
      return refused(pick(random, variants)(), TYPES.json);
    }
    case 'empty-body':
      return refused(pick(random, ['', ' ', '\n', '\r\n\t ']), TYPES.json);
    case 'not-an-object': {
      const d = int(random, 100, 50_000);
      const variants = [
        () => '[]',
        () => JSON.stringify([message]),
        () => '"wte.telemetry.v1"',
        () => '42',
        () => 'null',
        () => 'true',
        () => `${'['.repeat(d)}${']'.repeat(d)}`,
        () => JSON.stringify(JSON.stringify(message)),
      ];
      return refused(pick(random, variants)());
    }
    case 'wrong-types': {
      const member = pick(random, ['schema', 'messageId', 'plantId', 'readings', 'movements', 'sentAt']);
      const values: Record<string, readonly unknown[]> = {
        schema: [1, null, true, [], {}, 'wte.telemetry.v2', 'WTE.TELEMETRY.V1', ''],
        messageId: [123, null, [], {}, '', 'has space', 'x'.repeat(129), 'ünïcode', false],
        plantId: [5, null, 'KZ-AST-01', 'kz_ast', '', 'a'.repeat(65), ['kz-ast-01']],
        readings: ['x', 5, {}, null, true, { 0: {} }],
        movements: ['x', 5, {}, null, true],
        sentAt: [{}, [], true, null, 'yesterday', '2026-11-24 10:00'],
      };
      message[member] = pick(random, values[member] ?? [null]);
      return refused(text.stringify(withNoise(message)));
    }
    case 'missing-fields': {
      const variant = int(random, 0, 3);
      if (variant === 0) delete message.schema;
      else if (variant === 1) delete message.messageId;
      else if (variant === 2) {
        delete message.readings;
        delete message.movements;
      } else {
        message.readings = [];
        message.movements = [];
      }
      return refused(text.stringify(withNoise(message)));
    }
    case 'items-invalid':
      breakAllItems(random, text, message);
      return refused(text.stringify(withNoise(message)));
    case 'numbers-as-strings': {
      for (const reading of message.readings as Json[]) {
        const where = pick(random, ['value', 'ts']);
        reading[where] =
          random() < 0.7 ? pick(random, NUMERIC_STRINGS) : text.raw(pick(random, ['1e309', '-1e309']));
      }
      for (const ticket of message.movements as Json[]) {
        ticket.netTonnes = random() < 0.7 ? pick(random, NUMERIC_STRINGS) : text.raw('1e309');
      }
      return refused(text.stringify(withNoise(message)));
    }
    case 'proto-keys': {
      // The message (or every item) is only reachable through a prototype-looking key.
      const variant = int(random, 0, 2);
      if (variant === 0) {
        const hidden: Json = {};
        define(hidden, '__proto__', { ...message, polluted: 'yes' });
        define(hidden, 'constructor', { prototype: { polluted: 'yes', schema: 'wte.telemetry.v1' } });
        return refused(text.stringify(hidden));
      }
      if (variant === 1) {
        for (const key of ['readings', 'movements']) {
          message[key] = (message[key] as Json[]).map((item) => {
            const wrapper: Json = {};
            define(wrapper, pick(random, ['__proto__', 'constructor', 'prototype']), item);
            return wrapper;
          });
        }
        define(message, '__proto__', { polluted: 'yes' });
        return refused(text.stringify(message));
      }
      const schema = message.schema;
      delete message.schema;
      define(message, 'constructor', { prototype: { schema, polluted: 'yes' } });
      define(message, '__proto__', { schema, polluted: 'yes' });
      return refused(text.stringify(message));
    }
    case 'deep-nesting': {
      const where = int(random, 0, 3);
      // As deep as 100,000 levels once per message; at most 10,000 where every item gets one.
      const depth = pick(random, where < 2 ? [100, 1_000, 10_000, 100_000] : [100, 1_000, 10_000]);
      const array = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const object = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const deep = text.raw(random() < 0.5 ? array : object);
      if (where === 0) {
        message.readings = deep;
        message.movements = [];
      } else if (where === 1) message.messageId = deep;
      else if (where === 2) {
        message.readings = (message.readings as Json[]).map(() => deep);
        message.movements = (message.movements as Json[]).map(() => deep);
      } else {
        for (const reading of message.readings as Json[]) reading.value = deep;
        for (const ticket of message.movements as Json[]) ticket.netTonnes = deep;
      }
      return refused(text.stringify(withNoise(message)));
    }
    case 'huge-strings': {
      const bytes = pick(random, [1_024, 8_192, 65_536, 120_000, 200_000]);
      const where = int(random, 0, 4);
      if (where === 0) message.messageId = huge(random, bytes);
      else if (where === 1) message.schema = huge(random, bytes);
      else if (where === 2) message.plantId = huge(random, bytes);
      else if (where === 3) {
        // Every item has a huge string where a short one belongs, within the body limit in total.
        const items = [...(message.readings as Json[]), ...(message.movements as Json[])];
        const each = Math.max(200, Math.floor(bytes / items.length / 2));
        for (const reading of message.readings as Json[])
          reading[pick(random, ['line', 'metric', 'unit'])] = huge(random, each);
        for (const ticket of message.movements as Json[])
          ticket[pick(random, ['ticketId', 'material'])] = huge(random, each);
      } else {
        // A huge unknown member name and value, and no schema.
        delete message.schema;
        define(message, huge(random, bytes / 2), huge(random, bytes / 4));
      }
      return refused(text.stringify(message));
    }
    case 'duplicate-keys': {
      const variant = int(random, 0, 2);
      if (variant === 0) message[text.duplicate('schema')] = pick(random, ['wte.telemetry.v0', null, 1]);
      else if (variant === 1) message[text.duplicate('messageId')] = pick(random, ['', 'bad id', null]);
      else {
        for (const reading of message.readings as Json[])
          reading[text.duplicate('value')] = pick(random, ['1', null, {}]);
        for (const ticket of message.movements as Json[])
          ticket[text.duplicate('netTonnes')] = pick(random, [0, '1', null]);
      }
      return refused(text.stringify(withNoise(message)));
    }
    case 'too-many-items': {
      if (random() < 0.6) {
        message.readings = Array.from({ length: 1_001 }, (_, k) => ({
          ts: options.now - (k + 1) * 1000,
          line: 'boiler-1',
          metric: 'furnace_temperature',
          value: 900,
        }));
      } else {
        message.movements = Array.from({ length: 501 }, (_, k) => ({
          ticketId: `WB-MANY-${k}`,
          ts: options.now - (k + 1) * 1000,
          direction: 'in',
          netTonnes: 10,
          material: 'mixed_waste',
        }));
      }
      return refused(text.stringify(withNoise(message)), TYPES.tooMany);
    }
    case 'plant-mismatch':
      message.plantId = options.otherPlantId;
      return refused(text.stringify(withNoise(message)), TYPES.mismatch);
    case 'oversize': {
      const limit = options.transport === 'http' ? HTTP_BODY_LIMIT : MQTT_PAYLOAD_LIMIT;
      // Mostly just over the limit; one in ten about a megabyte.
      message.padding = 'p'.repeat(
        random() < 0.9 ? int(random, limit + 1, limit + 16_384) : int(random, limit * 3, limit * 4),
      );
      return {
        ...base,
        body: encode(JSON.stringify(message)),
        expectedStatus: 413,
        expectedTypes: TYPES.tooLarge,
      };
    }
    case 'wrong-content-type':
      return {
        ...base,
        contentType: pick(random, NON_JSON_TYPES),
        body: encode(JSON.stringify(message)),
        expectedStatus: 415,
        expectedTypes: TYPES.mediaType,
      };
    case 'bad-route':
      return {
        ...base,
        pathPlant: pick(random, BAD_PLANTS),
        body: encode(JSON.stringify(message)),
        expectedStatus: 404,
        expectedTypes: TYPES.notFound,
      };
  }
}

/** A valid message that must still land after a burst: one furnace reading at its own minute. */
export function markerMessage(plantId: string, line: string, ts: number, value: number, id: string): Json {
  return {
    schema: 'wte.telemetry.v1',
    messageId: id,
    plantId,
    readings: [{ ts, line, metric: 'furnace_temperature', value, unit: 'degC' }],
    movements: [],
  };
}

/**
 * The longest run of bytes of the request that a response string repeats, as
 * sent (raw bytes) or as decoded (the request's JSON strings). Exact for runs
 * of 63 bytes or more (every such run holds an aligned 32-byte block of the
 * response); shorter runs count as 0.
 */
export function longestEcho(responseStrings: readonly string[], request: Uint8Array): number {
  const raw = Buffer.from(request.buffer, request.byteOffset, request.byteLength);
  const haystacks: Buffer[] = [raw];
  // Without a backslash, every decoded JSON string is already a run of the raw bytes.
  if (raw.includes(0x5c)) {
    const decoded = decodedStrings(request);
    if (decoded.length > 0) haystacks.push(Buffer.from(decoded.join('\u0000'), 'utf8'));
  }
  let longest = 0;
  for (const text of responseStrings) {
    const needle = Buffer.from(text, 'utf8');
    for (let start = 0; start + 32 <= needle.length; start += 32) {
      const block = needle.subarray(start, start + 32);
      for (const hay of haystacks) {
        let at = hay.indexOf(block);
        while (at !== -1) {
          let left = 0;
          while (
            start - left - 1 >= 0 &&
            at - left - 1 >= 0 &&
            needle[start - left - 1] === hay[at - left - 1]
          )
            left++;
          let right = 32;
          while (
            start + right < needle.length &&
            at + right < hay.length &&
            needle[start + right] === hay[at + right]
          )
            right++;
          longest = Math.max(longest, left + right);
          at = hay.indexOf(block, at + 1);
        }
      }
    }
  }
  return longest;
}

/** Keys and string values of the request's JSON, when it is JSON (deep input is not descended). */
function decodedStrings(request: Uint8Array): string[] {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(request));
  } catch {
    return [];
  }
  const out: string[] = [];
  const stack: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (typeof node === 'string') out.push(node);
    else if (typeof node === 'object' && node !== null && depth < 64) {
      for (const [key, child] of Object.entries(node)) {
        out.push(key);
        stack.push({ node: child, depth: depth + 1 });
      }
    }
  }
  return out;
}

/** Every string in a JSON value (keys and values). */
export function stringsOf(value: unknown): string[] {
  const out: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') out.push(node);
    else if (typeof node === 'object' && node !== null)
      for (const [key, child] of Object.entries(node)) {
        out.push(key);
        stack.push(child);
      }
  }
  return out;
}

/** What is wrong with a problem-details body answering with `status`, or undefined when it conforms. */
export function problemDefect(status: number, contentType: string | null, text: string): string | undefined {
  if (contentType !== 'application/problem+json') return `content type ${contentType}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'body is not JSON';
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body is not an object';
  const p = body as Record<string, unknown>;
  if (typeof p.type !== 'string' || !/^(urn:wte:problem:[a-z-]+|about:blank)$/.test(p.type))
    return `type ${String(p.type)}`;
  if (typeof p.title !== 'string' || p.title === '') return 'no title';
  if (p.status !== status) return `status member ${String(p.status)} for HTTP ${status}`;
  if (typeof p.detail !== 'string') return 'no detail';
  if (!Array.isArray(p.errors)) return 'no errors array';
  for (const e of p.errors as unknown[]) {
    const error = e as Record<string, unknown>;
    if (typeof error?.pointer !== 'string' || typeof error.detail !== 'string')
      return 'malformed errors item';
    if (error.pointer !== '' && !error.pointer.startsWith('/')) return `pointer ${error.pointer}`;
  }
  return undefined;
}
