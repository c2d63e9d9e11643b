/**
 * An MQTT CONNECT with an unsupported protocol level is answered with
 * CONNACK return code 1 before the connection closes (#22 item 5), and a
 * supported one reaches the broker as before.
 */
import { createServer as createTcpServer, type Socket, connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectProtocolLevel, withProtocolLevelCheck } from '../../lambdas/local/mqtt-protocol-level.ts';
import type { LocalMode } from '../../lambdas/local/runtime.ts';
import { connectGateway, startLocal, tempDataDir } from '../support/local-mode.ts';

const DEV_TOKEN = 'protocol-level-dev-token-0123456789';

/** A CONNECT packet: protocol name MQTT, `level`, clean session, keep-alive 60, client id `id`. */
function connectPacket(level: number, id: string): Buffer {
  const name = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54]);
  const idBytes = Buffer.from(id, 'utf8');
  const body = Buffer.concat([
    name,
    Buffer.from([level, 0x02, 0x00, 0x3c]),
    Buffer.from([idBytes.length >> 8, idBytes.length & 0xff]),
    idBytes,
  ]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

let local: LocalMode;
beforeAll(async () => {
  local = await startLocal({ dataDir: tempDataDir('protocol-level'), devToken: DEV_TOKEN });
});
afterAll(() => local.close());

describe('MQTT protocol level', () => {
  it('reads the level of a CONNECT, and nothing from bytes that are not one', () => {
    expect(connectProtocolLevel(connectPacket(4, 'a'))).toBe(4);
    expect(connectProtocolLevel(connectPacket(6, 'gw-1'))).toBe(6);
    expect(connectProtocolLevel(Buffer.from([0x10]))).toBeUndefined();
    expect(connectProtocolLevel(Buffer.from([0x30, 0x02, 0x00, 0x00]))).toBeUndefined();
  });

  it('answers an unsupported level with CONNACK 1, then closes', async () => {
    const url = new URL(local.mqttUrl);
    const received = await new Promise<Buffer>((resolve, reject) => {
      const socket = tcpConnect(Number(url.port), url.hostname, () => socket.write(connectPacket(6, 'gw-1')));
      const chunks: Buffer[] = [];
      socket.on('data', (chunk) => chunks.push(chunk));
      socket.on('close', () => resolve(Buffer.concat(chunks)));
      socket.on('error', reject);
    });
    expect([...received]).toEqual([0x20, 0x02, 0x00, 0x01]);
  });

  it('lets a supported level through to the broker', async () => {
    const client = await connectGateway(local.mqttUrl, 'gw-level', DEV_TOKEN);
    expect(client.connected).toBe(true);
    await client.endAsync(true);
  });

  it('closes its side after CONNACK 1 even when the client keeps its own side open', async () => {
    let serverSide: Socket | undefined;
    const server = createTcpServer(withProtocolLevelCheck((socket) => socket.destroy()));
    server.on('connection', (socket) => {
      serverSide = socket;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    const client = tcpConnect({ port, host: '127.0.0.1', allowHalfOpen: true });
    client.on('error', () => {});
    client.on('data', () => {});
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    const closed = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (serverSide?.destroyed) {
          clearInterval(poll);
          resolve();
        }
      }, 10);
    });
    client.write(connectPacket(6, 'x'));
    await closed;
    expect(serverSide?.destroyed).toBe(true);
    client.destroy();
    server.close();
  });
});
