/** Domain objects and raw-table helpers shared by the DynamoDB state store tests. */
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { fromItem } from '../../../lambdas/adapters/dynamo/attribute-values.ts';
import { createStateTable, DynamoStateStore } from '../../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { defaultPlantConfig, type PlantConfig } from '../../../lambdas/domain/plant.ts';
import {
  BASE_VERSION,
  type GatewayToken,
  type QuarantineEntry,
  type StoredMovement,
  type StoredReading,
} from '../../../lambdas/domain/ports.ts';
import { ProblemType } from '../../../lambdas/domain/problem.ts';

export const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);

let tables = 0;

/** A fresh table per test keeps listings independent of what other tests wrote. */
export async function freshStore(
  client: DynamoDBClient,
): Promise<{ store: DynamoStateStore; tableName: string }> {
  tables += 1;
  const tableName = `wte-state-${process.pid}-${tables}`;
  await createStateTable(client, tableName);
  return { store: new DynamoStateStore({ client, tableName }), tableName };
}

/** The ledger item exactly as stored, without its keys, or undefined. */
export async function rawTicket(
  client: DynamoDBClient,
  tableName: string,
  plantId: string,
  ticketId: string,
): Promise<Record<string, unknown> | undefined> {
  const out = await client.send(
    new GetItemCommand({
      TableName: tableName,
      Key: { pk: { S: `PLANT#${plantId}` }, sk: { S: `TICKET#${ticketId}` } },
      ConsistentRead: true,
    }),
  );
  return out.Item && fromItem(out.Item);
}

export function plant(plantId: string, overrides: Partial<PlantConfig> = {}): PlantConfig {
  return { ...defaultPlantConfig(plantId), name: `Plant ${plantId}`, ...overrides };
}

export function movement(overrides: Partial<StoredMovement> = {}): StoredMovement {
  return {
    plantId: 'astana-1',
    ticketId: 'WB-2026-000123',
    ts: T0,
    direction: 'in',
    netTonnes: 18.42,
    material: 'mixed_waste',
    correction: false,
    version: BASE_VERSION,
    ...overrides,
  };
}

export function correction(version: number, overrides: Partial<StoredMovement> = {}): StoredMovement {
  return movement({ correction: true, version, ...overrides });
}

export function reading(overrides: Partial<StoredReading> = {}): StoredReading {
  return {
    plantId: 'astana-1',
    line: 'L1',
    metric: 'furnace_temperature',
    kind: 'gauge',
    ts: T0,
    value: 872.5,
    unit: 'degC',
    quality: 'GOOD',
    correction: false,
    version: BASE_VERSION,
    ...overrides,
  };
}

export function token(tokenId: string, overrides: Partial<GatewayToken> = {}): GatewayToken {
  return {
    tokenId,
    gatewayId: `gw-${tokenId}`,
    plants: ['astana-1'],
    secretHash: 'a'.repeat(64),
    createdAt: T0,
    ...overrides,
  };
}

export function quarantineEntry(
  quarantineId: string,
  plantId: string,
  quarantinedAt: number,
  kind: 'reading' | 'movement' = 'reading',
): QuarantineEntry {
  const common = {
    quarantineId,
    plantId,
    messageId: `msg-${quarantineId}`,
    pointer: kind === 'reading' ? '/readings/0' : '/movements/0',
    reason: 'same identity, different content',
    quarantinedAt,
  };
  return kind === 'reading'
    ? { ...common, itemKind: 'reading', type: ProblemType.invalidItem, item: reading({ plantId }) }
    : { ...common, itemKind: 'movement', type: ProblemType.conflict, item: movement({ plantId }) };
}
