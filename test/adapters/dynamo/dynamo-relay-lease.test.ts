/** The relay lease on dynalite: who may take, renew and release it, by conditional writes only. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoRelayLease } from '../../../lambdas/adapters/dynamo/dynamo-relay-lease.ts';
import { createStateTable } from '../../../lambdas/adapters/dynamo/state-table.ts';
import type { LeaseGrant } from '../../../lambdas/domain/ports.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';

let dynamo: RunningDynalite;
let lease: DynamoRelayLease;
let tables = 0;
const NOW = 1_800_000_000_000;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(async () => {
  tables += 1;
  const tableName = `wte-lease-unit-${process.pid}-${tables}`;
  await createStateTable(dynamo.client, tableName);
  lease = new DynamoRelayLease({ client: dynamo.client, tableName });
});

async function take(owner: string, now: number, ttl = 1000): Promise<LeaseGrant> {
  const answer = await lease.acquire(owner, now, ttl);
  if (!('granted' in answer)) throw new Error(`${owner} did not get the lease`);
  return answer.granted;
}

describe('DynamoRelayLease', () => {
  it('grants one of many simultaneous takers, and the others learn until when it is held', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => lease.acquire(`relay-${i}`, NOW, 1000)),
    );
    expect(answers.filter((a) => 'granted' in a)).toHaveLength(1);
    for (const a of answers) if ('heldUntil' in a) expect(a.heldUntil).toBeGreaterThanOrEqual(NOW);
  });

  it('lets a taker in once the grant expired, and the old holder can then neither renew nor release it', async () => {
    const old = await take('a', NOW);
    expect('heldUntil' in (await lease.acquire('b', NOW + 999, 1000))).toBe(true);
    const next = await take('b', NOW + 1000);
    expect(next.token).toBe(old.token + 1);
    expect(await lease.renew(old, NOW + 1001, 1000)).toBeUndefined();
    await lease.release(old);
    expect('heldUntil' in (await lease.acquire('c', NOW + 1500, 1000))).toBe(true);
  });

  it('renews a grant that is still its own, and frees it on release for the next taker at once', async () => {
    const grant = await take('a', NOW);
    const renewed = await lease.renew(grant, NOW + 900, 1000);
    expect(renewed).toEqual({ ...grant, expiresAt: NOW + 1900 });
    expect('heldUntil' in (await lease.acquire('b', NOW + 1500, 1000))).toBe(true);
    if (renewed) await lease.release(renewed);
    expect((await take('b', NOW + 1501)).owner).toBe('b');
  });

  it('clear drops a lease left behind (local mode at start)', async () => {
    await take('crashed', NOW, 60_000);
    await lease.clear();
    expect((await take('fresh', NOW + 1)).owner).toBe('fresh');
  });

  it('refuses a bad owner or ttl, showing the value', async () => {
    await expect(lease.acquire('', NOW, 1000)).rejects.toThrow(/owner must be 1 to 256 characters; got ""/);
    await expect(lease.acquire('a', NOW, 0)).rejects.toThrow(/ttlMs must be a positive integer; got 0/);
  });
});
