/**
 * MQTT client ids belong to gateways (#22 item 1): a gateway token connects
 * with its gateway id, or its gateway id, `/` and a suffix; any other client
 * id is refused at CONNECT, so one gateway cannot knock another off by
 * reusing its client id. The dev token keeps every plant but cannot take
 * over a client id a gateway token holds.
 */
import { connect as tcpConnect } from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayIdentity } from '../../lambdas/local/local-auth.ts';
import { startMqttBridge } from '../../lambdas/local/mqtt-bridge.ts';
import type { LocalMode } from '../../lambdas/local/runtime.ts';
import { connectGateway, issueToken, startLocal, stateStoreOf, tempDataDir } from '../support/local-mode.ts';

const DEV_TOKEN = 'client-ids-dev-token-0123456789';
let local: LocalMode;
let tokenA: string;
let tokenB: string;
const open: MqttClient[] = [];

beforeAll(async () => {
  local = await startLocal({ dataDir: tempDataDir('client-ids'), devToken: DEV_TOKEN });
  const store = stateStoreOf(local);
  tokenA = (await issueToken(store, 'gw-a', ['kz-cid-01'])).token;
  tokenB = (await issueToken(store, 'gw-b', ['kz-cid-02'])).token;
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.endAsync(true).catch(() => undefined)));
  await local.close();
});

async function connect(gatewayId: string, token: string, clientId: string): Promise<MqttClient> {
  const client = await connectGateway(local.mqttUrl, gatewayId, token, clientId);
  open.push(client);
  return client;
}

describe('MQTT client ids', () => {
  it('lets a gateway connect with its own id, or its id, / and a suffix', async () => {
    expect((await connect('gw-a', tokenA, 'gw-a')).connected).toBe(true);
    expect((await connect('gw-a', tokenA, 'gw-a/second')).connected).toBe(true);
  });

  it("refuses another gateway's client id at CONNECT, and the holder stays connected", async () => {
    const holder = await connect('gw-b', tokenB, 'gw-b');
    let dropped = 0;
    holder.on('close', () => dropped++);
    for (let i = 0; i < 5; i++) {
      await expect(connect('gw-a', tokenA, 'gw-b')).rejects.toThrow(/not authorized|Connection refused/i);
      // A prefix without the separator is someone else's id too.
      await expect(connect('gw-a', tokenA, 'gw-ab')).rejects.toThrow(/not authorized|Connection refused/i);
    }
    expect(holder.connected).toBe(true);
    expect(dropped).toBe(0);
  });

  it('lets the dev token use any free client id, not one a gateway token holds', async () => {
    expect((await connect('anyone', DEV_TOKEN, 'dev-console')).connected).toBe(true);
    const holder = await connect('gw-b', tokenB, 'gw-b/held');
    await expect(connect('anyone', DEV_TOKEN, 'gw-b/held')).rejects.toThrow(
      /not authorized|Connection refused/i,
    );
    expect(holder.connected).toBe(true);
  });
});

/** A CONNECT (MQTT 3.1.1, clean session) with client id, username and password. */
function connectPacket(clientId: string, username: string, password: string): Buffer {
  const field = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
  };
  const body = Buffer.concat([
    field('MQTT'),
    Buffer.from([0x04, 0xc2, 0x00, 0x3c]),
    field(clientId),
    field(username),
    field(password),
  ]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

describe('MQTT client ids of connections that close while authenticating', () => {
  it('frees the id, so a connection that never completed holds nothing', async () => {
    const gateway: GatewayIdentity = { gatewayId: 'gw-1', plants: ['kz-cid-01'] };
    const dev: GatewayIdentity = { gatewayId: 'gw-1', plants: ['*'], dev: true };
    const bridge = await startMqttBridge(
      {
        authenticate: async (_username: string, token: string) => {
          if (token === 'slow-gateway') {
            await new Promise((resolve) => setTimeout(resolve, 300));
            return gateway;
          }
          return token === 'dev' ? dev : undefined;
        },
        send: async () => undefined,
        clock: { now: () => new Date() } as never,
        log: () => {},
      } as never,
      0,
    );
    try {
      const first = tcpConnect(bridge.port, '127.0.0.1', () => {
        first.write(connectPacket('gw-1', 'gw-1', 'slow-gateway'));
        setTimeout(() => first.destroy(), 50);
      });
      first.on('error', () => {});
      await new Promise((resolve) => setTimeout(resolve, 600));
      const connack = await new Promise<Buffer>((resolve, reject) => {
        const second = tcpConnect(bridge.port, '127.0.0.1', () =>
          second.write(connectPacket('gw-1', 'gw-1', 'dev')),
        );
        second.once('data', (data: Buffer) => {
          resolve(data);
          second.destroy();
        });
        second.on('error', reject);
      });
      expect([...connack.subarray(0, 4)]).toEqual([0x20, 0x02, 0x00, 0x00]);
    } finally {
      await bridge.close();
    }
  });
});
