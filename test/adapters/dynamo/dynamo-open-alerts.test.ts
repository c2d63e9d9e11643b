/**
 * DynamoOpenAlerts, the scheduled run's read of a plant's open alerts (on
 * dynalite): exactly the alerts the paged listing gives for (plant, open),
 * read to the end without cursors, with their current state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAlertStore } from '../../../lambdas/adapters/dynamo/dynamo-alert-store.ts';
import { DynamoOpenAlerts } from '../../../lambdas/adapters/dynamo/dynamo-open-alerts.ts';
import { createStateTable } from '../../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { openAlertsByListing } from '../../../lambdas/app/scheduled-alert-engine.ts';
import type { Alert } from '../../../lambdas/domain/alerts/model.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import { acknowledge, MINUTE, open, remind, resolve, type Step, T0 } from '../alerts/alert-fixtures.ts';

let dynamo: RunningDynalite;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});

const byId = (alerts: readonly Alert[]) => [...alerts].sort((a, b) => a.alertId.localeCompare(b.alertId));

describe('DynamoOpenAlerts.openAlerts', () => {
  it("returns a plant's open alerts, current, and none acknowledged, resolved or of another plant", async () => {
    const tableName = 'open-alerts';
    await createStateTable(dynamo.client, tableName);
    const store = new DynamoAlertStore({ client: dynamo.client, tableName });
    const apply = async (step: Step) => {
      expect(await store.applyTransition(step.next, step.expected, step.transition)).toBe(true);
      return step.next;
    };
    const subject = (i: number) => `boiler-${i}/furnace_temperature`;
    const id = (plant: string, i: number) => `combustion-${plant}-${String(i).padStart(4, '0')}`;
    const opened: Alert[] = [];
    for (let i = 0; i < 40; i++) {
      opened.push(
        await apply(open({ alertId: id('a', i), subject: subject(i), updatedAt: T0 + i, openedAt: T0 + i })),
      );
    }
    await apply(open({ alertId: id('b', 0), plantId: 'kz-shy-01', subject: subject(0) }));
    const [first, second, third] = opened;
    if (!first || !second || !third) throw new Error('fixture');
    await apply(acknowledge(first, T0 + 60 * MINUTE));
    await apply(resolve(second, T0 + 60 * MINUTE));
    // A reminder keeps the alert open and moves it in the listing: the read gives its latest state.
    const reminded = await apply(remind(third, T0 + 90 * MINUTE));
    const stillOpen = [reminded, ...opened.slice(3)];

    const read = await new DynamoOpenAlerts({ client: dynamo.client, tableName }).openAlerts('kz-ast-01');
    expect(byId(read)).toEqual(byId(stillOpen));
    // The same set as the paged listing (what the scheduled run read before), through the whole store too.
    expect(byId(await openAlertsByListing(store)('kz-ast-01'))).toEqual(byId(stillOpen));
    expect(byId(await store.openAlerts('kz-ast-01'))).toEqual(byId(stillOpen));
    expect(await store.openAlerts('kz-none-01')).toEqual([]);
  });
});
