/**
 * Suite sizes: `ci` (the default, part of `npm test`) or `soak`
 * (`npm run test:soak`), from WTE_RELIABILITY_SIZE. Every generator is seeded,
 * so a size always runs the same cases.
 */
export type ReliabilitySize = 'ci' | 'soak';

function sizeFromEnv(raw: string | undefined): ReliabilitySize {
  if (raw === undefined || raw === '' || raw === 'ci') return 'ci';
  if (raw === 'soak') return 'soak';
  throw new Error(`WTE_RELIABILITY_SIZE must be ci or soak; got ${JSON.stringify(raw)}`);
}

export const SIZE: ReliabilitySize = sizeFromEnv(process.env.WTE_RELIABILITY_SIZE);

/** The CI value or the soak value, by the suite size. */
export function bySize<T>(ci: T, soak: T): T {
  return SIZE === 'soak' ? soak : ci;
}

/** A vitest timeout for a test expected to take `expectedMs`, with room for a slow machine. */
export function timeoutFor(expectedMs: number): number {
  return Math.max(60_000, expectedMs * 3);
}
