/**
 * The simulated fleet as its gateways send it: one wte.telemetry.v1 message
 * per plant per tick, in the order of the simulated send time, with the
 * gateway behaviours of the scenarios (an outage buffer uploaded late and out
 * of order, re-sent messages). Pure and deterministic: transports and pacing
 * live in transports.ts and run-simulation.ts.
 */
import { DEFAULT_TIME_ZONE } from '../domain/kpis.ts';
import { TELEMETRY_SCHEMA } from '../domain/telemetry.ts';
import { zoneOffsetMs } from '../domain/time.ts';
import { PlantModel, type PlantTick, type SimReading, type SimTicket } from './plant-model.ts';
import { type PlantProfile, plantProfiles } from './plant-profile.ts';
import { between, type Random, shuffle, streamOf } from './random.ts';
import { type EpisodePlan, episodePlan, type RunWindow, type ScenarioName } from './scenarios.ts';

export interface SimulationPlan {
  readonly plants: number;
  readonly scenario: ScenarioName;
  /** Epoch ms of the first data. */
  readonly start: number;
  /** Epoch ms (exclusive) where the data ends; `Infinity` runs until the consumer stops. */
  readonly end: number;
  /** Time between two messages of one plant (its sampling interval), ms. */
  readonly intervalMs: number;
  readonly seed: number;
  /** Plant time zone (default Asia/Almaty, UTC+5). */
  readonly timeZone?: string;
  /** Wall-clock time the run began: episodes of runs without an end are placed after it. Default `start`. */
  readonly liveFrom?: number;
  /** Which plants the scenario affects: the first (default; the others run normally) or all. */
  readonly affected?: 'first' | 'all';
}

/** A movement as sent: the contract's fields only, ts in plant-local RFC 3339. */
export interface WireMovement {
  readonly ticketId: string;
  readonly ts: string;
  readonly direction: 'in' | 'out';
  readonly netTonnes: number;
  readonly material: string;
  readonly destination?: string;
  readonly operationCode?: string;
}

/** A wte.telemetry.v1 message body. */
export interface TelemetryBody {
  readonly schema: typeof TELEMETRY_SCHEMA;
  readonly messageId: string;
  readonly plantId: string;
  readonly sentAt: string;
  readonly readings: readonly SimReading[];
  readonly movements: readonly WireMovement[];
}

export interface OutgoingMessage {
  /** Simulated time at which the gateway sends it; never before any item's ts. */
  readonly sendAt: number;
  readonly plantId: string;
  readonly gatewayId: string;
  readonly body: TelemetryBody;
  /** The tick the message carries data of (its latest item). */
  readonly dataTime: number;
  /** A repeat of a message sent before (`duplicates`). */
  readonly resend: boolean;
  /** Held in the gateway's buffer during an outage and sent later (`outage-backfill`). */
  readonly late: boolean;
  /** The model's view of the tickets, with suppliers (not sent). */
  readonly tickets: readonly SimTicket[];
}

/** Share of messages the `duplicates` gateway sends twice... */
export const RESEND_SHARE = 0.08;
/** ...and the chance per message that it replays its last few messages after a reconnect. */
export const REPLAY_CHANCE = 0.01;
const REPLAY_COUNT = 5;
/** Spacing of the backlog upload after an outage. */
export const BACKLOG_SPACING_MS = 250;

/** RFC 3339 in the zone's offset, whole seconds: 2026-11-24T09:41:00+05:00. */
export function localIso(epochMs: number, timeZone: string): string {
  const offset = zoneOffsetMs(epochMs, timeZone);
  const wall = new Date(Math.floor(epochMs / 1000) * 1000 + offset).toISOString().slice(0, 19);
  if (offset === 0) return `${wall}Z`;
  const sign = offset < 0 ? '-' : '+';
  const minutes = Math.abs(offset) / 60_000;
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${wall}${sign}${hh}:${mm}`;
}

/** `20261124T095900Z`: the tick in a message id. */
const compactUtc = (epochMs: number): string =>
  new Date(epochMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

export interface FleetSetup {
  readonly run: RunWindow;
  readonly profiles: readonly PlantProfile[];
  /** Episodes per plant index (empty for unaffected plants). */
  readonly episodes: readonly EpisodePlan[];
}

export function fleetSetup(plan: SimulationPlan): FleetSetup {
  const run: RunWindow = {
    start: plan.start,
    end: plan.end,
    liveFrom: plan.liveFrom ?? plan.start,
    timeZone: plan.timeZone ?? DEFAULT_TIME_ZONE,
  };
  const profiles = plantProfiles(plan.plants, plan.seed);
  const episodes = episodePlan(plan.scenario, run);
  return {
    run,
    profiles,
    episodes: profiles.map((_, i) => (i === 0 || plan.affected === 'all' ? episodes : {})),
  };
}

function wireMovement(ticket: SimTicket, timeZone: string): WireMovement {
  return {
    ticketId: ticket.ticketId,
    ts: localIso(ticket.ts, timeZone),
    direction: ticket.direction,
    netTonnes: ticket.netTonnes,
    material: ticket.material,
    ...(ticket.destination === undefined ? {} : { destination: ticket.destination }),
    ...(ticket.operationCode === undefined ? {} : { operationCode: ticket.operationCode }),
  };
}

function messageOf(profile: PlantProfile, tick: PlantTick, timeZone: string): OutgoingMessage {
  return {
    sendAt: tick.t,
    plantId: profile.plantId,
    gatewayId: profile.gatewayId,
    dataTime: tick.t,
    resend: false,
    late: false,
    tickets: tick.tickets,
    body: {
      schema: TELEMETRY_SCHEMA,
      messageId: `${profile.gatewayId}:${compactUtc(tick.t)}`,
      plantId: profile.plantId,
      sentAt: localIso(tick.t, timeZone),
      readings: tick.readings,
      movements: tick.tickets.map((t) => wireMovement(t, timeZone)),
    },
  };
}

/**
 * The backlog after an outage: sensor messages in random order, while the
 * messages with weighbridge tickets keep their order among themselves (the
 * weighbridge terminal numbers its tickets and replays them in sequence).
 */
function backlogOrder(buffer: readonly OutgoingMessage[], random: Random): OutgoingMessage[] {
  const tickets = buffer.filter((m) => m.body.movements.length > 0);
  const sensors = shuffle(
    buffer.filter((m) => m.body.movements.length === 0),
    random,
  );
  const out: OutgoingMessage[] = [];
  while (tickets.length + sensors.length > 0) {
    const fromTickets = random() * (tickets.length + sensors.length) < tickets.length;
    out.push((fromTickets ? tickets.shift() : sensors.shift()) as OutgoingMessage);
  }
  return out;
}

/** One plant's gateway: its messages in send order. */
function* gateway(
  profile: PlantProfile,
  episodes: EpisodePlan,
  plan: SimulationPlan,
  run: RunWindow,
): Generator<OutgoingMessage> {
  const model = new PlantModel({ profile, run, intervalMs: plan.intervalMs, seed: plan.seed, episodes });
  const random = streamOf(plan.seed, 4, profile.index);
  const pending: OutgoingMessage[] = [];
  const sent: OutgoingMessage[] = [];
  let buffer: OutgoingMessage[] = [];
  const enqueue = (message: OutgoingMessage) => {
    let i = pending.length;
    while (i > 0 && (pending[i - 1] as OutgoingMessage).sendAt > message.sendAt) i--;
    pending.splice(i, 0, message);
  };
  const release = (at: number) => {
    backlogOrder(buffer, random).forEach((m, i) => {
      const sendAt = at + (i + 1) * BACKLOG_SPACING_MS;
      enqueue({ ...m, sendAt, late: true, body: { ...m.body, sentAt: localIso(sendAt, run.timeZone) } });
    });
    buffer = [];
  };
  let last = run.start;
  for (const tick of model.ticks()) {
    last = tick.t;
    const message = messageOf(profile, tick, run.timeZone);
    const outage = episodes.outage;
    if (outage && tick.t >= outage.from && tick.t < outage.to) {
      buffer.push(message);
    } else {
      enqueue(message);
      if (buffer.length > 0) release(tick.t);
      if (episodes.duplicates) {
        if (random() < RESEND_SHARE) {
          enqueue({ ...message, sendAt: tick.t + Math.round(between(random, 5, 90)) * 1000, resend: true });
        }
        if (random() < REPLAY_CHANCE) {
          for (const earlier of sent.slice(-REPLAY_COUNT)) {
            enqueue({ ...earlier, sendAt: tick.t + 30_000, resend: true, late: false });
          }
        }
        sent.push(message);
        if (sent.length > REPLAY_COUNT) sent.shift();
      }
    }
    while (pending.length > 0 && (pending[0] as OutgoingMessage).sendAt <= tick.t) {
      yield pending.shift() as OutgoingMessage;
    }
  }
  if (buffer.length > 0) release(last);
  yield* pending;
}

/**
 * Every message of the fleet in send order (ties: plant order). Infinite when
 * the plan has no end; the consumer stops iterating when it is done.
 */
export function* simulate(plan: SimulationPlan): Generator<OutgoingMessage> {
  const { run, profiles, episodes } = fleetSetup(plan);
  const streams = profiles.map((profile, i) => gateway(profile, episodes[i] ?? {}, plan, run));
  const heads = streams.map((s) => s.next());
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i] as IteratorResult<OutgoingMessage>;
      if (head.done) continue;
      const bestHead = heads[best] as IteratorResult<OutgoingMessage> | undefined;
      if (!bestHead || bestHead.done || head.value.sendAt < bestHead.value.sendAt) best = i;
    }
    if (best < 0) return;
    const head = heads[best] as IteratorYieldResult<OutgoingMessage>;
    yield head.value;
    heads[best] = (streams[best] as Generator<OutgoingMessage>).next();
  }
}
