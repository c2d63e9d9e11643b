/**
 * Local mode for end-to-end tests: in-process (`startLocal`, so a test can see
 * the server's own process, e.g. its Object.prototype) or as `wte local` in a
 * child process (`spawnLocal`, so a test can SIGKILL it and read its memory),
 * and the few HTTP, MQTT and token calls the tests make against either.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import mqtt, { type MqttClient } from 'mqtt';
import { DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { createGatewayToken } from '../../lambdas/auth/gateway-tokens.ts';
import {
  readStateStoreCredentials,
  STATE_STORE_CREDENTIALS_FILE,
} from '../../lambdas/local/local-secrets.ts';
import { type LocalMode, type LocalModeOptions, startLocalMode } from '../../lambdas/local/runtime.ts';

export const MINUTE_MS = 60_000;

/** A fresh temporary data dir. */
export function tempDataDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `wte-${prefix}-`));
}

/** Local mode in this process on free ports, with its scheduler held back unless asked for. */
export function startLocal(
  options: Partial<LocalModeOptions> & { readonly dataDir: string; readonly devToken: string },
): Promise<LocalMode> {
  return startLocalMode({
    httpPort: 0,
    mqttPort: 0,
    schedulerIntervalMs: 3_600_000,
    queue: { batchingWindowMs: 20 },
    ...options,
  });
}

export interface LocalChild {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly dataDir: string;
  readonly httpUrl: string;
  readonly mqttUrl: string;
  readonly dynamoEndpoint: string;
  readonly stateTable: string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** What the process wrote to stderr so far. */
  stderr(): string;
}

export interface SpawnLocalOptions {
  readonly dataDir: string;
  readonly devToken: string;
  /** @default 3600 (the scheduled run does not interfere) */
  readonly schedulerIntervalSeconds?: number;
  /** @default 30 s */
  readonly startTimeoutMs?: number;
  /** More environment for the child (e.g. NODE_OPTIONS). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Every child started here, so a test file can make sure none outlives it. */
const children = new Set<ChildProcess>();

/** SIGKILLs every child still running (for afterAll). */
export function killChildren(): void {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

/** Starts `wte local` on free ports and resolves once it prints where to look. */
export function spawnLocal(options: SpawnLocalOptions): Promise<LocalChild> {
  const child = spawn(
    process.execPath,
    [
      'bin/wte.cjs',
      'local',
      '--port',
      '0',
      '--mqtt-port',
      '0',
      '--data-dir',
      options.dataDir,
      '--scheduler-interval',
      String(options.schedulerIntervalSeconds ?? 3600),
    ],
    {
      env: { ...process.env, ...options.env, WTE_DEV_TOKEN: options.devToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal);
    }),
  );
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err = (err + chunk.toString('utf8')).slice(-20_000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`local mode did not start: ${err.slice(-2000)}`));
    }, options.startTimeoutMs ?? 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const http = /HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const broker = /MQTT\s+(mqtt:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const state = /state store\s+(http:\/\/127\.0\.0\.1:\d+) table (\S+)/.exec(out);
      if (http && broker && state?.[1] && state[2] && child.pid !== undefined) {
        clearTimeout(timer);
        resolve({
          child,
          pid: child.pid,
          dataDir: options.dataDir,
          httpUrl: http,
          mqttUrl: broker,
          dynamoEndpoint: state[1],
          stateTable: state[2],
          exited,
          stderr: () => err,
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`local mode exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}

/** Resident set size of a process in bytes, from /proc (Linux). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kib) * 1024;
}

export interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly retryAfter: string | null;
  readonly text: string;
}

export interface PostOptions {
  /** Sent as `Authorization: Bearer <token>`; none when undefined. */
  readonly token?: string | undefined;
  /** @default application/json; none when null */
  readonly contentType?: string | null;
  readonly signal?: AbortSignal;
}

/** POST /v1/plants/{plantId}/telemetry with a JSON value, or exactly the bytes given. */
export async function postTelemetry(
  httpUrl: string,
  plantId: string,
  body: unknown,
  options: PostOptions = {},
): Promise<Answer> {
  return postRaw(`${httpUrl}/v1/plants/${plantId}/telemetry`, body, options);
}

export async function postRaw(url: string, body: unknown, options: PostOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  const payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: payload,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    retryAfter: response.headers.get('retry-after'),
    text: await response.text(),
  };
}

export async function getJson<T = Record<string, unknown>>(
  httpUrl: string,
  path: string,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${httpUrl}${path}`);
  return { status: response.status, body: (await response.json()) as T };
}

export interface QueueHealth {
  readonly visible: number;
  readonly inFlight: number;
  readonly deadLettered: number;
}

/** Waits until /healthz shows an empty queue (nothing visible, nothing in flight). */
export async function waitForEmptyQueue(httpUrl: string, timeoutMs = 60_000): Promise<QueueHealth> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await getJson<{ queue: QueueHealth }>(httpUrl, '/healthz');
    if (body.queue.visible === 0 && body.queue.inFlight === 0) return body.queue;
    if (Date.now() > deadline) throw new Error(`the queue did not drain: ${JSON.stringify(body.queue)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The state store of a running local mode (tokens, plants, quarantine), through its DynamoDB endpoint,
 * signed with the key pair in its data directory (any other signature is refused).
 */
export function stateStoreOf(local: {
  readonly dynamoEndpoint: string;
  readonly stateTable: string;
  readonly dataDir: string;
}) {
  return new DynamoStateStore({
    client: new DynamoDBClient({
      region: 'local',
      endpoint: local.dynamoEndpoint,
      credentials: readStateStoreCredentials(join(local.dataDir, STATE_STORE_CREDENTIALS_FILE)),
    }),
    tableName: local.stateTable,
  });
}

/** Creates and stores a real gateway token (as `wte token create` does); returns the bearer token. */
export async function issueToken(
  store: Pick<DynamoStateStore, 'putToken'>,
  gatewayId: string,
  plants: readonly string[],
): Promise<{ token: string; tokenId: string }> {
  const { token, record } = createGatewayToken({ gatewayId, plants, now: Date.now() });
  await store.putToken(record);
  return { token, tokenId: record.tokenId };
}

/** An MQTT gateway connection (username = gateway id, password = token), without automatic reconnects. */
export function connectGateway(
  mqttUrl: string,
  gatewayId: string,
  token: string,
  clientId = `${gatewayId}/${Math.random().toString(36).slice(2, 10)}`,
): Promise<MqttClient> {
  return mqtt.connectAsync(mqttUrl, {
    username: gatewayId,
    password: token,
    clientId,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
}
