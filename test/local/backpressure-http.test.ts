/**
 * HTTP backpressure in local mode (docs/backpressure.md): over the backlog
 * bound ingest answers 503 with Retry-After and journals nothing; once the
 * processor drains the queue it accepts again; and under load with a tight
 * bound everything answered 202 is stored exactly once.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketStart, DAY_MS } from '../../lambdas/domain/time.ts';
import { JOURNAL_FILE } from '../../lambdas/local/durable-queue.ts';
import { type LocalMode, startLocalMode } from '../../lambdas/local/runtime.ts';

const TOKEN = 'backpressure-http-token-01';
const PLANT = 'kz-bp-http';
const MIN = 60_000;
const DAY = bucketStart(Date.now(), '1d', 'Asia/Almaty') - DAY_MS;
const dataDir = mkdtempSync(join(tmpdir(), 'wte-bp-http-'));
const journal = join(dataDir, 'queue', JOURNAL_FILE);
let local: LocalMode;

beforeAll(async () => {
  local = await startLocalMode({
    dataDir,
    httpPort: 0,
    mqttPort: 0,
    devToken: TOKEN,
    schedulerIntervalMs: 3_600_000,
    queue: { batchingWindowMs: 5 },
    // One queued message is already over: the second one is refused until the processor catches up.
    backlog: { maxBytes: 1 },
    processorPaused: true,
  });
}, 60_000);

afterAll(async () => {
  await local?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Message i: one reading at its own minute and one 10 t inbound ticket. */
function message(i: number) {
  const ts = DAY + i * MIN;
  return JSON.stringify({
    schema: 'wte.telemetry.v1',
    messageId: `bp-${i}`,
    plantId: PLANT,
    readings: [{ ts, line: 'boiler-1', metric: 'furnace_temperature', value: 900, unit: 'degC' }],
    movements: [{ ticketId: `T-${i}`, ts, direction: 'in', netTonnes: 10, material: 'mixed_waste' }],
  });
}

const post = (i: number) =>
  fetch(`${local.httpUrl}/v1/plants/${PLANT}/telemetry`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: message(i),
  });

describe('HTTP ingest under backpressure', () => {
  it('answers 503 with Retry-After and journals nothing while over the bound, then accepts once drained', async () => {
    expect((await post(0)).status).toBe(202);
    const journalBefore = statSync(journal).size;

    const refused = await post(1);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await refused.json()) as { type: string; status: number; detail: string };
    expect(problem).toMatchObject({ type: 'urn:wte:problem:unavailable', status: 503 });
    expect(problem.detail).toMatch(/behind.*MiB/);
    expect(statSync(journal).size, 'nothing journaled for the refused message').toBe(journalBefore);
    expect(local.backlog().messages).toBe(1);

    local.resumeProcessor();
    expect(await local.settle(30_000)).toBe(true);
    expect(local.backlog()).toMatchObject({ messages: 0, bytes: 0 });
    expect((await post(1)).status).toBe(202);
    expect(await local.settle(30_000)).toBe(true);
  }, 60_000);

  it('stores everything acknowledged exactly once when many senders keep hitting the bound', async () => {
    const total = 200;
    const accepted = new Set<number>();
    let refusals = 0;
    let next = 2;
    const senders = Array.from({ length: 8 }, async () => {
      while (next < total) {
        const i = next++;
        for (;;) {
          const response = await post(i);
          if (response.status === 202) {
            accepted.add(i);
            break;
          }
          expect(response.status).toBe(503);
          expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
          await response.body?.cancel();
          refusals++;
          // The gateway honours Retry-After; the test shortens the wait, not the protocol.
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    });
    await Promise.all(senders);
    expect(accepted.size).toBe(total - 2);
    expect(refusals, 'the bound was hit under load').toBeGreaterThan(0);
    expect(await local.settle(60_000)).toBe(true);

    const from = new Date(DAY).toISOString();
    const to = new Date(DAY + DAY_MS).toISOString();
    const kpis = (await (
      await fetch(`${local.httpUrl}/v1/plants/${PLANT}/kpis?from=${from}&to=${to}&interval=1d`)
    ).json()) as { points: Array<{ received_t: number }> };
    // Messages 0 and 1 of the first test plus every one accepted here, each ticket once.
    expect(kpis.points[0]?.received_t).toBeCloseTo(10 * total, 6);
  }, 120_000);
});
