/**
 * What the stores on the state table share: the client and table they were
 * given, item keys, and strongly consistent point reads.
 */
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { Item } from './attribute-values.ts';
import { dynamoCall } from './dynamo-errors.ts';
import { PK, SK } from './state-table.ts';

export interface StateTableProps {
  /** Created once at module scope by the composition root. */
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

export abstract class StateTableStore {
  protected readonly client: DynamoDBClient;
  protected readonly tableName: string;

  constructor(props: StateTableProps) {
    if (props.tableName.trim() === '') {
      throw new RangeError(`tableName must not be empty; got ${JSON.stringify(props.tableName)}`);
    }
    this.client = props.client;
    this.tableName = props.tableName;
  }

  /** A strongly consistent GetItem. */
  protected async get(operation: string, itemKey: Item): Promise<Item | undefined> {
    const out = await dynamoCall(operation, () =>
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: itemKey, ConsistentRead: true })),
    );
    return out.Item;
  }
}

export function key(pk: string, sk: string): Item {
  return { [PK]: { S: pk }, [SK]: { S: sk } };
}
