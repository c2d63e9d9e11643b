/** Starting a local-mode server on loopback, shared by the HTTP, MQTT and DynamoDB servers. */
import type { Server } from 'node:net';

/** Listens on 127.0.0.1:`port` (0: any free port) and resolves with the port it got. */
export async function listenOnLoopback(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`not listening on TCP: ${address}`);
  return address.port;
}
