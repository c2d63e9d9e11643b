/**
 * Alert rules (docs/contract.md section 6, docs/reference/domain.md section 7): each turns KPI
 * points or readings into verdicts (`Evaluation`) about one subject. Pure and
 * deterministic: they judge data time only, and take `now` as a parameter
 * where a rule needs the current time.
 *
 * Hysteresis lives in the rules: between `firing` and `clear` every rule
 * leaves a `holding` band (a deadband on the value, or an off-delay in data
 * time), so a value wobbling around a limit cannot open and resolve alerts in
 * turn. The lifecycle (lifecycle.ts) only reacts to `firing` and `clear`.
 *
 * The rules live one module per rule or family, so a function bundles only
 * those it runs (the processor's batch step runs diversion and combustion);
 * this module gathers them for callers that want every rule.
 */
export { COMBUSTION_MAX_GAP_MS, evaluateCombustion, evaluateCombustionAt } from './combustion-rule.ts';
export { evaluateDiversion, evaluateDiversionCheckpoints } from './diversion-rule.ts';
export type { RuleReading } from './good-series.ts';
export {
  ENERGY_SIGMA_FLOOR_FRACTION,
  type EnergyBaseline,
  energyBaseline,
  evaluateEnergyDrop,
  evaluateLandfillSpike,
  evaluateMassBalance,
  type LandfillBaseline,
  landfillBaseline,
  MIN_SAME_WEEKDAY_DAYS,
  SPIKE_CLEAR_DEADBAND,
  SPIKE_SIGMA_FLOOR_FRACTION,
  SPIKE_SIGMA_FLOOR_T,
} from './history-rules.ts';
export {
  evaluateStale,
  evaluateStuck,
  PLANT_WIDE_SUBJECT,
  type SeriesActivity,
  STUCK_CLEAR_FACTOR,
} from './sensor-rules.ts';
