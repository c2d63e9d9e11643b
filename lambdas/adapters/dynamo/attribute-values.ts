/**
 * Conversion between plain data (strings, finite numbers, booleans, null,
 * arrays, plain objects) and DynamoDB attribute values. The stores need only
 * this JSON-like subset: no sets, no binary. Why not @aws-sdk/util-dynamodb
 * or lib-dynamodb (measured, and tried): docs/bundles.md. Reading back yields
 * `unknown`; callers check it with a schema before trusting its shape.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type Item = Record<string, AttributeValue>;

/** DynamoDB numbers: 38 significant digits (a double's 17 always fit), magnitude in [1e-130, 1e126). */
const MIN_MAGNITUDE = 1e-130;
const MAX_MAGNITUDE = 1e126;

/** A value DynamoDB cannot hold as we store it (NaN, Infinity, bigint, functions...). */
export class UnsupportedValueError extends Error {
  override readonly name = 'UnsupportedValueError';
}

export function toAttributeValue(value: unknown, path = '$'): AttributeValue {
  if (value === null) return { NULL: true };
  switch (typeof value) {
    case 'string':
      return { S: value };
    case 'boolean':
      return { BOOL: value };
    case 'number':
      if (!Number.isFinite(value))
        throw new UnsupportedValueError(`${path} is not a finite number: ${value}`);
      if (value !== 0 && (Math.abs(value) < MIN_MAGNITUDE || Math.abs(value) >= MAX_MAGNITUDE)) {
        throw new UnsupportedValueError(`${path} is outside the range of a DynamoDB number: ${value}`);
      }
      return { N: String(value) };
    case 'object': {
      // Array.from visits holes (as undefined, refused): map would skip them.
      if (Array.isArray(value))
        return { L: Array.from(value, (v, i) => toAttributeValue(v, `${path}[${i}]`)) };
      return { M: toItem(value, path) };
    }
    default:
      throw new UnsupportedValueError(`${path} has a type DynamoDB items do not hold here: ${typeof value}`);
  }
}

/** The own enumerable properties of `value`; `undefined` members are left out, as optional fields. */
export function toItem(value: object, path = '$'): Item {
  if (Array.isArray(value)) throw new UnsupportedValueError(`${path} is not a map of attributes`);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    // A Set, Map, Date, typed array or class instance would otherwise be stored as a map of its own fields.
    const kind = (proto as { constructor?: { name?: string } }).constructor?.name || 'object';
    throw new UnsupportedValueError(`${path} has a type DynamoDB items do not hold here: ${kind}`);
  }
  // fromEntries defines own properties, so a key named __proto__ stays data.
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .map(([key, member]) => [key, toAttributeValue(member, `${path}.${key}`)]),
  );
}

export function fromAttributeValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map(fromAttributeValue);
  if (value.M !== undefined) return fromItem(value.M);
  throw new UnsupportedValueError(`attribute type ${Object.keys(value).join(',')} is not used by this store`);
}

export function fromItem(item: Item): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([key, value]) => [key, fromAttributeValue(value)]));
}
