/**
 * The alert and day-progress stores by role in the Lambda bundles (built as
 * lib/constructs/wte-function.ts builds them; docs/bundles.md): the alert
 * step holds the arrivals and the outbox, the scheduler the settlement and
 * the open alerts (not the paged listings), and neither the other's methods;
 * the report holds the listings alone. Judged by the DynamoDB
 * operation names each method passes to dynamoCall (string literals survive
 * minifying).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle } from '../../bench/bundles.ts';
import { REPO_ROOT } from '../../bench/processes.ts';

const dir = mkdtempSync(join(tmpdir(), 'wte-alert-roles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const operations = {
  /** DynamoDayArrivals */
  arrivals: ['"recordArrival"', '"advanceFrontier"', '"owe"'],
  /** DynamoDaySettlement */
  settlement: ['"dayProgress"', '"settleDay"', '"paidDay"'],
  /** DynamoAlertLifecycle and DynamoAlertOutbox */
  lifecycleAndOutbox: ['"applyTransition"', '"getCurrent"', '"pendingTransitions"', '"markPublished"'],
  /** DynamoOpenAlerts */
  openAlerts: ['"openAlerts"'],
  /** DynamoAlertListing */
  listing: ['"listAlerts"'],
  /** DynamoAlertStore's own */
  pointReads: ['"getAlert"', '"getActive"'],
};

async function held(entry: string, store: 'timestream' | 'lake') {
  const built = await bundle(
    join(REPO_ROOT, 'lambdas', 'entry', `${entry}.ts`),
    join(dir, `${entry}-${store}`),
    store,
  );
  const code = readFileSync(built.file, 'utf8');
  const roles = Object.entries(operations).map(([role, names]) => {
    const found = names.filter((name) => code.includes(name));
    return [role, found.length === names.length ? 'all' : found.length === 0 ? 'none' : found] as const;
  });
  return Object.fromEntries(roles);
}

describe('alert store roles in the bundles', () => {
  it('the alert step holds arrivals, the lifecycle and the outbox; nothing of settlement, listings or point reads', async () => {
    for (const store of ['timestream', 'lake'] as const) {
      expect(await held('alert-step', store), store).toEqual({
        arrivals: 'all',
        settlement: 'none',
        lifecycleAndOutbox: 'all',
        openAlerts: 'none',
        listing: 'none',
        pointReads: 'none',
      });
    }
  }, 120_000);

  it('the scheduler holds settlement, the lifecycle, the outbox and the open alerts; no arrivals, listings or point reads', async () => {
    for (const store of ['timestream', 'lake'] as const) {
      expect(await held('scheduler', store), store).toEqual({
        arrivals: 'none',
        settlement: 'all',
        lifecycleAndOutbox: 'all',
        openAlerts: 'all',
        listing: 'none',
        pointReads: 'none',
      });
    }
  }, 120_000);

  it('the plant report holds the listings and nothing of the lifecycle, outbox or days', async () => {
    expect(await held('report-api', 'lake')).toEqual({
      arrivals: 'none',
      settlement: 'none',
      lifecycleAndOutbox: 'none',
      openAlerts: 'none',
      listing: 'all',
      pointReads: 'none',
    });
  }, 120_000);
});
