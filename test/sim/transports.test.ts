/**
 * The simulator's transports against real servers on random ports: a
 * node:http ingest (202 with item rejections, 4xx refusals, 429/503 and
 * dropped connections) and an aedes MQTT broker (credentials, QoS 1,
 * rejection notices).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../lambdas/domain/time.ts';
import { runSimulation } from '../../lambdas/sim/run-simulation.ts';
import type { OutgoingMessage } from '../../lambdas/sim/simulator.ts';
import { httpTransport, MqttConnectError, retryAfterMs } from '../../lambdas/sim/transports.ts';
import { messagesOf, plan } from './support/runs.ts';
import { type IngestServer, startBroker, startIngestServer } from './support/servers.ts';

const TOKEN = 'sim-test-token-0123456789';
const FAST = { baseMs: 1, maxMs: 5, maxRetryAfterMs: 50, maxServerErrorAttempts: 3 };

/** A message whose data is a few minutes old, so the real parser accepts it now. */
function recentMessage(): OutgoingMessage {
  const start = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 30 * MINUTE_MS;
  const messages = messagesOf(plan({ start, end: start + 30 * MINUTE_MS, intervalMs: MINUTE_MS }));
  return messages.find((m) => m.body.movements.length > 0) ?? (messages[0] as OutgoingMessage);
}

describe('HTTP transport', () => {
  let server: IngestServer;
  beforeAll(async () => {
    server = await startIngestServer();
  });
  afterAll(() => server.close());
  afterEach(() => {
    server.received.length = 0;
    server.script = () => undefined;
  });

  const send = (message: OutgoingMessage, signal = new AbortController().signal) =>
    httpTransport({ target: `${server.url}/`, token: TOKEN, retry: FAST }).send(message, signal);

  it('posts the message as JSON to /v1/plants/{plantId}/telemetry with the bearer token', async () => {
    const message = recentMessage();
    const outcome = await send(message);
    expect(outcome).toEqual({
      kind: 'accepted',
      acceptedReadings: message.body.readings.length,
      acceptedMovements: message.body.movements.length,
      rejected: [],
      retries: 0,
    });
    expect(server.received).toHaveLength(1);
    expect(server.received[0]).toMatchObject({
      method: 'POST',
      url: `/v1/plants/${message.plantId}/telemetry`,
      authorization: `Bearer ${TOKEN}`,
      contentType: 'application/json',
    });
    expect(JSON.parse(server.received[0]?.body ?? '')).toEqual(message.body);
  });

  it('counts the items a 202 lists as rejected', async () => {
    server.script = () => ({
      status: 202,
      body: {
        messageId: 'm',
        acceptedReadings: 40,
        acceptedMovements: 0,
        rejected: [
          { pointer: '/readings/3/ts', type: 'urn:x', detail: 'is older than the late-data horizon' },
        ],
      },
    });
    const outcome = await send(recentMessage());
    expect(outcome).toMatchObject({ kind: 'accepted', acceptedReadings: 40, retries: 0 });
    expect(outcome.kind === 'accepted' && outcome.rejected).toEqual([
      { pointer: '/readings/3/ts', type: 'urn:x', detail: 'is older than the late-data horizon' },
    ]);
  });

  it('retries 503 and 429 (honouring Retry-After) until accepted, sending the same body each time', async () => {
    server.script = (n) =>
      n === 0
        ? { status: 503, headers: { 'retry-after': '0' }, body: { title: 'Service unavailable' } }
        : n === 1
          ? { status: 429, headers: { 'retry-after': '0' }, body: { title: 'Too many requests' } }
          : undefined;
    const outcome = await send(recentMessage());
    expect(outcome).toMatchObject({ kind: 'accepted', retries: 2 });
    expect(server.received).toHaveLength(3);
    expect(new Set(server.received.map((r) => r.body)).size).toBe(1);
  });

  it('retries a dropped connection', async () => {
    server.script = (n) => (n === 0 ? 'destroy' : undefined);
    expect(await send(recentMessage())).toMatchObject({ kind: 'accepted', retries: 1 });
    expect(server.received).toHaveLength(2);
  });

  it('does not retry a 400: the refusal comes back with its problem details', async () => {
    server.script = () => ({
      status: 400,
      body: { type: 'urn:x', title: 'Invalid telemetry message', status: 400, detail: 'schema is wrong' },
    });
    expect(await send(recentMessage())).toEqual({
      kind: 'refused',
      status: 400,
      title: 'Invalid telemetry message',
      detail: 'schema is wrong',
      retries: 0,
    });
    expect(server.received).toHaveLength(1);
  });

  it('gives up on a 500 after a few attempts, and stops retrying at once when aborted', async () => {
    server.script = () => ({ status: 500, body: { title: 'Internal error' } });
    expect(await send(recentMessage())).toMatchObject({ kind: 'refused', status: 500, retries: 2 });
    expect(server.received).toHaveLength(3);

    server.script = () => ({ status: 503, headers: { 'retry-after': '30' } });
    const controller = new AbortController();
    const slow = httpTransport({ target: server.url, token: TOKEN }).send(recentMessage(), controller.signal);
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await expect(slow).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(Date.UTC(2026, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2026, 0, 1))).toBe(
      10_000,
    );
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});

describe('MQTT transport', () => {
  it('publishes each gateway’s messages at QoS 1 under its own plant, as its gateway id, and counts rejection notices', async () => {
    const broker = await startBroker(TOKEN);
    try {
      let notified = false;
      broker.onTelemetry = (p) => {
        if (notified || !p.topic.includes('kz-ala-01')) return;
        notified = true;
        void broker.publish('wte/v1/kz-ala-01/rejected', {
          type: 'urn:x',
          title: 'Invalid item',
          status: 400,
          detail: 'readings/0 is bad',
          messageId: JSON.parse(p.payload).messageId,
        });
      };
      const logs: string[] = [];
      const stats = await runSimulation(
        {
          transport: 'mqtt',
          mqttUrl: broker.url,
          token: TOKEN,
          plants: 2,
          scenario: 'normal',
          ratePerMinute: 1,
          durationMs: HOUR_MS,
          speed: 'max',
          seed: 3,
        },
        { onLog: (line) => logs.push(line) },
      );
      expect(stats).toMatchObject({ phase: 'done', sent: 120, refusedMessages: 0 });
      expect(broker.published).toHaveLength(120);
      for (const p of broker.published) {
        const body = JSON.parse(p.payload) as { plantId: string };
        expect(p.topic).toBe(`wte/v1/${body.plantId}/telemetry`);
        expect(p.username).toBe(`gw-${body.plantId}`);
        expect(p.qos).toBe(1);
      }
      expect(new Set(broker.subscriptions)).toEqual(
        new Set(['wte/v1/kz-ast-01/rejected', 'wte/v1/kz-ala-01/rejected']),
      );
      await expect.poll(() => logs.some((l) => l.includes('Invalid item'))).toBe(true);
      expect(stats.acceptedReadings).toBeGreaterThan(0);
    } finally {
      await broker.close();
    }
  });

  it('reports a refused connection (wrong token) instead of retrying it', async () => {
    const broker = await startBroker(TOKEN);
    try {
      await expect(
        runSimulation({
          transport: 'mqtt',
          mqttUrl: broker.url,
          token: 'wrong-token',
          plants: 1,
          scenario: 'normal',
          ratePerMinute: 1,
          durationMs: HOUR_MS,
          speed: 'max',
          seed: 1,
        }),
      ).rejects.toBeInstanceOf(MqttConnectError);
    } finally {
      await broker.close();
    }
  });
});
