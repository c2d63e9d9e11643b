/**
 * What crosses a simulated plant's weighbridge: waste deliveries weighed in,
 * and loads of bottom ash, APC residue, metals, recyclables and rejects
 * weighed out by truck in the day shift from the piles the process fills.
 *
 * Landfill-bound trucks are dispatched so that landfilled tonnes stay below
 * 30 % of the tonnes received, both for the plant-local day so far and the
 * last 24 h: the diversion rule judges the day from its first 20 t, and a load
 * of ash at 07:00 must not look like a diversion failure. The diversion-drop
 * scenario's haul breaks exactly that rule, on one day.
 */

import type { Destination, Material } from '../domain/telemetry.ts';
import { bucketStart, HOUR_MS, localDate, zoneOffsetMs } from '../domain/time.ts';
import { HAUL_FROM_MS, HAUL_TO_MS, type PlannedDelivery, roundTonnes } from './deliveries.ts';
import { LandfillLedger } from './landfill-ledger.ts';
import type { PlantProfile } from './plant-profile.ts';
import { between, type Random } from './random.ts';
import type { RunWindow, TimeSpan } from './scenarios.ts';

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

export type PileName = 'ash' | 'metals' | 'apc' | 'recyclables' | 'rejects';

interface Pile {
  readonly name: PileName;
  tonnes: number;
  nextLoad: number;
  nextDestination: Destination;
}

const OPERATION: Readonly<Record<PileName, { material: Material; landfill: string; recycling: string }>> = {
  ash: { material: 'bottom_ash', landfill: 'D1', recycling: 'R5' },
  metals: { material: 'metals', landfill: 'D1', recycling: 'R4' },
  apc: { material: 'apc_residue', landfill: 'D5', recycling: 'R5' },
  recyclables: { material: 'recyclables', landfill: 'D1', recycling: 'R3' },
  rejects: { material: 'rejects', landfill: 'D1', recycling: 'R5' },
};

/** Tonnes per truck, by pile. */
const LOAD_RANGE: Readonly<Record<PileName, readonly [number, number]>> = {
  ash: [19, 26],
  metals: [12, 18],
  apc: [22, 28],
  recyclables: [9, 14],
  rejects: [6, 10],
};

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

/** Ticket ids of one direction: the label of the weighing second and a counter within it. */
class TicketNumbers {
  private label = '';
  private seq = 0;

  constructor(
    private readonly prefix: string,
    private readonly timeZone: string,
  ) {}

  next(ts: number): string {
    const label = ticketLabel(ts, this.timeZone);
    if (label !== this.label) {
      this.label = label;
      this.seq = 0;
    }
    this.seq += 1;
    return `${this.prefix}-${label}-${this.seq}`;
  }
}

export class Weighbridge {
  private readonly piles: Pile[];
  private readonly pending: PlannedDelivery[] = [];
  private readonly ledger: LandfillLedger;
  private readonly inbound: TicketNumbers;
  private readonly outbound: TicketNumbers;
  /** The weighbridge is free for the next outbound truck from this time. */
  private nextOutFree = 0;
  private episodeHaul: TimeSpan | undefined;
  private episodeBudget = 0;

  /** `random` sets the piles' opening stock; `haulRandom` drives every haul decision. */
  constructor(
    private readonly profile: PlantProfile,
    private readonly run: RunWindow,
    random: Random,
    private readonly haulRandom: Random,
  ) {
    this.ledger = new LandfillLedger(run);
    this.inbound = new TicketNumbers('WB-IN', run.timeZone);
    this.outbound = new TicketNumbers('WB-OUT', run.timeZone);
    const load = (name: PileName) => roundTonnes(between(haulRandom, ...LOAD_RANGE[name]));
    this.piles = [
      { name: 'ash', tonnes: between(random, 0, 20), nextLoad: load('ash'), nextDestination: 'landfill' },
      {
        name: 'metals',
        tonnes: between(random, 0, 12),
        nextLoad: load('metals'),
        nextDestination: 'recycling',
      },
      { name: 'apc', tonnes: between(random, 0, 22), nextLoad: load('apc'), nextDestination: 'landfill' },
      {
        name: 'recyclables',
        tonnes: between(random, 0, 9),
        nextLoad: load('recyclables'),
        nextDestination: 'recycling',
      },
      {
        name: 'rejects',
        tonnes: between(random, 0, 7),
        nextLoad: load('rejects'),
        nextDestination: 'landfill',
      },
    ];
    this.chooseDestination(this.piles[0] as Pile);
  }

  /**
   * Takes a plant-local day's planned deliveries; on the diversion-drop day
   * (`diversionDay` overlaps [dayStart, dayEnd)) also plans its landfill haul.
   */
  planDay(
    planned: readonly PlannedDelivery[],
    dayStart: number,
    dayEnd: number,
    diversionDay: TimeSpan | undefined,
  ): void {
    this.pending.push(...planned);
    this.episodeHaul = undefined;
    if (!diversionDay || diversionDay.from >= dayEnd || diversionDay.to <= dayStart) return;
    const total = planned.reduce((sum, d) => sum + d.netTonnes, 0);
    let cumulative = 0;
    const startAt = planned.find((d) => {
      cumulative += d.netTonnes;
      return cumulative >= Math.max(EPISODE_START_SHARE * total, 40);
    });
    if (startAt) this.episodeHaul = { from: startAt.ts, to: startAt.ts + EPISODE_HAUL_MS };
    this.episodeBudget = EPISODE_BUDGET_SHARE * total;
  }

  /** Residue of waste burnt (or sorted out) goes onto its pile. */
  addToPile(name: PileName, tonnes: number): void {
    const pile = this.piles.find((p) => p.name === name);
    if (pile) pile.tonnes += tonnes;
  }

  /** Tickets weighed during (previous, t], in time order. */
  tickets(previous: number, t: number): SimTicket[] {
    return [...this.receive(t), ...this.haul(previous, t)].sort((a, b) => a.ts - b.ts);
  }

  private chooseDestination(pile: Pile): void {
    if (pile.name === 'ash') {
      pile.nextDestination = this.haulRandom() < this.profile.ashLandfillShare ? 'landfill' : 'recycling';
    }
  }

  /** Deliveries weighed in up to `t`. */
  private receive(t: number): SimTicket[] {
    const tickets: SimTicket[] = [];
    while (this.pending.length > 0 && (this.pending[0] as PlannedDelivery).ts <= t) {
      const d = this.pending.shift() as PlannedDelivery;
      tickets.push({
        ticketId: this.inbound.next(d.ts),
        ts: d.ts,
        direction: 'in',
        netTonnes: d.netTonnes,
        material: d.material,
        supplier: d.supplier,
      });
      this.ledger.record({ ts: d.ts, received: d.netTonnes, landfilled: 0 });
      this.addToPile('recyclables', d.netTonnes * this.profile.recyclablesShare);
      this.addToPile('rejects', d.netTonnes * this.profile.rejectsShare);
    }
    return tickets;
  }

  /** Outbound trucks weighed out during (previous, t]: one weighbridge, a truck every few minutes at most. */
  private haul(previous: number, t: number): SimTicket[] {
    const tickets: SimTicket[] = [];
    for (;;) {
      const jitter = Math.floor((this.haulRandom() * (t - previous)) / 1000) * 1000;
      const ts = Math.max(this.nextOutFree, previous + 1000 + jitter);
      if (ts > t) break;
      const ticket = this.episodeLoad(ts) ?? this.regularLoad(ts);
      if (!ticket) break;
      tickets.push(ticket);
      this.nextOutFree = ts + Math.round(between(this.haulRandom, 4, 9) * 60) * 1000;
    }
    return tickets;
  }

  private outTicket(ts: number, pile: PileName, tonnes: number, destination: Destination, episode = false) {
    const op = OPERATION[pile];
    const ticket: SimTicket = {
      ticketId: this.outbound.next(ts),
      ts,
      direction: 'out',
      netTonnes: tonnes,
      material: op.material,
      destination,
      operationCode: destination === 'landfill' ? op.landfill : op.recycling,
      ...(episode ? { episode: true } : {}),
    };
    this.ledger.record({ ts, received: 0, landfilled: destination === 'landfill' ? tonnes : 0 });
    return ticket;
  }

  /** The diversion-drop haul: stored ash to landfill, regardless of the cap, while the day stays above ~22 %. */
  private episodeLoad(ts: number): SimTicket | undefined {
    const haul = this.episodeHaul;
    if (!haul || ts < haul.from || ts >= haul.to) return undefined;
    const tonnes = roundTonnes(between(this.haulRandom, 20, 26));
    if (tonnes > this.episodeBudget) return undefined;
    const day = this.ledger.daySoFar(ts);
    if (day.received < 25 || day.landfilled + tonnes > EPISODE_LANDFILL_SHARE * day.received)
      return undefined;
    this.episodeBudget -= tonnes;
    return this.outTicket(ts, 'ash', tonnes, 'landfill', true);
  }

  /** The fullest pile (against its next load) that may leave now, to its chosen destination. */
  private regularLoad(ts: number): SimTicket | undefined {
    const intoDay = ts - bucketStart(ts, '1d', this.run.timeZone);
    if (intoDay < HAUL_FROM_MS || intoDay >= HAUL_TO_MS) return undefined;
    const ready = this.piles
      .filter((p) => p.tonnes >= p.nextLoad)
      .filter(
        (p) => p.nextDestination !== 'landfill' || this.ledger.fits(ts, p.nextLoad, LANDFILL_SHARE_CAP, true),
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
