/**
 * Local mode's outbox relay after each batch behaves as the alert-step
 * Lambda's (handlers/relay-after-batch.ts): a relay that throws fails no
 * batch, is logged by the error's name, and what it left pending goes out
 * at the next relay, once.
 */
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import type { LocalMode } from '../../lambdas/local/runtime.ts';
import { MINUTE_MS, startLocal, stateStoreOf, tempDataDir } from '../support/local-mode.ts';

const TOKEN = 'local-relay-dev-token-0123456789';
const PLANT = 'kz-relay-01';
const dataDir = tempDataDir('relay');
const logs: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
/** The console sink of alert lines breaks (a closed terminal) until a test mends it. */
let consoleBroken = true;
let local: LocalMode;

beforeAll(async () => {
  local = await startLocal({
    dataDir,
    devToken: TOKEN,
    log: (level, message, fields) => void logs.push({ level, message, fields }),
    alertLine: () => {
      if (consoleBroken) throw new TypeError('the console is gone');
    },
  });
}, 60_000);

afterAll(async () => {
  await local?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('local relay after a batch', () => {
  it('logs a relay that throws, fails no batch, and publishes what it left at the next relay', async () => {
    await stateStoreOf(local).putPlant(defaultPlantConfig(PLANT));
    const now = Date.now();
    // Ten minutes under 850 °C on boiler-1, the last a minute ago: past the five-minute on-delay.
    const readings = Array.from({ length: 10 }, (_, i) => ({
      ts: now - (10 - i) * MINUTE_MS,
      line: 'boiler-1',
      metric: 'furnace_temperature',
      value: 800 + i,
      unit: 'degC',
    }));
    const response = await fetch(`${local.httpUrl}/v1/plants/${PLANT}/telemetry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ schema: 'wte.telemetry.v1', messageId: 'cold-1', plantId: PLANT, readings }),
    });
    expect(response.status).toBe(202);

    await vi.waitFor(
      () =>
        expect(logs).toContainEqual({
          level: 'warn',
          message: 'outbox relay failed; the scheduled run retries',
          fields: { error: 'TypeError' },
        }),
      { timeout: 30_000, interval: 50 },
    );
    // The batch itself was done: nothing redelivered, nothing dead-lettered.
    expect(local.queueStats()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
    expect(logs.filter((l) => l.level === 'error')).toEqual([]);

    consoleBroken = false;
    expect(await local.settle(30_000)).toBe(true);
    const lines = readFileSync(local.alertsFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; kind?: string });
    expect(lines.map((l) => `${l.type}:${l.kind}`)).toEqual(['COMBUSTION_TEMPERATURE_LOW:opened']);
  }, 60_000);
});
