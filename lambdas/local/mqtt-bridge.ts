/**
 * The MQTT side of local mode: an aedes broker on loopback that does what IoT
 * Core and the topic rule do on AWS.
 *
 * - CONNECT: username = gateway id, password = its token (verified like the
 *   HTTP authorizer does; the dev token is accepted for every plant).
 * - PUBLISH to `wte/v1/{plantId}/telemetry`: allowed only for plants the
 *   token allows; the payload is enqueued in the topic rule's envelope
 *   (`source: "mqtt"`, plant from the topic, base64 payload) and the PUBACK
 *   goes out only once it is durable. Anything else is refused, and, as IoT
 *   Core does on a policy violation, the client is disconnected.
 * - Backpressure (docs/backpressure.md): while the pipeline is over its
 *   backlog bound a publish is held, PUBACK withheld, for up to `holdMs`
 *   (aedes keeps reading the connection: a gateway may have as many
 *   publishes held as its in-flight window allows). Still over
 *   then: a 503 notice with the messageId on `wte/v1/{plantId}/rejected` and
 *   a disconnect without PUBACK, so the client resends it after reconnecting.
 * - SUBSCRIBE: only `wte/v1/{plantId}/rejected` of allowed plants.
 * - Rejection notices of the processor are published to
 *   `wte/v1/{plantId}/rejected` at QoS 1 (the RejectionPublisher port).
 */
import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Aedes, type Client } from 'aedes';
import { rejectedTopic } from '../adapters/iot-rejection-publisher.ts';
import { errorName } from '../domain/error-name.ts';
import { readableMessageId } from '../domain/parse-telemetry.ts';
import type { Clock, RejectionNotice, RejectionPublisher } from '../domain/ports.ts';
import { ProblemType, problem } from '../domain/problem.ts';
import { PLANT_ID_PATTERN } from '../domain/telemetry.ts';
import type { Overload } from './backlog-bound.ts';
import { listenOnLoopback } from './listen.ts';
import { clientIdAllowed, type GatewayIdentity, identityAllowsPlant } from './local-auth.ts';
import { withProtocolLevelCheck } from './mqtt-protocol-level.ts';

/** IoT Core's MQTT payload limit. */
export const MQTT_PAYLOAD_LIMIT_BYTES = 128 * 1024;
/** An oversized payload up to this size is still read for its messageId; a larger one is not parsed at all. */
const MESSAGE_ID_SCAN_LIMIT_BYTES = 1024 * 1024;

/** The payload's messageId, when it is JSON of bounded size with a well-formed one. */
function payloadMessageId(payload: Buffer): string | undefined {
  if (payload.byteLength > MESSAGE_ID_SCAN_LIMIT_BYTES) return undefined;
  try {
    return readableMessageId(JSON.parse(payload.toString('utf8')));
  } catch {
    return undefined;
  }
}

/** How often a held publish looks again for room. */
const HOLD_POLL_MS = 50;

const TELEMETRY_TOPIC = /^wte\/v1\/([^/]+)\/telemetry$/;
const REJECTED_TOPIC = /^wte\/v1\/([^/]+)\/rejected$/;

export interface MqttBridgeProps {
  /** Checks username (gateway id) and password (token); `undefined` refuses the connection. */
  readonly authenticate: (username: string, token: string) => Promise<GatewayIdentity | undefined>;
  /** Durably queues topic-rule envelopes; rejects when the queue is unavailable. */
  readonly send: (bodies: readonly string[]) => Promise<unknown>;
  /** The backlog bound: a refusal while the pipeline is behind. @default always room */
  readonly admit?: () => Overload | undefined;
  /** How long a publish over the bound is held (PUBACK withheld) before it is refused. @default 10 000 */
  readonly holdMs?: number;
  readonly clock: Clock;
  readonly log: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
}

export interface RunningMqttBridge extends RejectionPublisher {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

class RefusedError extends Error {
  override readonly name = 'RefusedError';
}

/** What the broker's hooks share. */
interface BridgeContext {
  readonly props: MqttBridgeProps;
  readonly identities: WeakMap<Client, GatewayIdentity>;
  /** Client ids held by open connections of gateway tokens: the dev token may not take them over. */
  readonly heldByGateways: Map<string, Set<Client>>;
  readonly publishNotice: (
    plantId: string,
    notice: RejectionNotice & { retryAfter?: number },
  ) => Promise<void>;
}

export async function startMqttBridge(props: MqttBridgeProps, port: number): Promise<RunningMqttBridge> {
  const broker = await Aedes.createBroker({ maxClientsIdLength: 128, drainTimeout: 10_000 });
  const publishNotice: BridgeContext['publishNotice'] = (plantId, notice) =>
    new Promise((resolve, reject) =>
      broker.publish(
        {
          cmd: 'publish',
          topic: rejectedTopic(plantId),
          payload: Buffer.from(JSON.stringify(notice)),
          qos: 1,
          retain: false,
          dup: false,
        },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  const context: BridgeContext = {
    props,
    identities: new WeakMap(),
    heldByGateways: new Map(),
    publishNotice,
  };
  broker.authenticate = authenticateGateway(context);
  broker.authorizePublish = authorizeTelemetry(context);
  broker.authorizeSubscribe = authorizeRejectedSubscription(context);
  // Telemetry is consumed by the topic rule above, never forwarded to other clients.
  broker.authorizeForward = (_client, packet) => (TELEMETRY_TOPIC.test(packet.topic) ? null : packet);

  const server: Server = createServer(withProtocolLevelCheck(broker.handle));
  const boundPort = await listenOnLoopback(server, port);
  return {
    port: boundPort,
    url: `mqtt://127.0.0.1:${boundPort}`,
    publish: publishNotice,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** CONNECT: the gateway id and token, and a client id the identity may use. */
function authenticateGateway({ props, identities, heldByGateways }: BridgeContext): Aedes['authenticate'] {
  return (client, username, password, done) => {
    const token = password?.toString('utf8') ?? '';
    props
      .authenticate(username ?? '', token)
      .then((identity) => {
        if (!identity) {
          props.log('info', 'MQTT connection refused: bad gateway id or token', {
            clientId: client.id.slice(0, 128),
          });
          const error = Object.assign(new Error('bad gateway id or token'), { returnCode: 4 as const });
          done(error, false);
          return;
        }
        if (!clientIdAllowed(identity, client.id) || (identity.dev && heldByGateways.has(client.id))) {
          props.log('info', "MQTT connection refused: client id not this gateway's", {
            gatewayId: identity.gatewayId,
            clientId: client.id.slice(0, 128),
          });
          done(Object.assign(new Error('client id not allowed'), { returnCode: 5 as const }), false);
          return;
        }
        identities.set(client, identity);
        // A connection that closed while its token was checked holds nothing (its 'close' has passed).
        if (!identity.dev && !client.conn.destroyed) holdClientId(heldByGateways, client);
        done(null, true);
      })
      .catch((error: unknown) => {
        props.log('warn', 'MQTT authentication unavailable', { error: errorName(error) });
        done(Object.assign(new Error('server unavailable'), { returnCode: 3 as const }), false);
      });
  };
}

/** Marks the client id as a gateway's, freed when its socket closes, whether or not the broker ever registered the client. */
function holdClientId(heldByGateways: Map<string, Set<Client>>, client: Client): void {
  const holders = heldByGateways.get(client.id) ?? new Set<Client>();
  heldByGateways.set(client.id, holders.add(client));
  client.conn.once('close', () => {
    holders.delete(client);
    if (holders.size === 0 && heldByGateways.get(client.id) === holders) heldByGateways.delete(client.id);
  });
}

/** PUBLISH: the topic rule. A telemetry publish for an allowed plant is queued before its PUBACK. */
function authorizeTelemetry(context: BridgeContext): Aedes['authorizePublish'] {
  const { props, identities } = context;
  return (client, packet, done) => {
    if (client === null) return done(null);
    const identity = identities.get(client);
    const plantId = TELEMETRY_TOPIC.exec(packet.topic)?.[1];
    if (!identity || plantId === undefined || !PLANT_ID_PATTERN.test(plantId)) {
      props.log('info', 'MQTT publish refused: not a telemetry topic', { topic: packet.topic.slice(0, 128) });
      return done(new RefusedError(`publishing to ${packet.topic.slice(0, 128)} is not allowed`));
    }
    if (!identityAllowsPlant(identity, plantId)) {
      props.log('info', 'MQTT publish refused: plant not allowed for this token', {
        gatewayId: identity.gatewayId,
        plantId,
      });
      return done(new RefusedError(`gateway ${identity.gatewayId} may not publish for plant ${plantId}`));
    }
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    if (payload.byteLength > MQTT_PAYLOAD_LIMIT_BYTES) {
      void context.publishNotice(plantId, tooLargeNotice(payload));
      // Not enqueued, but acknowledged: resending it cannot help.
      return done(null);
    }
    queueWhenRoom(context, plantId, client, payload)
      .then(() => done(null))
      .catch((error: unknown) => {
        if (error instanceof RefusedError) return done(error);
        // No PUBACK: the client keeps the message and resends it after reconnecting.
        props.log('warn', 'MQTT publish not queued; the client will resend', { error: errorName(error) });
        done(new RefusedError('the telemetry queue is unavailable'));
      });
  };
}

/** Queues the topic rule's envelope once the pipeline has room; a RefusedError if it stays behind or the client left. */
async function queueWhenRoom(
  { props, publishNotice }: BridgeContext,
  plantId: string,
  client: { readonly closed: boolean },
  payload: Buffer,
): Promise<void> {
  const behind = await roomOrRefusal(props, plantId, client);
  if (behind) {
    await publishNotice(plantId, behindNotice(behind, payload)).catch(() => undefined);
    // Let the notice reach the socket before the disconnect.
    await new Promise((resolve) => setImmediate(resolve));
    throw new RefusedError('the pipeline is behind; publish again later');
  }
  // A connection closed while this publish was held cannot receive its PUBACK: the client resends
  // it after reconnecting, so enqueuing it now would store it twice.
  if (client.closed) throw new RefusedError('the connection closed while the publish was held');
  const envelope = JSON.stringify({
    v: 1,
    source: 'mqtt',
    plantId,
    receivedAt: props.clock.now(),
    payload: payload.toString('base64'),
  });
  await props.send([envelope]);
}

/** Waits while the pipeline is over its bound (the PUBACK is withheld meanwhile); the refusal if it stays over. */
async function roomOrRefusal(
  props: MqttBridgeProps,
  plantId: string,
  client: { readonly closed: boolean },
): Promise<Overload | undefined> {
  let behind = props.admit?.();
  if (!behind) return undefined;
  props.log('info', 'MQTT publish held: pipeline behind', { plantId, reason: behind.reason });
  const deadline = Date.now() + (props.holdMs ?? 10_000);
  while (behind && Date.now() < deadline && !client.closed) {
    await sleep(Math.min(HOLD_POLL_MS, Math.max(1, deadline - Date.now())));
    behind = props.admit?.();
  }
  if (behind)
    props.log('warn', 'MQTT publish refused: pipeline still behind', { plantId, reason: behind.reason });
  return behind;
}

function tooLargeNotice(payload: Buffer): RejectionNotice {
  const messageId = payloadMessageId(payload);
  return {
    ...problem(
      413,
      ProblemType.payloadTooLarge,
      'Payload too large',
      `An MQTT payload may be at most ${MQTT_PAYLOAD_LIMIT_BYTES} bytes; this one has ${payload.byteLength}.`,
    ),
    ...(messageId === undefined ? {} : { messageId }),
  };
}

function behindNotice(behind: Overload, payload: Buffer): RejectionNotice & { retryAfter: number } {
  const messageId = payloadMessageId(payload);
  return {
    ...problem(
      503,
      ProblemType.unavailable,
      'Service unavailable',
      `${behind.detail} The message was not acknowledged (no PUBACK): reconnect and publish it again after ${behind.retryAfterSeconds} s.`,
    ),
    retryAfter: behind.retryAfterSeconds,
    ...(messageId === undefined ? {} : { messageId }),
  };
}

/** SUBSCRIBE: only the rejection topic of a plant the identity allows. */
function authorizeRejectedSubscription({ props, identities }: BridgeContext): Aedes['authorizeSubscribe'] {
  return (client, subscription, done) => {
    const identity = identities.get(client);
    const plantId = REJECTED_TOPIC.exec(subscription.topic)?.[1];
    if (!identity || plantId === undefined || !identityAllowsPlant(identity, plantId)) {
      props.log('info', 'MQTT subscription refused', { topic: subscription.topic.slice(0, 128) });
      return done(new RefusedError(`subscribing to ${subscription.topic.slice(0, 128)} is not allowed`));
    }
    done(null, subscription);
  };
}
