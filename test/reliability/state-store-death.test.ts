/**
 * Local mode's state store runs in a process of its own (dynalite). Killed
 * with SIGKILL under load, it is started again on its port from its files;
 * batches that failed meanwhile are received again. Pass: every accepted
 * ticket is counted exactly once, nothing is dead-lettered, and local mode
 * logged the restart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { bucketStart, DAY_MS } from '../../lambdas/domain/time.ts';
import {
  getJson,
  killChildren,
  MINUTE_MS,
  postTelemetry,
  spawnLocal,
  tempDataDir,
  waitForEmptyQueue,
} from '../support/local-mode.ts';

const TOKEN = 'state-store-death-token-0123456789';
const GATEWAYS = 4;
const PACE_MS = 20;
const DAY = bucketStart(Date.now(), '1d', 'Asia/Almaty') - DAY_MS;
const plantOf = (g: number) => `kz-ssd-${g + 1}`;

afterAll(() => killChildren());

/** The dynalite child of local mode's process, from /proc. */
function stateStorePid(parent: number): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (ppid === parent && cmdline.includes('dynalite-process')) return Number(entry);
    } catch {
      // Gone while listing.
    }
  }
  throw new Error(`no state store process under ${parent}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('state store death', () => {
  it('counts every accepted ticket once when the state store process is killed under load', async () => {
    const local = await spawnLocal({ dataDir: tempDataDir('state-store-death'), devToken: TOKEN });
    let stopping = false;
    const accepted = Array.from({ length: GATEWAYS }, () => 0);
    const gateway = async (g: number) => {
      for (let i = 0; !stopping; i++) {
        const paced = sleep(PACE_MS);
        const ts = DAY + (i % 1_440) * MINUTE_MS;
        const body = {
          schema: 'wte.telemetry.v1',
          messageId: `ssd-${g}-${i}`,
          plantId: plantOf(g),
          readings: [{ ts, line: 'boiler-1', metric: 'steam_flow', value: 40 + (i % 7) }],
          movements: [
            { ticketId: `SSD-${g}-${i}`, ts, direction: 'in', netTonnes: 10, material: 'mixed_waste' },
          ],
        };
        // A 503 (the state store is behind the authorizer too) is sent again, as a gateway would.
        for (;;) {
          const answer = await postTelemetry(local.httpUrl, plantOf(g), body, { token: TOKEN });
          if (answer.status === 202) break;
          if (answer.status !== 503) throw new Error(`gateway ${g}: HTTP ${answer.status} ${answer.text}`);
          await sleep(100);
        }
        accepted[g] = (accepted[g] ?? 0) + 1;
        await paced;
      }
    };
    const gateways = Promise.all(Array.from({ length: GATEWAYS }, (_, g) => gateway(g)));

    await sleep(1_500);
    const before = accepted.reduce((a, b) => a + b, 0);
    const killed = stateStorePid(local.pid);
    process.kill(killed, 'SIGKILL');
    await sleep(1_500);
    stopping = true;
    await gateways;
    const queue = await waitForEmptyQueue(local.httpUrl, 120_000);

    const from = new Date(DAY).toISOString();
    const to = new Date(DAY + DAY_MS).toISOString();
    const received: number[] = [];
    for (let g = 0; g < GATEWAYS; g++) {
      const kpis = await getJson<{ points: Array<{ received_t: number }> }>(
        local.httpUrl,
        `/v1/plants/${plantOf(g)}/kpis?from=${from}&to=${to}&interval=1d`,
      );
      received.push(kpis.body.points[0]?.received_t ?? 0);
    }
    const restarted = stateStorePid(local.pid);
    local.child.kill('SIGTERM');
    await local.exited;

    expect(before, 'the kill lands under load').toBeGreaterThan(0);
    expect(restarted).not.toBe(killed);
    expect(local.stderr()).toMatch(/state store process stopped; started it again/);
    expect(received).toEqual(accepted.map((n) => 10 * n));
    expect(queue.deadLettered).toBe(0);
  }, 180_000);
});
