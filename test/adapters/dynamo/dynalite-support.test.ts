/** The dynalite test helper: loopback, a free port each time, and an optional data directory that survives a restart. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoStateStore } from '../../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { startDynalite } from '../../support/dynalite.ts';
import { freshStore, plant } from './fixtures.ts';

describe('startDynalite', () => {
  it('serves on 127.0.0.1 on a different free port each time', async () => {
    const a = await startDynalite();
    const b = await startDynalite();
    try {
      expect(a.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(b.endpoint).not.toBe(a.endpoint);
      expect((await a.client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps tables and items in a data directory across a restart', async () => {
    const path = await mkdtemp(join(tmpdir(), 'wte-dynalite-'));
    try {
      const first = await startDynalite({ path });
      const { store, tableName } = await freshStore(first.client);
      await store.putPlant(plant('astana-1'));
      await first.close();

      const second = await startDynalite({ path });
      try {
        const reopened = new DynamoStateStore({ client: second.client, tableName });
        expect(await reopened.getPlant('astana-1')).toEqual(plant('astana-1'));
      } finally {
        await second.close();
      }
    } finally {
      await rm(path, { recursive: true, force: true });
    }
  });
});
