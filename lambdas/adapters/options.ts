/** Checks of adapters' numeric options, at construction, so a bad setting fails the cold start, not a call. */

/** `fallback` when absent; else a finite number > 0 (a whole one when `integer`), or a RangeError naming it. */
export function positiveOption(
  name: string,
  value: number | undefined,
  fallback: number,
  integer = false,
): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0 && (!integer || Number.isSafeInteger(value))))
    throw new RangeError(
      `${name} must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`,
    );
  return value;
}
