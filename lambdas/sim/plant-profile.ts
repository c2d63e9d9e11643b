/**
 * The design data of a simulated waste-to-energy plant (docs/reference/domain.md section 3):
 * capacity of the 1,000-1,600 t/day class announced in Kazakhstan, two or
 * three grate lines of about 20-27 t/h, a net calorific value of mixed MSW,
 * boiler and cycle efficiencies that give about 0.5-0.7 net MWh exported per
 * tonne, and residue shares (bottom ash 20-25 % of the feed, APC residue
 * 2.5-4 %, metals from the ash about 2-3 %).
 */
import { plantIdOf } from './fleet.ts';
import { between, type Random, streamOf } from './random.ts';

/** A waste hauler delivering to the plant: its share of the loads and the net tonnes of one load. */
export interface Supplier {
  readonly name: string;
  readonly share: number;
  readonly minTonnes: number;
  readonly maxTonnes: number;
  readonly material: 'mixed_waste' | 'other';
}

export interface PlantProfile {
  readonly index: number;
  readonly plantId: string;
  readonly gatewayId: string;
  /** Design throughput, t/day. */
  readonly capacityTpd: number;
  /** Grate lines (boilers), e.g. `boiler-1`. */
  readonly lines: readonly string[];
  /** Net calorific value of the waste, GJ/t (= MJ/kg). */
  readonly ncvGjPerT: number;
  readonly boilerEfficiency: number;
  /** Gross electricity per unit of boiler heat. */
  readonly cycleEfficiency: number;
  /** Share of gross electricity the plant uses itself (fans, pumps, flue-gas treatment). */
  readonly ownUseShare: number;
  /** District heat exported, as a share of the boiler heat. */
  readonly heatShare: number;
  /** Net MWh exported per tonne fed the efficiencies above give at the design NCV. */
  readonly netMwhPerT: number;
  /** Bottom ash, share of the feed (wet, quenched). */
  readonly ashShare: number;
  /** Share of bottom-ash loads that go to landfill; the rest is reused (road base, R5). */
  readonly ashLandfillShare: number;
  readonly apcShare: number;
  readonly metalsShare: number;
  /** Bulky recyclables (cardboard, film, scrap) sorted out of the deliveries, share of receipts. */
  readonly recyclablesShare: number;
  /** Non-combustible rejects pulled from the bunker, share of receipts. */
  readonly rejectsShare: number;
  /** Mean 2-second-zone temperature per line, degC. */
  readonly furnaceBaseC: readonly number[];
  readonly suppliers: readonly Supplier[];
}

/** Announced plants first (docs/reference/domain.md section 1): Astana 1,500 t/d, Almaty 1,600 t/d, Shymkent 1,000 t/d. */
const KNOWN_CAPACITY: Readonly<Record<string, number>> = {
  'kz-ast-01': 1500,
  'kz-ala-01': 1600,
  'kz-shy-01': 1000,
};

const SUPPLIERS: readonly Supplier[] = [
  { name: 'city-collection-a', share: 0.42, minTonnes: 8, maxTonnes: 13, material: 'mixed_waste' },
  { name: 'city-collection-b', share: 0.26, minTonnes: 7, maxTonnes: 12, material: 'mixed_waste' },
  { name: 'transfer-station', share: 0.22, minTonnes: 19, maxTonnes: 27, material: 'mixed_waste' },
  { name: 'commercial', share: 0.1, minTonnes: 4, maxTonnes: 10, material: 'other' },
];

/** Steam enthalpy rise from feedwater to 40 bar / 400 degC, GJ per tonne of steam. */
export const STEAM_ENTHALPY_GJ_PER_T = 2.65;

function profile(index: number, random: Random): PlantProfile {
  const plantId = plantIdOf(index);
  const capacityTpd = KNOWN_CAPACITY[plantId] ?? Math.round(between(random, 1000, 1600) / 10) * 10;
  const lineCount = capacityTpd >= 1300 ? 3 : 2;
  const ncvGjPerT = between(random, 9, 10.5);
  const boilerEfficiency = between(random, 0.84, 0.88);
  const ownUseShare = between(random, 0.11, 0.16);
  const netMwhPerT = between(random, 0.54, 0.64);
  // net = NCV/3.6 x boiler x cycle x (1 - own use), solved for the cycle efficiency.
  const cycleEfficiency = netMwhPerT / ((ncvGjPerT / 3.6) * boilerEfficiency * (1 - ownUseShare));
  return {
    index,
    plantId,
    gatewayId: `gw-${plantId}`,
    capacityTpd,
    lines: Array.from({ length: lineCount }, (_, i) => `boiler-${i + 1}`),
    ncvGjPerT,
    boilerEfficiency,
    cycleEfficiency,
    ownUseShare,
    heatShare: between(random, 0.08, 0.16),
    netMwhPerT,
    ashShare: between(random, 0.205, 0.245),
    ashLandfillShare: between(random, 0.45, 0.7),
    apcShare: between(random, 0.025, 0.04),
    metalsShare: between(random, 0.018, 0.028),
    recyclablesShare: between(random, 0.012, 0.025),
    rejectsShare: between(random, 0.006, 0.012),
    furnaceBaseC: Array.from({ length: lineCount }, () => between(random, 945, 985)),
    suppliers: SUPPLIERS,
  };
}

/** The fleet's plants: deterministic for a seed; plant ids as the fleet simulator names them. */
export function plantProfiles(count: number, seed: number): PlantProfile[] {
  return Array.from({ length: count }, (_, index) => profile(index, streamOf(seed, 0x91a7, index)));
}
