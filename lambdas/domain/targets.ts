/**
 * A plant's diversion and recycling targets, with where each comes from
 * (docs/kpis.md, "Targets"). A plant's own targets win; otherwise its
 * jurisdiction's: Kazakhstan's Concept for the Transition to a Green Economy
 * sets 40 % of municipal solid waste recycled by 2030 (50 % by 2050), which
 * we also apply to diversion.
 * The jurisdiction is the plant's own, or the country of its IANA zone.
 */
import type { PlantConfig } from './plant.ts';

export type TargetKpi = 'diversion_rate' | 'recycling_rate';

export interface KpiTarget {
  readonly kpi: TargetKpi;
  /** Share, 0 to 1. */
  readonly rate: number;
  /** Calendar year by which the rate is due. */
  readonly year: number;
  /** Who set it: a law, a programme, or the plant's own configuration. */
  readonly source: string;
}

export const TARGET_KPIS: readonly TargetKpi[] = ['diversion_rate', 'recycling_rate'];

const KZ_CONCEPT =
  'Kazakhstan, Concept for the Transition to a Green Economy: 40 % of municipal solid waste recycled by 2030 (50 % by 2050)';

/** Targets of a jurisdiction (ISO 3166-1 alpha-2), for plants that set none of their own. */
const JURISDICTION_TARGETS: Readonly<Record<string, readonly KpiTarget[]>> = {
  KZ: [
    { kpi: 'diversion_rate', rate: 0.4, year: 2030, source: `${KZ_CONCEPT}; applied to landfill diversion` },
    { kpi: 'recycling_rate', rate: 0.4, year: 2030, source: KZ_CONCEPT },
  ],
};

/** IANA zones of Kazakhstan (tzdata's zone1970.tab, KZ). */
const KZ_ZONES: ReadonlySet<string> = new Set([
  'Asia/Almaty',
  'Asia/Qostanay',
  'Asia/Qyzylorda',
  'Asia/Aqtobe',
  'Asia/Aqtau',
  'Asia/Atyrau',
  'Asia/Oral',
]);

/** The plant's jurisdiction: its own, or KZ for a plant in a Kazakh zone; undefined when unknown. */
export function jurisdictionOf(plant: Pick<PlantConfig, 'jurisdiction' | 'timeZone'>): string | undefined {
  if (plant.jurisdiction !== undefined) return plant.jurisdiction;
  return KZ_ZONES.has(plant.timeZone) ? 'KZ' : undefined;
}

/** The plant's targets, one per KPI at most: its own first, then its jurisdiction's. */
export function targetsFor(plant: Pick<PlantConfig, 'jurisdiction' | 'timeZone' | 'targets'>): KpiTarget[] {
  const own = plant.targets ?? [];
  const jurisdiction = jurisdictionOf(plant);
  const inherited = jurisdiction === undefined ? [] : (JURISDICTION_TARGETS[jurisdiction] ?? []);
  return TARGET_KPIS.flatMap((kpi) => {
    const target = own.find((t) => t.kpi === kpi) ?? inherited.find((t) => t.kpi === kpi);
    return target === undefined ? [] : [target];
  });
}
