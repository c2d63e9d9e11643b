/**
 * Reliability row 5, load: `wte local` in a child process under 16 gateways
 * at once (12 over HTTP, 4 over MQTT, each with its own real token bound to
 * its own plant), each sending live data at a fixed pace; a 503 is retried
 * after its Retry-After, as a gateway would.
 *
 * Pass: every accepted item is stored (the set of readings in the store
 * equals the set accepted, value for value; KPI receipts through the API
 * equal the tickets accepted), no 5xx other than 503 with Retry-After, no
 * connection error, and memory flat: the V8 heap live in the child after a
 * garbage collection (test/support/memory-probe.mjs) is back where it was
 * once the queue has drained, and its resident set (from /proc) grows no
 * more than the embedded store needs for the data it indexes (see
 * docs/reliability.md for the bound).
 */
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import type { MetricName } from '../../lambdas/domain/catalog.ts';
import {
  connectGateway,
  getJson,
  issueToken,
  killChildren,
  type LocalChild,
  postTelemetry,
  spawnLocal,
  stateStoreOf,
  tempDataDir,
  waitForEmptyQueue,
} from '../support/local-mode.ts';
import { liveHeapBytes, median, memoryProbe, rssBytes, slope } from '../support/process-memory.ts';
import { Figures } from './support/figures.ts';
import { bySize, timeoutFor } from './support/sizes.ts';

const TOKEN = 'load-dev-token-0123456789';
const GATEWAYS = 16;
const MQTT_GATEWAYS = 4;
const DURATION_MS = bySize(20_000, 600_000);
/** Each gateway sends a message every PERIOD_MS: 160 messages and 3,200 readings a second in all. */
const PERIOD_MS = 100;
const METRICS: readonly MetricName[] = [
  'furnace_temperature',
  'steam_flow',
  'steam_pressure',
  'steam_temperature',
  'power_gross',
  'power_export',
  'flue_gas_o2',
  'boiler_dp',
  'dust',
  'co',
];
const LINES = ['boiler-1', 'boiler-2'];
const TICKET_EVERY = 50;
/** Live V8 heap after the drain may exceed its lowest point during the steady part by this much. */
const HEAP_GROWTH_LIMIT = 16 * 2 ** 20;
/** Resident set growth allowed: a margin, plus what the store's key index takes per reading stored. */
const RSS_MARGIN = 64 * 2 ** 20;
const RSS_PER_READING = 200;

const figures = new Figures('load', `${GATEWAYS} concurrent gateways on local mode`);
afterAll(() => {
  killChildren();
  figures.report();
});

const plantOf = (g: number) => `kz-load-${String(g + 1).padStart(2, '0')}`;

interface Accepted {
  readonly readings: Map<string, number>;
  tickets: number;
  readonly ticketsByPlant: Map<string, number>;
}

function message(g: number, i: number, ts: number) {
  const plantId = plantOf(g);
  return {
    schema: 'wte.telemetry.v1',
    messageId: `load-${g}-${i}`,
    plantId,
    readings: METRICS.flatMap((metric, m) =>
      LINES.map((line, l) => ({ ts, line, metric, value: 50 + ((i * 7 + m * 3 + l) % 40) + 0.25 })),
    ),
    movements:
      i % TICKET_EVERY === 0
        ? [{ ticketId: `LD-${g}-${i}`, ts, direction: 'in', netTonnes: 1, material: 'mixed_waste' }]
        : [],
  };
}

function accept(accepted: Accepted, body: ReturnType<typeof message>): void {
  for (const r of body.readings)
    accepted.readings.set(`${body.plantId}|${r.line}|${r.metric}|${r.ts}`, r.value);
  if (body.movements.length > 0) {
    accepted.tickets += body.movements.length;
    accepted.ticketsByPlant.set(
      body.plantId,
      (accepted.ticketsByPlant.get(body.plantId) ?? 0) + body.movements.length,
    );
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

describe('load', () => {
  it(
    `keeps up with ${GATEWAYS} gateways for ${DURATION_MS / 1000} s: accepted = stored, no 5xx but 503, memory flat`,
    async () => {
      const dataDir = tempDataDir('load');
      const probe = memoryProbe();
      const local: LocalChild = await spawnLocal({ dataDir, devToken: TOKEN, env: probe.env });
      const store = stateStoreOf(local);
      const tokens = await Promise.all(
        Array.from({ length: GATEWAYS }, (_, g) => issueToken(store, `gw-load-${g + 1}`, [plantOf(g)])),
      );

      const accepted: Accepted = { readings: new Map(), tickets: 0, ticketsByPlant: new Map() };
      const statuses = new Map<number, number>();
      let unavailableWithoutRetryAfter = 0;
      let connectionErrors = 0;
      let notices = 0;
      let sent = 0;
      const latencies: number[] = [];
      const started = Date.now();
      const end = started + DURATION_MS;

      const httpGateway = async (g: number) => {
        let last = 0;
        let next = Date.now();
        for (let i = 0; Date.now() < end; i++) {
          const ts = Math.max(Date.now(), last + 1);
          last = ts;
          const body = message(g, i, ts);
          for (;;) {
            const begin = performance.now();
            let answer: Awaited<ReturnType<typeof postTelemetry>>;
            try {
              answer = await postTelemetry(local.httpUrl, body.plantId, body, { token: tokens[g]?.token });
            } catch {
              connectionErrors++;
              break;
            }
            latencies.push(performance.now() - begin);
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            if (answer.status === 202) {
              accept(accepted, body);
              break;
            }
            if (answer.status !== 503) break;
            if (answer.retryAfter === null) unavailableWithoutRetryAfter++;
            await sleep(Number(answer.retryAfter ?? 1) * 1000);
          }
          sent++;
          next += PERIOD_MS;
          await sleep(next - Date.now());
        }
      };

      const mqttGateway = async (g: number) => {
        const client: MqttClient = await connectGateway(
          local.mqttUrl,
          `gw-load-${g + 1}`,
          tokens[g]?.token ?? '',
        );
        client.on('message', () => notices++);
        await client.subscribeAsync(`wte/v1/${plantOf(g)}/rejected`, { qos: 1 });
        let last = 0;
        let next = Date.now();
        try {
          for (let i = 0; Date.now() < end; i++) {
            const ts = Math.max(Date.now(), last + 1);
            last = ts;
            const body = message(g, i, ts);
            const begin = performance.now();
            try {
              await client.publishAsync(`wte/v1/${body.plantId}/telemetry`, JSON.stringify(body), { qos: 1 });
              latencies.push(performance.now() - begin);
              accept(accepted, body);
            } catch {
              connectionErrors++;
            }
            sent++;
            next += PERIOD_MS;
            await sleep(next - Date.now());
          }
        } finally {
          await client.endAsync();
        }
      };

      const samples: Array<{ at: number; rss: number; heap: number; backlog: number }> = [];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const at = Date.now() - started;
          const [heap, health] = await Promise.all([
            liveHeapBytes(local.pid, probe),
            getJson<{ queue: { visible: number; inFlight: number } }>(local.httpUrl, '/healthz'),
          ]);
          samples.push({
            at,
            rss: rssBytes(local.pid),
            heap,
            backlog: health.body.queue.visible + health.body.queue.inFlight,
          });
          await sleep(2_000);
        }
      })();

      await Promise.all(
        Array.from({ length: GATEWAYS }, (_, g) => (g < MQTT_GATEWAYS ? mqttGateway(g) : httpGateway(g))),
      );
      sampling = false;
      await sampler;
      const loadSeconds = (Date.now() - started) / 1000;
      const drainStarted = Date.now();
      const queue = await waitForEmptyQueue(local.httpUrl, bySize(120_000, 900_000));
      const drainSeconds = (Date.now() - drainStarted) / 1000;
      const heapAfterDrain = await liveHeapBytes(local.pid, probe);

      // Through the API: receipts of every hour of the run equal the tickets accepted, plant by plant.
      const from = new Date(Math.floor(started / 3_600_000) * 3_600_000).toISOString();
      const to = new Date(Math.ceil((Date.now() + 1) / 3_600_000) * 3_600_000).toISOString();
      let apiTickets = 0;
      const receiptsMismatch: string[] = [];
      for (let g = 0; g < GATEWAYS; g++) {
        const { body } = await getJson<{ points: Array<{ received_t: number }> }>(
          local.httpUrl,
          `/v1/plants/${plantOf(g)}/kpis?from=${from}&to=${to}&interval=1h`,
        );
        const received = body.points.reduce((n, p) => n + p.received_t, 0);
        apiTickets += received;
        if (Math.abs(received - (accepted.ticketsByPlant.get(plantOf(g)) ?? 0)) > 1e-6)
          receiptsMismatch.push(plantOf(g));
      }

      local.child.kill('SIGTERM');
      await local.exited;

      // The store itself, read after the stop: exactly the readings accepted, value for value.
      const metrics = await DuckDbMetricsStore.open({ path: join(dataDir, 'metrics.duckdb') });
      const stored = new Map<string, number>();
      let storedTickets = 0;
      try {
        for (let g = 0; g < GATEWAYS; g++) {
          for (const metric of METRICS) {
            for (const r of await metrics.readReadings({
              plantId: plantOf(g),
              metric,
              from: started - 60_000,
              to: Date.now() + 60_000,
            })) {
              stored.set(`${r.plantId}|${r.line}|${r.metric}|${r.ts}`, r.value);
            }
          }
          storedTickets += (await metrics.readMovements(plantOf(g), started - 60_000, Date.now() + 60_000))
            .length;
        }
      } finally {
        await metrics.close();
      }
      let missing = 0;
      let wrongValue = 0;
      for (const [key, value] of accepted.readings) {
        const got = stored.get(key);
        if (got === undefined) missing++;
        else if (got !== value) wrongValue++;
      }
      const extra = [...stored.keys()].filter((k) => !accepted.readings.has(k)).length;

      // Memory over the steady part (after the first quarter): floors and medians of its first and last quarter.
      const steady = samples.slice(Math.floor(samples.length / 4));
      const quarter = Math.max(1, Math.floor(steady.length / 4));
      const head = steady.slice(0, quarter);
      const tail = steady.slice(-quarter);
      const heapGrowth = heapAfterDrain - Math.min(...steady.map((s) => s.heap));
      const heapSlope = slope(
        steady.map((s) => s.at / 60_000),
        steady.map((s) => s.heap),
      );
      const rssGrowth = median(tail.map((s) => s.rss)) - median(head.map((s) => s.rss));
      const steadyMinutes = ((tail.at(-1)?.at ?? 0) - (head[0]?.at ?? 0)) / 60_000;
      const readingsPerMs = accepted.readings.size / (loadSeconds * 1000);
      const readingsInSteady = readingsPerMs * steadyMinutes * 60_000;
      const rssAllowance = RSS_MARGIN + RSS_PER_READING * readingsInSteady;
      const serverErrors = [...statuses.entries()].filter(([s]) => s >= 500 && s !== 503);
      const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

      figures.add('gateways (HTTP + MQTT)', `${GATEWAYS - MQTT_GATEWAYS} + ${MQTT_GATEWAYS}`);
      figures.add('load duration (s)', loadSeconds.toFixed(1), bySize('15-20', '600'));
      figures.add(
        'messages sent / accepted',
        `${sent} / ${sent - connectionErrors - [...statuses.entries()].filter(([s]) => s !== 202 && s !== 503).reduce((n, [, c]) => n + c, 0)}`,
      );
      figures.add(
        'readings accepted (per second)',
        `${accepted.readings.size} (${Math.round(accepted.readings.size / loadSeconds)})`,
      );
      figures.add(
        'readings stored / missing / extra / wrong value',
        `${stored.size} / ${missing} / ${extra} / ${wrongValue}`,
        'accepted = stored',
      );
      figures.add(
        'tickets accepted / stored / in KPI receipts',
        `${accepted.tickets} / ${storedTickets} / ${apiTickets}`,
      );
      figures.add('HTTP statuses', [...statuses.entries()].map(([s, n]) => `${s}×${n}`).join(' '));
      figures.add(
        '5xx other than 503 / 503 without Retry-After',
        `${serverErrors.length} / ${unavailableWithoutRetryAfter}`,
        '0 / 0',
      );
      figures.add('connection errors', connectionErrors, '0');
      figures.add(
        'ack latency p50 / p99 (ms)',
        `${percentile(latencies, 0.5).toFixed(0)} / ${percentile(latencies, 0.99).toFixed(0)}`,
      );
      figures.add(
        'queue backlog max (messages) / drain after load (s)',
        `${Math.max(0, ...samples.map((s) => s.backlog))} / ${drainSeconds.toFixed(1)}`,
      );
      figures.add('dead-lettered', queue.deadLettered, '0');
      figures.add(
        'live V8 heap: steady lowest → after drain (MiB)',
        `${mb(Math.min(...steady.map((s) => s.heap)))} → ${mb(heapAfterDrain)}`,
        `≤ +${mb(HEAP_GROWTH_LIMIT)}`,
      );
      figures.add('live V8 heap trend, steady part (MiB/min)', mb(heapSlope));
      figures.add(
        'RSS median first → last quarter (MiB)',
        `${mb(median(head.map((s) => s.rss)))} → ${mb(median(tail.map((s) => s.rss)))} (+${mb(rssGrowth)})`,
        `≤ +${mb(rssAllowance)} (64 MiB + 200 B × ${Math.round(readingsInSteady)} readings)`,
      );
      figures.add(
        'RSS growth per reading stored, steady part (B)',
        Math.round(rssGrowth / Math.max(1, readingsInSteady)),
      );
      figures.add('MQTT rejection notices', notices, '0');

      expect(connectionErrors).toBe(0);
      expect(serverErrors).toEqual([]);
      expect(unavailableWithoutRetryAfter).toBe(0);
      expect([...statuses.keys()].filter((s) => s !== 202 && s !== 503)).toEqual([]);
      expect(notices).toBe(0);
      expect(queue.deadLettered).toBe(0);
      expect({ missing, extra, wrongValue }).toEqual({ missing: 0, extra: 0, wrongValue: 0 });
      expect(stored.size).toBe(accepted.readings.size);
      expect(storedTickets).toBe(accepted.tickets);
      expect(receiptsMismatch).toEqual([]);
      expect(heapGrowth).toBeLessThanOrEqual(HEAP_GROWTH_LIMIT);
      expect(rssGrowth).toBeLessThanOrEqual(rssAllowance);
    },
    timeoutFor(DURATION_MS + bySize(90_000, 900_000)),
  );
});
