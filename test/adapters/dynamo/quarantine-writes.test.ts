/**
 * Quarantine entries are written in batches (quarantine-writes.ts): held ids
 * keep their entry, every new one is written once, and what DynamoDB leaves
 * unprocessed is sent again within a bound. dynalite for the table's answers;
 * the SDK mocked at the client for throttling, which dynalite cannot do on cue.
 */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  putQuarantineItems,
  type QuarantineWrite,
} from '../../../lambdas/adapters/dynamo/quarantine-writes.ts';
import { UnavailableError } from '../../../lambdas/domain/ports.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import { freshStore, quarantineEntry, T0 } from './fixtures.ts';

describe('putQuarantine on dynalite', () => {
  let dynalite: RunningDynalite;
  beforeAll(async () => {
    dynalite = await startDynalite();
  });
  afterAll(async () => {
    await dynalite.close();
  });

  it('writes every new entry of a storm once and leaves held entries where they were listed', async () => {
    const { store } = await freshStore(dynalite.client);
    const held = Array.from({ length: 40 }, (_, i) => quarantineEntry(`q-${i}`, 'astana-1', T0 + i));
    await store.putQuarantine(held);
    // 260 entries (past one BatchGetItem of 100 and many BatchWriteItems of 25), the 40 held ones
    // again 90 s later, and every new one twice in the same call.
    const later = held.map((e) => ({ ...e, quarantinedAt: e.quarantinedAt + 90_000 }));
    const fresh = Array.from({ length: 220 }, (_, i) =>
      quarantineEntry(`q-${40 + i}`, 'astana-1', T0 + 40 + i),
    );
    await store.putQuarantine([...later, ...fresh, ...fresh]);

    const listed = [];
    let cursor: string | undefined;
    do {
      const page = await store.listQuarantine('astana-1', 100, cursor);
      listed.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    expect(listed).toHaveLength(260);
    expect(new Set(listed.map((e) => e.quarantineId)).size).toBe(260);
    for (const entry of [...held, ...fresh])
      expect(await store.getQuarantine(entry.quarantineId)).toEqual(entry);
  });
});

describe('putQuarantineItems against throttling', () => {
  const client = new DynamoDBClient({
    region: 'local',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const writes: QuarantineWrite[] = Array.from({ length: 30 }, (_, i) => ({
    key: { pk: { S: `QUARANTINE#q-${i}` }, sk: { S: 'ENTRY' } },
    item: { pk: { S: `QUARANTINE#q-${i}` }, sk: { S: 'ENTRY' }, entity: { S: 'quarantine' } },
  }));
  const noWait = { sleep: async () => {}, random: () => 0.5 };

  it('sends what was left unprocessed again until all is written, one batch call per 25', async () => {
    const dynamo = mockClient(client);
    try {
      dynamo
        .on(BatchGetItemCommand)
        .resolvesOnce({ Responses: { t: [] }, UnprocessedKeys: { t: { Keys: [writes[3]?.key ?? {}] } } })
        .resolves({ Responses: { t: [writes[3]?.key ?? {}] } });
      const left = writes.slice(0, 2).map((w) => ({ PutRequest: { Item: w.item } }));
      dynamo
        .on(BatchWriteItemCommand)
        .resolvesOnce({ UnprocessedItems: { t: left } })
        .resolves({});
      await putQuarantineItems(client, 't', writes, noWait);

      const written = dynamo
        .commandCalls(BatchWriteItemCommand)
        .flatMap((call) => call.args[0].input.RequestItems?.t ?? [])
        .map((request) => request.PutRequest?.Item?.pk?.S);
      // q-3 was found held on the second read; the two left unprocessed were sent again.
      expect(written.filter((pk) => pk === 'QUARANTINE#q-3')).toEqual([]);
      expect(new Set(written).size).toBe(29);
      expect(written).toHaveLength(31);
      for (const call of dynamo.commandCalls(BatchWriteItemCommand))
        expect(call.args[0].input.RequestItems?.t?.length).toBeLessThanOrEqual(25);
      expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(0);
    } finally {
      dynamo.restore();
    }
  });

  it('sends nothing again into the last second before the call deadline', async () => {
    const dynamo = mockClient(client);
    try {
      dynamo.on(BatchGetItemCommand).resolves({ Responses: { t: [] } });
      dynamo.on(BatchWriteItemCommand).callsFake((input) => ({ UnprocessedItems: input.RequestItems }));
      const now = 1_000_000;
      await expect(
        putQuarantineItems(client, 't', writes, { ...noWait, now: () => now, deadline: now + 1_020 }),
      ).rejects.toBeInstanceOf(UnavailableError);
      // One call per batch of 25: the first retry would sleep 25 ms and leave under a second.
      expect(dynamo.commandCalls(BatchWriteItemCommand)).toHaveLength(2);
    } finally {
      dynamo.restore();
    }
  });

  it('gives up with UnavailableError when DynamoDB keeps leaving items unprocessed or throttles', async () => {
    const dynamo = mockClient(client);
    try {
      dynamo.on(BatchGetItemCommand).resolves({ Responses: { t: [] } });
      dynamo.on(BatchWriteItemCommand).callsFake((input) => ({ UnprocessedItems: input.RequestItems }));
      await expect(putQuarantineItems(client, 't', writes, noWait)).rejects.toBeInstanceOf(UnavailableError);
      // Bounded: 8 rounds for each of the two batches.
      expect(dynamo.commandCalls(BatchWriteItemCommand)).toHaveLength(16);

      dynamo.reset();
      dynamo
        .on(BatchGetItemCommand)
        .rejects(new ThrottlingException({ message: 'slow down', $metadata: {} }));
      await expect(putQuarantineItems(client, 't', writes, noWait)).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      dynamo.restore();
    }
  });
});
