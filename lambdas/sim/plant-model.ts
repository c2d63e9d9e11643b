/**
 * One simulated waste-to-energy plant, stepped through time (pure and
 * deterministic: the same profile, run and seed give the same output).
 *
 * The plant is two halves on their own random streams: the process (grate
 * lines, boiler, turbine: plant-process.ts) and the weighbridge (deliveries
 * in, residue out: weighbridge.ts). This module plans each plant-local day
 * (throughput and deliveries, docs/reference/domain.md section 3) and steps both. Deliveries
 * follow the diurnal pattern of deliveries.ts and add up, day by day, to what
 * the furnace burns plus what leaves unburnt, so the daily mass balance
 * closes. Scenarios break exactly one thing (scenarios.ts).
 */
import { bucketEnd, bucketStart, HOUR_MS } from '../domain/time.ts';
import { planDeliveries } from './deliveries.ts';
import { PlantProcess, type SimReading } from './plant-process.ts';
import type { PlantProfile } from './plant-profile.ts';
import { between, gaussian, streamOf } from './random.ts';
import type { EpisodePlan, RunWindow } from './scenarios.ts';
import { type SimTicket, Weighbridge } from './weighbridge.ts';

export { CLEANING_MS, FOULING_LOSS_PER_DAY, FOULING_MAX_LOSS, type SimReading } from './plant-process.ts';
export {
  EPISODE_BUDGET_SHARE,
  EPISODE_HAUL_MS,
  EPISODE_LANDFILL_SHARE,
  EPISODE_START_SHARE,
  LANDFILL_SHARE_CAP,
  type SimTicket,
} from './weighbridge.ts';

export interface PlantTick {
  readonly t: number;
  readonly readings: readonly SimReading[];
  readonly tickets: readonly SimTicket[];
}

export interface PlantModelOptions {
  readonly profile: PlantProfile;
  readonly run: RunWindow;
  readonly intervalMs: number;
  readonly seed: number;
  /** The episodes that affect this plant (none for an unaffected plant). */
  readonly episodes: EpisodePlan;
}

/** First tick of a run: the first multiple of the interval at or after the start. */
export function firstTick(start: number, intervalMs: number): number {
  return Math.ceil(start / intervalMs) * intervalMs;
}

export class PlantModel {
  private readonly profile: PlantProfile;
  private readonly run: RunWindow;
  private readonly interval: number;
  private readonly seed: number;
  private readonly episodes: EpisodePlan;
  private readonly process: PlantProcess;
  private readonly weighbridge: Weighbridge;
  /** Data begins at the first tick and ends at the last one; deliveries are planned between them. */
  private readonly dataStart: number;
  private readonly dataEnd: number;
  private dayStart = Number.NEGATIVE_INFINITY;
  private dayEnd = Number.NEGATIVE_INFINITY;
  private dayFeedTph = 0;
  private previous: number;

  constructor(options: PlantModelOptions) {
    const { profile, run, intervalMs, seed } = options;
    this.profile = profile;
    this.run = run;
    this.interval = intervalMs;
    this.seed = seed;
    this.episodes = options.episodes;
    const first = firstTick(run.start, intervalMs);
    this.previous = first - intervalMs;
    this.dataStart = first;
    this.dataEnd = Number.isFinite(run.end)
      ? Math.ceil(run.end / intervalMs) * intervalMs - intervalMs + 1
      : Number.POSITIVE_INFINITY;
    // The process stream also sets the piles' opening stock, after the process has drawn its own.
    const random = streamOf(seed, 1, profile.index);
    this.process = new PlantProcess(profile, random);
    this.weighbridge = new Weighbridge(profile, run, random, streamOf(seed, 3, profile.index));
  }

  get plantId(): string {
    return this.profile.plantId;
  }

  /** Every tick of the run, in time order. */
  *ticks(): Generator<PlantTick> {
    const end = this.run.end;
    for (let t = firstTick(this.run.start, this.interval); t < end; t += this.interval) {
      yield this.step(t);
    }
  }

  /** Advances the plant to `t` (a tick after the previous one) and reports its readings and tickets. */
  step(t: number): PlantTick {
    this.enterDay(t);
    const p = this.profile;
    const { readings, burntTonnes } = this.process.step(t, t - this.previous, this.dayFeedTph, this.episodes);
    for (const tonnes of burntTonnes) {
      this.weighbridge.addToPile('ash', tonnes * p.ashShare);
      this.weighbridge.addToPile('metals', tonnes * p.metalsShare);
      this.weighbridge.addToPile('apc', tonnes * p.apcShare);
    }
    const tickets = this.weighbridge.tickets(this.previous, t);
    this.previous = t;
    return { t, readings, tickets };
  }

  /** Plans the plant-local day that `t` falls in, once: its throughput and its deliveries. */
  private enterDay(t: number): void {
    while (t >= this.dayEnd) {
      this.dayStart =
        this.dayEnd === Number.NEGATIVE_INFINITY ? bucketStart(t, '1d', this.run.timeZone) : this.dayEnd;
      this.dayEnd = bucketEnd(this.dayStart, '1d', this.run.timeZone);
      const p = this.profile;
      const random = streamOf(this.seed, 2, p.index, this.dayStart);
      const loadFactor = between(random, 0.92, 0.99);
      this.dayFeedTph = (p.capacityTpd * loadFactor) / 24;
      const from = Math.max(this.dayStart, this.dataStart);
      const to = Math.min(this.dayEnd, this.dataEnd);
      if (to <= from) continue;
      const fed = (this.dayFeedTph * (to - from)) / HOUR_MS;
      const unburnt = p.recyclablesShare + p.rejectsShare;
      const tonnes = (fed / (1 - unburnt)) * (1 + 0.012 * gaussian(random));
      const planned = planDeliveries(random, p, this.dayStart, from, to, tonnes);
      this.weighbridge.planDay(planned, this.dayStart, this.dayEnd, this.episodes.diversionDay);
    }
  }
}
