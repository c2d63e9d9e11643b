/**
 * The codec on @aws-sdk/util-dynamodb against the hand-written one it replaced
 * (kept below as the oracle): for JSON-like data, the same items, the same data
 * back and the same refusals; and the non-plain values it now refuses.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fromAttributeValue,
  fromItem,
  type Item,
  toAttributeValue,
  toItem,
  UnsupportedValueError,
} from '../../../lambdas/adapters/dynamo/attribute-values.ts';

const SEED = 20_261_207;

/** The codec before util-dynamodb, verbatim but for names. */
const oracle = (() => {
  const toAv = (value: unknown, path = '$'): AttributeValue => {
    if (value === null) return { NULL: true };
    switch (typeof value) {
      case 'string':
        return { S: value };
      case 'boolean':
        return { BOOL: value };
      case 'number':
        if (!Number.isFinite(value))
          throw new UnsupportedValueError(`${path} is not a finite number: ${value}`);
        if (value !== 0 && (Math.abs(value) < 1e-130 || Math.abs(value) >= 1e126)) {
          throw new UnsupportedValueError(`${path} is outside the range of a DynamoDB number: ${value}`);
        }
        return { N: String(value) };
      case 'object':
        if (Array.isArray(value)) return { L: value.map((v, i) => toAv(v, `${path}[${i}]`)) };
        return { M: toIt(value, path) };
      default:
        throw new UnsupportedValueError(
          `${path} has a type DynamoDB items do not hold here: ${typeof value}`,
        );
    }
  };
  const toIt = (value: object, path = '$'): Item =>
    Object.fromEntries(
      Object.entries(value)
        .filter(([, member]) => member !== undefined)
        .map(([key, member]) => [key, toAv(member, `${path}.${key}`)]),
    );
  const fromAv = (value: AttributeValue): unknown => {
    if (value.S !== undefined) return value.S;
    if (value.N !== undefined) return Number(value.N);
    if (value.BOOL !== undefined) return value.BOOL;
    if (value.NULL !== undefined) return null;
    if (value.L !== undefined) return value.L.map(fromAv);
    if (value.M !== undefined) return fromIt(value.M);
    throw new UnsupportedValueError(
      `attribute type ${Object.keys(value).join(',')} is not used by this store`,
    );
  };
  const fromIt = (item: Item): Record<string, unknown> =>
    Object.fromEntries(Object.entries(item).map(([key, value]) => [key, fromAv(value)]));
  return { toAv, toIt, fromIt };
})();

/** The outcome of a call: its result, or the refusal's class and message. */
function outcome(run: () => unknown): unknown {
  try {
    return { value: run() };
  } catch (error) {
    return { refused: (error as Error).name, message: (error as Error).message };
  }
}

/**
 * Own keys in order, values, and each container's prototype, as plain arrays:
 * toStrictEqual would be fooled by a member named `constructor`, and toEqual
 * would not see a key `__proto__` turned into a prototype (what the library does).
 */
function canonical(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return [typeof value, value];
  const proto = Object.getPrototypeOf(value);
  const kind = proto === Array.prototype ? 'list' : proto === Object.prototype ? 'map' : 'other';
  return [kind, Object.entries(value).map(([key, member]) => [key, canonical(member)])];
}

function expectSame(actual: unknown, expected: unknown): void {
  expect(canonical(actual)).toEqual(canonical(expected));
}

/** Keys that trip property-assignment code, among ordinary ones. */
const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'name', 'length', '0'),
);

/** Numbers at the edges: past 2^53, tiny, out of DynamoDB's range, non-finite, -0. */
const number = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(1e20, -1e20, 1.5e-7, 2 ** 53 + 2, 9.999e125, 1e126, 1e-130, 1e-131, -0, Number.MAX_VALUE),
);

const leaf = fc.oneof(fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null), number);

const { data } = fc.letrec((tie) => ({
  data: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('list'), tie('map')),
  list: fc.array(tie('data'), { maxLength: 4 }),
  // An undefined member is an optional field left out; a {constructor: {name: 'Set'}} member is a map like any other.
  map: fc.dictionary(key, fc.oneof(tie('data'), fc.constant(undefined), fc.constant({ name: 'Set' })), {
    maxKeys: 4,
  }),
}));

/** Attribute values as DynamoDB returns them, numbers as it prints them (38 digits, exponents). */
const storedNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.bigInt({ min: -(10n ** 38n), max: 10n ** 38n }).map(String),
  fc.constantFrom(
    '100000000000000000000',
    '1.5E-7',
    '1E+125',
    '-0',
    '12345678901234567890123456789012345678',
  ),
);

const { attribute } = fc.letrec((tie) => ({
  attribute: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 8 }).map((S): AttributeValue => ({ S })),
    storedNumber.map((N): AttributeValue => ({ N })),
    fc.boolean().map((BOOL): AttributeValue => ({ BOOL })),
    fc.constant<AttributeValue>({ NULL: true }),
    fc.constant<AttributeValue>({ SS: ['a'] }),
    fc.constant<AttributeValue>({ NS: ['1'] }),
    fc.constant<AttributeValue>({ B: new Uint8Array([1]) }),
    tie('list').map((L): AttributeValue => ({ L: L as AttributeValue[] })),
    tie('map').map((M): AttributeValue => ({ M: M as Item })),
  ),
  list: fc.array(tie('attribute'), { maxLength: 4 }),
  map: fc.dictionary(key, tie('attribute'), { maxKeys: 4 }),
}));

describe('attribute values on util-dynamodb, against the hand-written codec', () => {
  it('writes the same attribute value, or refuses with the same message, for any JSON-like value', () => {
    fc.assert(
      fc.property(data, (value) => {
        expectSame(
          outcome(() => toAttributeValue(value)),
          outcome(() => oracle.toAv(value)),
        );
      }),
      { numRuns: 2000, seed: SEED },
    );
  });

  it('round-trips any JSON-like object through toItem and fromItem as the old codec did', () => {
    fc.assert(
      fc.property(fc.dictionary(key, data, { maxKeys: 6 }), (value) => {
        expectSame(
          outcome(() => fromItem(toItem(value))),
          outcome(() => oracle.fromIt(oracle.toIt(value))),
        );
      }),
      { numRuns: 2000, seed: SEED },
    );
  });

  it('reads any stored item as the old codec did, refusing sets and binary alike', () => {
    fc.assert(
      fc.property(fc.dictionary(key, attribute, { maxKeys: 6 }), (item) => {
        expectSame(
          outcome(() => fromItem(item)),
          outcome(() => oracle.fromIt(item)),
        );
      }),
      { numRuns: 2000, seed: SEED },
    );
  });

  it('reads numbers past 2^53 as doubles, not BigInt', () => {
    expect(fromAttributeValue({ N: '100000000000000000000' })).toBe(1e20);
    expect(fromItem({ n: { N: '12345678901234567890123456789012345678' } })).toEqual({
      n: 1.2345678901234568e37,
    });
  });

  it('writes doubles past 2^53 and below 1e-6 as they print', () => {
    expect(toItem({ big: 1e20, small: 1.5e-7 })).toEqual({
      big: { N: '100000000000000000000' },
      small: { N: '1.5e-7' },
    });
  });

  it('keeps a stored key __proto__ as data: nothing read is inherited', () => {
    const item = JSON.parse('{"__proto__": {"M": {"revokedAt": {"N": "1"}}}, "x": {"S": "y"}}') as Item;
    const back = fromItem(item) as Record<string, unknown>;
    expect(Object.keys(back)).toEqual(['__proto__', 'x']);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect('revokedAt' in back).toBe(false);
  });

  it('keeps a member named constructor as a map, whatever it holds', () => {
    const value = { constructor: { name: 'Number' }, n: 1 };
    expect(toItem(value)).toEqual({ constructor: { M: { name: { S: 'Number' } } }, n: { N: '1' } });
    expect(fromItem(toItem(value))).toEqual(value);
  });

  class Reading {
    readonly value = 1;
  }

  it.each([
    ['a set', new Set([1]), 'Set'],
    ['a map', new Map([['a', 1]]), 'Map'],
    ['a date', new Date(0), 'Date'],
    ['binary', new Uint8Array([1]), 'Uint8Array'],
    ['a class instance', new Reading(), 'Object'],
  ])('refuses %s, which it once stored as a map of its own fields, naming the path', (_what, value, kind) => {
    expect(() => toItem({ reading: { value } })).toThrow(UnsupportedValueError);
    expect(() => toItem({ reading: { value } })).toThrow(
      `$.reading.value has a type DynamoDB items do not hold here: ${kind}`,
    );
  });

  it.each([
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a bigint', 10n],
    ['undefined', undefined],
  ])('refuses %s in a list, which the library would drop, naming its index', (_what, value) => {
    expect(() => toItem({ list: [1, value] })).toThrow(UnsupportedValueError);
    expect(() => toItem({ list: [1, value] })).toThrow(/^\$\.list\[1\] has a type/);
  });

  it('refuses a list where a map of attributes is wanted', () => {
    expect(() => toItem([1, 2])).toThrow(new UnsupportedValueError('$ is not a map of attributes'));
  });
});
