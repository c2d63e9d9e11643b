/** Creating a DynamoDB table for local tools and tests (CDK creates them on AWS). */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';

/** Creates the table unless another process already has, and waits until it is ACTIVE. */
export async function createTableAndWait(
  client: DynamoDBClient,
  definition: CreateTableCommandInput & { readonly TableName: string },
): Promise<void> {
  try {
    await client.send(new CreateTableCommand(definition));
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
  }
  // minDelay 1: dynalite answers at once, and the default 20 s first delay would stall local start.
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: definition.TableName });
}

/** A DynamoDB table name; a store checks it at construction without building its table's shape. */
export function checkTableName(tableName: string): void {
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(tableName))
    throw new RangeError(
      `table name must be 3 to 255 characters of [A-Za-z0-9_.-]; got ${JSON.stringify(tableName)}`,
    );
}
