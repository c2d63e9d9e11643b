/**
 * Reliability row 6, authorization matrix: seeded (token, plant, route,
 * transport) cases against local mode over real HTTP and MQTT, with real
 * gateway tokens in its state store (bound to some plants, to every plant,
 * revoked through the store, never stored, tampered, malformed, missing,
 * presented under another gateway's name, and the local dev token).
 *
 * Each case tries to write one reading at its own minute. Pass: every write
 * the token does not allow is refused (HTTP 401/403 as problem details; MQTT
 * CONNECT refused or the client disconnected, no PUBACK), every write it
 * allows on the canonical route lands, and the store holds exactly the
 * readings of allowed writes: no bypass. (The handler-level matrix is
 * test/handlers/auth-matrix.test.ts.)
 */
import { request } from 'node:http';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { ALL_PLANTS, createGatewayToken } from '../../lambdas/auth/gateway-tokens.ts';
import { bucketStart, DAY_MS } from '../../lambdas/domain/time.ts';
import type { LocalMode } from '../../lambdas/local/runtime.ts';
import { prng } from '../../lambdas/sim/fleet.ts';
import {
  connectGateway,
  getJson,
  MINUTE_MS,
  startLocal,
  stateStoreOf,
  tempDataDir,
} from '../support/local-mode.ts';
import { problemDefect } from './support/bad-requests.ts';
import { Figures, percent } from './support/figures.ts';
import { bySize } from './support/sizes.ts';

const DEV_TOKEN = 'authz-dev-token-0123456789';
const CASES = bySize(1_000, 4_000);
const SEED = 20_261_126;
const PLANTS = ['kz-authz-01', 'kz-authz-02', 'kz-authz-03', 'kz-authz-04'];
const DAY = bucketStart(Date.now(), '1d', 'Asia/Almaty') - DAY_MS;
const MINUTES_PER_LINE = 1_440;

type Credential =
  | 'bound'
  | 'wildcard'
  | 'dev'
  | 'revoked'
  | 'unknown'
  | 'tampered'
  | 'malformed'
  | 'missing'
  | 'other-gateway';
type HttpRoute = 'canonical' | 'query-plant' | 'dot-segment' | 'encoded' | 'body-other-plant';
type MqttRoute = 'canonical' | 'payload-other-plant' | 'extra-level' | 'subscribe-rejected';

interface Case {
  readonly index: number;
  readonly transport: 'http' | 'mqtt';
  readonly credential: Credential;
  readonly tokenPlants: readonly string[];
  readonly plant: string;
  readonly route: HttpRoute | MqttRoute;
}

interface Result {
  readonly kase: Case;
  /** The token is genuine and allows the plant. */
  readonly allowed: boolean;
  /** HTTP status, or for MQTT: 'refused-connect', 'disconnected', 'puback', 'granted', 'denied'. */
  readonly outcome: string;
  readonly problemDefect?: string;
  /** A reading of this case should be stored. */
  readonly writes: boolean;
}

const figures = new Figures('authorization', 'token × plant × route × transport matrix over HTTP and MQTT');
let local: LocalMode;
let store: DynamoStateStore;

beforeAll(async () => {
  local = await startLocal({ dataDir: tempDataDir('authz'), devToken: DEV_TOKEN });
  store = stateStoreOf(local);
});
afterAll(async () => {
  await local?.close();
  figures.report();
});

function generate(count: number): Case[] {
  const random = prng(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const credentials: Credential[] = [
    'bound',
    'bound',
    'bound',
    'wildcard',
    'dev',
    'revoked',
    'unknown',
    'tampered',
    'malformed',
    'missing',
    'other-gateway',
  ];
  return Array.from({ length: count }, (_, index) => {
    const transport = random() < 0.6 ? 'http' : 'mqtt';
    const tokenPlants = PLANTS.filter(() => random() < 0.4);
    if (tokenPlants.length === 0) tokenPlants.push(pick(PLANTS));
    return {
      index,
      transport,
      credential: pick(credentials),
      tokenPlants,
      plant: pick(PLANTS),
      route:
        transport === 'http'
          ? pick<HttpRoute>([
              'canonical',
              'canonical',
              'query-plant',
              'dot-segment',
              'encoded',
              'body-other-plant',
            ])
          : pick<MqttRoute>([
              'canonical',
              'canonical',
              'payload-other-plant',
              'extra-level',
              'subscribe-rejected',
            ]),
    };
  });
}

const lineOf = (index: number) => `authz-${Math.floor(index / MINUTES_PER_LINE)}`;
const tsOf = (index: number) => DAY + (index % MINUTES_PER_LINE) * MINUTE_MS;

function body(kase: Case, plantId: string) {
  return JSON.stringify({
    schema: 'wte.telemetry.v1',
    messageId: `authz-${kase.index}`,
    plantId,
    readings: [
      // The value names the case: CO (0 to 100,000 mg/Nm3) holds every index within its physical bounds.
      { ts: tsOf(kase.index), line: lineOf(kase.index), metric: 'co', value: kase.index },
    ],
  });
}

/** The credential a case presents: the bearer token (or header) and the gateway id it claims. */
async function credentialOf(
  kase: Case,
): Promise<{ header?: string; token: string; gatewayId: string; genuine: boolean }> {
  const gatewayId = `gw-authz-${kase.index}`;
  const plants = kase.credential === 'wildcard' ? [ALL_PLANTS] : kase.tokenPlants;
  const make = () => createGatewayToken({ gatewayId, plants, now: Date.now() });
  switch (kase.credential) {
    case 'bound':
    case 'wildcard':
    case 'other-gateway': {
      const { token, record } = make();
      await store.putToken(record);
      // other-gateway: a genuine token presented under another gateway's name (MQTT username).
      return {
        token,
        gatewayId: kase.credential === 'other-gateway' ? `gw-authz-x${kase.index}` : gatewayId,
        genuine: kase.credential !== 'other-gateway' || kase.transport === 'http',
      };
    }
    case 'dev':
      return { token: DEV_TOKEN, gatewayId, genuine: true };
    case 'revoked': {
      const { token, record } = make();
      await store.putToken(record);
      await store.revokeToken(record.tokenId, Date.now());
      return { token, gatewayId, genuine: false };
    }
    case 'unknown':
      return { token: make().token, gatewayId, genuine: false };
    case 'tampered': {
      const { token, record } = make();
      await store.putToken(record);
      return { token: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, gatewayId, genuine: false };
    }
    case 'malformed': {
      const header = [
        `Bearer ${DEV_TOKEN}x`,
        'Bearer',
        'Bearer wte_',
        'Basic YWxhZGRpbjpvcGVu',
        `bearer  `,
        'wte_abc',
      ][kase.index % 6] as string;
      return { header, token: header.replace(/^\S+\s*/, ''), gatewayId, genuine: false };
    }
    default:
      return { header: '', token: '', gatewayId, genuine: false };
  }
}

function rawPost(
  path: string,
  headers: Record<string, string>,
  payload: string,
): Promise<{ status: number; type: string | null; text: string }> {
  const url = new URL(local.httpUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path,
        headers: { ...headers, 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: (res.headers['content-type'] as string | undefined) ?? null,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function runHttp(
  kase: Case,
  credential: Awaited<ReturnType<typeof credentialOf>>,
  allowed: boolean,
): Promise<Result> {
  const other = PLANTS.find((p) => p !== kase.plant) as string;
  const own = kase.tokenPlants[0] as string;
  const path = {
    canonical: `/v1/plants/${kase.plant}/telemetry`,
    'query-plant': `/v1/plants/${kase.plant}/telemetry?plantId=${own}`,
    'dot-segment': `/v1/plants/${own}/../${kase.plant}/telemetry`,
    encoded: `/v1/plants/%${kase.plant.charCodeAt(0).toString(16)}${kase.plant.slice(1)}/telemetry`,
    'body-other-plant': `/v1/plants/${kase.plant}/telemetry`,
  }[kase.route as HttpRoute];
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const header = credential.header ?? `Bearer ${credential.token}`;
  if (header !== '') headers.authorization = header;
  const answer = await rawPost(
    path,
    headers,
    body(kase, kase.route === 'body-other-plant' ? other : kase.plant),
  );
  const defect = answer.status === 202 ? undefined : problemDefect(answer.status, answer.type, answer.text);
  return {
    kase,
    allowed,
    outcome: String(answer.status),
    ...(defect === undefined ? {} : { problemDefect: defect }),
    writes: answer.status === 202,
  };
}

async function runMqtt(
  kase: Case,
  credential: Awaited<ReturnType<typeof credentialOf>>,
  allowed: boolean,
): Promise<Result> {
  let client: MqttClient;
  try {
    client = await connectGateway(
      local.mqttUrl,
      credential.gatewayId,
      credential.token,
      `${credential.gatewayId}/authz-${kase.index}`,
    );
  } catch {
    return { kase, allowed, outcome: 'refused-connect', writes: false };
  }
  const closed = new Promise<'disconnected'>((resolve) =>
    client.once('close', () => resolve('disconnected')),
  );
  // A broker that neither answers nor disconnects fails the case; the bound is generous so that a
  // slow, loaded machine never turns a late acknowledgement into a failure.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), 30_000);
  });
  try {
    if (kase.route === 'subscribe-rejected') {
      const granted = await Promise.race([
        client.subscribeAsync(`wte/v1/${kase.plant}/rejected`, { qos: 1 }).then(
          (grants) => (grants.every((g) => g.qos !== 128) ? ('granted' as const) : ('denied' as const)),
          () => 'denied' as const,
        ),
        closed,
        timeout,
      ]);
      return { kase, allowed, outcome: granted === 'disconnected' ? 'denied' : granted, writes: false };
    }
    const other = PLANTS.find((p) => p !== kase.plant) as string;
    const topic =
      kase.route === 'extra-level' ? `wte/v1/${kase.plant}/telemetry/x` : `wte/v1/${kase.plant}/telemetry`;
    const outcome = await Promise.race([
      client
        .publishAsync(topic, body(kase, kase.route === 'payload-other-plant' ? other : kase.plant), {
          qos: 1,
        })
        .then(
          () => 'puback' as const,
          () => 'disconnected' as const,
        ),
      closed,
      timeout,
    ]);
    return { kase, allowed, outcome, writes: outcome === 'puback' && kase.route === 'canonical' };
  } finally {
    clearTimeout(timer);
    await client.endAsync(true).catch(() => undefined);
  }
}

/** What the contract and the gateway emulation require of one case, or undefined when it holds. */
function violation(r: Result): string | undefined {
  const { kase, allowed, outcome } = r;
  if (kase.transport === 'http') {
    if (r.problemDefect !== undefined) return `refusal not problem details: ${r.problemDefect}`;
    const genuine =
      kase.credential === 'bound' ||
      kase.credential === 'wildcard' ||
      kase.credential === 'dev' ||
      kase.credential === 'other-gateway';
    if (!genuine) return outcome === '401' ? undefined : `expected 401, got ${outcome}`;
    if (!allowed) return outcome === '403' ? undefined : `expected 403, got ${outcome}`;
    switch (kase.route as HttpRoute) {
      case 'canonical':
      case 'query-plant':
      case 'dot-segment':
        return outcome === '202' ? undefined : `expected 202, got ${outcome}`;
      case 'body-other-plant':
        return outcome === '400' ? undefined : `expected 400 (plant mismatch), got ${outcome}`;
      case 'encoded':
        // An encoded path is never how a gateway writes; refusing it is safe, accepting it is the same plant.
        return ['202', '403', '404'].includes(outcome) ? undefined : `got ${outcome}`;
    }
  }
  const genuine = kase.credential === 'bound' || kase.credential === 'wildcard' || kase.credential === 'dev';
  if (!genuine) return outcome === 'refused-connect' ? undefined : `expected CONNECT refused, got ${outcome}`;
  switch (kase.route as MqttRoute) {
    case 'subscribe-rejected':
      return outcome === (allowed ? 'granted' : 'denied')
        ? undefined
        : `expected ${allowed ? 'granted' : 'denied'}, got ${outcome}`;
    case 'extra-level':
      return outcome === 'disconnected' ? undefined : `expected disconnect, got ${outcome}`;
    default:
      return outcome === (allowed ? 'puback' : 'disconnected')
        ? undefined
        : `expected ${allowed ? 'PUBACK' : 'disconnect'}, got ${outcome}`;
  }
}

describe('authorization matrix', () => {
  it(`refuses every write a token does not allow, over HTTP and MQTT, in ${CASES} cases: no bypass`, async () => {
    const cases = generate(CASES);
    const results: Result[] = [];
    for (const kase of cases) {
      const credential = await credentialOf(kase);
      const allowed =
        credential.genuine &&
        (kase.credential === 'dev' ||
          kase.credential === 'wildcard' ||
          kase.tokenPlants.includes(kase.plant));
      results.push(
        kase.transport === 'http'
          ? await runHttp(kase, credential, allowed)
          : await runMqtt(kase, credential, allowed),
      );
    }
    expect(await local.settle(60_000)).toBe(true);

    // What the store holds: every reading of the matrix, by case, through the API.
    /** Case index → the plants a reading of it is stored under. */
    const storedUnder = new Map<number, string[]>();
    const from = new Date(DAY).toISOString();
    const to = new Date(DAY + DAY_MS).toISOString();
    for (const plant of PLANTS) {
      for (let line = 0; line * MINUTES_PER_LINE < CASES; line++) {
        const { body: series } = await getJson<{ points: Array<{ ts: string; value: number }> }>(
          local.httpUrl,
          `/v1/plants/${plant}/series?metric=co&line=authz-${line}&from=${from}&to=${to}&interval=1m&agg=last`,
        );
        for (const p of series.points) storedUnder.set(p.value, [...(storedUnder.get(p.value) ?? []), plant]);
      }
    }
    const stored = new Set(storedUnder.keys());
    const misplaced = results.filter((r) =>
      (storedUnder.get(r.kase.index) ?? []).some((plant) => plant !== r.kase.plant),
    );
    const bypasses = results.filter((r) => stored.has(r.kase.index) && !r.allowed);
    const lost = results.filter((r) => r.writes && !stored.has(r.kase.index));
    const unexpectedWrites = results.filter((r) => stored.has(r.kase.index) && !r.writes);
    const violations = results
      .map((r) => ({ r, why: violation(r) }))
      .filter((v) => v.why !== undefined)
      .map(({ r, why }) => ({ ...r.kase, outcome: r.outcome, why }));

    // Cross-plant: a genuine token bound to other plants, on any write route.
    const crossPlant = results.filter(
      (r) =>
        (r.kase.credential === 'bound' ||
          (r.kase.credential === 'other-gateway' && r.kase.transport === 'http')) &&
        !r.kase.tokenPlants.includes(r.kase.plant) &&
        r.kase.route !== 'subscribe-rejected',
    );
    const refusedCross = crossPlant.filter((r) => !r.writes && !stored.has(r.kase.index));
    const missingOrRevoked = results.filter(
      (r) => r.kase.credential === 'missing' || r.kase.credential === 'revoked',
    );
    const refusedMissingOrRevoked = missingOrRevoked.filter(
      (r) => !stored.has(r.kase.index) && (r.outcome === '401' || r.outcome === 'refused-connect'),
    );
    const byTransport = (t: string) => results.filter((r) => r.kase.transport === t).length;
    const httpRefusals = results.filter((r) => r.kase.transport === 'http' && r.outcome !== '202');

    figures.add(
      'cases (HTTP / MQTT)',
      `${results.length} (${byTransport('http')} / ${byTransport('mqtt')})`,
      '1,000',
    );
    figures.add(
      'credentials',
      ['bound', 'wildcard', 'dev', 'revoked', 'unknown', 'tampered', 'malformed', 'missing', 'other-gateway']
        .map((c) => `${c} ${results.filter((r) => r.kase.credential === c).length}`)
        .join(', '),
    );
    figures.add('cross-plant writes refused', `${refusedCross.length}/${crossPlant.length}`, 'all');
    figures.add(
      'missing or revoked tokens refused',
      `${refusedMissingOrRevoked.length}/${missingOrRevoked.length}`,
      'all',
    );
    figures.add(
      'allowed canonical writes stored',
      `${results.filter((r) => r.writes && stored.has(r.kase.index)).length}/${results.filter((r) => r.writes).length}`,
      'all',
    );
    figures.add(
      'HTTP refusals as problem details',
      percent(httpRefusals.filter((r) => r.problemDefect === undefined).length, httpRefusals.length),
      '100 %',
    );
    figures.add('cases answered otherwise than expected', violations.length, '0');
    figures.add(
      'bypasses (reading stored for a write not allowed, or under another plant)',
      bypasses.length + misplaced.length,
      '0',
    );

    expect(violations.slice(0, 10)).toEqual([]);
    expect(bypasses.map((r) => r.kase)).toEqual([]);
    expect(misplaced.map((r) => r.kase)).toEqual([]);
    expect(unexpectedWrites.map((r) => r.kase)).toEqual([]);
    expect(lost.map((r) => r.kase)).toEqual([]);
    expect(refusedCross.length).toBe(crossPlant.length);
    expect(refusedMissingOrRevoked.length).toBe(missingOrRevoked.length);
  }, 300_000);
});
