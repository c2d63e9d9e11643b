/**
 * MQTT client ids belong to gateways (#22 item 1): a gateway token connects
 * with its gateway id, or its gateway id, `/` and a suffix; any other client
 * id is refused at CONNECT, so one gateway cannot knock another off by
 * reusing its client id. The dev token keeps every plant but cannot take
 * over a client id a gateway token holds.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
