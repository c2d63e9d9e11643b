import type { Clock } from '../domain/ports.ts';

/** The real clock, injected into handlers by their composition roots. */
export const systemClock: Clock = { now: () => Date.now() };
