/**
 * Runs the simulator against a pipeline: generates the fleet's messages
 * (simulator.ts), paces them so simulated time never runs ahead of the wall
 * clock (pacing.ts), and delivers them over HTTP or MQTT (transports.ts), one
 * lane per plant so each gateway's messages stay in order while plants send
 * in parallel. What `wte simulate` and the local-mode `npm start` call.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { HOUR_MS, MINUTE_MS } from '../domain/time.ts';
import { dueAt, earliestStart, type Speed } from './pacing.ts';
import type { ScenarioName } from './scenarios.ts';
import { fleetSetup, type OutgoingMessage, type SimulationPlan, simulate } from './simulator.ts';
import {
  httpTransport,
  type ItemRejection,
  mqttTransport,
  type RejectionNotice,
  type SendOutcome,
  type Transport,
} from './transports.ts';

export const DEFAULT_TARGET = 'http://127.0.0.1:8787';
export const DEFAULT_MQTT_URL = 'mqtt://127.0.0.1:1883';

export interface SimulationOptions {
  /** HTTP base URL (default http://127.0.0.1:8787). */
  readonly target?: string;
  readonly transport?: 'http' | 'mqtt';
  /** MQTT broker (default mqtt://127.0.0.1:1883). */
  readonly mqttUrl?: string;
  /** Gateway token: HTTP bearer token, MQTT password. */
  readonly token: string;
  readonly plants: number;
  readonly scenario: ScenarioName;
  /** Messages per minute per plant, in simulated time. */
  readonly ratePerMinute: number;
  /** Simulated span, ms; `Infinity` runs until stopped. */
  readonly durationMs: number;
  /** Time compression while catching up with the wall clock; `max` sends as fast as the target accepts. */
  readonly speed: Speed;
  readonly seed: number;
  /** Simulated time of the first data (default: now minus the duration, or now for an endless run). */
  readonly start?: number;
  readonly timeZone?: string;
  /** Plants the scenario affects (default the first). */
  readonly affected?: 'first' | 'all';
  /** Messages queued per plant lane before generation waits (default 64). */
  readonly laneDepth?: number;
}

export type SimulationPhase = 'catching-up' | 'live' | 'done' | 'stopped';

export interface SimulationStats {
  readonly phase: SimulationPhase;
  /** Simulated start and end (end is Infinity for an endless run). */
  readonly start: number;
  readonly end: number;
  /** Messages delivered (acknowledged or refused), re-sends included. */
  readonly sent: number;
  /** Of those, re-sends of an earlier message (`duplicates`) and backlog sent late (`outage-backfill`). */
  readonly resent: number;
  readonly late: number;
  readonly acceptedReadings: number;
  readonly acceptedMovements: number;
  /** Items refused inside accepted messages (HTTP 202 `rejected`). */
  readonly rejectedItems: number;
  /** Whole messages refused (4xx problem details; never retried). */
  readonly refusedMessages: number;
  /** Notices received on `wte/v1/{plantId}/rejected` (MQTT). */
  readonly rejectionNotices: number;
  readonly retries: number;
  /** Simulated send time of the latest message handed to a lane. */
  readonly simulatedTime?: number;
  /** Wall clock minus simulated time at the last progress update. */
  readonly behindMs: number;
}

export interface SimulationHooks {
  readonly signal?: AbortSignal;
  /** Called about every `progressEveryMs` (default 1 s) and once at the end. */
  readonly onProgress?: (stats: SimulationStats) => void;
  readonly progressEveryMs?: number;
  /** Human-readable notes: refusals, item rejections, rejection notices (the first few of each). */
  readonly onLog?: (line: string) => void;
  /** Wall clock (default Date.now). */
  readonly now?: () => number;
  /** A ready transport instead of the one the options name (tests). */
  readonly transport?: Transport;
}

/** Refusals and rejections logged one by one before the log only counts them. */
export const LOGGED_PROBLEMS = 20;

export class SimulationOptionsError extends Error {
  override readonly name = 'SimulationOptionsError';
}

/** The target refused the token (HTTP 401): no message can succeed, so the run stops. */
export class SimulationAuthError extends Error {
  override readonly name = 'SimulationAuthError';
}

function checkOptions(options: SimulationOptions, start: number, wallStart: number): void {
  const fail = (message: string) => {
    throw new SimulationOptionsError(message);
  };
  if (!Number.isInteger(options.plants) || options.plants < 1 || options.plants > 200)
    fail(`plants must be a whole number from 1 to 200; got ${options.plants}`);
  if (!(options.ratePerMinute >= 0.1 && options.ratePerMinute <= 60))
    fail(`rate must be 0.1 to 60 messages per minute per plant; got ${options.ratePerMinute}`);
  if (!(options.durationMs > 0)) fail('duration must be positive');
  if (options.speed !== 'max' && !(options.speed >= 1 && options.speed <= 100_000))
    fail(`speed must be 1 to 100000 or max; got ${options.speed}`);
  if (!Number.isFinite(start)) fail('start must be a time');
  if (start < earliestStart(wallStart)) {
    fail(
      'start is older than the pipeline accepts: readings older than the late-data horizon (7 days) are refused; start later or shorten the duration',
    );
  }
  if (start > wallStart + 365 * 24 * HOUR_MS) fail('start is more than a year ahead');
  if (options.token === '') fail('a gateway token is needed (--token or WTE_DEV_TOKEN)');
}

type MutableStats = { -readonly [K in keyof SimulationStats]: SimulationStats[K] };

/** One plant's send queue, drained in order by a single worker. */
class Lane {
  private readonly queue: OutgoingMessage[] = [];
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly deliver: (message: OutgoingMessage) => Promise<void>) {}

  get depth(): number {
    return this.queue.length;
  }

  push(message: OutgoingMessage): void {
    this.queue.push(message);
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      this.wake?.();
    });
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      await this.deliver(next);
      this.wake?.();
    }
  }

  /** Resolves when the queue is shorter than `depth` (or empty and idle for depth 1). */
  async below(depth: number): Promise<void> {
    while (this.queue.length >= depth && this.running) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}

/**
 * Streams the simulated fleet to the target until the simulated end (or
 * forever), the signal aborts, or a transport cannot connect (MQTT refused:
 * rejects with `MqttConnectError`). Resolves with the final counts.
 */
export async function runSimulation(
  options: SimulationOptions,
  hooks: SimulationHooks = {},
): Promise<SimulationStats> {
  const now = hooks.now ?? Date.now;
  const wallStart = now();
  const start =
    options.start ?? (Number.isFinite(options.durationMs) ? wallStart - options.durationMs : wallStart);
  checkOptions(options, start, wallStart);
  const intervalMs = Math.round(MINUTE_MS / options.ratePerMinute);
  const plan: SimulationPlan = {
    plants: options.plants,
    scenario: options.scenario,
    start,
    end: start + options.durationMs,
    intervalMs,
    seed: options.seed,
    liveFrom: wallStart,
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
    ...(options.affected ? { affected: options.affected } : {}),
  };
  // Stops on the caller's signal, or on a refusal that no further message can escape (401).
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(hooks.signal?.reason);
  if (hooks.signal?.aborted) controller.abort(hooks.signal.reason);
  const signal = controller.signal;
  let fatal: Error | undefined;
  const log = hooks.onLog ?? (() => {});
  const stats: MutableStats = {
    phase: start >= wallStart ? 'live' : 'catching-up',
    start,
    end: plan.end,
    sent: 0,
    resent: 0,
    late: 0,
    acceptedReadings: 0,
    acceptedMovements: 0,
    rejectedItems: 0,
    refusedMessages: 0,
    rejectionNotices: 0,
    retries: 0,
    behindMs: wallStart - start,
  };
  let logged = 0;
  const note = (line: string) => {
    logged++;
    if (logged <= LOGGED_PROBLEMS) log(line);
    else if (logged === LOGGED_PROBLEMS + 1) log('further refusals and rejections are only counted');
  };
  const onNotice = (notice: RejectionNotice) => {
    stats.rejectionNotices++;
    note(
      `rejected (${notice.plantId}${notice.messageId ? ` ${notice.messageId}` : ''}): ${notice.title}: ${notice.detail}`,
    );
  };
  const transport =
    hooks.transport ??
    (options.transport === 'mqtt'
      ? await mqttTransport({
          url: options.mqttUrl ?? DEFAULT_MQTT_URL,
          token: options.token,
          gateways: fleetSetup(plan).profiles.map((p) => ({ plantId: p.plantId, gatewayId: p.gatewayId })),
          onNotice,
        })
      : httpTransport({ target: options.target ?? DEFAULT_TARGET, token: options.token }));

  const record = (message: OutgoingMessage, outcome: SendOutcome) => {
    stats.sent++;
    if (message.resend) stats.resent++;
    if (message.late) stats.late++;
    stats.retries += outcome.retries;
    if (outcome.kind === 'refused') {
      stats.refusedMessages++;
      if (outcome.status === 401 && !fatal) {
        fatal = new SimulationAuthError(`the target refused the gateway token: ${outcome.title}`);
        controller.abort(fatal);
      }
      note(
        `refused ${message.body.messageId}: ${outcome.status} ${outcome.title}${outcome.detail ? `: ${outcome.detail}` : ''}`,
      );
      return;
    }
    stats.acceptedReadings += outcome.acceptedReadings;
    stats.acceptedMovements += outcome.acceptedMovements;
    stats.rejectedItems += outcome.rejected.length;
    for (const r of outcome.rejected.slice(0, 3)) note(describeRejection(message, r));
  };
  const deliver = async (message: OutgoingMessage) => {
    if (signal.aborted) return;
    try {
      record(message, await transport.send(message, signal));
    } catch (error) {
      if (signal.aborted) return;
      // Transports retry what can be retried; anything else is a bug to report, not a reason to stop the fleet.
      const reason = error instanceof Error ? error.message : String(error);
      record(message, { kind: 'refused', status: 0, title: 'Not sent', detail: reason, retries: 0 });
    }
  };
  const lanes = new Map<string, Lane>();
  const laneOf = (plantId: string): Lane => {
    let lane = lanes.get(plantId);
    if (!lane) {
      lane = new Lane(deliver);
      lanes.set(plantId, lane);
    }
    return lane;
  };

  const every = hooks.progressEveryMs ?? 1000;
  let lastProgress = Number.NEGATIVE_INFINITY;
  const progress = (force = false) => {
    const wall = now();
    if (stats.simulatedTime !== undefined) stats.behindMs = Math.max(0, wall - stats.simulatedTime);
    if (force || wall - lastProgress >= every) {
      lastProgress = wall;
      hooks.onProgress?.({ ...stats });
    }
  };
  const pace = { start, wallStart, speed: options.speed };
  const depth = options.laneDepth ?? 64;
  hooks.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const stopped = aborted(signal);
  try {
    for (const message of simulate(plan)) {
      if (signal.aborted) break;
      const due = dueAt(message.sendAt, pace);
      for (let wait = due - now(); wait > 0 && !signal.aborted; wait = due - now()) {
        progress();
        await sleep(Math.min(wait, every), undefined, { signal }).catch(() => {});
      }
      if (signal.aborted) break;
      const lane = laneOf(message.plantId);
      await Promise.race([lane.below(depth), stopped]);
      if (signal.aborted) break;
      // Data within two sampling intervals of the wall clock: the run has caught up and goes on in real time.
      if (stats.phase === 'catching-up' && message.sendAt >= now() - 2 * intervalMs) stats.phase = 'live';
      stats.simulatedTime = message.sendAt;
      lane.push(message);
      progress();
    }
    await Promise.race([Promise.all([...lanes.values()].map((l) => l.idle())), stopped]);
  } finally {
    hooks.signal?.removeEventListener('abort', onCallerAbort);
    await transport.close().catch(() => {});
  }
  if (fatal) throw fatal;
  stats.phase = signal.aborted ? 'stopped' : 'done';
  progress(true);
  return { ...stats };
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

function describeRejection(message: OutgoingMessage, r: ItemRejection): string {
  return `rejected ${message.body.messageId}${r.pointer}: ${r.detail}`;
}
