/**
 * The metric catalog of docs/contract.md section 2: every metric a gateway may send,
 * whether it is an instantaneous gauge or a cumulative counter, the quantity
 * that fixes its canonical unit, and the physical limits of a reading in that
 * unit (docs/validation.md explains each limit).
 */
import { CANONICAL_UNIT, type Quantity, type Unit } from './units.ts';

export type MetricKind = 'gauge' | 'counter';

/**
 * Inclusive limits in the canonical unit. A reading outside them cannot be a
 * measurement of the quantity (below absolute zero, over 100 %) or is far past
 * anything the largest real plant produces: it is refused, not stored.
 */
export interface MetricBounds {
  readonly min: number;
  readonly max: number;
  /** Said of the minimum in a refusal, e.g. "absolute zero". */
  readonly minNote?: string;
  /** Why these limits, in one line (docs/validation.md, `wte catalog`). */
  readonly basis: string;
}

export interface MetricDefinition {
  readonly kind: MetricKind;
  readonly quantity: Quantity;
  readonly description: string;
  readonly bounds: MetricBounds;
}

export const ABSOLUTE_ZERO_C = -273.15;
/** Counter registers: 1e9 t or MWh is far past a lifetime of the largest plant (about 1e8 t of waste). */
const COUNTER_MAX = 1e9;

const BOUNDS = {
  // The largest plants burn ~5,000 t/day (~210 t/h over all lines); grate lines run 10 to 40 t/h.
  wasteFeed: { min: 0, max: 500, basis: 'no negative feed; 500 t/h is over twice the largest plant' },
  // The 2-second zone runs 850 to 1,200 degC; waste flames stay well under 2,000 degC.
  furnace: {
    min: ABSOLUTE_ZERO_C,
    max: 2000,
    minNote: 'absolute zero',
    basis: 'absolute zero; 2,000 degC is above any waste flame (the 2-second zone runs 850 to 1,200 degC)',
  },
  // WtE superheaters stop near 450 degC (chloride corrosion); the hottest power-plant steam is ~650 degC.
  steamTemperature: {
    min: ABSOLUTE_ZERO_C,
    max: 700,
    minNote: 'absolute zero',
    basis: 'absolute zero; 700 degC is above the hottest steam cycle in service (~650 degC)',
  },
  // Boiler pressures are mostly gauge: full vacuum is -1.01325 bar(g); supercritical units run ~300 bar.
  steamPressure: {
    min: -1.01325,
    max: 400,
    minNote: 'full vacuum (gauge)',
    basis: 'full vacuum in gauge terms; 400 bar is above supercritical units (~300 bar), WtE runs 40 to 130',
  },
  // A WtE line raises ~3 t of steam per t of waste; 2,000 t/h exceeds the largest WtE plant several times.
  steamFlow: {
    min: 0,
    max: 2000,
    basis: 'no negative flow; 2,000 t/h is several times the largest WtE plant',
  },
  // Gross and net output are signed: a motoring generator and a plant importing power read negative.
  signedPower: {
    min: -1000,
    max: 1000,
    basis: 'signed (reverse power, import); 1,000 MW is over five times the largest WtE plant',
  },
  heat: {
    min: 0,
    max: 1000,
    basis: 'exported heat is not negative; 1,000 MW is over three times the largest WtE heat output',
  },
  percent: { min: 0, max: 100, basis: 'a volume fraction: 0 to 100 %' },
  // Signed: the transmitter reads the difference either way round; flue-gas ducts hold tens of mbar.
  boilerDp: {
    min: -1000,
    max: 1000,
    basis: 'signed (either way round); 1,000 mbar is far past what a flue-gas duct survives',
  },
  // Analysers drift a little below zero and EN 14181 keeps those readings unclipped; raw gas stays under 1e5.
  concentration: {
    min: -100,
    max: 1e5,
    basis: 'analyser zero drift down to -100 mg/Nm3 is kept; 1e5 mg/Nm3 is above any raw flue gas',
  },
  counter: {
    min: 0,
    max: COUNTER_MAX,
    minNote: 'a counter is never negative',
    basis: 'a counter is never negative; 1e9 is past any plant lifetime',
  },
} as const satisfies Record<string, MetricBounds>;

const gauge = (quantity: Quantity, description: string, bounds: MetricBounds): MetricDefinition => ({
  kind: 'gauge',
  quantity,
  description,
  bounds,
});
const counter = (quantity: Quantity, description: string): MetricDefinition => ({
  kind: 'counter',
  quantity,
  description,
  bounds: BOUNDS.counter,
});
const emission = (description: string) => gauge('concentration', description, BOUNDS.concentration);

export const METRICS = {
  waste_feed_rate: gauge('mass_flow', 'Waste feed rate into the furnace', BOUNDS.wasteFeed),
  furnace_temperature: gauge('temperature', 'Flue-gas temperature in the 2-second zone', BOUNDS.furnace),
  steam_flow: gauge('mass_flow', 'Live-steam mass flow', BOUNDS.steamFlow),
  steam_pressure: gauge('pressure', 'Live-steam pressure', BOUNDS.steamPressure),
  steam_temperature: gauge('temperature', 'Live-steam temperature', BOUNDS.steamTemperature),
  power_gross: gauge('power', 'Gross electrical output', BOUNDS.signedPower),
  power_export: gauge('power', 'Net electrical export', BOUNDS.signedPower),
  heat_export: gauge('power', 'Heat export (district heat or process steam)', BOUNDS.heat),
  flue_gas_o2: gauge('percent', 'Flue-gas oxygen', BOUNDS.percent),
  boiler_dp: gauge(
    'differential_pressure',
    'Flue-gas differential pressure across the boiler',
    BOUNDS.boilerDp,
  ),
  dust: emission('Total dust at 11 % O2 dry'),
  toc: emission('Total organic carbon at 11 % O2 dry'),
  hcl: emission('HCl at 11 % O2 dry'),
  hf: emission('HF at 11 % O2 dry'),
  so2: emission('SO2 at 11 % O2 dry'),
  nox: emission('NOx as NO2 at 11 % O2 dry'),
  co: emission('CO at 11 % O2 dry'),
  waste_fed: counter('mass', 'Totalizer of waste fed to the furnace'),
  electricity_generated: counter('energy', 'Totalizer of gross electricity generated'),
  electricity_exported: counter('energy', 'Totalizer of electricity exported'),
  heat_exported: counter('energy', 'Totalizer of heat exported'),
  mrf_input: counter('mass', 'Totalizer of material entering the sorting line'),
  mrf_recovered: counter('mass', 'Totalizer of material recovered by the sorting line'),
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;

export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}

export function canonicalUnitOf(metric: MetricName): Unit {
  return CANONICAL_UNIT[METRICS[metric].quantity];
}

export function boundsOf(metric: MetricName): MetricBounds {
  return METRICS[metric].bounds;
}
