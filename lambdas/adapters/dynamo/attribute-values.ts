/**
 * Conversion between plain data (strings, finite numbers, booleans, null,
 * arrays, plain objects) and DynamoDB attribute values, by AWS's
 * @aws-sdk/util-dynamodb. What this module adds is the store's policy: the
 * library accepts more than we store (bigint, sets, binary, class instances)
 * and drops functions silently, so one walk refuses those first, naming the
 * path. It also routes around two key names the library mishandles (see
 * OWN_KEYS). Reading back yields `unknown`; callers check it with a schema.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { convertToAttr, convertToNative } from '@aws-sdk/util-dynamodb';

export type Item = Record<string, AttributeValue>;

/** DynamoDB numbers: 38 significant digits (a double's 17 always fit), magnitude in [1e-130, 1e126). */
const MIN_MAGNITUDE = 1e-130;
const MAX_MAGNITUDE = 1e126;

/** Doubles past 2^53 (1e20) are stored as they print, like 1.5e-7; undefined members are optional fields. */
const WRITE = { allowImpreciseNumbers: true, removeUndefinedValues: true } as const;
/** Every stored number comes back a double, as written, never a BigInt. */
const READ = { wrapNumbers: Number } as const;

/**
 * The library builds maps by assignment: a key `__proto__` would set the
 * prototype (the key is lost, or stored data becomes inherited), and a member
 * `constructor` is taken for the value's class. Maps holding them are built here.
 */
const OWN_KEYS = ['__proto__', 'constructor'] as const;

/** A value DynamoDB cannot hold as we store it (NaN, Infinity, bigint, functions, sets...). */
export class UnsupportedValueError extends Error {
  override readonly name = 'UnsupportedValueError';
}

/** Refuses what we do not store; false when a map below holds one of OWN_KEYS. */
function libraryWrites(value: unknown, path: string): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      if (!Number.isFinite(value))
        throw new UnsupportedValueError(`${path} is not a finite number: ${value}`);
      if (value !== 0 && (Math.abs(value) < MIN_MAGNITUDE || Math.abs(value) >= MAX_MAGNITUDE)) {
        throw new UnsupportedValueError(`${path} is outside the range of a DynamoDB number: ${value}`);
      }
      return true;
    case 'object': {
      if (value === null) return true;
      let plain = true;
      if (Array.isArray(value)) {
        // A hole reads as undefined and is refused, as the library would drop it.
        for (let i = 0; i < value.length; i++) plain = libraryWrites(value[i], `${path}[${i}]`) && plain;
        return plain;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        const kind = Object.prototype.toString.call(value).slice(8, -1);
        throw new UnsupportedValueError(`${path} has a type DynamoDB items do not hold here: ${kind}`);
      }
      for (const [key, member] of Object.entries(value)) {
        if (member !== undefined) plain = libraryWrites(member, `${path}.${key}`) && plain;
      }
      return plain && !OWN_KEYS.some((key) => Object.hasOwn(value, key));
    }
    default:
      throw new UnsupportedValueError(`${path} has a type DynamoDB items do not hold here: ${typeof value}`);
  }
}

export function toAttributeValue(value: unknown, path = '$'): AttributeValue {
  if (libraryWrites(value, path)) return convertToAttr(value, WRITE);
  if (Array.isArray(value)) return { L: value.map((member, i) => toAttributeValue(member, `${path}[${i}]`)) };
  // fromEntries defines own properties, so a key named __proto__ stays data.
  const members = Object.entries(value as object).filter(([, member]) => member !== undefined);
  return {
    M: Object.fromEntries(members.map(([key, member]) => [key, toAttributeValue(member, `${path}.${key}`)])),
  };
}

/** The own enumerable properties of `value`; `undefined` members are left out, as optional fields. */
export function toItem(value: object, path = '$'): Item {
  const attribute = toAttributeValue(value, path);
  if (attribute.M === undefined) throw new UnsupportedValueError(`${path} is not a map of attributes`);
  return attribute.M;
}

/** Refuses attribute types this store never writes; false when a map below holds a key `__proto__`. */
function libraryReads(value: AttributeValue): boolean {
  if (
    value.S !== undefined ||
    value.N !== undefined ||
    value.BOOL !== undefined ||
    value.NULL !== undefined
  ) {
    return true;
  }
  if (value.L !== undefined) return value.L.reduce((plain, member) => libraryReads(member) && plain, true);
  if (value.M !== undefined) {
    const plain = Object.values(value.M).reduce((all, member) => libraryReads(member) && all, true);
    return plain && !Object.hasOwn(value.M, '__proto__');
  }
  throw new UnsupportedValueError(`attribute type ${Object.keys(value).join(',')} is not used by this store`);
}

export function fromAttributeValue(value: AttributeValue): unknown {
  if (libraryReads(value)) return convertToNative(value, READ);
  if (value.L !== undefined) return value.L.map(fromAttributeValue);
  return Object.fromEntries(
    Object.entries(value.M ?? {}).map(([key, member]) => [key, fromAttributeValue(member)]),
  );
}

export function fromItem(item: Item): Record<string, unknown> {
  return fromAttributeValue({ M: item }) as Record<string, unknown>;
}
