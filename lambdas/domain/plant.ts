/** Per-plant configuration: time zone and the thresholds rules use. */
import { DEFAULT_ALERT_RULES } from './alerts/model.ts';
import { DEFAULT_TIME_ZONE } from './kpis.ts';
import type { KpiTarget } from './targets.ts';

export interface PlantConfig {
  readonly plantId: string;
  readonly name: string;
  /** IANA time zone of the plant; KPI days are plant-local days. */
  readonly timeZone: string;
  /** Landfill-diversion target (docs/contract.md section 6). */
  readonly diversionTarget: number;
  /** Minimum tonnes received in a day before diversion is judged. */
  readonly diversionMinReceivedT: number;
  /** The rate must recover by this much before a diversion alert resolves. */
  readonly diversionDeadband: number;
  /** Minimum 2-second-zone temperature, degC. */
  readonly combustionMinTempC: number;
  /** Minutes below the minimum temperature before an alert opens. */
  readonly combustionOnDelayMinutes: number;
  /** Minutes without GOOD data before a reporting series is stale. */
  readonly staleAfterMinutes: number;
  /**
   * Minutes the plant's late data must pause before a backfilled day counts
   * as complete (docs/alert-completeness.md); optional because plants stored
   * before it existed lack it (DEFAULT_ALERT_RULES.dayCompleteAfterMinutes).
   */
  readonly dayCompleteAfterMinutes?: number;
  /** ISO 3166-1 alpha-2 country whose targets apply; default: the country of `timeZone` when known (targets.ts). */
  readonly jurisdiction?: string;
  /** The plant's own diversion and recycling targets, over its jurisdiction's (targets.ts). */
  readonly targets?: readonly KpiTarget[];
  /** Inputs of the R1 figure that no meter gives (r1.ts, docs/report.md); without them the report's R1 is null. */
  readonly r1?: R1Settings;
}

/**
 * What the annual report's R1 figure needs beside the year's metered energies
 * (Waste Framework Directive 2008/98/EC Annex II; climate factor of Directive
 * (EU) 2015/1127). Every member is optional: the report names the missing ones.
 */
export interface R1Settings {
  /** Net calorific value (lower heating value) of the waste as fed, GJ per tonne. */
  readonly wasteNcvGJPerT?: number;
  /** Energy imported in a full year, excluding waste and auxiliary fuel (grid power, steam), GJ per year. */
  readonly importedEnergyGJPerYear?: number;
  /** Auxiliary fuel contributing to steam production (start-up and support burners), GJ per year; 0 when not set. */
  readonly auxiliaryFuelGJPerYear?: number;
  /** The site's average annual heating degree days over the 20 years before the calculation year. */
  readonly heatingDegreeDays?: number;
  /** Date the installation was permitted, YYYY-MM-DD (sets the climate factor's regime and the threshold). */
  readonly permittedOn?: string;
  /** Date the installation went into operation, YYYY-MM-DD (before 2009 with permittedOn: threshold 0.60). */
  readonly inOperationSince?: string;
}

export const DEFAULT_PLANT_SETTINGS: Omit<PlantConfig, 'plantId' | 'name'> = {
  timeZone: DEFAULT_TIME_ZONE,
  diversionTarget: 0.4,
  diversionMinReceivedT: 20,
  diversionDeadband: 0.02,
  combustionMinTempC: 850,
  combustionOnDelayMinutes: 5,
  staleAfterMinutes: 15,
  dayCompleteAfterMinutes: DEFAULT_ALERT_RULES.dayCompleteAfterMinutes,
};

export function defaultPlantConfig(plantId: string): PlantConfig {
  return { plantId, name: plantId, ...DEFAULT_PLANT_SETTINGS };
}
