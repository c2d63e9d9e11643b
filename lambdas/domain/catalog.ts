/**
 * The metric catalog of CONTRACT.md section 2: every metric a gateway may send,
 * whether it is an instantaneous gauge or a cumulative counter, and the
 * quantity that fixes its canonical unit.
 */
import { CANONICAL_UNIT, type Quantity, type Unit } from './units.ts';

export type MetricKind = 'gauge' | 'counter';

export interface MetricDefinition {
  readonly kind: MetricKind;
  readonly quantity: Quantity;
  readonly description: string;
}

const gauge = (quantity: Quantity, description: string): MetricDefinition => ({
  kind: 'gauge',
  quantity,
  description,
});
const counter = (quantity: Quantity, description: string): MetricDefinition => ({
  kind: 'counter',
  quantity,
  description,
});

export const METRICS = {
  waste_feed_rate: gauge('mass_flow', 'Waste feed rate into the furnace'),
  furnace_temperature: gauge('temperature', 'Flue-gas temperature in the 2-second zone'),
  steam_flow: gauge('mass_flow', 'Live-steam mass flow'),
  steam_pressure: gauge('pressure', 'Live-steam pressure'),
  steam_temperature: gauge('temperature', 'Live-steam temperature'),
  power_gross: gauge('power', 'Gross electrical output'),
  power_export: gauge('power', 'Net electrical export'),
  heat_export: gauge('power', 'Heat export (district heat or process steam)'),
  flue_gas_o2: gauge('percent', 'Flue-gas oxygen'),
  boiler_dp: gauge('differential_pressure', 'Flue-gas differential pressure across the boiler'),
  dust: gauge('concentration', 'Total dust at 11 % O2 dry'),
  toc: gauge('concentration', 'Total organic carbon at 11 % O2 dry'),
  hcl: gauge('concentration', 'HCl at 11 % O2 dry'),
  hf: gauge('concentration', 'HF at 11 % O2 dry'),
  so2: gauge('concentration', 'SO2 at 11 % O2 dry'),
  nox: gauge('concentration', 'NOx as NO2 at 11 % O2 dry'),
  co: gauge('concentration', 'CO at 11 % O2 dry'),
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
