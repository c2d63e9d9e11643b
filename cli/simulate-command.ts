/**
 * `wte simulate`: streams a realistic simulated fleet of waste-to-energy
 * plants to local mode or a deployed pipeline, over HTTP or MQTT, with a
 * progress line on stderr. See docs/simulator.md.
 */
import { DEFAULT_TIME_ZONE } from '../lambdas/domain/kpis.ts';
import { HOUR_MS } from '../lambdas/domain/time.ts';
import type { Speed } from '../lambdas/sim/pacing.ts';
import {
  DEFAULT_MQTT_URL,
  DEFAULT_TARGET,
  runSimulation,
  SimulationAuthError,
  type SimulationOptions,
  SimulationOptionsError,
  type SimulationStats,
} from '../lambdas/sim/run-simulation.ts';
import { isScenarioName, SCENARIO_NAMES, SCENARIOS } from '../lambdas/sim/scenarios.ts';
import { localIso } from '../lambdas/sim/simulator.ts';
import { MqttConnectError } from '../lambdas/sim/transports.ts';
import { type CliIo, UsageError } from './io.ts';
import { parseTimeArg } from './query-command.ts';

/** Options for `parseArgs` (with `strict: true`). */
export const SIMULATE_OPTIONS = {
  target: { type: 'string' },
  transport: { type: 'string' },
  'mqtt-url': { type: 'string' },
  token: { type: 'string' },
  plants: { type: 'string' },
  scenario: { type: 'string' },
  affect: { type: 'string' },
  rate: { type: 'string' },
  duration: { type: 'string' },
  speed: { type: 'string' },
  seed: { type: 'string' },
  start: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

const scenarioLines = SCENARIO_NAMES.map((name) => `  ${name.padEnd(16)} ${SCENARIOS[name].summary}`).join(
  '\n',
);

export const SIMULATE_USAGE = `Usage: wte simulate [--target URL] [--transport http|mqtt] [--mqtt-url URL] [--token TOKEN]
                    [--plants N] [--scenario NAME] [--affect first|all] [--rate N] [--duration D]
                    [--speed N|max] [--seed N] [--start TIME] [--json]
  --target URL      HTTP API (default ${DEFAULT_TARGET}); POST /v1/plants/{plantId}/telemetry
  --transport       http (default) or mqtt: QoS 1 to wte/v1/{plantId}/telemetry, username = gateway id
  --mqtt-url URL    MQTT broker (default ${DEFAULT_MQTT_URL})
  --token TOKEN     gateway token (default: WTE_DEV_TOKEN)
  --plants N        plants in the fleet, 1 to 200 (default 3): kz-ast-01, kz-ala-01, kz-shy-01, ...
  --scenario NAME   what goes wrong (default normal); it affects the first plant unless --affect all
  --rate N          messages per minute per plant, simulated time (default 1; 0.1 to 60)
  --duration D      simulated span: 30m, 24h, 7d, 1h30m, or forever (default 24h)
  --start TIME      first simulated instant: RFC 3339, now, or relative (-6h, now-2d);
                    default now minus the duration (forever: now)
  --speed N|max     time compression while catching up with the wall clock (default max)
  --seed N          the same seed and options give the same messages (default 1)
  --json            print the final counts as JSON
Simulated time never runs ahead of the wall clock (the pipeline refuses readings more than 15 minutes
in the future): a run that starts in the past replays it --speed times faster than real time until it
reaches the present, then goes on in real time. Data older than 7 days is refused, so --start may not
be earlier than that. Scenarios:
${scenarioLines}
Progress goes to stderr (refreshed in place on a terminal); Ctrl-C stops cleanly. Exit codes: 0 done,
1 the target refused the token or could not be reached, 2 usage.`;

export interface SimulateFlags {
  readonly target?: string | undefined;
  readonly transport?: string | undefined;
  readonly 'mqtt-url'?: string | undefined;
  readonly token?: string | undefined;
  readonly plants?: string | undefined;
  readonly scenario?: string | undefined;
  readonly affect?: string | undefined;
  readonly rate?: string | undefined;
  readonly duration?: string | undefined;
  readonly speed?: string | undefined;
  readonly seed?: string | undefined;
  readonly start?: string | undefined;
  readonly json?: boolean | undefined;
}

/** Where the progress line goes: a terminal gets it refreshed in place. */
export interface ProgressTerminal {
  readonly isTTY: boolean;
  write(text: string): void;
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: HOUR_MS,
  d: 24 * HOUR_MS,
  w: 7 * 24 * HOUR_MS,
};

/** `30m`, `24h`, `1h30m`, `7d`, `forever` (Infinity). */
export function parseDuration(text: string): number {
  const value = text.trim().toLowerCase();
  if (value === 'forever' || value === 'inf') return Number.POSITIVE_INFINITY;
  if (!/^(\d+(\.\d+)?[smhdw])+$/.test(value)) {
    throw new UsageError(
      `--duration ${JSON.stringify(text)} is not a duration: use 30m, 24h, 1h30m, 7d or forever`,
    );
  }
  let ms = 0;
  for (const [, amount, , unit] of value.matchAll(/(\d+(\.\d+)?)([smhdw])/g)) {
    ms += Number(amount) * (DURATION_UNITS[unit ?? 's'] ?? 0);
  }
  if (!(ms >= 60_000))
    throw new UsageError(`--duration must be at least a minute; got ${JSON.stringify(text)}`);
  return Math.round(ms);
}

function numberFlag(
  name: string,
  raw: string | undefined,
  fallback: number,
  ok: (v: number) => boolean,
  want: string,
) {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || !ok(value)) {
    throw new UsageError(`${name} must be ${want}; got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Simulation options from flags and environment (flags win). */
export function simulateOptions(
  flags: SimulateFlags,
  env: NodeJS.ProcessEnv,
  nowMs: number,
): SimulationOptions {
  const token = flags.token ?? env.WTE_DEV_TOKEN ?? '';
  if (token === '') {
    throw new UsageError(
      'a gateway token is needed: --token TOKEN or WTE_DEV_TOKEN (local mode prints its dev token)',
    );
  }
  const transport = flags.transport ?? 'http';
  if (transport !== 'http' && transport !== 'mqtt') {
    throw new UsageError(`--transport must be http or mqtt; got ${JSON.stringify(transport)}`);
  }
  const scenario = flags.scenario ?? 'normal';
  if (!isScenarioName(scenario)) {
    throw new UsageError(
      `--scenario must be one of ${SCENARIO_NAMES.join(', ')}; got ${JSON.stringify(scenario)}`,
    );
  }
  const affect = flags.affect ?? 'first';
  if (affect !== 'first' && affect !== 'all') {
    throw new UsageError(`--affect must be first or all; got ${JSON.stringify(affect)}`);
  }
  const speedText = flags.speed ?? 'max';
  const speed: Speed =
    speedText.trim().toLowerCase() === 'max'
      ? 'max'
      : numberFlag(
          '--speed',
          speedText,
          1,
          (v) => v >= 1 && v <= 100_000,
          'a number from 1 to 100000, or max',
        );
  const durationMs = parseDuration(flags.duration ?? '24h');
  const target = flags.target ?? DEFAULT_TARGET;
  if (!/^https?:\/\/[^\s/]+/.test(target))
    throw new UsageError(`--target must be an http(s) URL; got ${JSON.stringify(target)}`);
  const mqttUrl = flags['mqtt-url'] ?? DEFAULT_MQTT_URL;
  if (!/^(mqtts?|wss?|tcp):\/\/[^\s/]+/.test(mqttUrl)) {
    throw new UsageError(`--mqtt-url must be an mqtt:// URL; got ${JSON.stringify(mqttUrl)}`);
  }
  return {
    target,
    transport,
    mqttUrl,
    token,
    plants: numberFlag(
      '--plants',
      flags.plants,
      3,
      (v) => Number.isInteger(v) && v >= 1 && v <= 200,
      'a whole number from 1 to 200',
    ),
    scenario,
    affected: affect,
    ratePerMinute: numberFlag(
      '--rate',
      flags.rate,
      1,
      (v) => v >= 0.1 && v <= 60,
      'a number of messages per minute from 0.1 to 60',
    ),
    durationMs,
    speed,
    seed: numberFlag(
      '--seed',
      flags.seed,
      1,
      (v) => Number.isSafeInteger(v) && v >= 0,
      'a whole number, 0 or more',
    ),
    ...(flags.start === undefined ? {} : { start: parseTimeArg(flags.start, nowMs, '--start').ms }),
  };
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** `2h05m`, `45s`. */
export function shortDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, '0')}h`;
}

/** Simulated time as the plants see it (Asia/Almaty), to the minute. */
function simTime(ms: number | undefined): string {
  if (ms === undefined) return '-';
  const local = localIso(ms, DEFAULT_TIME_ZONE);
  return `${local.slice(0, 16).replace('T', ' ')} ${local.slice(19)}`;
}

/** The progress line: what was sent, what the pipeline said, and where simulated time is. */
export function progressLine(stats: SimulationStats): string {
  const extras = [
    stats.resent > 0 ? `${count(stats.resent)} re-sent` : '',
    stats.late > 0 ? `${count(stats.late)} late` : '',
  ].filter(Boolean);
  const where =
    stats.phase === 'catching-up'
      ? `catching up, ${shortDuration(stats.behindMs)} behind`
      : stats.phase === 'live'
        ? // Started again where it stopped, with nothing left to catch up: the next minute is still to come.
          stats.sent === 0
          ? `live, waiting for the next live minute (${simTime(stats.start)})`
          : 'live'
        : stats.phase;
  return [
    `sim ${simTime(stats.simulatedTime)}`,
    `sent ${count(stats.sent)} msgs${extras.length ? ` (${extras.join(', ')})` : ''}`,
    `accepted ${count(stats.acceptedReadings)} readings, ${count(stats.acceptedMovements)} tickets`,
    `rejected ${count(stats.rejectedItems)} items, ${count(stats.refusedMessages)} msgs${
      stats.rejectionNotices > 0 ? `, ${count(stats.rejectionNotices)} notices` : ''
    }`,
    `retries ${count(stats.retries)}`,
    where,
  ].join(' · ');
}

/** Resolves on the first SIGINT or SIGTERM; `dispose` removes the handlers. */
function untilSignal(): { stopped: Promise<void>; dispose: () => void } {
  let dispose = () => {};
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      dispose();
      resolve();
    };
    dispose = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return { stopped, dispose };
}

export interface SimulateDeps {
  /** Resolves when the user asks to stop (default: SIGINT or SIGTERM). */
  readonly stop?: Promise<unknown>;
  readonly terminal?: ProgressTerminal;
  readonly now?: () => number;
  /** Plain progress lines (not a terminal) at most this often, ms (default 10 s). */
  readonly plainEveryMs?: number;
  /** Also told every progress update (e.g. local mode waiting for `phase: 'live'`). */
  readonly onProgress?: (stats: SimulationStats) => void;
}

export async function simulateCommand(
  io: CliIo,
  flags: SimulateFlags,
  env: NodeJS.ProcessEnv,
  deps: SimulateDeps = {},
): Promise<number> {
  const now = deps.now ?? Date.now;
  const options = simulateOptions(flags, env, now());
  const terminal = deps.terminal ?? process.stderr;
  const controller = new AbortController();
  const signals = deps.stop ? undefined : untilSignal();
  const stop = deps.stop ?? (signals as { stopped: Promise<void> }).stopped;
  void stop.then(() => {
    if (!controller.signal.aborted) {
      if (terminal.isTTY) terminal.write('\n');
      io.err('stopping…');
      controller.abort();
    }
  });
  const plainEvery = deps.plainEveryMs ?? 10_000;
  let lastPlain = Number.NEGATIVE_INFINITY;
  let onLine = false;
  const show = (stats: SimulationStats) => {
    deps.onProgress?.(stats);
    const line = progressLine(stats);
    if (terminal.isTTY) {
      terminal.write(`\r\x1b[2K${line}`);
      onLine = true;
      return;
    }
    const at = now();
    if (at - lastPlain >= plainEvery || stats.phase === 'done' || stats.phase === 'stopped') {
      lastPlain = at;
      io.err(line);
    }
  };
  const log = (line: string) => {
    if (onLine) terminal.write('\r\x1b[2K');
    io.err(line);
    onLine = false;
  };
  const target = options.transport === 'mqtt' ? options.mqttUrl : options.target;
  io.err(
    `simulating ${options.plants} plant${options.plants === 1 ? '' : 's'}, scenario ${options.scenario}, to ${target} over ${options.transport}`,
  );
  let stats: SimulationStats;
  try {
    stats = await runSimulation(options, {
      signal: controller.signal,
      onProgress: show,
      onLog: log,
      now,
    });
  } catch (error) {
    if (onLine) terminal.write('\n');
    if (error instanceof SimulationOptionsError) throw new UsageError(error.message);
    if (error instanceof SimulationAuthError || error instanceof MqttConnectError) {
      io.err(`wte simulate: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    signals?.dispose();
    controller.abort();
  }
  if (onLine) terminal.write('\n');
  if (flags.json) {
    io.out(JSON.stringify({ ...stats, end: Number.isFinite(stats.end) ? stats.end : null }));
  } else {
    io.out(
      `${stats.phase === 'stopped' ? 'stopped' : 'done'}: ${count(stats.sent)} messages sent, ${count(
        stats.acceptedReadings,
      )} readings and ${count(stats.acceptedMovements)} tickets accepted, ${count(stats.rejectedItems)} items rejected, ${count(
        stats.refusedMessages,
      )} messages refused, ${count(stats.retries)} retries`,
    );
  }
  return 0;
}
