/**
 * Local mode end to end, in-process on random ports, over real HTTP and MQTT:
 * the same handlers as on AWS behind a Node server and an aedes broker,
 * dynalite and DuckDB under a temporary data dir.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayToken } from '../../lambdas/auth/gateway-tokens.ts';
import { computeKpis, KPI_COUNTER_METRICS, withRatiosFor } from '../../lambdas/domain/kpis.ts';
import { parseTelemetry } from '../../lambdas/domain/parse-telemetry.ts';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import type { Movement, Reading } from '../../lambdas/domain/telemetry.ts';
import { bucketStart, DAY_MS } from '../../lambdas/domain/time.ts';
import { type LocalMode, startLocalMode } from '../../lambdas/local/runtime.ts';
import { simulateFleet } from '../../lambdas/sim/fleet.ts';
import { stateStoreOf } from '../support/local-mode.ts';

const DEV_TOKEN = 'e2e-dev-token-0123456789';
const TZ = 'Asia/Almaty';
const MIN = 60_000;

let local: LocalMode;
const dataDir = mkdtempSync(join(tmpdir(), 'wte-e2e-'));
/** Yesterday, plant-local: complete, inside the late-data horizon. */
const DAY = bucketStart(Date.now(), '1d', TZ) - DAY_MS;

beforeAll(async () => {
  local = await startLocalMode({
    dataDir,
    httpPort: 0,
    mqttPort: 0,
    devToken: DEV_TOKEN,
    schedulerIntervalMs: 3_600_000,
    queue: { batchingWindowMs: 20 },
  });
}, 60_000);

afterAll(async () => {
  await local?.close();
});

async function post(plantId: string, body: unknown, token = DEV_TOKEN, contentType = 'application/json') {
  const response = await fetch(`${local.httpUrl}/v1/plants/${plantId}/telemetry`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

async function getJson(path: string) {
  const response = await fetch(`${local.httpUrl}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** What the domain core computes from the messages as sent. */
function expectedKpis(bodies: readonly object[], interval: '1h' | '1d', from: number, to: number) {
  const readings: Reading[] = [];
  const movements: Movement[] = [];
  for (const body of bodies) {
    const parsed = parseTelemetry(body, { now: Date.now() });
    if (!parsed.ok) throw new Error(parsed.problem.detail);
    readings.push(...parsed.message.readings);
    movements.push(...parsed.message.movements);
  }
  return computeKpis({
    interval,
    timeZone: TZ,
    from,
    to,
    now: Date.now(),
    readings: readings.filter((r) => (KPI_COUNTER_METRICS as readonly string[]).includes(r.metric)),
    movements,
  }).map((p) =>
    // Unit conversions and summation order differ by ulps between the two paths.
    Object.fromEntries(
      Object.entries({ ...withRatiosFor(interval, p), start: iso(p.start), end: iso(p.end) }).map(
        ([k, v]) => [k, typeof v === 'number' ? expect.closeTo(v, 6) : v],
      ),
    ),
  );
}

async function kpis(plantId: string, interval: '1h' | '1d', from: number, to: number) {
  const { status, body } = await getJson(
    `/v1/plants/${plantId}/kpis?from=${iso(from)}&to=${iso(to)}&interval=${interval}`,
  );
  expect(status).toBe(200);
  return body.points;
}

/** A simulated plant-local day, one message every 10 minutes, as the plant sent it. */
function simulatedDay(plantIndex: number, seed: number) {
  return [
    ...simulateFleet({ plants: plantIndex + 1, start: DAY, durationMs: DAY_MS, intervalMs: 10 * MIN, seed }),
  ]
    .filter((m) => m.plantId === simulatedPlantId(plantIndex, seed))
    .map((m) => m.body);
}

function simulatedPlantId(plantIndex: number, seed: number): string {
  const first = simulateFleet({ plants: plantIndex + 1, start: DAY, durationMs: MIN, intervalMs: MIN, seed });
  return [...first][plantIndex]?.plantId ?? '';
}

describe('local mode', () => {
  it('answers /healthz and refuses unknown routes and methods with problem details', async () => {
    expect(await getJson('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const missing = await fetch(`${local.httpUrl}/v1/nothing`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    const wrongMethod = await fetch(`${local.httpUrl}/v1/alerts`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(await wrongMethod.json()).toMatchObject({
      type: 'urn:wte:problem:method-not-allowed',
      status: 405,
    });
  });

  it('stores a simulated day sent over HTTP: KPIs from the API equal the domain core on the data sent', async () => {
    const bodies = simulatedDay(0, 7);
    const plantId = simulatedPlantId(0, 7);
    for (const body of bodies) {
      const response = await post(plantId, body);
      expect(response.status).toBe(202);
    }
    expect(await local.settle(60_000)).toBe(true);
    for (const interval of ['1h', '1d'] as const) {
      expect(await kpis(plantId, interval, DAY, DAY + DAY_MS)).toEqual(
        expectedKpis(bodies, interval, DAY, DAY + DAY_MS),
      );
    }
    const { body } = await getJson(
      `/v1/plants/${plantId}/kpis?from=${iso(DAY)}&to=${iso(DAY + DAY_MS)}&interval=1d`,
    );
    const [day] = body.points as Array<{ received_t: number; complete: boolean }>;
    expect(day?.received_t).toBeGreaterThan(500);
    expect(day?.complete).toBe(true);
  }, 120_000);

  it("answers the day's plant by month, by year and in its annual report, each the sum of its days", async () => {
    const plantId = simulatedPlantId(0, 7);
    const year = new Date(DAY + 12 * 3_600_000).getUTCFullYear();
    const { body: days } = await getJson(
      `/v1/plants/${plantId}/kpis?from=${year}-01-01T00:00:00Z&to=${year + 1}-01-01T00:00:00Z&interval=1d`,
    );
    const received = (days.points as Array<{ received_t: number }>).reduce((sum, d) => sum + d.received_t, 0);
    expect(received).toBeGreaterThan(500);
    const { status, body: report } = await getJson(`/v1/plants/${plantId}/report?year=${year}`);
    expect(status).toBe(200);
    const totals = report.totals as { received_t: number };
    expect(totals.received_t).toBeCloseTo(received, 6);
    expect(report.months as unknown[]).toHaveLength(12);
    const unknown = await getJson(`/v1/plants/kz-none-99/report?year=${year}`);
    expect(unknown.status).toBe(404);
  }, 60_000);

  it('stores a simulated day published over MQTT the same way', async () => {
    const bodies = simulatedDay(1, 11);
    const plantId = simulatedPlantId(1, 11);
    const client = await mqtt.connectAsync(local.mqttUrl, {
      username: 'gw-e2e',
      password: DEV_TOKEN,
      clientId: 'e2e-mqtt',
      reconnectPeriod: 0,
    });
    try {
      for (const body of bodies) {
        await client.publishAsync(`wte/v1/${plantId}/telemetry`, JSON.stringify(body), { qos: 1 });
      }
    } finally {
      await client.endAsync();
    }
    expect(await local.settle(60_000)).toBe(true);
    expect(await kpis(plantId, '1h', DAY, DAY + DAY_MS)).toEqual(
      expectedKpis(bodies, '1h', DAY, DAY + DAY_MS),
    );
  }, 120_000);

  it('raises exactly one diversion alert for a diversion drop, in the API and once in alerts.jsonl', async () => {
    const plantId = 'kz-e2e-div';
    const message = (i: number, movements: object[]) => ({
      schema: 'wte.telemetry.v1',
      messageId: `div-${i}`,
      plantId,
      readings: [],
      movements,
    });
    // 10 trucks of 12 t in from 08:00; from 14:00, 9 trucks of 10 t to landfill: 25 % diverted.
    const bodies = [
      ...Array.from({ length: 10 }, (_, i) =>
        message(i, [
          {
            ticketId: `IN-${i}`,
            ts: DAY + (8 * 60 + 20 * i) * MIN,
            direction: 'in',
            netTonnes: 12,
            material: 'mixed_waste',
          },
        ]),
      ),
      ...Array.from({ length: 9 }, (_, i) =>
        message(100 + i, [
          {
            ticketId: `OUT-${i}`,
            ts: DAY + (14 * 60 + 20 * i) * MIN,
            direction: 'out',
            netTonnes: 10,
            material: 'rejects',
            destination: 'landfill',
          },
        ]),
      ),
    ];
    // Yesterday is a backfill: judged once the plant's late data pauses, here at once (quiet period 0).
    await stateStoreOf(local).putPlant({ ...defaultPlantConfig(plantId), dayCompleteAfterMinutes: 0 });
    // Redelivered and reordered: duplicates change nothing.
    for (const body of [...bodies].reverse()) expect((await post(plantId, body)).status).toBe(202);
    for (const body of bodies.slice(0, 5)) expect((await post(plantId, body)).status).toBe(202);
    expect(await local.settle(60_000)).toBe(true);
    await local.runScheduler();
    await local.runScheduler();

    const { body } = await getJson(`/v1/alerts?plantId=${plantId}`);
    const alerts = body.alerts as Array<{ type: string; state: string; alertId: string; message: string }>;
    const diversion = alerts.filter((a) => a.type === 'DIVERSION_BELOW_TARGET');
    expect(diversion).toHaveLength(1);
    expect(diversion[0]?.state).toBe('open');
    const lines = readFileSync(local.alertsFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { alertId: string; kind?: string; type: string });
    expect(lines.filter((l) => l.alertId === diversion[0]?.alertId)).toHaveLength(1);
  }, 120_000);

  it('refuses an MQTT publish for a plant the token does not allow, and keeps serving', async () => {
    const state = stateStoreOf(local);
    const { token, record } = createGatewayToken({
      gatewayId: 'gw-ast',
      plants: ['kz-own-01'],
      now: Date.now(),
    });
    await state.putToken(record);

    const client = await mqtt.connectAsync(local.mqttUrl, {
      username: 'gw-ast',
      password: token,
      clientId: 'gw-ast/e2e-refused',
      reconnectPeriod: 0,
    });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish(
      `wte/v1/kz-other-01/telemetry`,
      JSON.stringify({
        schema: 'wte.telemetry.v1',
        messageId: 'x-1',
        plantId: 'kz-other-01',
        readings: [
          { ts: DAY + 60 * MIN, line: 'boiler-1', metric: 'furnace_temperature', value: 900, unit: 'degC' },
        ],
        movements: [],
      }),
      { qos: 1 },
    );
    await closed;
    await client.endAsync(true);
    expect(await local.settle(10_000)).toBe(true);
    const series = await getJson(
      `/v1/plants/kz-other-01/series?metric=furnace_temperature&from=${iso(DAY)}&to=${iso(DAY + DAY_MS)}&interval=1h&agg=max`,
    );
    // Nothing of it was processed, so the plant is not even known.
    expect(series.status).toBe(404);

    // A wrong password is refused at CONNECT.
    await expect(
      mqtt.connectAsync(local.mqttUrl, {
        username: 'gw-ast',
        password: 'nope',
        clientId: 'e2e-bad',
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow();
    expect((await getJson('/healthz')).status).toBe(200);
  }, 60_000);

  it('answers bad input over HTTP with problem details and over MQTT with a rejection notice', async () => {
    const plantId = 'kz-e2e-bad';
    const notJson = await post(plantId, '{"schema":', DEV_TOKEN);
    expect(notJson.status).toBe(400);
    expect(notJson.type).toBe('application/problem+json');
    expect((await post(plantId, '{}', 'wrong-token')).status).toBe(401);
    expect((await post(plantId, 'x', DEV_TOKEN, 'text/plain')).status).toBe(415);
    const mixed = await post(plantId, {
      schema: 'wte.telemetry.v1',
      messageId: 'mixed-1',
      plantId,
      readings: [
        { ts: DAY + MIN, line: 'boiler-1', metric: 'furnace_temperature', value: 910, unit: 'degC' },
        { ts: DAY + MIN, line: 'boiler-1', metric: 'no_such_metric', value: 1, unit: 'x' },
      ],
      movements: [],
    });
    expect(mixed.status).toBe(202);
    expect(mixed.body).toMatchObject({
      acceptedReadings: 1,
      rejected: [{ pointer: expect.stringMatching(/^\/readings\/1\b/) }],
    });

    const client = await mqtt.connectAsync(local.mqttUrl, {
      username: 'gw-bad',
      password: DEV_TOKEN,
      clientId: 'e2e-bad-input',
      reconnectPeriod: 0,
    });
    try {
      await client.subscribeAsync(`wte/v1/${plantId}/rejected`, { qos: 1 });
      const notice = new Promise<Record<string, unknown>>((resolve) =>
        client.on('message', (_topic, payload) =>
          resolve(JSON.parse(payload.toString('utf8')) as Record<string, unknown>),
        ),
      );
      await client.publishAsync(`wte/v1/${plantId}/telemetry`, 'this is not json', { qos: 1 });
      expect(await notice).toMatchObject({ status: 400, type: 'urn:wte:problem:invalid-json' });
    } finally {
      await client.endAsync();
    }
    expect((await getJson('/healthz')).status).toBe(200);
  }, 60_000);
});
