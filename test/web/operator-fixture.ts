/**
 * Two plants in local mode, each with what the operator page must show
 * truthfully, posted over HTTP as gateways would:
 *
 * - kz-ast-01: replay starts at noon of the first day (a partial day), no
 *   data at all the day before yesterday (a gap, not 0 t), an ash haul to
 *   landfill three days ago (an open diversion alert), and silent for the last
 *   3 hours (stale).
 * - kz-ala-01: every day, but six hours missing on the third day before
 *   today (a partial day, a break in the temperature line); an ash haul
 *   yesterday whose alert resolves when the weighbridge
 *   corrects its tickets (resolved in the last 24 hours); a reading a minute
 *   ago (fresh).
 */
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import { DAY_MS, HOUR_MS, localDate, MINUTE_MS } from '../../lambdas/domain/time.ts';
import { type LocalMode, startLocalMode } from '../../lambdas/local/runtime.ts';
import { type OutgoingMessage, simulate } from '../../lambdas/sim/simulator.ts';
import { addDays, dayStart, epochRange } from '../../web/src/range.ts';
import { stateStoreOf } from '../support/local-mode.ts';

export const TZ = 'Asia/Almaty';
export const TOKEN = 'web-test-dev-token-0123';
export const AST = 'kz-ast-01';
export const ALA = 'kz-ala-01';

/**
 * Alert times are data times: kz-ala-01's alert about yesterday resolves at yesterday's end, within the
 * page's 24 hours, once yesterday is complete, which takes a few minutes past plant-local midnight (the
 * data frontier must pass the day's end by the settle delay). A run starting in those minutes waits.
 */
const SETTLING_MS = 5 * MINUTE_MS;
const intoDay = Date.now() - dayStart(localDate(Date.now(), TZ), TZ);
if (intoDay < SETTLING_MS) {
  console.warn(
    `operator page fixture: waiting ${Math.ceil((SETTLING_MS - intoDay) / 1000)} s for yesterday to settle`,
  );
  await new Promise((resolve) => setTimeout(resolve, SETTLING_MS - intoDay));
}

export const NOW = Date.now();
export const TODAY = localDate(NOW, TZ);
export const FROM_DATE = addDays(TODAY, -4);
export const RANGE = epochRange({ fromDate: FROM_DATE, toDate: TODAY }, TZ);
export const day = (offset: number) => dayStart(addDays(TODAY, offset), TZ);
/** kz-ast-01's missing day, and kz-ala-01's missing hours. */
export const AST_GAP_DAY = day(-2);
export const ALA_GAP = { start: day(-3) + 6 * HOUR_MS, end: day(-3) + 12 * HOUR_MS };
export const AST_SILENT_SINCE = NOW - 3 * HOUR_MS;

export async function post(local: LocalMode, plantId: string, body: unknown): Promise<void> {
  const response = await fetch(`${local.httpUrl}/v1/plants/${plantId}/telemetry`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 202) throw new Error(`POST answered ${response.status}: ${await response.text()}`);
}

export async function getJson<T>(local: LocalMode, path: string): Promise<T> {
  const response = await fetch(`${local.httpUrl}${path}`);
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
  return (await response.json()) as T;
}

export interface KpiAnswer {
  points: Array<{
    start: string;
    complete: boolean;
    received_t: number;
    landfilled_t: number;
    diversion_rate: number | null;
    recycling_rate: number | null;
    net_mwh_per_t: number | null;
  }>;
  targets: Array<{ kpi: string; rate: number; year: number; source: string }>;
}

export const kpiPath = (plantId: string, from: number, to: number, interval: string) =>
  `/v1/plants/${plantId}/kpis?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&interval=${interval}`;

/**
 * The ash days. kz-ast-01's is complete at any hour (its yesterday is not before its 3-hour silence has
 * passed midnight); kz-ala-01's alert must resolve within the last 24 hours, so it is yesterday's.
 */
export const ASH_DAY: Readonly<Record<string, number>> = { [AST]: day(-3), [ALA]: day(-1) };

/** An ash haul to landfill on the plant's ash day, in trucks of `tonnes` each (a correction re-weighs the same tickets). */
async function ashTickets(
  local: LocalMode,
  plantId: string,
  trucks: number,
  tonnes: number,
  correction: boolean,
) {
  const start = ASH_DAY[plantId] as number;
  await post(local, plantId, {
    schema: 'wte.telemetry.v1',
    messageId: `web-test-ash-${plantId}-${correction ? 'corrected' : 'hauled'}`,
    plantId,
    readings: [],
    movements: Array.from({ length: trucks }, (_, i) => ({
      ticketId: `ASH-HAUL-${i}`,
      ts: new Date(start + 9 * HOUR_MS + i * 4 * MINUTE_MS).toISOString(),
      direction: 'out',
      netTonnes: tonnes,
      material: 'bottom_ash',
      destination: 'landfill',
      operationCode: 'D1',
      correction,
    })),
  });
}

/** Enough bottom ash to landfill to bring the ash day's diversion to about 30 %; answers the trucks. */
async function haulAsh(local: LocalMode, plantId: string): Promise<number> {
  const start = ASH_DAY[plantId] as number;
  const { points } = await getJson<KpiAnswer>(local, kpiPath(plantId, start, start + DAY_MS, '1d'));
  const received = points[0]?.received_t ?? 0;
  if (received < 100) throw new Error('the simulated day has too few receipts');
  const trucks = Math.ceil((0.7 * received - (points[0]?.landfilled_t ?? 0)) / 25);
  await ashTickets(local, plantId, trucks, 25, false);
  return trucks;
}

function keep(message: OutgoingMessage): boolean {
  const t = message.dataTime;
  if (message.plantId === AST) {
    return (
      t >= RANGE.from + 12 * HOUR_MS &&
      !(t >= AST_GAP_DAY && t < AST_GAP_DAY + DAY_MS) &&
      t < AST_SILENT_SINCE
    );
  }
  return !(t >= ALA_GAP.start && t < ALA_GAP.end);
}

export async function startFleet(dataDir: string): Promise<LocalMode> {
  const local = await startLocalMode({
    dataDir,
    httpPort: 0,
    mqttPort: 0,
    devToken: TOKEN,
    schedulerPaused: true,
    queue: { batchingWindowMs: 20 },
  });
  // Backfilled days are judged once a plant's late data pauses: here at once (quiet period 0); the 20-minute
  // sampling is not a silent sensor (stale after 60 minutes).
  for (const plantId of [AST, ALA]) {
    await stateStoreOf(local).putPlant({
      ...defaultPlantConfig(plantId),
      dayCompleteAfterMinutes: 0,
      staleAfterMinutes: 60,
    });
  }
  const messages = [
    ...simulate({
      plants: 2,
      scenario: 'normal',
      start: RANGE.from,
      end: NOW - MINUTE_MS,
      intervalMs: 20 * MINUTE_MS,
      seed: 10,
      timeZone: TZ,
    }),
  ].filter(keep);
  // One lane per plant keeps each gateway's messages in order while the plants send in parallel.
  const lanes = new Map<string, OutgoingMessage[]>();
  for (const message of messages)
    lanes.set(message.plantId, [...(lanes.get(message.plantId) ?? []), message]);
  await Promise.all(
    [...lanes.values()].map(async (lane) => {
      for (const message of lane) await post(local, message.plantId, message.body);
    }),
  );
  // kz-ala-01's latest readings once more, a minute ago: fresh whatever the 20-minute sampling's phase.
  const last = lanes.get(ALA)?.at(-1);
  if (!last) throw new Error('no simulated message for kz-ala-01');
  await post(local, ALA, {
    ...last.body,
    messageId: 'web-test-fresh',
    readings: last.body.readings.map((r) => ({ ...r, ts: NOW - MINUTE_MS })),
    movements: [],
  });
  await settle(local);
  const alaTrucks = await haulAsh(local, ALA);
  await haulAsh(local, AST);
  await settle(local);
  // The scheduled run judges the complete backfilled days: both ash days miss the target.
  await local.runScheduler();
  // The weighbridge corrects kz-ala-01's ash tickets to a kilogram each: the day is back over target, the alert resolves.
  await ashTickets(local, ALA, alaTrucks, 0.001, true);
  await settle(local);
  await local.runScheduler();
  return local;
}

async function settle(local: LocalMode): Promise<void> {
  if (!(await local.settle(60_000))) throw new Error('local mode did not settle');
}
