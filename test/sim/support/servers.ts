/**
 * Real servers on random loopback ports for the transport tests: a node:http
 * ingest that validates with the contract's parser at its own clock (so a
 * reading from the future or beyond the horizon shows up as a rejection),
 * with scripted failures; and an aedes MQTT broker that checks credentials.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { parseTelemetryBody } from '../../../lambdas/domain/parse-telemetry.ts';

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly body: string;
  readonly at: number;
}

/** What the server does with the n-th request (0-based): a scripted reply, or `undefined` for the real ingest. */
export type Script = (
  n: number,
  request: Received,
) => { status: number; headers?: Record<string, string>; body?: unknown } | 'destroy' | undefined;

export interface IngestServer {
  readonly url: string;
  readonly received: Received[];
  script: Script;
  close(): Promise<void>;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startIngestServer(): Promise<IngestServer> {
  const received: Received[] = [];
  const state: { script: Script } = { script: () => undefined };
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await bodyOf(request);
      const entry: Received = {
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
        contentType: request.headers['content-type'],
        body,
        at: Date.now(),
      };
      const n = received.length;
      received.push(entry);
      const scripted = state.script(n, entry);
      if (scripted === 'destroy') {
        request.socket.destroy();
        return;
      }
      if (scripted) {
        const json = scripted.body === undefined ? '' : JSON.stringify(scripted.body);
        response.writeHead(scripted.status, {
          'content-type': scripted.status >= 400 ? 'application/problem+json' : 'application/json',
          ...scripted.headers,
        });
        response.end(json);
        return;
      }
      const plantId = /^\/v1\/plants\/([^/]+)\/telemetry$/.exec(entry.url)?.[1];
      const parsed = parseTelemetryBody(body, { now: Date.now(), ...(plantId ? { plantId } : {}) });
      if (!parsed.ok) {
        response.writeHead(parsed.problem.status, { 'content-type': 'application/problem+json' });
        response.end(JSON.stringify(parsed.problem));
        return;
      }
      response.writeHead(202, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          messageId: parsed.message.messageId,
          acceptedReadings: parsed.message.readings.length,
          acceptedMovements: parsed.message.movements.length,
          rejected: parsed.rejected,
        }),
      );
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    get script() {
      return state.script;
    },
    set script(value: Script) {
      state.script = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Published {
  readonly clientId: string;
  readonly username: string;
  readonly topic: string;
  readonly qos: number;
  readonly payload: string;
}

export interface TestBroker {
  readonly url: string;
  readonly published: Published[];
  readonly subscriptions: string[];
  /** Publishes a notice to a topic, as local mode does for rejections. */
  publish(topic: string, payload: unknown): Promise<void>;
  /** Called for each telemetry publish (after it is recorded). */
  onTelemetry?: (published: Published) => void;
  close(): Promise<void>;
}

/** An aedes broker: username = gateway id `gw-{plantId}`, password = `token`; records telemetry publishes. */
export async function startBroker(token: string): Promise<TestBroker> {
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  const usernames = new Map<string, string>();
  const published: Published[] = [];
  const subscriptions: string[] = [];
  const result: TestBroker = {
    url: '',
    published,
    subscriptions,
    publish: (topic, payload) =>
      new Promise<void>((resolve, reject) =>
        broker.publish(
          {
            cmd: 'publish',
            topic,
            payload: Buffer.from(JSON.stringify(payload)),
            qos: 1,
            dup: false,
            retain: false,
          },
          (error?: Error | null) => (error ? reject(error) : resolve()),
        ),
      ),
    close: async () => {},
  };
  broker.authenticate = (client, username, password, done) => {
    const ok = username !== undefined && /^gw-[a-z0-9-]+$/.test(username) && password?.toString() === token;
    if (!ok) {
      done(Object.assign(new Error('bad credentials'), { returnCode: 4 as const }), false);
      return;
    }
    usernames.set(client.id, username);
    done(null, true);
  };
  broker.authorizePublish = (client, packet, done) => {
    if (client && /^wte\/v1\/[^/]+\/telemetry$/.test(packet.topic)) {
      const entry = {
        clientId: client.id,
        username: usernames.get(client.id) ?? '',
        topic: packet.topic,
        qos: packet.qos,
        payload: packet.payload.toString(),
      };
      published.push(entry);
      result.onTelemetry?.(entry);
    }
    done(null);
  };
  broker.authorizeSubscribe = (_client, subscription, done) => {
    subscriptions.push(subscription.topic);
    done(null, subscription);
  };
  const server: NetServer = createNetServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(result, {
    url: `mqtt://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
