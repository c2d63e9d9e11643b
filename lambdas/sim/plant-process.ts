/**
 * The process side of a simulated plant: grate lines, boiler, turbine and
 * district heat, and the readings their sensors report (docs/reference/domain.md section 3).
 * The cranes feed each line at the day's planned throughput; the waste's heat
 * (feed x NCV) goes through the boiler into steam (about 3 t per tonne), the
 * turbine makes gross electricity, the plant uses 11-16 % of it and exports
 * the rest, and a share of the boiler heat goes out as district heat.
 */
import { canonicalUnitOf, type MetricName } from '../domain/catalog.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../domain/time.ts';
import type { Unit } from '../domain/units.ts';
import { type PlantProfile, STEAM_ENTHALPY_GJ_PER_T } from './plant-profile.ts';
import { between, gaussian, type Random, Wander } from './random.ts';
import type { EpisodePlan, TimeSpan } from './scenarios.ts';

/** A reading as the gateway sends it: canonical unit, epoch-ms time, quality GOOD by default. */
export interface SimReading {
  readonly ts: number;
  readonly line: string;
  readonly metric: MetricName;
  readonly value: number;
  readonly unit: Unit;
}

/** Boiler heat (so steam and net MWh per tonne) falls by this share per day of fouling... */
export const FOULING_LOSS_PER_DAY = 0.09;
/** ...up to this much. */
export const FOULING_MAX_LOSS = 0.16;
/** Online cleaning restores the boiler over this time. */
export const CLEANING_MS = 12 * HOUR_MS;

interface LineState {
  readonly name: string;
  readonly baseC: number;
  wasteFed: number;
  readonly feed: Wander;
  readonly furnace: Wander;
  readonly o2: Wander;
  readonly dp: Wander;
  readonly pressure: Wander;
  readonly steamTemp: Wander;
  readonly emissions: ReadonlyArray<{ metric: MetricName; level: number; wander: Wander; decimals: number }>;
  frozenFurnace?: number;
}

/** One step of the process: its readings, and the tonnes each line burnt (in line order, for the residue piles). */
export interface ProcessStep {
  readonly readings: SimReading[];
  readonly burntTonnes: number[];
}

export const round = (value: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
};

/** Efficiency lost to boiler deposits at `t` (0 outside the fouling episode). */
export function foulingLoss(t: number, fouling: TimeSpan | undefined): number {
  if (!fouling || t < fouling.from) return 0;
  const lossAt = (at: number) =>
    Math.min(FOULING_MAX_LOSS, ((at - fouling.from) / DAY_MS) * FOULING_LOSS_PER_DAY);
  if (t < fouling.to) return lossAt(t);
  return lossAt(fouling.to) * Math.max(0, 1 - (t - fouling.to) / CLEANING_MS);
}

function lineState(random: Random, name: string, baseC: number, wasteFed: number): LineState {
  const r = random;
  return {
    name,
    baseC,
    wasteFed,
    feed: new Wander(r, 0.03, 30 * MINUTE_MS),
    furnace: new Wander(r, 9, 15 * MINUTE_MS),
    o2: new Wander(r, 0.45, 8 * MINUTE_MS),
    dp: new Wander(r, 0.12, 20 * MINUTE_MS),
    pressure: new Wander(r, 0.3, 5 * MINUTE_MS),
    steamTemp: new Wander(r, 1.8, 10 * MINUTE_MS),
    emissions: [
      { metric: 'dust', level: 1.2, wander: new Wander(r, 0.3, 20 * MINUTE_MS), decimals: 3 },
      { metric: 'toc', level: 0.8, wander: new Wander(r, 0.3, 20 * MINUTE_MS), decimals: 3 },
      { metric: 'hcl', level: 4.5, wander: new Wander(r, 0.3, 20 * MINUTE_MS), decimals: 3 },
      { metric: 'hf', level: 0.12, wander: new Wander(r, 0.3, 20 * MINUTE_MS), decimals: 4 },
      { metric: 'so2', level: 18, wander: new Wander(r, 0.3, 20 * MINUTE_MS), decimals: 2 },
      { metric: 'nox', level: 150, wander: new Wander(r, 0.08, 20 * MINUTE_MS), decimals: 2 },
      { metric: 'co', level: 9, wander: new Wander(r, 0.4, 10 * MINUTE_MS), decimals: 2 },
    ],
  };
}

/**
 * Lines, boiler and turbine of one plant. Every draw comes from the plant's
 * process stream in a fixed order, so a run is reproducible from its seed.
 */
export class PlantProcess {
  private readonly lines: LineState[];
  private readonly ncv: Wander;
  private readonly ownUse: Wander;
  private generated: number;
  private exported: number;
  private heat: number;
  private readonly designGrossMw: number;

  constructor(
    private readonly profile: PlantProfile,
    private readonly random: Random,
  ) {
    const lineTph = profile.capacityTpd / 24 / profile.lines.length;
    const years = between(random, 1, 4);
    this.lines = profile.lines.map((name, i) =>
      lineState(
        random,
        name,
        profile.furnaceBaseC[i] ?? 960,
        round(lineTph * 24 * 330 * years * between(random, 0.95, 1.05), 3),
      ),
    );
    this.ncv = new Wander(random, 0.015, 6 * HOUR_MS);
    this.ownUse = new Wander(random, 0.03, 2 * HOUR_MS);
    const fed = this.lines.reduce((sum, l) => sum + l.wasteFed, 0);
    this.generated = round(fed * (profile.netMwhPerT / (1 - profile.ownUseShare)), 3);
    this.exported = round(fed * profile.netMwhPerT, 3);
    this.heat = round(fed * (profile.ncvGjPerT / 3.6) * profile.boilerEfficiency * profile.heatShare, 3);
    this.designGrossMw =
      (profile.capacityTpd / 24) *
      (profile.ncvGjPerT / 3.6) *
      profile.boilerEfficiency *
      profile.cycleEfficiency;
  }

  /** Runs the process from the previous tick to `t` at `dayFeedTph`, under the given episodes. */
  step(t: number, stepMs: number, dayFeedTph: number, episodes: EpisodePlan): ProcessStep {
    const p = this.profile;
    const hours = stepMs / HOUR_MS;
    const ncv = p.ncvGjPerT * (1 + this.ncv.next(stepMs));
    const ncvDeviation = ncv / p.ncvGjPerT - 1;
    const loss = foulingLoss(t, episodes.fouling);
    const readings: SimReading[] = [];
    const reading = (line: string, metric: MetricName, value: number, decimals: number) =>
      readings.push({ ts: t, line, metric, value: round(value, decimals), unit: canonicalUnitOf(metric) });
    const burntTonnes: number[] = [];
    let boilerHeatMw = 0;
    for (const line of this.lines) {
      const feedTph = Math.max(0, (dayFeedTph / this.lines.length) * (1 + line.feed.next(stepMs)));
      line.wasteFed += feedTph * hours;
      const heatMw = ((feedTph * ncv) / 3.6) * p.boilerEfficiency * (1 - loss);
      boilerHeatMw += heatMw;
      const noise = () => gaussian(this.random);
      const furnace = this.furnaceTemperature(line, t, stepMs, ncvDeviation, loss, episodes);
      reading(line.name, 'waste_feed_rate', feedTph + 0.05 * noise(), 2);
      reading(line.name, 'furnace_temperature', furnace, 1);
      reading(line.name, 'steam_flow', ((heatMw * 3.6) / STEAM_ENTHALPY_GJ_PER_T) * (1 + 0.004 * noise()), 2);
      reading(line.name, 'steam_pressure', 40 + line.pressure.next(stepMs) + 0.03 * noise(), 2);
      reading(line.name, 'steam_temperature', 400 + line.steamTemp.next(stepMs) + 0.2 * noise(), 1);
      reading(line.name, 'flue_gas_o2', 7.6 + line.o2.next(stepMs) - 8 * ncvDeviation, 2);
      reading(line.name, 'boiler_dp', 5.4 + 16 * loss + line.dp.next(stepMs) + 0.03 * noise(), 2);
      for (const e of line.emissions) {
        const value =
          e.metric === 'nox'
            ? e.level * (1 + e.wander.next(stepMs)) + 2 * noise()
            : e.level * Math.exp(e.wander.next(stepMs) + 0.05 * noise());
        reading(line.name, e.metric, value, e.decimals);
      }
      reading(line.name, 'waste_fed', line.wasteFed, 3);
      burntTonnes.push(feedTph * hours);
    }
    this.turbine(boilerHeatMw, stepMs, reading);
    return { readings, burntTonnes };
  }

  /** The furnace's thermocouple, frozen at its last value while the sensor-stuck episode holds its line. */
  private furnaceTemperature(
    line: LineState,
    t: number,
    stepMs: number,
    ncvDeviation: number,
    loss: number,
    episodes: EpisodePlan,
  ): number {
    let furnace =
      line.baseC + 40 * ncvDeviation + 40 * loss + line.furnace.next(stepMs) + 1.5 * gaussian(this.random);
    furnace = Math.max(furnace, 880 + 5 * this.random());
    const stuck = episodes.stuck;
    if (stuck && stuck.line === line.name && t >= stuck.from && t < stuck.to) {
      line.frozenFurnace ??= round(furnace, 1);
      return line.frozenFurnace;
    }
    line.frozenFurnace = undefined;
    return furnace;
  }

  private turbine(
    boilerHeatMw: number,
    stepMs: number,
    reading: (line: string, metric: MetricName, value: number, decimals: number) => void,
  ): void {
    const p = this.profile;
    const hours = stepMs / HOUR_MS;
    const grossMw = boilerHeatMw * p.cycleEfficiency;
    const ownUseMw = this.designGrossMw * p.ownUseShare * (1 + this.ownUse.next(stepMs));
    const exportMw = Math.max(0, grossMw - ownUseMw);
    const heatExportMw = boilerHeatMw * p.heatShare;
    this.generated += grossMw * hours;
    this.exported += exportMw * hours;
    this.heat += heatExportMw * hours;
    reading('turbine', 'power_gross', grossMw, 3);
    reading('turbine', 'power_export', exportMw, 3);
    reading('turbine', 'electricity_generated', this.generated, 3);
    reading('turbine', 'electricity_exported', this.exported, 3);
    reading('district-heat', 'heat_export', heatExportMw, 3);
    reading('district-heat', 'heat_exported', this.heat, 3);
  }
}
