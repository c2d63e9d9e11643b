/**
 * How the simulated gateways reach the pipeline (docs/contract.md sections 4 and
 * 5): HTTP POST with a bearer token, or MQTT QoS 1 with username = gateway id
 * and password = token. Both deliver at least once: throttling (429), an
 * unavailable pipeline (503) and network faults are retried with backoff; a
 * refusal (any other 4xx) is reported and never retried, since sending the
 * same message again cannot change the answer.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import type { OutgoingMessage } from './simulator.ts';

/** One refused item of an accepted message (202 `rejected`), or an MQTT rejection notice. */
export interface ItemRejection {
  readonly pointer: string;
  readonly type: string;
  readonly detail: string;
}

export type SendOutcome =
  | {
      readonly kind: 'accepted';
      readonly acceptedReadings: number;
      readonly acceptedMovements: number;
      readonly rejected: readonly ItemRejection[];
      readonly retries: number;
    }
  | {
      readonly kind: 'refused';
      readonly status: number;
      readonly title: string;
      readonly detail: string;
      readonly retries: number;
    };

export interface Transport {
  /** Delivers one message (retrying what may be retried); rejects only when `signal` aborts. */
  send(message: OutgoingMessage, signal: AbortSignal): Promise<SendOutcome>;
  close(): Promise<void>;
}

/** A problem-details notice from `wte/v1/{plantId}/rejected`. */
export interface RejectionNotice {
  readonly plantId: string;
  readonly title: string;
  readonly detail: string;
  readonly messageId?: string;
}

export interface RetryPolicy {
  /** First backoff, ms (doubles per attempt, with full jitter). */
  readonly baseMs: number;
  readonly maxMs: number;
  /** Longest Retry-After honoured, ms. */
  readonly maxRetryAfterMs: number;
  /** Attempts for a 5xx other than 503 (a broken server should not be hammered forever). */
  readonly maxServerErrorAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  baseMs: 250,
  maxMs: 10_000,
  maxRetryAfterMs: 60_000,
  maxServerErrorAttempts: 5,
};

function backoffMs(attempt: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 20));
  return Math.max(policy.baseMs / 2, Math.random() * ceiling);
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const text = (value: unknown, fallback: string): string =>
  typeof value === 'string' && value !== '' ? value.slice(0, 300) : fallback;

async function jsonOf(response: Response): Promise<Record<string, unknown>> {
  try {
    const body: unknown = await response.json();
    return typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function rejectionsOf(value: unknown): ItemRejection[] {
  if (!Array.isArray(value)) return [];
  return value.map((item) => {
    const r = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    return { pointer: text(r.pointer, ''), type: text(r.type, ''), detail: text(r.detail, '') };
  });
}

export interface HttpTransportOptions {
  /** Base URL, e.g. http://127.0.0.1:8787. */
  readonly target: string;
  readonly token: string;
  readonly retry?: RetryPolicy;
  readonly fetch?: typeof fetch;
}

/** `POST {target}/v1/plants/{plantId}/telemetry`, one message per request. */
export function httpTransport(options: HttpTransportOptions): Transport {
  const base = options.target.replace(/\/+$/, '');
  const policy = options.retry ?? DEFAULT_RETRY;
  const doFetch = options.fetch ?? fetch;
  return {
    async send(message, signal) {
      const url = `${base}/v1/plants/${encodeURIComponent(message.plantId)}/telemetry`;
      const body = JSON.stringify(message.body);
      let retries = 0;
      let serverErrors = 0;
      for (;;) {
        signal.throwIfAborted();
        let wait: number;
        // One signal per request: fetch keeps its abort listener until the request is garbage collected,
        // and thousands of requests on the run's signal would pile up listeners on it.
        const request = new AbortController();
        const abort = () => request.abort(signal.reason);
        signal.addEventListener('abort', abort, { once: true });
        try {
          const response = await doFetch(url, {
            method: 'POST',
            headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
            body,
            signal: request.signal,
          });
          if (response.status >= 200 && response.status < 300) {
            const answer = await jsonOf(response);
            const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
            return {
              kind: 'accepted',
              acceptedReadings: count(answer.acceptedReadings),
              acceptedMovements: count(answer.acceptedMovements),
              rejected: rejectionsOf(answer.rejected),
              retries,
            };
          }
          const retryable =
            response.status === 429 ||
            response.status === 503 ||
            (response.status >= 500 && ++serverErrors < policy.maxServerErrorAttempts);
          if (!retryable) {
            const problem = await jsonOf(response);
            return {
              kind: 'refused',
              status: response.status,
              title: text(problem.title, response.statusText || `HTTP ${response.status}`),
              detail: text(problem.detail, ''),
              retries,
            };
          }
          await response.body?.cancel().catch(() => {});
          const after = retryAfterMs(response.headers.get('retry-after'));
          wait = after === undefined ? backoffMs(retries, policy) : Math.min(after, policy.maxRetryAfterMs);
        } catch (error) {
          if (signal.aborted) throw signal.reason ?? error;
          // Connection refused or reset, DNS, timeout: the message may or may not have arrived; send it again.
          wait = backoffMs(retries, policy);
        } finally {
          signal.removeEventListener('abort', abort);
        }
        retries++;
        await sleep(wait, undefined, { signal });
      }
    },
    async close() {},
  };
}

export interface MqttTransportOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883. */
  readonly url: string;
  readonly token: string;
  /** The gateways to connect: one MQTT client per plant, username = its gateway id. */
  readonly gateways: ReadonlyArray<{ readonly plantId: string; readonly gatewayId: string }>;
  readonly onNotice?: (notice: RejectionNotice) => void;
  /**
   * A publish without PUBACK for this long counts as a retry and is waited for again (default 30 s).
   * It is never published a second time while the first is in flight: the broker withholds PUBACK
   * while the pipeline is behind (flow control), and mqtt.js resends an unacknowledged publish itself
   * after reconnecting, so in-flight messages stay at one per send.
   */
  readonly ackTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
}

/** The broker refused the connection (bad gateway id or token) or could not be reached. */
export class MqttConnectError extends Error {
  override readonly name = 'MqttConnectError';
}

export const telemetryTopic = (plantId: string) => `wte/v1/${plantId}/telemetry`;
export const rejectedTopic = (plantId: string) => `wte/v1/${plantId}/rejected`;

function noticeOf(plantId: string, payload: Buffer): RejectionNotice {
  try {
    const body = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    const messageId = typeof body.messageId === 'string' ? body.messageId : undefined;
    return {
      plantId,
      title: text(body.title, 'Rejected'),
      detail: text(body.detail, ''),
      ...(messageId ? { messageId } : {}),
    };
  } catch {
    return { plantId, title: 'Rejected', detail: payload.toString('utf8').slice(0, 200) };
  }
}

/**
 * Publishes to `wte/v1/{plantId}/telemetry` at QoS 1 and counts the notices
 * of `wte/v1/{plantId}/rejected`. The PUBACK is the acknowledgement (local
 * mode sends it once the message is durably queued); what the processor
 * later refuses arrives as a notice.
 */
export async function mqttTransport(options: MqttTransportOptions): Promise<Transport> {
  const clients = new Map<string, MqttClient>();
  let reconnects = 0;
  const ackTimeout = options.ackTimeoutMs ?? 30_000;
  try {
    for (const { plantId, gatewayId } of options.gateways) {
      let client: MqttClient;
      try {
        client = await mqtt.connectAsync(options.url, {
          username: gatewayId,
          password: options.token,
          // The gateway id, `/`, a suffix: the client ids a gateway token may use (docs/contract.md).
          clientId: `${gatewayId}/sim-${Math.random().toString(36).slice(2, 10)}`,
          reconnectPeriod: 0,
          connectTimeout: options.connectTimeoutMs ?? 10_000,
        });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new MqttConnectError(`MQTT ${options.url} refused gateway ${gatewayId}: ${reason}`, {
          cause: error,
        });
      }
      // Connected with valid credentials: from now on ride out broker restarts.
      client.options.reconnectPeriod = 1000;
      client.on('reconnect', () => reconnects++);
      client.on('error', () => {});
      client.on('message', (topic, payload) => {
        if (topic === rejectedTopic(plantId)) options.onNotice?.(noticeOf(plantId, payload));
      });
      clients.set(plantId, client);
      const granted = await client.subscribeAsync(rejectedTopic(plantId), { qos: 1 });
      if (granted.some((g) => g.qos === 128)) {
        options.onNotice?.({
          plantId,
          title: 'Subscription refused',
          detail: `the broker refused ${rejectedTopic(plantId)}; rejection notices are not counted`,
        });
      }
    }
  } catch (error) {
    await Promise.all([...clients.values()].map((c) => c.endAsync(true).catch(() => {})));
    throw error;
  }

  return {
    async send(message, signal) {
      const client = clients.get(message.plantId);
      if (!client) throw new Error(`no MQTT gateway for plant ${message.plantId}`);
      const payload = JSON.stringify(message.body);
      const before = reconnects;
      let retries = 0;
      let inFlight: Promise<boolean> | undefined;
      for (;;) {
        signal.throwIfAborted();
        const timeout = new AbortController();
        const abort = () => timeout.abort();
        signal.addEventListener('abort', abort, { once: true });
        try {
          inFlight ??= client
            .publishAsync(telemetryTopic(message.plantId), payload, { qos: 1 })
            .then(() => true);
          const acked = await Promise.race([inFlight, sleep(ackTimeout, false, { signal: timeout.signal })]);
          if (acked) {
            return {
              kind: 'accepted',
              acceptedReadings: message.body.readings.length,
              acceptedMovements: message.body.movements.length,
              rejected: [],
              retries: retries + (reconnects - before),
            };
          }
        } catch (error) {
          if (signal.aborted) throw signal.reason ?? error;
          inFlight = undefined; // the client gave this publish up: publish it again after a backoff
          await sleep(backoffMs(retries, DEFAULT_RETRY), undefined, { signal });
        } finally {
          timeout.abort();
          signal.removeEventListener('abort', abort);
        }
        retries++;
      }
    },
    async close() {
      await Promise.all([...clients.values()].map((c) => c.endAsync().catch(() => {})));
    },
  };
}
