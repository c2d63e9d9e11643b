/**
 * MQTT rejection notices carry the messageId (issue #17 item 6) and refuse
 * impossible readings by pointer (item 3): local mode over a real MQTT
 * client, the bridge and the processor as on AWS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalMode, startLocalMode } from '../../lambdas/local/runtime.ts';

const DEV_TOKEN = 'mqtt-rejections-dev-token-01';
const PLANT = 'kz-mqtt-rej';
const dataDir = mkdtempSync(join(tmpdir(), 'wte-mqtt-rej-'));
let local: LocalMode;
let client: MqttClient;
const notices: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  local = await startLocalMode({
    dataDir,
    httpPort: 0,
    mqttPort: 0,
    devToken: DEV_TOKEN,
    schedulerIntervalMs: 3_600_000,
    queue: { batchingWindowMs: 20 },
  });
  client = await mqtt.connectAsync(local.mqttUrl, {
    username: 'gw-rej',
    password: DEV_TOKEN,
    clientId: 'mqtt-rejections',
    reconnectPeriod: 0,
  });
  client.on('message', (_topic, payload) => notices.push(JSON.parse(payload.toString('utf8'))));
  await client.subscribeAsync(`wte/v1/${PLANT}/rejected`, { qos: 1 });
}, 60_000);

afterAll(async () => {
  await client?.endAsync();
  await local?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function noticeFor(messageId: string, count = 1): Promise<Array<Record<string, unknown>>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = notices.filter((n) => n.messageId === messageId);
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`no notice for ${messageId}: ${JSON.stringify(notices)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const publish = (payload: string | Buffer) =>
  client.publishAsync(`wte/v1/${PLANT}/telemetry`, payload, { qos: 1 });

const reading = (extra: object) => ({ ts: Date.now() - 60_000, line: 'boiler-1', ...extra });

describe('MQTT rejections name the message', () => {
  it('carries the messageId on a refusal of the whole message (wrong schema)', async () => {
    await publish(
      JSON.stringify({
        schema: 'wte.telemetry.v0',
        messageId: 'gw-rej:1',
        readings: [reading({ metric: 'furnace_temperature', value: 900 })],
      }),
    );
    const [notice] = await noticeFor('gw-rej:1');
    expect(notice).toMatchObject({
      status: 400,
      type: 'urn:wte:problem:invalid-message',
      errors: [{ pointer: '/schema' }],
    });
  }, 30_000);

  it('carries it when no item is possible, and on each refused item of an accepted message', async () => {
    await publish(
      JSON.stringify({
        schema: 'wte.telemetry.v1',
        messageId: 'gw-rej:2',
        readings: [reading({ metric: 'furnace_temperature', value: -5000, unit: 'K' })],
      }),
    );
    await publish(
      JSON.stringify({
        schema: 'wte.telemetry.v1',
        messageId: 'gw-rej:3',
        readings: [
          reading({ metric: 'flue_gas_o2', value: 250, unit: '%' }),
          reading({ metric: 'furnace_temperature', value: 900 }),
        ],
      }),
    );
    const [whole] = await noticeFor('gw-rej:2');
    expect(whole).toMatchObject({
      status: 400,
      type: 'urn:wte:problem:no-valid-items',
      errors: [{ pointer: '/readings/0/value', detail: expect.stringContaining('(absolute zero)') }],
    });
    const [item] = await noticeFor('gw-rej:3');
    expect(item).toMatchObject({
      status: 422,
      type: 'urn:wte:problem:value-out-of-range',
      errors: [
        { pointer: '/readings/0/value', detail: 'flue_gas_o2 250 % is above the physical maximum 100 %' },
      ],
    });
  }, 30_000);

  it('carries it on the bridge’s own refusal of an oversized payload', async () => {
    const padding = 'x'.repeat(130 * 1024);
    await publish(
      JSON.stringify({ schema: 'wte.telemetry.v1', messageId: 'gw-rej:4', readings: [], padding }),
    );
    const [notice] = await noticeFor('gw-rej:4');
    expect(notice).toMatchObject({ status: 413, type: 'urn:wte:problem:payload-too-large' });
  }, 30_000);
});
