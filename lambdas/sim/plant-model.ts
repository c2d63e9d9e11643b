/**
 * One simulated waste-to-energy plant, stepped through time (pure and
 * deterministic: the same profile, run and seed give the same output).
 *
 * Physics (domain.md section 3): the cranes feed each grate line at about
 * the day's planned throughput; the waste's heat (feed x NCV) goes through the
 * boiler into steam (about 3 t of steam per tonne), the turbine makes gross
 * electricity, the plant uses 11-16 % of it and exports the rest (about
 * 0.55-0.65 MWh per tonne), and a share goes out as district heat. Bottom
 * ash (20-25 % of the feed), APC residue, metals from the ash, recyclables
 * and rejects pile up and leave by truck in the day shift. Deliveries follow
 * the diurnal pattern of deliveries.ts and add up, day by day, to what the
 * furnace burns plus what leaves unburnt, so the daily mass balance closes.
 *
 * The landfill-bound trucks are dispatched so that landfilled tonnes stay
 * below 30 % of the tonnes received, both for the plant-local day so far and
 * the last 24 h: the diversion rule judges the day from its first 20 t, and a
 * load of ash at 07:00 must not look like a diversion failure. Scenarios
 * break exactly one thing (scenarios.ts).
 */
import { canonicalUnitOf, type MetricName } from '../domain/catalog.ts';
import type { Destination, Material } from '../domain/telemetry.ts';
import {
  bucketEnd,
  bucketStart,
  DAY_MS,
  HOUR_MS,
  localDate,
  MINUTE_MS,
  zoneOffsetMs,
} from '../domain/time.ts';
import type { Unit } from '../domain/units.ts';
import { HAUL_FROM_MS, HAUL_TO_MS, type PlannedDelivery, planDeliveries, roundTonnes } from './deliveries.ts';
import { type PlantProfile, STEAM_ENTHALPY_GJ_PER_T } from './plant-profile.ts';
import { between, gaussian, type Random, streamOf, Wander } from './random.ts';
import type { EpisodePlan, RunWindow, TimeSpan } from './scenarios.ts';

/** A reading as the gateway sends it: canonical unit, epoch-ms time, quality GOOD by default. */
export interface SimReading {
  readonly ts: number;
  readonly line: string;
  readonly metric: MetricName;
  readonly value: number;
  readonly unit: Unit;
}

/** A weighbridge ticket as the model knows it (the supplier stays in the model: the contract has no field for it). */
export interface SimTicket {
  readonly ticketId: string;
  readonly ts: number;
  readonly direction: 'in' | 'out';
  readonly netTonnes: number;
  readonly material: Material;
  readonly destination?: Destination;
  readonly operationCode?: string;
  readonly supplier?: string;
  /** Part of a scenario's episode (the extra landfill loads of `diversion-drop`). */
  readonly episode?: boolean;
}

export interface PlantTick {
  readonly t: number;
  readonly readings: readonly SimReading[];
  readonly tickets: readonly SimTicket[];
}

/** Landfilled tonnes are kept at or below this share of the tonnes received (day so far and last 24 h). */
export const LANDFILL_SHARE_CAP = 0.3;
/** During the diversion-drop haul, ash goes to landfill while landfilled tonnes stay below this share. */
export const EPISODE_LANDFILL_SHARE = 0.85;
/** The diversion-drop haul starts once this share of the day's planned deliveries is in... */
export const EPISODE_START_SHARE = 0.12;
/** ...and lasts this long (the day shift)... */
export const EPISODE_HAUL_MS = 12 * HOUR_MS;
/**
 * ...hauling at most this share of the day's planned deliveries: with the
 * day's regular landfill the complete day ends near 30 % diversion, so the
 * day misses the 40 % target as a whole, not just for a morning.
 */
export const EPISODE_BUDGET_SHARE = 0.72;
/** Boiler heat (so steam and net MWh per tonne) falls by this share per day of fouling... */
export const FOULING_LOSS_PER_DAY = 0.09;
/** ...up to this much. */
export const FOULING_MAX_LOSS = 0.16;
/** Online cleaning restores the boiler over this time. */
export const CLEANING_MS = 12 * HOUR_MS;

interface Pile {
  readonly name: 'ash' | 'metals' | 'apc' | 'recyclables' | 'rejects';
  tonnes: number;
  nextLoad: number;
  nextDestination: Destination;
}

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

interface FlowEvent {
  readonly ts: number;
  readonly received: number;
  readonly landfilled: number;
}

const round = (value: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
};

const OPERATION: Readonly<Record<Pile['name'], { material: Material; landfill: string; recycling: string }>> =
  {
    ash: { material: 'bottom_ash', landfill: 'D1', recycling: 'R5' },
    metals: { material: 'metals', landfill: 'D1', recycling: 'R4' },
    apc: { material: 'apc_residue', landfill: 'D5', recycling: 'R5' },
    recyclables: { material: 'recyclables', landfill: 'D1', recycling: 'R3' },
    rejects: { material: 'rejects', landfill: 'D1', recycling: 'R5' },
  };

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

/**
 * A ticket number from its plant-local weighing time (`20261124-083512`) plus
 * a counter within that second: the same truck gets the same number in any
 * run, and a run that starts later never reuses a number for another truck.
 */
function ticketLabel(ts: number, timeZone: string): string {
  const local = new Date(ts + zoneOffsetMs(ts, timeZone));
  const hhmmss = [local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join('');
  return `${localDate(ts, timeZone).replaceAll('-', '')}-${hhmmss}`;
}

export class PlantModel {
  private readonly profile: PlantProfile;
  private readonly run: RunWindow;
  private readonly interval: number;
  private readonly seed: number;
  private readonly episodes: EpisodePlan;
  private readonly random: Random;
  private readonly haulRandom: Random;
  private readonly lines: LineState[];
  private readonly ncv: Wander;
  private readonly ownUse: Wander;
  private generated: number;
  private exported: number;
  private heat: number;
  private readonly piles: Pile[];
  private readonly pending: PlannedDelivery[] = [];
  private readonly flows: FlowEvent[] = [];
  /** Data begins at the first tick and ends at the last one; deliveries are planned between them. */
  private readonly dataStart: number;
  private readonly dataEnd: number;
  private dayStart = Number.NEGATIVE_INFINITY;
  private dayEnd = Number.NEGATIVE_INFINITY;
  private dayFeedTph = 0;
  private inSeq = 0;
  private inLabel = '';
  private outSeq = 0;
  private outLabel = '';
  private nextOutFree = 0;
  private episodeHaul: TimeSpan | undefined;
  private episodeBudget = 0;
  private previous: number;
  private readonly designGrossMw: number;

  constructor(options: PlantModelOptions) {
    const { profile, run, intervalMs, seed } = options;
    this.profile = profile;
    this.run = run;
    this.interval = intervalMs;
    this.seed = seed;
    this.episodes = options.episodes;
    this.random = streamOf(seed, 1, profile.index);
    this.haulRandom = streamOf(seed, 3, profile.index);
    const r = this.random;
    const first = firstTick(run.start, intervalMs);
    this.previous = first - intervalMs;
    this.dataStart = first;
    this.dataEnd = Number.isFinite(run.end)
      ? Math.ceil(run.end / intervalMs) * intervalMs - intervalMs + 1
      : Number.POSITIVE_INFINITY;
    const lineTph = profile.capacityTpd / 24 / profile.lines.length;
    const years = between(r, 1, 4);
    this.lines = profile.lines.map((name, i) => ({
      name,
      baseC: profile.furnaceBaseC[i] ?? 960,
      wasteFed: round(lineTph * 24 * 330 * years * between(r, 0.95, 1.05), 3),
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
    }));
    this.ncv = new Wander(r, 0.015, 6 * HOUR_MS);
    this.ownUse = new Wander(r, 0.03, 2 * HOUR_MS);
    const fed = this.lines.reduce((sum, l) => sum + l.wasteFed, 0);
    this.generated = round(fed * (profile.netMwhPerT / (1 - profile.ownUseShare)), 3);
    this.exported = round(fed * profile.netMwhPerT, 3);
    this.heat = round(fed * (profile.ncvGjPerT / 3.6) * profile.boilerEfficiency * profile.heatShare, 3);
    this.designGrossMw =
      (profile.capacityTpd / 24) *
      (profile.ncvGjPerT / 3.6) *
      profile.boilerEfficiency *
      profile.cycleEfficiency;
    const load = (low: number, high: number) => roundTonnes(between(this.haulRandom, low, high));
    this.piles = [
      { name: 'ash', tonnes: between(r, 0, 20), nextLoad: load(19, 26), nextDestination: 'landfill' },
      { name: 'metals', tonnes: between(r, 0, 12), nextLoad: load(12, 18), nextDestination: 'recycling' },
      { name: 'apc', tonnes: between(r, 0, 22), nextLoad: load(22, 28), nextDestination: 'landfill' },
      { name: 'recyclables', tonnes: between(r, 0, 9), nextLoad: load(9, 14), nextDestination: 'recycling' },
      { name: 'rejects', tonnes: between(r, 0, 7), nextLoad: load(6, 10), nextDestination: 'landfill' },
    ];
    this.chooseDestination(this.piles[0] as Pile);
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
    const stepMs = t - this.previous;
    const hours = stepMs / HOUR_MS;
    this.enterDay(t);
    const p = this.profile;

    // Feed, heat, steam.
    const ncv = p.ncvGjPerT * (1 + this.ncv.next(stepMs));
    const ncvDeviation = ncv / p.ncvGjPerT - 1;
    const loss = this.foulingLoss(t);
    const readings: SimReading[] = [];
    const reading = (line: string, metric: MetricName, value: number, decimals: number) =>
      readings.push({ ts: t, line, metric, value: round(value, decimals), unit: canonicalUnitOf(metric) });
    let boilerHeatMw = 0;
    for (const line of this.lines) {
      const feedTph = Math.max(0, (this.dayFeedTph / this.lines.length) * (1 + line.feed.next(stepMs)));
      line.wasteFed += feedTph * hours;
      const thermalMw = (feedTph * ncv) / 3.6;
      const heatMw = thermalMw * p.boilerEfficiency * (1 - loss);
      boilerHeatMw += heatMw;
      const steam = (heatMw * 3.6) / STEAM_ENTHALPY_GJ_PER_T;
      const noise = () => gaussian(this.random);
      let furnace = line.baseC + 40 * ncvDeviation + 40 * loss + line.furnace.next(stepMs) + 1.5 * noise();
      furnace = Math.max(furnace, 880 + 5 * this.random());
      const stuck = this.episodes.stuck;
      if (stuck && stuck.line === line.name && t >= stuck.from && t < stuck.to) {
        line.frozenFurnace ??= round(furnace, 1);
        furnace = line.frozenFurnace;
      } else {
        line.frozenFurnace = undefined;
      }
      reading(line.name, 'waste_feed_rate', feedTph + 0.05 * noise(), 2);
      reading(line.name, 'furnace_temperature', furnace, 1);
      reading(line.name, 'steam_flow', steam * (1 + 0.004 * noise()), 2);
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
      this.addToPiles('ash', feedTph * hours * p.ashShare);
      this.addToPiles('metals', feedTph * hours * p.metalsShare);
      this.addToPiles('apc', feedTph * hours * p.apcShare);
    }

    // Turbine and district heat.
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

    const tickets = [...this.receive(t), ...this.haul(t)].sort((a, b) => a.ts - b.ts);
    this.previous = t;
    return { t, readings, tickets };
  }

  /** Efficiency lost to boiler deposits at `t` (0 outside the fouling episode). */
  private foulingLoss(t: number): number {
    const fouling = this.episodes.fouling;
    if (!fouling || t < fouling.from) return 0;
    const lossAt = (at: number) =>
      Math.min(FOULING_MAX_LOSS, ((at - fouling.from) / DAY_MS) * FOULING_LOSS_PER_DAY);
    if (t < fouling.to) return lossAt(t);
    return lossAt(fouling.to) * Math.max(0, 1 - (t - fouling.to) / CLEANING_MS);
  }

  /** Plans the plant-local day that `t` falls in, once. */
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
      this.pending.push(...planned);
      const episode = this.episodes.diversionDay;
      this.episodeHaul = undefined;
      if (episode && episode.from < this.dayEnd && episode.to > this.dayStart) {
        const total = planned.reduce((sum, d) => sum + d.netTonnes, 0);
        let cumulative = 0;
        const startAt = planned.find((d) => {
          cumulative += d.netTonnes;
          return cumulative >= Math.max(EPISODE_START_SHARE * total, 40);
        });
        if (startAt) this.episodeHaul = { from: startAt.ts, to: startAt.ts + EPISODE_HAUL_MS };
        this.episodeBudget = EPISODE_BUDGET_SHARE * total;
      }
    }
  }

  private addToPiles(name: Pile['name'], tonnes: number): void {
    const pile = this.piles.find((p) => p.name === name);
    if (pile) pile.tonnes += tonnes;
  }

  private chooseDestination(pile: Pile): void {
    if (pile.name === 'ash') {
      pile.nextDestination = this.haulRandom() < this.profile.ashLandfillShare ? 'landfill' : 'recycling';
    }
  }

  /** Deliveries weighed in during (previous, t]. */
  private receive(t: number): SimTicket[] {
    const tickets: SimTicket[] = [];
    while (this.pending.length > 0 && (this.pending[0] as PlannedDelivery).ts <= t) {
      const d = this.pending.shift() as PlannedDelivery;
      const label = ticketLabel(d.ts, this.run.timeZone);
      if (label !== this.inLabel) {
        this.inLabel = label;
        this.inSeq = 0;
      }
      this.inSeq += 1;
      tickets.push({
        ticketId: `WB-IN-${label}-${this.inSeq}`,
        ts: d.ts,
        direction: 'in',
        netTonnes: d.netTonnes,
        material: d.material,
        supplier: d.supplier,
      });
      this.record({ ts: d.ts, received: d.netTonnes, landfilled: 0 });
      const p = this.profile;
      this.addToPiles('recyclables', d.netTonnes * p.recyclablesShare);
      this.addToPiles('rejects', d.netTonnes * p.rejectsShare);
    }
    return tickets;
  }

  private record(event: FlowEvent): void {
    let i = this.flows.length;
    while (i > 0 && (this.flows[i - 1] as FlowEvent).ts > event.ts) i--;
    this.flows.splice(i, 0, event);
    const horizon = event.ts - 2 * DAY_MS;
    while (this.flows.length > 0 && (this.flows[0] as FlowEvent).ts < horizon) this.flows.shift();
  }

  /** Received and landfilled tonnes with ts in [from, to]. */
  private flowsBetween(from: number, to: number): { received: number; landfilled: number } {
    let received = 0;
    let landfilled = 0;
    for (const e of this.flows) {
      if (e.ts < from || e.ts > to) continue;
      received += e.received;
      landfilled += e.landfilled;
    }
    return { received, landfilled };
  }

  /** Whether `tonnes` more to landfill at `ts` keeps landfilled below `share` of received (day so far, and last 24 h). */
  private landfillFits(ts: number, tonnes: number, share: number, trailing: boolean): boolean {
    const dayFrom = Math.max(this.run.start, bucketStart(ts, '1d', this.run.timeZone));
    const day = this.flowsBetween(dayFrom, ts);
    if (day.landfilled + tonnes > share * day.received) return false;
    if (!trailing) return true;
    const last24h = this.flowsBetween(Math.max(this.run.start, ts - DAY_MS + 1), ts);
    return last24h.landfilled + tonnes <= share * last24h.received;
  }

  /** Outbound trucks weighed out during (previous, t]: one weighbridge, a truck every few minutes at most. */
  private haul(t: number): SimTicket[] {
    const tickets: SimTicket[] = [];
    for (;;) {
      const jitter = Math.floor((this.haulRandom() * (t - this.previous)) / 1000) * 1000;
      const ts = Math.max(this.nextOutFree, this.previous + 1000 + jitter);
      if (ts > t) break;
      const ticket = this.episodeLoad(ts) ?? this.regularLoad(ts);
      if (!ticket) break;
      tickets.push(ticket);
      this.nextOutFree = ts + Math.round(between(this.haulRandom, 4, 9) * 60) * 1000;
    }
    return tickets;
  }

  private outTicket(
    ts: number,
    pile: Pile['name'],
    tonnes: number,
    destination: Destination,
    episode = false,
  ) {
    const label = ticketLabel(ts, this.run.timeZone);
    if (label !== this.outLabel) {
      this.outLabel = label;
      this.outSeq = 0;
    }
    this.outSeq += 1;
    const op = OPERATION[pile];
    const ticket: SimTicket = {
      ticketId: `WB-OUT-${label}-${this.outSeq}`,
      ts,
      direction: 'out',
      netTonnes: tonnes,
      material: op.material,
      destination,
      operationCode: destination === 'landfill' ? op.landfill : op.recycling,
      ...(episode ? { episode: true } : {}),
    };
    this.record({ ts, received: 0, landfilled: destination === 'landfill' ? tonnes : 0 });
    return ticket;
  }

  /** The diversion-drop haul: stored ash to landfill, regardless of the cap, while the day stays above ~22 %. */
  private episodeLoad(ts: number): SimTicket | undefined {
    const haul = this.episodeHaul;
    if (!haul || ts < haul.from || ts >= haul.to) return undefined;
    const tonnes = roundTonnes(between(this.haulRandom, 20, 26));
    if (tonnes > this.episodeBudget) return undefined;
    const dayFrom = Math.max(this.run.start, bucketStart(ts, '1d', this.run.timeZone));
    const day = this.flowsBetween(dayFrom, ts);
    if (day.received < 25 || day.landfilled + tonnes > EPISODE_LANDFILL_SHARE * day.received)
      return undefined;
    this.episodeBudget -= tonnes;
    return this.outTicket(ts, 'ash', tonnes, 'landfill', true);
  }

  private regularLoad(ts: number): SimTicket | undefined {
    const intoDay = ts - bucketStart(ts, '1d', this.run.timeZone);
    if (intoDay < HAUL_FROM_MS || intoDay >= HAUL_TO_MS) return undefined;
    const ready = this.piles
      .filter((p) => p.tonnes >= p.nextLoad)
      .filter(
        (p) =>
          p.nextDestination !== 'landfill' || this.landfillFits(ts, p.nextLoad, LANDFILL_SHARE_CAP, true),
      )
      .sort((a, b) => b.tonnes / b.nextLoad - a.tonnes / a.nextLoad);
    const pile = ready[0];
    if (!pile) return undefined;
    const tonnes = pile.nextLoad;
    const ticket = this.outTicket(ts, pile.name, tonnes, pile.nextDestination);
    pile.tonnes -= tonnes;
    const [low, high] = LOAD_RANGE[pile.name];
    pile.nextLoad = roundTonnes(between(this.haulRandom, low, high));
    this.chooseDestination(pile);
    return ticket;
  }
}

const LOAD_RANGE: Readonly<Record<Pile['name'], readonly [number, number]>> = {
  ash: [19, 26],
  metals: [12, 18],
  apc: [22, 28],
  recyclables: [9, 14],
  rejects: [6, 10],
};
