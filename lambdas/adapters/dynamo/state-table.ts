/**
 * The state table's physical shape, in one place, so the CDK stack, local
 * mode and the tests create the same table. The item layout is documented in
 * dynamo-state-store.ts (plants, tickets, tokens, quarantine) and
 * dynamo-alert-store.ts (alerts and their outbox).
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';

/** Partition and sort key of the table. */
export const PK = 'pk';
export const SK = 'sk';

/** Lists a whole collection (plants, tokens, quarantine, alerts) without a Scan. */
export const COLLECTION_INDEX = 'gsi1';
export const COLLECTION_PK = 'gsi1pk';
export const COLLECTION_SK = 'gsi1sk';

/** Lists one plant's quarantine or alerts, newest first. */
export const PLANT_INDEX = 'gsi2';
export const PLANT_PK = 'gsi2pk';
export const PLANT_SK = 'gsi2sk';

/**
 * Items by status: alerts in one lifecycle state, newest first, and (sparse)
 * the alert heads whose outbox holds unpublished transitions, oldest first.
 */
export const STATUS_INDEX = 'gsi3';
export const STATUS_PK = 'gsi3pk';
export const STATUS_SK = 'gsi3sk';

/** One plant's alerts in one lifecycle state, newest first. */
export const PLANT_STATUS_INDEX = 'gsi4';
export const PLANT_STATUS_PK = 'gsi4pk';
export const PLANT_STATUS_SK = 'gsi4sk';

const INDEXES: ReadonlyArray<readonly [name: string, pk: string, sk: string]> = [
  [COLLECTION_INDEX, COLLECTION_PK, COLLECTION_SK],
  [PLANT_INDEX, PLANT_PK, PLANT_SK],
  [STATUS_INDEX, STATUS_PK, STATUS_SK],
  [PLANT_STATUS_INDEX, PLANT_STATUS_PK, PLANT_STATUS_SK],
];

/** The table is there but not in the shape this adapter needs (a stale local data directory, say). */
export class StateTableMismatchError extends Error {
  override readonly name = 'StateTableMismatchError';
}

export function stateTableDefinition(tableName: string): CreateTableCommandInput {
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(tableName)) {
    throw new RangeError(
      `table name must be 3 to 255 characters of [A-Za-z0-9_.-]; got ${JSON.stringify(tableName)}`,
    );
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [PK, SK, ...INDEXES.flatMap(([, pk, sk]) => [pk, sk])].map((name) => ({
      AttributeName: name,
      AttributeType: 'S',
    })),
    KeySchema: [
      { AttributeName: PK, KeyType: 'HASH' },
      { AttributeName: SK, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: INDEXES.map(([name, pk, sk]) => ({
      IndexName: name,
      KeySchema: [
        { AttributeName: pk, KeyType: 'HASH' },
        { AttributeName: sk, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}

export interface CreateStateTableOptions {
  /** How long to wait for the table to become ACTIVE. Default 60. */
  readonly maxWaitSeconds?: number;
}

/**
 * Creates the table unless it exists, then waits until it is ACTIVE. An
 * existing table must have the same keys and indexes.
 */
export async function createStateTable(
  client: DynamoDBClient,
  tableName: string,
  options: CreateStateTableOptions = {},
): Promise<void> {
  const definition = stateTableDefinition(tableName);
  const existing = await describe(client, tableName);
  if (existing === undefined) {
    try {
      await client.send(new CreateTableCommand(definition));
    } catch (error) {
      // Another process created it between our describe and create.
      if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
    }
  } else {
    checkShape(tableName, existing, definition);
  }
  // minDelay 1: dynalite answers at once, and the default 20 s first delay would stall local start.
  await waitUntilTableExists(
    { client, maxWaitTime: options.maxWaitSeconds ?? 60, minDelay: 1 },
    { TableName: tableName },
  );
}

interface TableShape {
  readonly keys: string;
  readonly indexes: string;
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableShape | undefined> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const table = out.Table;
    return {
      keys: keyText(table?.KeySchema),
      indexes: indexText(table?.GlobalSecondaryIndexes),
    };
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

function checkShape(tableName: string, existing: TableShape, definition: CreateTableCommandInput): void {
  const wanted: TableShape = {
    keys: keyText(definition.KeySchema),
    indexes: indexText(definition.GlobalSecondaryIndexes),
  };
  if (existing.keys !== wanted.keys || existing.indexes !== wanted.indexes) {
    throw new StateTableMismatchError(
      `table ${tableName} exists with keys ${existing.keys} and indexes ${existing.indexes || 'none'}; ` +
        `this version needs keys ${wanted.keys} and indexes ${wanted.indexes}`,
    );
  }
}

type KeyList =
  | ReadonlyArray<{ AttributeName?: string | undefined; KeyType?: string | undefined }>
  | undefined;

function keyText(keys: KeyList): string {
  return (keys ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
}

function indexText(
  indexes: ReadonlyArray<{ IndexName?: string | undefined; KeySchema?: KeyList }> | undefined,
): string {
  return (indexes ?? [])
    .map((index) => `${index.IndexName}(${keyText(index.KeySchema)})`)
    .sort()
    .join(' ');
}
