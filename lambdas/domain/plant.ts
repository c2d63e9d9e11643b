/** Per-plant configuration: time zone and the thresholds rules use. */
import { DEFAULT_ALERT_RULES } from './alerts/model.ts';
import { DEFAULT_TIME_ZONE } from './kpis.ts';
import type { KpiTarget } from './targets.ts';

export interface PlantConfig {
  readonly plantId: string;
  readonly name: string;
  /** IANA time zone of the plant; KPI days are plant-local days. */
  readonly timeZone: string;
  /** Landfill-diversion target (CONTRACT.md section 6). */
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
