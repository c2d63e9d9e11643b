/**
 * Reliability row 1, fuzz: seeded bad requests through the real HTTP path and
 * the real MQTT path of local mode (in this process, so its prototypes are
 * this process's prototypes). Every case is refused as a whole by
 * construction (support/bad-requests.ts lists the categories and statuses).
 *
 * Pass: no crash (the server answers /healthz after every burst, no
 * unhandled error), no 5xx, every refusal RFC 9457 problem details whose
 * `status` is the HTTP status the contract gives the case (MQTT: one notice
 * on the rejected topic per refused publish, same statuses), no answer
 * repeating more than 128 bytes of its input, no prototype polluted, and a
 * valid message sent after each burst stored.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketStart, DAY_MS } from '../../lambdas/domain/time.ts';
import type { LocalMode } from '../../lambdas/local/runtime.ts';
import {
  connectGateway,
  getJson,
  MINUTE_MS,
  postRaw,
  startLocal,
  tempDataDir,
} from '../support/local-mode.ts';
import {
  type BadRequest,
  badRequests,
  FUZZ_CATEGORIES,
  longestEcho,
  markerMessage,
  problemDefect,
  stringsOf,
} from './support/bad-requests.ts';
import { Figures, percent } from './support/figures.ts';
import { bySize } from './support/sizes.ts';

const TOKEN = 'fuzz-dev-token-0123456789';
const HTTP_CASES = bySize(5_000, 10_000);
const MQTT_CASES = bySize(600, 2_000);
const HTTP_BURST = 500;
const MQTT_BURST = 200;
const CONCURRENCY = 8;
const HTTP_SEED = 20_261_124;
const MQTT_SEED = 20_261_125;
const MAX_ECHO = 128;
const PLANT = 'kz-fuzz-01';
const OTHER_PLANT = 'kz-fuzz-02';
const MQTT_PLANT = 'kz-fuzz-mq';
const MARKER_PLANT = 'kz-fuzz-ok';
/** Markers go at their own minutes of yesterday (plant-local), one per burst. */
const MARKER_DAY = bucketStart(Date.now(), '1d', 'Asia/Almaty') - DAY_MS;

const figures = new Figures('fuzz', 'malformed requests over HTTP and MQTT');
let local: LocalMode;
const unhandled: unknown[] = [];
const onUnhandled = (error: unknown) => unhandled.push(error);

/** The own keys of the prototypes a pollution would touch, before the fuzz. */
const PROTOTYPES = { Object: Object.prototype, Array: Array.prototype, Function: Function.prototype };
const before = Object.fromEntries(
  Object.entries(PROTOTYPES).map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort()]),
);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  // One consumer: the MQTT notices are paired with publishes by order (bad payloads carry no messageId),
  // and two batches at once, as local mode runs by default and AWS always does, may answer out of order.
  local = await startLocal({
    dataDir: tempDataDir('fuzz'),
    devToken: TOKEN,
    queue: { batchingWindowMs: 20, concurrency: 1 },
  });
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
  await local?.close();
  figures.report();
});

interface Outcome {
  readonly request: BadRequest;
  readonly status: number;
  readonly defect?: string;
  readonly type?: string;
  readonly echo: number;
}

async function inPool<T, R>(items: readonly T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await run(items[i] as T);
      }
    }),
  );
  return results;
}

async function sendHttp(request: BadRequest): Promise<Outcome> {
  const answer = await postRaw(`${local.httpUrl}/v1/plants/${request.pathPlant}/telemetry`, request.body, {
    token: TOKEN,
    contentType: request.contentType,
  });
  const defect = problemDefect(answer.status, answer.contentType, answer.text);
  let type: string | undefined;
  let strings: string[] = [answer.text];
  try {
    const body = JSON.parse(answer.text) as { type?: string };
    type = body.type;
    strings = stringsOf(body);
  } catch {
    // problemDefect reports it
  }
  return {
    request,
    status: answer.status,
    ...(defect === undefined ? {} : { defect }),
    ...(type === undefined ? {} : { type }),
    echo: longestEcho(strings, request.body),
  };
}

async function healthy(): Promise<boolean> {
  try {
    return (await getJson(local.httpUrl, '/healthz')).status === 200;
  } catch {
    return false;
  }
}

/** Every marker stored, with its value: the pipeline kept working after each burst. */
async function storedMarkers(line: string, count: number): Promise<number> {
  const from = new Date(MARKER_DAY).toISOString();
  const to = new Date(MARKER_DAY + DAY_MS).toISOString();
  const { body } = await getJson<{ points: Array<{ ts: string; value: number }> }>(
    local.httpUrl,
    `/v1/plants/${MARKER_PLANT}/series?metric=furnace_temperature&line=${line}&from=${from}&to=${to}&interval=1m&agg=last`,
  );
  let stored = 0;
  for (let burst = 0; burst < count; burst++) {
    const ts = new Date(MARKER_DAY + burst * MINUTE_MS).toISOString();
    if (body.points.some((p) => p.ts === ts && p.value === 900 + burst)) stored++;
  }
  return stored;
}

function tally(outcomes: readonly Outcome[]) {
  const byStatus = new Map<number, number>();
  for (const o of outcomes) byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
  return [...byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
}

function polluted(): string[] {
  const found: string[] = [];
  for (const [name, proto] of Object.entries(PROTOTYPES)) {
    const keys = Reflect.ownKeys(proto).map(String).sort();
    if (JSON.stringify(keys) !== JSON.stringify(before[name])) found.push(`${name}.prototype`);
  }
  const probe = {} as Record<string, unknown>;
  for (const key of ['polluted', 'isAdmin', 'schema'])
    if (probe[key] !== undefined) found.push(`({}).${key}`);
  return found;
}

describe('fuzz', () => {
  it(`refuses ${HTTP_CASES} bad HTTP requests with problem details, and keeps serving`, async () => {
    const cases = [
      ...badRequests({
        transport: 'http',
        count: HTTP_CASES,
        seed: HTTP_SEED,
        plantId: PLANT,
        otherPlantId: OTHER_PLANT,
        now: Date.now(),
      }),
    ];
    const outcomes: Outcome[] = [];
    let healthFailures = 0;
    let markersAccepted = 0;
    const bursts = Math.ceil(cases.length / HTTP_BURST);
    const started = Date.now();
    for (let burst = 0; burst < bursts; burst++) {
      outcomes.push(
        ...(await inPool(cases.slice(burst * HTTP_BURST, (burst + 1) * HTTP_BURST), CONCURRENCY, sendHttp)),
      );
      if (!(await healthy())) healthFailures++;
      const marker = await postRaw(
        `${local.httpUrl}/v1/plants/${MARKER_PLANT}/telemetry`,
        JSON.stringify(
          markerMessage(
            MARKER_PLANT,
            'http',
            MARKER_DAY + burst * MINUTE_MS,
            900 + burst,
            `ok-http-${burst}`,
          ),
        ),
        { token: TOKEN },
      );
      if (marker.status === 202) markersAccepted++;
    }
    const seconds = (Date.now() - started) / 1000;
    expect(await local.settle(60_000)).toBe(true);
    const markersStored = await storedMarkers('http', bursts);

    const serverErrors = outcomes.filter((o) => o.status >= 500);
    const wrongStatus = outcomes.filter((o) => o.status !== o.request.expectedStatus);
    const notProblems = outcomes.filter((o) => o.defect !== undefined);
    const wrongType = outcomes.filter(
      (o) => o.type === undefined || !o.request.expectedTypes.includes(o.type),
    );
    const maxEcho = Math.max(0, ...outcomes.map((o) => o.echo));
    const pollution = polluted();
    const conforming = outcomes.filter(
      (o) => o.defect === undefined && o.status === o.request.expectedStatus,
    );

    figures.add(
      'HTTP requests (categories)',
      `${outcomes.length} (${FUZZ_CATEGORIES.length})`,
      bySize('10,000 in the soak run', '10,000'),
    );
    figures.add('HTTP statuses', tally(outcomes));
    figures.add('HTTP 5xx', serverErrors.length, '0');
    figures.add(
      'HTTP problem details, status as the contract says',
      percent(conforming.length, outcomes.length),
      '100 %',
    );
    figures.add(
      'HTTP problem type as expected',
      percent(outcomes.length - wrongType.length, outcomes.length),
    );
    figures.add('HTTP longest echo of input (bytes)', maxEcho, `≤ ${MAX_ECHO}`);
    figures.add('HTTP requests per second', Math.round(outcomes.length / seconds));
    figures.add('HTTP valid message after each burst stored', `${markersStored}/${bursts}`, 'all');

    const show = (list: readonly Outcome[]) =>
      list.slice(0, 5).map((o) => ({
        index: o.request.index,
        category: o.request.category,
        expected: o.request.expectedStatus,
        status: o.status,
        type: o.type,
        defect: o.defect,
      }));
    expect(unhandled, 'unhandled errors in the server process').toEqual([]);
    expect(healthFailures, 'health checks failed after a burst').toBe(0);
    expect(show(serverErrors)).toEqual([]);
    expect(show(wrongStatus)).toEqual([]);
    expect(show(notProblems)).toEqual([]);
    expect(show(wrongType)).toEqual([]);
    expect(maxEcho).toBeLessThanOrEqual(MAX_ECHO);
    expect(pollution).toEqual([]);
    expect(markersAccepted).toBe(bursts);
    expect(markersStored).toBe(bursts);
  }, 300_000);

  it(`answers ${MQTT_CASES} bad MQTT publishes with one problem notice each, and keeps serving`, async () => {
    const cases = [
      ...badRequests({
        transport: 'mqtt',
        count: MQTT_CASES,
        seed: MQTT_SEED,
        plantId: MQTT_PLANT,
        otherPlantId: OTHER_PLANT,
        now: Date.now(),
      }),
    ];
    const gateway: MqttClient = await connectGateway(local.mqttUrl, 'gw-fuzz', TOKEN, 'gw-fuzz-mqtt');
    const notices: Array<{ status: number; text: string }> = [];
    gateway.on('message', (_topic, payload) => {
      const text = payload.toString('utf8');
      let status = -1;
      try {
        const notice = JSON.parse(text) as { status?: unknown };
        if (typeof notice.status === 'number') status = notice.status;
      } catch {
        // a defect, reported below
      }
      notices.push({ status, text });
    });
    let closes = 0;
    gateway.on('close', () => closes++);
    await gateway.subscribeAsync(`wte/v1/${MQTT_PLANT}/rejected`, { qos: 1 });

    let healthFailures = 0;
    let markersAcked = 0;
    const bursts = Math.ceil(cases.length / MQTT_BURST);
    const started = Date.now();
    try {
      for (let burst = 0; burst < bursts; burst++) {
        // One at a time: the broker answers an oversize payload at once and the processor the rest in
        // queue order, so the n-th notice of each status answers the n-th publish expecting it.
        for (const c of cases.slice(burst * MQTT_BURST, (burst + 1) * MQTT_BURST)) {
          await gateway.publishAsync(`wte/v1/${MQTT_PLANT}/telemetry`, Buffer.from(c.body), { qos: 1 });
        }
        if (!(await healthy())) healthFailures++;
        await gateway.publishAsync(
          `wte/v1/${MARKER_PLANT}/telemetry`,
          JSON.stringify(
            markerMessage(
              MARKER_PLANT,
              'mqtt',
              MARKER_DAY + burst * MINUTE_MS,
              900 + burst,
              `ok-mqtt-${burst}`,
            ),
          ),
          { qos: 1 },
        );
        markersAcked++;
      }
      expect(await local.settle(120_000)).toBe(true);
      const deadline = Date.now() + 30_000;
      while (notices.length < cases.length && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await new Promise((resolve) => setTimeout(resolve, 500)); // room for a notice too many
    } finally {
      await gateway.endAsync();
    }
    const seconds = (Date.now() - started) / 1000;
    const markersStored = await storedMarkers('mqtt', bursts);

    const pairs: Outcome[] = [];
    for (const status of [400, 413]) {
      const expected = cases.filter((c) => c.expectedStatus === status);
      const answered = notices.filter((n) => n.status === status);
      for (const [i, request] of expected.entries()) {
        const notice = answered[i];
        if (notice === undefined) continue;
        const defect = problemDefect(notice.status, 'application/problem+json', notice.text);
        const body = JSON.parse(notice.text) as { type?: string };
        pairs.push({
          request,
          status: notice.status,
          ...(defect === undefined ? {} : { defect }),
          ...(body.type === undefined ? {} : { type: body.type }),
          echo: longestEcho(stringsOf(body), request.body),
        });
      }
    }
    const unexpected = notices.filter((n) => n.status !== 400 && n.status !== 413);
    const defects = pairs.filter((o) => o.defect !== undefined);
    const wrongType = pairs.filter((o) => o.type === undefined || !o.request.expectedTypes.includes(o.type));
    const maxEcho = Math.max(0, ...pairs.map((o) => o.echo));
    const expectedCount = (status: number) => cases.filter((c) => c.expectedStatus === status).length;
    const noticeCount = (status: number) => notices.filter((n) => n.status === status).length;

    figures.add('MQTT publishes', cases.length, bySize('2,000 in the soak run', '2,000'));
    figures.add(
      'MQTT notices 400 / 413 (expected)',
      `${noticeCount(400)} / ${noticeCount(413)} (${expectedCount(400)} / ${expectedCount(413)})`,
    );
    figures.add(
      'MQTT notices problem details, status as expected',
      percent(pairs.length - defects.length, cases.length),
      '100 %',
    );
    figures.add('MQTT problem type as expected', percent(pairs.length - wrongType.length, cases.length));
    figures.add('MQTT longest echo of input (bytes)', maxEcho, `≤ ${MAX_ECHO}`);
    figures.add('MQTT publishes per second (one at a time, QoS 1)', Math.round(cases.length / seconds));
    figures.add('MQTT gateway disconnected by the broker', Math.max(0, closes - 1), '0');
    figures.add('MQTT valid message after each burst stored', `${markersStored}/${bursts}`, 'all');
    figures.add('prototypes polluted (both transports)', polluted().length, '0');

    const show = (list: readonly Outcome[]) =>
      list.slice(0, 5).map((o) => ({
        index: o.request.index,
        category: o.request.category,
        type: o.type,
        defect: o.defect,
      }));
    expect(unhandled).toEqual([]);
    expect(healthFailures).toBe(0);
    expect(unexpected.slice(0, 5)).toEqual([]);
    expect(noticeCount(400)).toBe(expectedCount(400));
    expect(noticeCount(413)).toBe(expectedCount(413));
    expect(show(defects)).toEqual([]);
    expect(show(wrongType)).toEqual([]);
    expect(maxEcho).toBeLessThanOrEqual(MAX_ECHO);
    expect(polluted()).toEqual([]);
    expect(markersAcked).toBe(bursts);
    expect(markersStored).toBe(bursts);
  }, 300_000);
});
