/**
 * Reliability row 4, restart: `wte local` in a child process, under load from
 * 8 gateways (6 over HTTP, 2 over MQTT, real tokens), is killed with SIGKILL
 * three times at seeded moments and restarted on the same data dir. Gateways
 * behave as real ones do: a message not acknowledged (202 or PUBACK) is sent
 * again, unchanged, once local mode is back, so a message that reached the
 * journal just before the kill arrives twice.
 *
 * Pass: after the last restart has drained, every accepted item is stored
 * exactly once: the readings of the store are exactly those accepted (value
 * for value), each ticket counts once in the KPIs, nothing dead-lettered.
 */
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import type { MetricName } from '../../lambdas/domain/catalog.ts';
import { bucketStart, DAY_MS } from '../../lambdas/domain/time.ts';
import { prng } from '../../lambdas/sim/fleet.ts';
import {
  connectGateway,
  getJson,
  issueToken,
  killChildren,
  type LocalChild,
  MINUTE_MS,
  postTelemetry,
  spawnLocal,
  stateStoreOf,
  tempDataDir,
  waitForEmptyQueue,
} from '../support/local-mode.ts';
import { Figures } from './support/figures.ts';
import { bySize } from './support/sizes.ts';

const TOKEN = 'restart-dev-token-0123456789';
const HTTP_GATEWAYS = 6;
const MQTT_GATEWAYS = 2;
const GATEWAYS = HTTP_GATEWAYS + MQTT_GATEWAYS;
const KILLS = 3;
/** Load before each kill, seeded within [min, max] ms. */
const RUN_MS = bySize([1_500, 3_500] as const, [3_000, 8_000] as const);
/** Each gateway sends at most one message per PACE_MS (50 a second), so the minutes of a day last the run. */
const PACE_MS = 20;
const SEED = 20_261_124;
const METRICS: readonly MetricName[] = [
  'furnace_temperature',
  'steam_flow',
  'power_gross',
  'flue_gas_o2',
  'co',
];
/** Yesterday, plant-local: message i of a gateway is at minute i of it. */
const DAY = bucketStart(Date.now(), '1d', 'Asia/Almaty') - DAY_MS;
const MAX_MESSAGES = 1_440;

const figures = new Figures('restart', 'SIGKILL under load, restart on the same data dir, three times');
afterAll(() => {
  killChildren();
  figures.report();
});

const plantOf = (g: number) => `kz-restart-${g + 1}`;
const readingValue = (g: number, i: number, m: number) => 50 + ((i * 13 + g * 7 + m) % 40) + 0.5;

function message(g: number, i: number) {
  const ts = DAY + i * MINUTE_MS;
  return {
    schema: 'wte.telemetry.v1',
    messageId: `rs-${g}-${i}`,
    plantId: plantOf(g),
    readings: METRICS.map((metric, m) => ({ ts, line: 'boiler-1', metric, value: readingValue(g, i, m) })),
    movements: [{ ticketId: `RS-${g}-${i}`, ts, direction: 'in', netTonnes: 10, material: 'mixed_waste' }],
  };
}

/** Where gateways send: the current instance, or a promise of the next one while it restarts. */
class Target {
  current: LocalChild | undefined;
  private waiting: Array<(local: LocalChild) => void> = [];
  set(local: LocalChild): void {
    this.current = local;
    for (const resolve of this.waiting.splice(0)) resolve(local);
  }
  down(): void {
    this.current = undefined;
  }
  next(after: LocalChild | undefined): Promise<LocalChild> {
    if (this.current && this.current !== after) return Promise.resolve(this.current);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

interface GatewayState {
  /** Messages 0 .. acked-1 are acknowledged. */
  acked: number;
  /** Sends of a message that had been sent before without an answer. */
  resends: number;
  inFlight: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('restart', () => {
  it(`stores every accepted item exactly once across ${KILLS} SIGKILLs under load`, async () => {
    const dataDir = tempDataDir('restart');
    const target = new Target();
    const random = prng(SEED);
    let stopping = false;
    const states: GatewayState[] = Array.from({ length: GATEWAYS }, () => ({
      acked: 0,
      resends: 0,
      inFlight: false,
    }));

    const first = await spawnLocal({ dataDir, devToken: TOKEN });
    const store = stateStoreOf(first);
    const tokens = await Promise.all(
      Array.from({ length: GATEWAYS }, (_, g) => issueToken(store, `gw-restart-${g + 1}`, [plantOf(g)])),
    );
    target.set(first);

    const httpGateway = async (g: number) => {
      const state = states[g] as GatewayState;
      let local = await target.next(undefined);
      let tried = -1;
      while (state.acked < MAX_MESSAGES) {
        // Once stopping, a gateway only finishes the message it is on.
        if (stopping && tried !== state.acked) break;
        const i = state.acked;
        const paced = sleep(PACE_MS);
        if (tried === i) state.resends++;
        tried = i;
        state.inFlight = true;
        try {
          const answer = await postTelemetry(local.httpUrl, plantOf(g), message(g, i), {
            token: tokens[g]?.token,
          });
          state.inFlight = false;
          if (answer.status === 202) state.acked++;
          else if (answer.status !== 503)
            throw new Error(`gateway ${g}: HTTP ${answer.status} ${answer.text}`);
        } catch (error) {
          state.inFlight = false;
          if (error instanceof Error && error.message.startsWith('gateway')) throw error;
          local = await target.next(local); // died under us: wait for the restart, then resend
        }
        await paced;
      }
    };

    const mqttGateway = async (g: number) => {
      const state = states[g] as GatewayState;
      let local = await target.next(undefined);
      let tried = -1;
      while (state.acked < MAX_MESSAGES) {
        let client: MqttClient;
        try {
          client = await connectGateway(local.mqttUrl, `gw-restart-${g + 1}`, tokens[g]?.token ?? '');
        } catch {
          local = await target.next(local);
          continue;
        }
        const closed = new Promise<'closed'>((resolve) => client.once('close', () => resolve('closed')));
        try {
          while (state.acked < MAX_MESSAGES) {
            if (stopping && tried !== state.acked) return;
            const i = state.acked;
            const paced = sleep(PACE_MS);
            if (tried === i) state.resends++;
            tried = i;
            state.inFlight = true;
            const outcome = await Promise.race([
              client.publishAsync(`wte/v1/${plantOf(g)}/telemetry`, JSON.stringify(message(g, i)), {
                qos: 1,
              }),
              closed,
            ]).catch(() => 'closed' as const);
            state.inFlight = false;
            if (outcome === 'closed') break;
            state.acked++;
            await paced;
          }
        } finally {
          await client.endAsync(true).catch(() => undefined);
        }
        if (stopping && tried !== state.acked) return;
        local = await target.next(local);
      }
    };

    const gateways = Promise.all(
      Array.from({ length: GATEWAYS }, (_, g) => (g < HTTP_GATEWAYS ? httpGateway(g) : mqttGateway(g))),
    );

    const ackedAtKill: number[] = [];
    const inFlightAtKill: number[] = [];
    const restartMs: number[] = [];
    let local = first;
    for (let kill = 0; kill < KILLS; kill++) {
      const [min, max] = RUN_MS;
      await new Promise((resolve) => setTimeout(resolve, min + random() * (max - min)));
      inFlightAtKill.push(states.filter((s) => s.inFlight).length);
      local.child.kill('SIGKILL');
      target.down();
      await local.exited;
      ackedAtKill.push(states.reduce((n, s) => n + s.acked, 0));
      const begin = Date.now();
      local = await spawnLocal({ dataDir, devToken: TOKEN });
      restartMs.push(Date.now() - begin);
      target.set(local);
    }
    // A little more load on the last instance, then each gateway finishes the message it is on.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    stopping = true;
    await gateways;
    const drainBegin = Date.now();
    const queue = await waitForEmptyQueue(local.httpUrl, 120_000);
    const drainMs = Date.now() - drainBegin;

    const accepted = states.map((s) => s.acked);
    const totalAccepted = accepted.reduce((a, b) => a + b, 0);

    // Through the API: one point per accepted minute with its value, and each ticket counted once.
    const from = new Date(DAY).toISOString();
    const to = new Date(DAY + DAY_MS).toISOString();
    let apiMissing = 0;
    let apiExtra = 0;
    let apiWrong = 0;
    let receiptsOff = 0;
    for (let g = 0; g < GATEWAYS; g++) {
      const { body } = await getJson<{ points: Array<{ ts: string; value: number }> }>(
        local.httpUrl,
        `/v1/plants/${plantOf(g)}/series?metric=furnace_temperature&from=${from}&to=${to}&interval=1m&agg=last`,
      );
      const points = new Map(body.points.map((p) => [(Date.parse(p.ts) - DAY) / MINUTE_MS, p.value]));
      for (let i = 0; i < (accepted[g] ?? 0); i++) {
        const value = points.get(i);
        if (value === undefined) apiMissing++;
        else if (value !== readingValue(g, i, 0)) apiWrong++;
      }
      apiExtra += [...points.keys()].filter((i) => i >= (accepted[g] ?? 0)).length;
      const kpis = await getJson<{ points: Array<{ received_t: number }> }>(
        local.httpUrl,
        `/v1/plants/${plantOf(g)}/kpis?from=${from}&to=${to}&interval=1d`,
      );
      if (Math.abs((kpis.body.points[0]?.received_t ?? 0) - 10 * (accepted[g] ?? 0)) > 1e-6) receiptsOff++;
    }

    local.child.kill('SIGTERM');
    await local.exited;

    // The store itself: exactly the accepted readings, each once, value for value.
    const metrics = await DuckDbMetricsStore.open({ path: join(dataDir, 'metrics.duckdb') });
    let stored = 0;
    let missing = 0;
    let extra = 0;
    let wrong = 0;
    let tickets = 0;
    try {
      for (let g = 0; g < GATEWAYS; g++) {
        for (const [m, metric] of METRICS.entries()) {
          const rows = await metrics.readReadings({
            plantId: plantOf(g),
            metric,
            from: DAY,
            to: DAY + DAY_MS,
          });
          stored += rows.length;
          const byMinute = new Map(rows.map((r) => [(r.ts - DAY) / MINUTE_MS, r.value]));
          for (let i = 0; i < (accepted[g] ?? 0); i++) {
            const value = byMinute.get(i);
            if (value === undefined) missing++;
            else if (value !== readingValue(g, i, m)) wrong++;
          }
          extra += [...byMinute.keys()].filter((i) => i >= (accepted[g] ?? 0)).length;
        }
        tickets += (await metrics.readMovements(plantOf(g), DAY, DAY + DAY_MS)).length;
      }
    } finally {
      await metrics.close();
    }

    const perKill = ackedAtKill.map((n, k) => n - (ackedAtKill[k - 1] ?? 0));
    figures.add('kills (SIGKILL) and restarts on the same data dir', KILLS, '3');
    figures.add('gateways (HTTP + MQTT)', `${HTTP_GATEWAYS} + ${MQTT_GATEWAYS}`);
    figures.add('messages accepted before each kill', perKill.join(' / '));
    figures.add('requests in flight at each kill', inFlightAtKill.join(' / '));
    figures.add(
      'messages sent again after a failure',
      states.reduce((n, s) => n + s.resends, 0),
    );
    figures.add('messages accepted in all', totalAccepted);
    figures.add('readings stored / expected', `${stored} / ${totalAccepted * METRICS.length}`);
    figures.add(
      'readings missing / extra / wrong value (store)',
      `${missing} / ${extra} / ${wrong}`,
      '0 / 0 / 0',
    );
    figures.add(
      'series points missing / extra / wrong (API)',
      `${apiMissing} / ${apiExtra} / ${apiWrong}`,
      '0 / 0 / 0',
    );
    figures.add(
      'tickets stored / accepted; plants with KPI receipts off',
      `${tickets} / ${totalAccepted}; ${receiptsOff}`,
      'equal; 0',
    );
    figures.add('dead-lettered', queue.deadLettered, '0');
    figures.add(
      'restart to ready, mean (s)',
      (restartMs.reduce((a, b) => a + b, 0) / restartMs.length / 1000).toFixed(2),
    );
    figures.add('drain after the last restart (s)', (drainMs / 1000).toFixed(1));

    expect(
      perKill.every((n) => n > 0),
      'every kill lands under load',
    ).toBe(true);
    expect({ missing, extra, wrong }).toEqual({ missing: 0, extra: 0, wrong: 0 });
    expect({ apiMissing, apiExtra, apiWrong }).toEqual({ apiMissing: 0, apiExtra: 0, apiWrong: 0 });
    expect(stored).toBe(totalAccepted * METRICS.length);
    expect(tickets).toBe(totalAccepted);
    expect(receiptsOff).toBe(0);
    expect(queue.deadLettered).toBe(0);
  }, 180_000);
});
