/**
 * Units of measure and their conversion to the canonical unit of each quantity
 * (docs/contract.md section 2). Linear units are `canonical = value * factor`;
 * temperatures carry an offset as well.
 */

export type Quantity =
  | 'mass'
  | 'energy'
  | 'power'
  | 'temperature'
  | 'pressure'
  | 'differential_pressure'
  | 'mass_flow'
  | 'percent'
  | 'concentration';

interface UnitDefinition {
  readonly quantity: Quantity;
  /** canonical = value * factor + offset */
  readonly factor: number;
  readonly offset: number;
}

const linear = (quantity: Quantity, factor: number): UnitDefinition => ({ quantity, factor, offset: 0 });

/** Every unit the contract accepts, keyed by the exact spelling gateways send. */
export const UNITS = {
  // mass, canonical t
  t: linear('mass', 1),
  kg: linear('mass', 1e-3),
  Mg: linear('mass', 1),
  // energy, canonical MWh (1 GJ = 1/3.6 MWh; 1 Gcal = 1.163 MWh)
  MWh: linear('energy', 1),
  kWh: linear('energy', 1e-3),
  GJ: linear('energy', 1 / 3.6),
  Gcal: linear('energy', 1.163),
  // power, canonical MW
  MW: linear('power', 1),
  kW: linear('power', 1e-3),
  // temperature, canonical degC
  degC: linear('temperature', 1),
  K: { quantity: 'temperature', factor: 1, offset: -273.15 },
  degF: { quantity: 'temperature', factor: 5 / 9, offset: (-32 * 5) / 9 },
  // pressure, canonical bar
  bar: linear('pressure', 1),
  kPa: linear('pressure', 1e-2),
  MPa: linear('pressure', 10),
  psi: linear('pressure', 0.0689475729316836),
  // differential pressure across the boiler, canonical mbar
  mbar: linear('differential_pressure', 1),
  Pa: linear('differential_pressure', 1e-2),
  // mass flow, canonical t/h
  't/h': linear('mass_flow', 1),
  'kg/s': linear('mass_flow', 3.6),
  'kg/h': linear('mass_flow', 1e-3),
  // flue-gas oxygen, canonical %
  '%': linear('percent', 1),
  // emissions at 11 % O2 dry, canonical mg/Nm3
  'mg/Nm3': linear('concentration', 1),
} as const satisfies Record<string, UnitDefinition>;

export type Unit = keyof typeof UNITS;

export const CANONICAL_UNIT: Readonly<Record<Quantity, Unit>> = {
  mass: 't',
  energy: 'MWh',
  power: 'MW',
  temperature: 'degC',
  pressure: 'bar',
  differential_pressure: 'mbar',
  mass_flow: 't/h',
  percent: '%',
  concentration: 'mg/Nm3',
};

export function isUnit(name: string): name is Unit {
  return Object.hasOwn(UNITS, name);
}

/** Units that convert to the given quantity's canonical unit. */
export function unitsOf(quantity: Quantity): Unit[] {
  return (Object.keys(UNITS) as Unit[]).filter((unit) => UNITS[unit].quantity === quantity);
}

export function toCanonical(value: number, unit: Unit): number {
  const { factor, offset } = UNITS[unit];
  return value * factor + offset;
}

export function fromCanonical(value: number, unit: Unit): number {
  const { factor, offset } = UNITS[unit];
  return (value - offset) / factor;
}
