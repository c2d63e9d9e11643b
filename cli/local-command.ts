/**
 * `wte local`: the whole pipeline on 127.0.0.1 until Ctrl-C (docs/contract.md
 * section 7). Flags win over environment variables, which win over defaults.
 */
import { DEFAULT_BACKLOG_BOUND, DEFAULT_MQTT_HOLD_MS } from '../lambdas/local/backlog-bound.ts';
import {
  DEFAULT_DATA_DIR,
  DEFAULT_HTTP_PORT,
  DEFAULT_MQTT_PORT,
  type LocalLog,
  type LocalMode,
  type LocalModeOptions,
  startLocalMode,
} from '../lambdas/local/runtime.ts';
import { type CliIo, UsageError } from './io.ts';

export const LOCAL_OPTIONS = {
  port: { type: 'string' },
  'mqtt-port': { type: 'string' },
  'data-dir': { type: 'string' },
  'webhook-url': { type: 'string' },
  'scheduler-interval': { type: 'string' },
  'max-backlog-age': { type: 'string' },
  'max-backlog-mib': { type: 'string' },
  'mqtt-hold': { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

export const LOCAL_USAGE = `Usage: wte local [--port N] [--mqtt-port N] [--data-dir DIR] [--webhook-url URL]
                 [--scheduler-interval SECONDS] [--max-backlog-age SECONDS]
                 [--max-backlog-mib MIB] [--mqtt-hold SECONDS] [--verbose]
  --port / WTE_HTTP_PORT          HTTP API on 127.0.0.1 (default ${DEFAULT_HTTP_PORT}; 0 = any free port)
  --mqtt-port / WTE_MQTT_PORT     MQTT broker on 127.0.0.1 (default ${DEFAULT_MQTT_PORT}; 0 = any free port)
  --data-dir / WTE_DATA_DIR       state, metrics, queue and alerts.jsonl (default ${DEFAULT_DATA_DIR})
  WTE_DEV_TOKEN                   a token accepted for every plant (default: generated, saved in the data dir)
  --webhook-url / WTE_ALERT_WEBHOOK_URL   also POST each alert transition here
  --scheduler-interval / WTE_SCHEDULER_INTERVAL_SECONDS   scheduled rules and relay (default 60)
  --max-backlog-age / WTE_MAX_BACKLOG_AGE_SECONDS   refuse ingest (HTTP 503 + Retry-After, MQTT PUBACK
                                  held) while the oldest unprocessed message is older (default ${DEFAULT_BACKLOG_BOUND.maxAgeMs / 1000})
  --max-backlog-mib / WTE_MAX_BACKLOG_MIB   ... or while more is queued (default ${DEFAULT_BACKLOG_BOUND.maxBytes / 1024 / 1024})
  --mqtt-hold / WTE_MQTT_HOLD_SECONDS       how long a held PUBACK waits before the refusal (default ${DEFAULT_MQTT_HOLD_MS / 1000})
  --verbose                       log every request and batch as JSON lines on stderr
Stop with Ctrl-C.`;

export interface LocalFlags {
  readonly port?: string | undefined;
  readonly 'mqtt-port'?: string | undefined;
  readonly 'data-dir'?: string | undefined;
  readonly 'webhook-url'?: string | undefined;
  readonly 'scheduler-interval'?: string | undefined;
  readonly 'max-backlog-age'?: string | undefined;
  readonly 'max-backlog-mib'?: string | undefined;
  readonly 'mqtt-hold'?: string | undefined;
  readonly verbose?: boolean | undefined;
}

function port(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new UsageError(`${name} must be a port number 0 to 65535; got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** A positive number from a flag or variable, within [min, max]; `fallback` when not given. */
function bounded(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`${name} must be ${min} to ${max}; got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Local-mode options from flags and environment. */
export function localOptions(flags: LocalFlags, env: NodeJS.ProcessEnv, io: CliIo): LocalModeOptions {
  const intervalRaw = flags['scheduler-interval'] ?? env.WTE_SCHEDULER_INTERVAL_SECONDS;
  const interval = intervalRaw === undefined ? 60 : Number(intervalRaw);
  if (!Number.isFinite(interval) || interval < 1 || interval > 3600) {
    throw new UsageError(
      `--scheduler-interval must be 1 to 3600 seconds; got ${JSON.stringify(intervalRaw)}`,
    );
  }
  const webhookUrl = flags['webhook-url'] ?? env.WTE_ALERT_WEBHOOK_URL;
  const verbose = flags.verbose === true;
  const log: LocalLog = (level, message, fields) => {
    if (verbose || level !== 'info') io.err(JSON.stringify({ level, message, ...fields }));
  };
  return {
    dataDir: flags['data-dir'] ?? env.WTE_DATA_DIR ?? DEFAULT_DATA_DIR,
    httpPort: port('--port', flags.port ?? env.WTE_HTTP_PORT, DEFAULT_HTTP_PORT),
    mqttPort: port('--mqtt-port', flags['mqtt-port'] ?? env.WTE_MQTT_PORT, DEFAULT_MQTT_PORT),
    ...(env.WTE_DEV_TOKEN ? { devToken: env.WTE_DEV_TOKEN } : {}),
    ...(webhookUrl ? { webhookUrl } : {}),
    schedulerIntervalMs: interval * 1000,
    backlog: {
      maxAgeMs:
        bounded(
          '--max-backlog-age',
          flags['max-backlog-age'] ?? env.WTE_MAX_BACKLOG_AGE_SECONDS,
          DEFAULT_BACKLOG_BOUND.maxAgeMs / 1000,
          1,
          86_400,
        ) * 1000,
      maxBytes: Math.round(
        bounded(
          '--max-backlog-mib',
          flags['max-backlog-mib'] ?? env.WTE_MAX_BACKLOG_MIB,
          DEFAULT_BACKLOG_BOUND.maxBytes / 1024 / 1024,
          1,
          1024 * 1024,
        ) *
          1024 *
          1024,
      ),
      mqttHoldMs:
        bounded(
          '--mqtt-hold',
          flags['mqtt-hold'] ?? env.WTE_MQTT_HOLD_SECONDS,
          DEFAULT_MQTT_HOLD_MS / 1000,
          0,
          60,
        ) * 1000,
    },
    log,
    alertLine: (line) => io.out(line),
  };
}

/** What `wte local` and `npm start` print once everything listens. */
export function whereToLook(local: LocalMode): string {
  return [
    'wte local mode is running (127.0.0.1 only). Stop with Ctrl-C.',
    `  HTTP API      ${local.httpUrl}   (POST /v1/plants/{plantId}/telemetry, GET /v1/plants/{plantId}/kpis|series|report, GET /v1/plants, GET /v1/alerts, GET /healthz)`,
    `  MQTT          ${local.mqttUrl}   (publish wte/v1/{plantId}/telemetry; rejections on wte/v1/{plantId}/rejected)`,
    `  dev token     ${local.devToken}   (Authorization: Bearer …; MQTT password; every plant)`,
    `  data dir      ${local.dataDir}`,
    `  alerts file   ${local.alertsFile}`,
    `  state store   ${local.dynamoEndpoint} table ${local.stateTable}   (wte token --endpoint … --table … --data-dir …)`,
    `  state keys    ${local.stateStoreCredentialsFile}   (other signatures are refused; AWS_SHARED_CREDENTIALS_FILE)`,
    `  try           npx wte query kpis --target ${local.httpUrl} --plant kz-ast-01 --from=-1d --interval 1h`,
  ].join('\n');
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export async function localCommand(
  io: CliIo,
  flags: LocalFlags,
  env: NodeJS.ProcessEnv,
  stop: Promise<unknown> = untilSignal(),
): Promise<number> {
  const local = await startLocalMode(localOptions(flags, env, io));
  io.out(whereToLook(local));
  await stop;
  io.err('stopping: finishing the current batch…');
  await local.close();
  io.err('stopped.');
  return 0;
}
