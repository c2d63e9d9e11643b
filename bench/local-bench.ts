/**
 * Local mode end to end: N simulated gateways (one plant each) POST their
 * messages over keep-alive HTTP for a fixed time, back to back (saturated)
 * or at an offered rate (paced); a prober polls the series API until each
 * accepted message is queryable. Each phase starts a fresh local mode.
 *
 * - Local mode runs in its own process (bench/local-server.ts, through tsx
 *   as `wte local` runs), so the load generator does not share its event loop.
 * - Each plant sends one message per simulated minute (the simulator's
 *   default rate), so a 1-minute series bucket of `furnace_temperature` on
 *   `boiler-1` holds exactly one message: a point in that bucket means the
 *   message is queryable (a batch is one DuckDB transaction, so its other
 *   readings are too).
 * - A gateway honours backpressure as ours do: a 503 is counted in `refused`
 *   and the same message is sent again after its Retry-After (docs/backpressure.md).
 * - Latency = time the prober's answer arrived minus time the 202 arrived;
 *   the probe interval (each plant is polled in turn, one query at a time)
 *   adds up to one polling round.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { fleetMessages } from './fleet-data.ts';
import { REPO_ROOT, type Scratch } from './processes.ts';
import type { LocalPhase } from './results.ts';
import { percentile } from './stats.ts';

export interface LocalParams {
  readonly concurrency: number;
  readonly durationMs: number;
  /** Total readings per second the gateways offer, evenly spread; absent: each sends back to back. */
  readonly offeredReadingsPerSec?: number;
  /** How long to keep probing after the load stops before giving up on a message. */
  readonly drainTimeoutMs: number;
  /** Messages prepared per gateway (more than it can send in `durationMs`). */
  readonly messagesPerGateway: number;
}

/** One phase as measured (results.ts LocalPhase, unrounded), with the run's concurrency and probe count. */
export interface LocalFigures extends LocalPhase {
  readonly concurrency: number;
  readonly probeQueries: number;
}

const MINUTE_MS = 60_000;
const PROBE_LINE = 'boiler-1';
const PROBE_METRIC = 'furnace_temperature';
/** Queries in flight at once: as many as local mode gives the query API (duckdb-lanes.ts READ_CONNECTIONS). */
const PROBE_LOOPS = 2;

interface Sent {
  readonly tick: number;
  readonly readings: number;
  readonly acceptedAt: number;
  queryableAt?: number;
}

interface Gateway {
  readonly plantId: string;
  readonly bodies: Array<{ tick: number; text: string; readings: number }>;
  readonly pending: Map<number, Sent>;
  readonly done: Sent[];
}

export function startServer(
  dataDir: string,
  token: string,
): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  return new Promise((resolve, reject) => {
    // WTE_BENCH_SERVER_FLAGS adds node flags to the server (`--cpu-prof` to profile local mode).
    const flags = (process.env.WTE_BENCH_SERVER_FLAGS ?? '').split(' ').filter((f) => f !== '');
    const script = join(REPO_ROOT, 'bench', 'local-server.ts');
    const child = spawn(process.execPath, [...flags, '--import', 'tsx', script, dataDir, token], {
      cwd: REPO_ROOT,
      // As bin/wte.cjs sets it for `wte local` and `npm start`.
      env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`local mode did not start: ${err}`)), 60_000);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n')[0] ?? '';
      if (out.includes('\n')) {
        clearTimeout(timer);
        try {
          resolve({ child, url: (JSON.parse(line) as { httpUrl: string }).httpUrl });
        } catch (error) {
          reject(error);
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local mode exited (${code}): ${err.slice(-2000)}`));
    });
  });
}

export function stopServer(child: ChildProcessWithoutNullStreams): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin.end('stop\n');
  });
}

export interface Answer {
  readonly status: number;
  readonly body: string;
  /** Retry-After in ms, when the answer carried one in seconds. */
  readonly retryAfterMs?: number;
}

export async function call(
  agent: Agent,
  url: URL,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  try {
    return await callOnce(agent, url, method, headers, body);
  } catch (error) {
    // A kept-alive socket the server closed as it was reused (Node's documented race): send once more.
    // Every send of the bench is idempotent (messageIds), and a fresh socket cannot meet the race.
    if ((error as { reusedSocket?: boolean }).reusedSocket)
      return callOnce(agent, url, method, headers, body);
    throw error;
  }
}

function callOnce(
  agent: Agent,
  url: URL,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body?: string,
) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(url, { method, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      const retryAfter = Number(res.headers['retry-after'] ?? Number.NaN);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: text,
          ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        Object.assign(error, {
          reusedSocket: req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE'),
        }),
      ),
    );
    req.end(body);
  });
}

/** Each gateway's messages: plant i of a seeded fleet, one message a minute, ending before now. */
function prepareGateways(params: LocalParams, now: number): Gateway[] {
  const end = Math.floor(now / MINUTE_MS) * MINUTE_MS - 10 * MINUTE_MS;
  const start = end - params.messagesPerGateway * MINUTE_MS;
  const gateways = new Map<string, Gateway>();
  for (const message of fleetMessages({
    plants: params.concurrency,
    hours: (end - start) / 3_600_000,
    start,
    intervalMs: MINUTE_MS,
  })) {
    let gateway = gateways.get(message.plantId);
    if (!gateway) {
      gateway = { plantId: message.plantId, bodies: [], pending: new Map(), done: [] };
      gateways.set(message.plantId, gateway);
    }
    gateway.bodies.push({
      tick: message.dataTime,
      text: JSON.stringify(message.body),
      readings: message.body.readings.length,
    });
  }
  return [...gateways.values()];
}

export async function runLocalPhase(scratch: Scratch, params: LocalParams): Promise<LocalFigures> {
  const token = 'wte-bench-dev-token';
  const gateways = prepareGateways(params, Date.now());
  // A data directory per phase: the phases' prepared messages share identities (the same minute grid,
  // other values), so a phase on the one before's data was a storm of conflicts, each quarantined.
  const dir = params.offeredReadingsPerSec === undefined ? 'local-saturated' : 'local-paced';
  const { child, url } = await startServer(join(scratch.dir, dir), token);
  const agent = new Agent({ keepAlive: true, maxSockets: params.concurrency * 2 });
  const base = new URL(url);
  const postLatencies: number[] = [];
  let refused = 0;
  let probeQueries = 0;
  let exhausted = 0;
  let readingsAccepted = 0;
  let loadEnd = Number.POSITIVE_INFINITY;
  try {
    const loadStart = performance.now();
    loadEnd = loadStart + params.durationMs;

    const readingsPerMessage =
      gateways.reduce((n, g) => n + g.bodies.reduce((m, b) => m + b.readings, 0), 0) /
      Math.max(
        1,
        gateways.reduce((n, g) => n + g.bodies.length, 0),
      );
    // Paced: each gateway sends on its own schedule (staggered), never ahead of it; behind it, at once.
    const spacingMs =
      params.offeredReadingsPerSec === undefined
        ? 0
        : (1000 * readingsPerMessage * params.concurrency) / params.offeredReadingsPerSec;
    const send = async (gateway: Gateway, index: number) => {
      const target = new URL(`/v1/plants/${gateway.plantId}/telemetry`, base);
      let due = loadStart + (spacingMs * index) / params.concurrency;
      for (const body of gateway.bodies) {
        if (spacingMs > 0) {
          const wait = due - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          due += spacingMs;
        }
        if (performance.now() >= loadEnd) return;
        let answer: Answer;
        let at: number;
        for (;;) {
          const start = performance.now();
          answer = await call(
            agent,
            target,
            'POST',
            { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body.text,
          );
          at = performance.now();
          postLatencies.push(at - start);
          if (answer.status !== 503) break;
          // Backpressure: nothing was stored; send the same message again after Retry-After.
          refused++;
          const wait = answer.retryAfterMs ?? 1000;
          if (at + wait >= loadEnd) return;
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
        if (answer.status !== 202) {
          refused++;
          continue;
        }
        const accepted = (JSON.parse(answer.body) as { acceptedReadings: number }).acceptedReadings;
        if (at <= loadEnd) readingsAccepted += accepted;
        gateway.pending.set(body.tick, { tick: body.tick, readings: accepted, acceptedAt: at });
      }
      exhausted++;
      lastExhaustedAt = Math.max(lastExhaustedAt, performance.now());
    };

    let lastExhaustedAt = 0;
    let probing = true;
    // PROBE_LOOPS probers, each polling its share of the plants in turn: a polling round is what the
    // latency figures carry on top of the real time to queryable, so it is kept short.
    const probe = async (loop: number) => {
      const mine = gateways.filter((_, index) => index % PROBE_LOOPS === loop);
      while (probing) {
        let asked = false;
        for (const gateway of mine) {
          if (gateway.pending.size === 0) continue;
          const ticks = [...gateway.pending.keys()];
          const from = Math.min(...ticks);
          const to = Math.max(...ticks) + MINUTE_MS;
          const query = new URL(`/v1/plants/${gateway.plantId}/series`, base);
          query.search = new URLSearchParams({
            metric: PROBE_METRIC,
            line: PROBE_LINE,
            from: new Date(from).toISOString(),
            to: new Date(to).toISOString(),
            interval: '1m',
            agg: 'last',
          }).toString();
          asked = true;
          probeQueries++;
          const answer = await call(agent, query, 'GET', {});
          const at = performance.now();
          if (answer.status !== 200) continue;
          for (const point of (JSON.parse(answer.body) as { points: Array<{ ts: string }> }).points) {
            const sent = gateway.pending.get(Date.parse(point.ts));
            if (!sent) continue;
            sent.queryableAt = at;
            gateway.pending.delete(sent.tick);
            gateway.done.push(sent);
          }
        }
        if (!asked) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    const prober = Promise.all(Array.from({ length: PROBE_LOOPS }, (_, loop) => probe(loop)));
    await Promise.all(gateways.map((gateway, index) => send(gateway, index)));
    const drainDeadline = performance.now() + params.drainTimeoutMs;
    while (gateways.some((g) => g.pending.size > 0) && performance.now() < drainDeadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    probing = false;
    await prober;

    const durationS = params.durationMs / 1000;
    // When every gateway ran out of prepared messages before the window closed, the rate is over the
    // time they were sending, not the whole window.
    const sendingS =
      exhausted === gateways.length
        ? Math.min(loadEnd, lastExhaustedAt) / 1000 - loadStart / 1000
        : durationS;
    const done = gateways.flatMap((g) => g.done);
    const missing = gateways.flatMap((g) => [...g.pending.values()]);
    const latencies = [
      ...done.map((s) => (s.queryableAt as number) - s.acceptedAt),
      ...missing.map((s) => drainDeadline - s.acceptedAt),
    ];
    const queryableInWindow = done
      .filter((s) => (s.queryableAt as number) <= loadEnd)
      .reduce((n, s) => n + s.readings, 0);
    return {
      concurrency: params.concurrency,
      offeredReadingsPerSec: params.offeredReadingsPerSec ?? 'max',
      durationS,
      messagesAccepted: done.length + missing.length,
      readingsAccepted,
      sendingS,
      readingsPerSec: readingsAccepted / sendingS,
      queryableReadingsPerSec: queryableInWindow / durationS,
      p50IngestToQueryableMs: percentile(latencies, 50),
      p99IngestToQueryableMs: percentile(latencies, 99),
      maxIngestToQueryableMs: Math.max(...latencies),
      notQueryable: missing.length,
      p50PostMs: percentile(postLatencies, 50),
      p99PostMs: percentile(postLatencies, 99),
      refused,
      probeQueries,
      exhaustedGateways: exhausted,
    };
  } finally {
    agent.destroy();
    await stopServer(child);
  }
}
