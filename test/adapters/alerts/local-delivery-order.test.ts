/**
 * Local mode's delivery order: the leased relay over the real store and
 * lease on dynalite, publishing through the local publisher into
 * alerts.jsonl and a webhook on 127.0.0.1 that is slow at random and
 * sometimes answers 503 after taking the transition. Five processor relays
 * and the scheduler interleave, as local mode's consumer and timer do.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { relayWithLease } from '../../../lambdas/adapters/alerts/leased-relay.ts';
import { LocalAlertPublisher } from '../../../lambdas/adapters/alerts/local-alert-publisher.ts';
import { DynamoAlertStore } from '../../../lambdas/adapters/dynamo/dynamo-alert-store.ts';
import { DynamoRelayLease } from '../../../lambdas/adapters/dynamo/dynamo-relay-lease.ts';
import { createStateTable } from '../../../lambdas/adapters/dynamo/state-table.ts';
import { systemClock } from '../../../lambdas/adapters/system-clock.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import { seededRandom } from './alert-fixtures.ts';
import { checkDelivery, history, type Received, runInterleaved, sleep } from './delivery-harness.ts';

interface Record {
  readonly transitionId: string;
  readonly sequence: number;
  readonly plantId: string;
  readonly type: string;
  readonly subject: string;
}

let dynamo: RunningDynalite;
let dir: string;
let server: Server;
let url: string;
let hooked: Received[];
let random: () => number;

const receivedOf = (line: string): Received => {
  const r = JSON.parse(line) as Record;
  return {
    transitionId: r.transitionId,
    sequence: r.sequence,
    head: `${r.plantId}/${r.type}/${r.subject}`,
    body: line,
  };
};

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wte-order-'));
  hooked = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        await sleep(random() * 6);
        hooked.push(receivedOf(Buffer.concat(chunks).toString('utf8')));
        // Taken, but the answer says otherwise: the relay posts it again.
        res.statusCode = random() < 0.15 ? 503 : 204;
        res.end();
      })();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
});
afterEach(async () => {
  await new Promise((done) => server.close(done));
  await rm(dir, { recursive: true, force: true });
});

describe('local mode: alerts.jsonl and the webhook under five relays and the scheduler', () => {
  it.each([7, 8])(
    'hold each alert’s transitions once in alerts.jsonl in sequence, and in order at the webhook (seed %i)',
    async (seed) => {
      random = seededRandom(seed);
      const tableName = `wte-local-order-${process.pid}-${seed}`;
      await createStateTable(dynamo.client, tableName);
      const store = new DynamoAlertStore({ client: dynamo.client, tableName });
      const lease = new DynamoRelayLease({ client: dynamo.client, tableName });
      const publisher = new LocalAlertPublisher({ dataDir: dir, write: () => undefined, webhookUrl: url });
      const heads = Array.from({ length: 8 }, (_, i) => history(i, 2, random));
      const relay = (acquireWaitMs: number) =>
        relayWithLease({
          store,
          publisher,
          lease,
          clock: systemClock,
          acquireWaitMs,
          pollMs: 5,
          pageSize: 4,
        });
      await runInterleaved({
        store,
        heads,
        processorRelay: () => relay(0),
        schedulerRelay: () => relay(2000),
        random,
      });

      const lines = (await readFile(publisher.filePath, 'utf8')).trimEnd().split('\n');
      const fileOrder = lines.map(receivedOf);
      checkDelivery(fileOrder, heads);
      expect(new Set(fileOrder.map((r) => r.transitionId)).size).toBe(fileOrder.length);
      checkDelivery(hooked, heads);
    },
    30_000,
  );
});
