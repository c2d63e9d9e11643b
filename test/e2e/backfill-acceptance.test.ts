/**
 * Issue #17's acceptance in local mode, over real HTTP, queue, stores and
 * engine: two past days uploaded in order, 24 hourly messages each, 250 ms
 * apart, with the scheduled run every 5 s. The day that ends above target
 * (after a morning far below it) yields no transition at all; the day that
 * ends at 33 % yields exactly one `opened` quoting the complete day's rate,
 * within 5 minutes of the last message, and the alerts API shows just that
 * alert. Both orders (bad day first, bad day last) are uploaded, one plant
 * each. Local mode runs on a clock the test moves, so the 5 minutes take
 * seconds; a wall-clock run of the same upload is in docs/alert-completeness.md.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketStart } from '../../lambdas/domain/time.ts';
import type { LocalMode } from '../../lambdas/local/runtime.ts';
import { getJson, postTelemetry, startLocal, tempDataDir } from '../support/local-mode.ts';

const TZ = 'Asia/Almaty';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DEV_TOKEN = 'wte_dev_backfill-acceptance-token-0001';

const clock = { current: Date.now(), now: () => clock.current };
const today = bucketStart(clock.current, '1d', TZ);
const FIRST = today - 2 * 24 * HOUR;
const SECOND = today - 24 * HOUR;

/**
 * One hour of a day: 10 t received each hour from 03:00 to 20:00 (180 t) and
 * the feed totalizer advancing by the same tonnage (so the mass balance
 * closes); bottom ash to landfill, 6 t an hour from 01:00 to 05:00 (the day so
 * far is far below target until the receipts catch up), and on a bad day 5 t
 * of ash an hour more from 03:00 to 20:00: the good day ends at 83.3 %, the
 * bad at 33.3 %.
 */
function hourMessage(plantId: string, day: number, hour: number, bad: boolean, seq: number): object {
  const at = day + hour * HOUR;
  const ticket = (prefix: string) => `${prefix}-${day}-${hour}`;
  const movements: object[] = [];
  if (hour >= 1 && hour <= 5) movements.push(ash(ticket('A'), at + 5 * MIN, 6));
  if (hour >= 3 && hour <= 20) {
    movements.push({
      ticketId: ticket('R'),
      ts: new Date(at + 20 * MIN).toISOString(),
      direction: 'in',
      netTonnes: 10,
      material: 'mixed_waste',
    });
    if (bad) movements.push(ash(ticket('L'), at + 40 * MIN, 5));
  }
  // The totalizer runs on across days: the second day starts where the first ended (180 t later).
  const base = 5000 + (day === SECOND ? 180 : 0);
  const fedBefore = base + Math.min(Math.max(hour - 3, 0), 18) * 10;
  const fedAfter = hour >= 3 && hour <= 20 ? fedBefore + 10 : fedBefore;
  return {
    schema: 'wte.telemetry.v1',
    messageId: `gw-${plantId}:${seq}`,
    plantId,
    sentAt: new Date(clock.current).toISOString(),
    readings: [
      { ts: at + MIN, line: 'line-1', metric: 'waste_fed', value: fedBefore, unit: 't' },
      { ts: at + 59 * MIN, line: 'line-1', metric: 'waste_fed', value: fedAfter, unit: 't' },
    ],
    movements,
  };
}

function ash(ticketId: string, ts: number, netTonnes: number): object {
  return {
    ticketId,
    ts: new Date(ts).toISOString(),
    direction: 'out',
    netTonnes,
    material: 'bottom_ash',
    destination: 'landfill',
    operationCode: 'D1',
  };
}

interface AlertJson {
  readonly alertId: string;
  readonly type: string;
  readonly state: string;
  readonly value: number;
  readonly window: { readonly start: string; readonly end: string };
  readonly message: string;
}

let local: LocalMode;

beforeAll(async () => {
  // The test's clock jumps 250 ms a message, far faster than the processor's real time, so the backlog
  // bound (judged on that clock) gets room for the whole upload; backpressure has its own tests.
  local = await startLocal({
    dataDir: tempDataDir('backfill'),
    devToken: DEV_TOKEN,
    clock,
    backlog: { maxAgeMs: 3_600_000 },
  });
});
afterAll(async () => {
  await local?.close();
});

/** Uploads the two days in order, hour by hour, 250 ms apart; the time of the last message. */
async function upload(plantId: string, badDay: number): Promise<number> {
  let seq = 0;
  for (const day of [FIRST, SECOND]) {
    for (let hour = 0; hour < 24; hour++) {
      const answer = await postTelemetry(
        local.httpUrl,
        plantId,
        hourMessage(plantId, day, hour, day === badDay, ++seq),
        {
          token: DEV_TOKEN,
        },
      );
      expect(answer.status, answer.text).toBe(202);
      clock.current += 250;
    }
  }
  return clock.current - 250;
}

const alertsOf = async (plantId: string) =>
  (await getJson<{ alerts: AlertJson[] }>(local.httpUrl, `/v1/alerts?plantId=${plantId}`)).body.alerts;

describe('two past days uploaded in order, an hour a message (local mode, scheduled run every 5 s)', () => {
  it('judges each day once on its complete data: one alert for the bad day, within 5 minutes, none for the good', async () => {
    const uploads = [
      { plantId: 'kz-bad-first', badDay: FIRST },
      { plantId: 'kz-bad-last', badDay: SECOND },
    ];
    const lastMessage = new Map<string, number>();
    for (const { plantId, badDay } of uploads) lastMessage.set(plantId, await upload(plantId, badDay));
    expect(await local.settle(30_000)).toBe(true);

    const openedAt = new Map<string, number>();
    const end = Math.max(...lastMessage.values()) + 6 * MIN;
    while (clock.current < end) {
      clock.current += 5_000;
      await local.runScheduler();
      for (const { plantId } of uploads) {
        if (!openedAt.has(plantId) && (await alertsOf(plantId)).length > 0)
          openedAt.set(plantId, clock.current);
      }
    }

    for (const { plantId, badDay } of uploads) {
      const alerts = await alertsOf(plantId);
      expect(alerts, plantId).toHaveLength(1);
      const [alert] = alerts;
      expect(alert).toMatchObject({
        type: 'DIVERSION_BELOW_TARGET',
        state: 'open',
        window: { start: new Date(badDay).toISOString(), end: new Date(badDay + 24 * HOUR).toISOString() },
      });
      expect(alert?.value).toBeCloseTo(1 / 3, 12);
      expect(alert?.message).toMatch(
        /^Landfill diversion 33\.3 % on \d{4}-\d{2}-\d{2} is below the 40\.0 % target$/,
      );
      const delay = (openedAt.get(plantId) ?? Number.POSITIVE_INFINITY) - (lastMessage.get(plantId) ?? 0);
      expect(delay, `${plantId}: opened ${delay} ms after its last message`).toBeLessThanOrEqual(5 * MIN);
    }

    // alerts.jsonl: exactly the two openings, nothing resolved, nothing about the good days.
    const lines = readFileSync(local.alertsFile, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(
        (line) => JSON.parse(line) as { kind?: string; transition?: string; alert?: AlertJson } & AlertJson,
      );
    const kinds = lines.map((l) => `${l.kind ?? l.transition ?? l.state}`);
    expect(lines).toHaveLength(2);
    expect(kinds.every((k) => k === 'opened' || k === 'open')).toBe(true);
  }, 120_000);
});
