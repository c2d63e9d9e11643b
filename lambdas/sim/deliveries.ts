/**
 * When the trucks come: the diurnal delivery pattern of a municipal waste
 * plant (collection rounds in the morning and early afternoon, a few transfer
 * trailers at night) and the weighbridge-in plan of one plant-local day.
 */
import { HOUR_MS } from '../domain/time.ts';
import type { PlantProfile, Supplier } from './plant-profile.ts';
import type { Random } from './random.ts';

/** Relative delivery intensity per plant-local hour 00..23 (about 85 % of the loads between 07:00 and 19:00). */
export const DELIVERY_WEIGHTS: readonly number[] = [
  0.25, 0.2, 0.2, 0.2, 0.25, 0.5, 1.2, 3.0, 4.4, 4.8, 4.6, 4.2, 3.4, 3.8, 4.2, 4.0, 3.4, 2.6, 1.8, 1.1, 0.7,
  0.5, 0.35, 0.3,
];

const TOTAL_WEIGHT = DELIVERY_WEIGHTS.reduce((sum, w) => sum + w, 0);

/** Out-bound hauling (ash, residues, recyclables) runs in the day shift. */
export const HAUL_FROM_MS = 7 * HOUR_MS;
export const HAUL_TO_MS = 19 * HOUR_MS;

const weightAt = (hour: number): number => DELIVERY_WEIGHTS[Math.min(23, Math.max(0, hour))] ?? 0;

/** Share of a day's deliveries that falls between two times of day (ms since local midnight, 0 to 24 h). */
export function deliveryShare(fromMs: number, toMs: number): number {
  let share = 0;
  for (let hour = 0; hour < 24; hour++) {
    const lo = Math.max(fromMs, hour * HOUR_MS);
    const hi = Math.min(toMs, (hour + 1) * HOUR_MS);
    if (hi > lo) share += (weightAt(hour) * (hi - lo)) / HOUR_MS;
  }
  return share / TOTAL_WEIGHT;
}

/** A time of day in [fromMs, toMs) drawn from the delivery pattern (inverse CDF of the hourly weights). */
function sampleTimeOfDay(random: Random, fromMs: number, toMs: number): number {
  const total = deliveryShare(fromMs, toMs) * TOTAL_WEIGHT;
  let target = random() * total;
  for (let hour = 0; hour < 24; hour++) {
    const lo = Math.max(fromMs, hour * HOUR_MS);
    const hi = Math.min(toMs, (hour + 1) * HOUR_MS);
    if (hi <= lo) continue;
    const mass = (weightAt(hour) * (hi - lo)) / HOUR_MS;
    if (target <= mass || hour === 23) return Math.min(hi - 1, lo + (target / mass) * (hi - lo));
    target -= mass;
  }
  return fromMs;
}

/** One planned delivery (weighbridge in). */
export interface PlannedDelivery {
  readonly ts: number;
  readonly netTonnes: number;
  readonly supplier: string;
  readonly material: Supplier['material'];
}

function pickSupplier(random: Random, suppliers: readonly Supplier[]): Supplier {
  let roll = random();
  for (const supplier of suppliers) {
    if (roll < supplier.share) return supplier;
    roll -= supplier.share;
  }
  return suppliers[suppliers.length - 1] as Supplier;
}

/** Weighbridge resolution: 20 kg. */
export const roundTonnes = (tonnes: number): number => Math.round(tonnes * 50) / 50;

/** Consecutive trucks on one weighbridge are at least this far apart. */
export const WEIGHBRIDGE_SPACING_MS = 60_000;

/**
 * The deliveries of `[from, to)` inside the plant-local day starting at
 * `dayStart`, adding up to about `tonnes`: loads by supplier, times from the
 * delivery pattern, at least a minute apart on the weighbridge, in time order.
 */
export function planDeliveries(
  random: Random,
  profile: PlantProfile,
  dayStart: number,
  from: number,
  to: number,
  tonnes: number,
): PlannedDelivery[] {
  const loads: Array<{ netTonnes: number; supplier: Supplier }> = [];
  let remaining = tonnes;
  while (remaining > 2) {
    const supplier = pickSupplier(random, profile.suppliers);
    let load = roundTonnes(supplier.minTonnes + random() * (supplier.maxTonnes - supplier.minTonnes));
    if (remaining - load < supplier.minTonnes / 2) load = roundTonnes(Math.min(remaining, 30));
    if (load <= 0) break;
    loads.push({ netTonnes: load, supplier });
    remaining -= load;
  }
  const times = loads
    .map(() => dayStart + sampleTimeOfDay(random, from - dayStart, to - dayStart))
    .map((t) => Math.floor(t / 1000) * 1000)
    .sort((a, b) => a - b);
  // Space the trucks out on the bridge; if that would push the last ones past the end, squeeze to a second.
  const spacing = times.length * WEIGHBRIDGE_SPACING_MS < to - from ? WEIGHBRIDGE_SPACING_MS : 1000;
  for (let i = 1; i < times.length; i++) {
    times[i] = Math.max(times[i] as number, (times[i - 1] as number) + spacing);
  }
  for (let i = times.length - 1; i >= 0; i--) {
    const latest = i === times.length - 1 ? to - 1000 : (times[i + 1] as number) - spacing;
    times[i] = Math.max(from, Math.min(times[i] as number, latest));
  }
  return loads.map((load, i) => ({
    ts: times[i] as number,
    netTonnes: load.netTonnes,
    supplier: load.supplier.name,
    material: load.supplier.material,
  }));
}
