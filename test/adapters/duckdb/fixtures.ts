import type { StoredReading } from '../../../lambdas/domain/ports.ts';

import { reading as storedReading } from '../../support/stored-items.ts';

export { MINUTE, movement, NOW, PLANT } from '../../support/stored-items.ts';

/** A furnace temperature reading one minute before NOW on line L1, base version. */
export function reading(overrides: Partial<StoredReading> = {}): StoredReading {
  return storedReading({ line: 'L1', ...overrides });
}

/** Every reading of a plant and metric, whatever its time. */
export const ALL_TIME = { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY } as const;
