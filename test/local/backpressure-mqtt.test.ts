/**
 * MQTT backpressure in local mode (docs/backpressure.md): over the backlog
 * bound the bridge withholds the PUBACK (QoS 1 flow control) and sends it
 * once the processor made room; held past its limit, the publish is refused
 * with a 503 notice naming the messageId and a disconnect without PUBACK,
 * and the client's resend after reconnecting is stored exactly once.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { bucketStart, DAY_MS } from '../../lambdas/domain/time.ts';
import { type LocalMode, type LocalModeOptions, startLocalMode } from '../../lambdas/local/runtime.ts';
import { mqttTransport } from '../../lambdas/sim/transports.ts';

const TOKEN = 'backpressure-mqtt-token-01';
const PLANT = 'kz-bp-mqtt';
const MIN = 60_000;
const DAY = bucketStart(Date.now(), '1d', 'Asia/Almaty') - DAY_MS;
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const dataDirs = new Map<LocalMode, string>();

/** How often each messageId was journaled (sent to the queue), from the journal itself. */
function journaled(local: LocalMode): Map<string, number> {
  const counts = new Map<string, number>();
  const file = join(dataDirs.get(local) as string, 'queue', 'journal.jsonl');
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const op = JSON.parse(line) as { op: string; body?: string };
    if (op.op !== 'send' || op.body === undefined) continue;
    const envelope = JSON.parse(op.body) as { payload: string };
    const { messageId } = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
      messageId: string;
    };
    counts.set(messageId, (counts.get(messageId) ?? 0) + 1);
  }
  return counts;
}

async function start(backlog: LocalModeOptions['backlog'], logs: string[]): Promise<LocalMode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wte-bp-mqtt-'));
  const local = await startLocalMode({
    dataDir,
    httpPort: 0,
    mqttPort: 0,
    devToken: TOKEN,
    schedulerIntervalMs: 3_600_000,
    queue: { batchingWindowMs: 5 },
    backlog,
    processorPaused: true,
    log: (_level, message) => logs.push(message),
  });
  dataDirs.set(local, dataDir);
  cleanups.push(async () => {
    await local.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return local;
}

async function connect(local: LocalMode, reconnectPeriod: number): Promise<MqttClient> {
  const client = await mqtt.connectAsync(local.mqttUrl, {
    username: 'gw-bp',
    password: TOKEN,
    clientId: `bp-${Math.random().toString(36).slice(2)}`,
    reconnectPeriod,
  });
  client.on('error', () => {});
  cleanups.push(() => client.endAsync(true).then(() => undefined));
  return client;
}

function body(i: number) {
  const ts = DAY + i * MIN;
  return {
    schema: 'wte.telemetry.v1',
    messageId: `bp-mqtt-${i}`,
    readings: [{ ts, line: 'boiler-1', metric: 'furnace_temperature', value: 900, unit: 'degC' }],
    movements: [{ ticketId: `T-${i}`, ts, direction: 'in', netTonnes: 10, material: 'mixed_waste' }],
  };
}
const message = (i: number) => JSON.stringify(body(i));

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function receivedTonnes(local: LocalMode): Promise<number | undefined> {
  const from = new Date(DAY).toISOString();
  const to = new Date(DAY + DAY_MS).toISOString();
  const kpis = (await (
    await fetch(`${local.httpUrl}/v1/plants/${PLANT}/kpis?from=${from}&to=${to}&interval=1d`)
  ).json()) as { points: Array<{ received_t: number }> };
  return kpis.points[0]?.received_t;
}

const topic = `wte/v1/${PLANT}/telemetry`;

describe('MQTT ingest under backpressure', () => {
  it('withholds the PUBACK while over the bound and sends it once there is room', async () => {
    const logs: string[] = [];
    const local = await start({ maxBytes: 1, mqttHoldMs: 60_000 }, logs);
    const client = await connect(local, 0);
    await client.publishAsync(topic, message(0), { qos: 1 });

    let acked = false;
    const second = client.publishAsync(topic, message(1), { qos: 1 }).then(() => {
      acked = true;
    });
    await until('the bridge to hold the publish', () => logs.includes('MQTT publish held: pipeline behind'));
    expect(acked, 'no PUBACK while over the bound').toBe(false);
    expect(local.backlog().messages, 'the held message is not journaled').toBe(1);

    local.resumeProcessor();
    await second;
    expect(acked).toBe(true);
    expect(await local.settle(30_000)).toBe(true);
    expect(await receivedTonnes(local)).toBeCloseTo(20, 6);
  }, 60_000);

  it('refuses after the hold with a 503 notice and no PUBACK; the resend after reconnecting is stored once', async () => {
    const logs: string[] = [];
    const local = await start({ maxBytes: 1, mqttHoldMs: 50 }, logs);
    const client = await connect(local, 100);
    const notices: Array<Record<string, unknown>> = [];
    client.on('message', (_topic, payload) => notices.push(JSON.parse(payload.toString('utf8'))));
    await client.subscribeAsync(`wte/v1/${PLANT}/rejected`, { qos: 1 });
    await client.publishAsync(topic, message(0), { qos: 1 });

    let acked = false;
    const second = client.publishAsync(topic, message(1), { qos: 1 }).then(() => {
      acked = true;
    });
    await until('the refusal', () => logs.includes('MQTT publish refused: pipeline still behind'));
    await until('the 503 notice', () => notices.some((n) => n.messageId === 'bp-mqtt-1'));
    expect(notices.find((n) => n.messageId === 'bp-mqtt-1')).toMatchObject({
      status: 503,
      type: 'urn:wte:problem:unavailable',
    });
    expect(acked, 'a refused publish is not acknowledged').toBe(false);

    local.resumeProcessor();
    await second; // the client resent it after reconnecting, and this time it was acknowledged
    expect(await local.settle(30_000)).toBe(true);
    expect(await receivedTonnes(local)).toBeCloseTo(20, 6);
  }, 60_000);

  it('does not journal a publish whose connection closed while it was held: the resend is the only copy', async () => {
    const logs: string[] = [];
    const local = await start({ maxBytes: 1, mqttHoldMs: 300 }, logs);
    const client = await connect(local, 100);
    await client.publishAsync(topic, message(0), { qos: 1 });
    const first = client.publishAsync(topic, message(1), { qos: 1 });
    await until('the first publish held', () => logs.includes('MQTT publish held: pipeline behind'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = client.publishAsync(topic, message(2), { qos: 1 });
    // The first is refused and the connection closed; room appears while the second is still held.
    await until('the refusal', () => logs.includes('MQTT publish refused: pipeline still behind'));
    local.resumeProcessor();
    await Promise.all([first, second]);
    expect(await local.settle(30_000)).toBe(true);
    expect(Object.fromEntries(journaled(local))).toEqual({ 'bp-mqtt-0': 1, 'bp-mqtt-1': 1, 'bp-mqtt-2': 1 });
  }, 60_000);

  it("the simulator's MQTT gateway waits on its one held publish and never publishes it twice", async () => {
    const logs: string[] = [];
    const local = await start({ maxBytes: 1, mqttHoldMs: 60_000 }, logs);
    const transport = await mqttTransport({
      url: local.mqttUrl,
      token: TOKEN,
      gateways: [{ plantId: PLANT, gatewayId: 'gw-bp-sim' }],
      ackTimeoutMs: 20,
    });
    cleanups.push(() => transport.close());
    const signal = new AbortController().signal;
    const outgoing = (i: number) =>
      ({ plantId: PLANT, body: body(i) }) as unknown as Parameters<typeof transport.send>[0];
    expect((await transport.send(outgoing(0), signal)).kind).toBe('accepted');

    const held = transport.send(outgoing(1), signal);
    await until('the bridge to hold the publish', () => logs.includes('MQTT publish held: pipeline behind'));
    let outcome: Awaited<typeof held> | undefined;
    void held.then((o) => {
      outcome = o;
    });
    // Ten ack timeouts pass while it is held; before, each one put another copy in flight.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(outcome).toBeUndefined();

    local.resumeProcessor();
    const done = await held;
    expect(done).toMatchObject({ kind: 'accepted' });
    expect(done.retries, 'the ack timeouts were counted as retries').toBeGreaterThan(0);
    expect(logs.filter((m) => m === 'MQTT publish held: pipeline behind')).toHaveLength(1);
    expect(await local.settle(30_000)).toBe(true);
    expect(await receivedTonnes(local)).toBeCloseTo(20, 6);
  }, 60_000);
});
