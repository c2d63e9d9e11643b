/**
 * Seeded randomness for the plant simulator: independent streams derived from
 * one seed (so, for example, a day's deliveries do not depend on how often the
 * sensors are sampled), normal deviates, and slowly wandering process noise.
 */
import { prng } from './fleet.ts';

export type Random = () => number;

/** 32-bit avalanche mix (the murmur3 finalizer). */
function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit seed from several numbers (integers up to 2^53 are mixed in two halves). */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    const whole = Math.trunc(part);
    const low = whole % 0x100000000;
    const high = Math.trunc(whole / 0x100000000);
    h = fmix32(h ^ fmix32(low + 0x632be5ab));
    h = fmix32(h ^ fmix32(high + 0x85157af5));
  }
  return h;
}

/** A seeded stream for the given parts. */
export function streamOf(...parts: readonly number[]): Random {
  return prng(mixSeed(...parts));
}

/** Standard normal deviate (Box-Muller). */
export function gaussian(random: Random): number {
  const u = Math.max(random(), 1e-12);
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Uniform in [low, high). */
export function between(random: Random, low: number, high: number): number {
  return low + (high - low) * random();
}

/** Fisher-Yates shuffle in place. */
export function shuffle<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const held = items[i] as T;
    items[i] = items[j] as T;
    items[j] = held;
  }
  return items;
}

/**
 * Ornstein-Uhlenbeck noise: mean zero, standard deviation `sd`, correlation
 * time `tauMs`. Sampled at any step, it wanders like a real process value
 * instead of jumping like white noise.
 */
export class Wander {
  private value: number;

  constructor(
    private readonly random: Random,
    private readonly sd: number,
    private readonly tauMs: number,
  ) {
    this.value = sd * gaussian(random);
  }

  next(stepMs: number): number {
    const phi = Math.exp(-stepMs / this.tauMs);
    this.value = phi * this.value + Math.sqrt(1 - phi * phi) * this.sd * gaussian(this.random);
    return this.value;
  }
}
