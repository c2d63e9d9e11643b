import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { createStateTable } from '../../lambdas/adapters/dynamo/state-table.ts';
import { plantItem } from '../../lib/constructs/plant-registry.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';
import { buildTestApp, props, resourcesOf } from './support.ts';

const { stateless, config } = buildTestApp({
  plants: [
    { plantId: 'kz-ast-01', name: 'Astana WtE', timeZone: 'Asia/Almaty', diversionTarget: 0.45 },
    'kz-ala-02',
  ],
});

/** The text of a CloudFormation value built with Fn::Join, references left out. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  return join ? join[1].map((part) => (typeof part === 'string' ? part : '<ref>')).join(join[0]) : '';
}

describe('plants registered at deploy time', () => {
  it('writes one item per configured plant into the state table', () => {
    const calls = resourcesOf(stateless, 'Custom::AWS').map(([, r]) => text(props(r).Update));
    const puts = calls.filter((call) => call.includes('"action":"putItem"'));
    expect(puts).toHaveLength(2);
    for (const plant of config.plants) {
      const put = puts.find((call) => call.includes(`"PLANT#${plant.plantId}"`));
      expect(put, plant.plantId).toBeDefined();
      expect(put).toContain(JSON.stringify(plantItem(plant)).slice(1, -1));
    }
  });

  describe('the item the stack writes', () => {
    let dynalite: RunningDynalite;
    let store: DynamoStateStore;
    beforeAll(async () => {
      dynalite = await startDynalite();
      await createStateTable(dynalite.client, 'state');
      store = new DynamoStateStore({ client: dynalite.client, tableName: 'state' });
    });
    afterAll(async () => {
      await dynalite?.close();
    });

    it('is read back by the state store as the configured plant', async () => {
      for (const plant of config.plants) {
        await dynalite.client.send(new PutItemCommand({ TableName: 'state', Item: plantItem(plant) }));
      }
      expect(await store.getPlant('kz-ast-01')).toEqual(config.plants[0]);
      const listed = await store.listPlants();
      expect(listed.map((p) => p.plantId).sort()).toEqual(['kz-ala-02', 'kz-ast-01']);
    });

    it('keeps the processor from registering the plant again with defaults', async () => {
      const [astana] = config.plants;
      if (!astana) throw new Error('no plant');
      expect(await store.registerPlant({ ...astana, diversionTarget: 0.4 })).toBe(false);
      expect((await store.getPlant('kz-ast-01'))?.diversionTarget).toBe(0.45);
    });
  });
});
