/**
 * A value built on first use and kept: zod schemas of stored items are built
 * when a function first decodes such an item, not at cold start, and a schema
 * nothing calls for is dropped from the bundle (docs/bundles.md).
 */
export function once<T>(build: () => T): () => T {
  let value: T | undefined;
  let built = false;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}
