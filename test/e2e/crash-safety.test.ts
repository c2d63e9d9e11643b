/**
 * Crash safety of local mode: `wte local` in a child process is killed with
 * SIGKILL in the middle of a stream and restarted on the same data dir.
 * Every item answered 202 before the kill is stored exactly once after the
 * restart (the queue journal is fsynced before the 202; every effect is
 * idempotent, so redelivering what was in flight doubles nothing).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bucketStart, DAY_MS } from '../../lambdas/domain/time.ts';
import { killChildren, spawnLocal, waitForEmptyQueue } from '../support/local-mode.ts';

const TOKEN = 'crash-test-token-0123456789';
const PLANT = 'kz-crash-01';
const MIN = 60_000;
const DAY = bucketStart(Date.now(), '1d', 'Asia/Almaty') - DAY_MS;
const dataDir = mkdtempSync(join(tmpdir(), 'wte-crash-'));
afterAll(killChildren);

/** Starts `wte local` on this test's data dir. */
async function startLocal(): Promise<{ child: ChildProcess; url: string }> {
  const local = await spawnLocal({ dataDir, devToken: TOKEN });
  return { child: local.child, url: local.httpUrl };
}

/** Message i: one reading at its own minute and one 10 t inbound ticket. */
function message(i: number) {
  const ts = DAY + i * MIN;
  return {
    schema: 'wte.telemetry.v1',
    messageId: `crash-${i}`,
    plantId: PLANT,
    readings: [{ ts, line: 'boiler-1', metric: 'furnace_temperature', value: 900 + (i % 50), unit: 'degC' }],
    movements: [{ ticketId: `T-${i}`, ts, direction: 'in', netTonnes: 10, material: 'mixed_waste' }],
  };
}

async function send(url: string, i: number): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/plants/${PLANT}/telemetry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(message(i)),
    });
    return response.status === 202;
  } catch {
    return false; // the process died before answering: not accepted
  }
}

describe('local mode crash safety', () => {
  it('stores every accepted item exactly once after SIGKILL and a restart on the same data dir', async () => {
    const first = await startLocal();
    const accepted = new Set<number>();
    let next = 0;
    let killed = false;
    // Four concurrent senders; the kill lands after 150 acceptances, with requests in flight.
    const senders = Array.from({ length: 4 }, async () => {
      while (next < 1_000) {
        const i = next++;
        if (await send(first.url, i)) accepted.add(i);
        if (!killed && accepted.size >= 150) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    });
    await Promise.all(senders);
    expect(accepted.size).toBeGreaterThan(20);
    expect(accepted.size, 'the kill landed mid-stream').toBeLessThan(1_000);

    const second = await startLocal();
    await waitForEmptyQueue(second.url);
    const from = new Date(DAY).toISOString();
    const to = new Date(DAY + DAY_MS).toISOString();
    const series = (await (
      await fetch(
        `${second.url}/v1/plants/${PLANT}/series?metric=furnace_temperature&from=${from}&to=${to}&interval=1m&agg=last`,
      )
    ).json()) as { points: Array<{ ts: string; value: number }>; nextCursor?: string };
    const stored = new Set(series.points.map((p) => (Date.parse(p.ts) - DAY) / MIN));
    for (const i of accepted) expect(stored.has(i), `accepted message ${i} stored`).toBe(true);
    for (const p of series.points) expect(p.value).toBe(900 + (((Date.parse(p.ts) - DAY) / MIN) % 50));

    // Tickets exactly once: the day's receipts are 10 t per stored message, none twice.
    const kpis = (await (
      await fetch(`${second.url}/v1/plants/${PLANT}/kpis?from=${from}&to=${to}&interval=1d`)
    ).json()) as { points: Array<{ received_t: number }> };
    expect(kpis.points[0]?.received_t).toBeCloseTo(10 * stored.size, 6);
    second.child.kill('SIGTERM');
  }, 120_000);
});
