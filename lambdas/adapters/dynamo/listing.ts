/**
 * Paged listings newest first through a global secondary index of the state
 * table, with opaque cursors. A cursor is the last item's table and index keys
 * as base64url JSON; it is checked against the listing it came from (the
 * index partition, the sort-key prefix, and the kind of item the listing
 * returns) before it goes to DynamoDB as an ExclusiveStartKey.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import type { Page } from '../../domain/ports.ts';
import { once } from '../once.ts';
import type { Item } from './attribute-values.ts';
import { dynamoCall } from './dynamo-errors.ts';
import {
  COLLECTION_INDEX,
  COLLECTION_PK,
  COLLECTION_SK,
  PK,
  PLANT_INDEX,
  PLANT_PK,
  PLANT_SK,
  SK,
} from './state-table.ts';

/** A cursor that this store did not hand out for this listing. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

/** The table keys of the items a listing returns: pk `{pkPrefix}…`, sk `sk`. */
export interface ListedRecords {
  readonly pkPrefix: string;
  readonly sk: string;
}

/** One index partition, optionally narrowed to a sort-key prefix, holding one kind of item. */
export interface Listing {
  readonly index: string;
  readonly pkName: string;
  readonly skName: string;
  readonly pk: string;
  readonly skPrefix: string;
  readonly records: ListedRecords;
}

/** The gsi1 collection partition `pk`, whole. */
export function collectionListing(pk: string, records: ListedRecords): Listing {
  return { index: COLLECTION_INDEX, pkName: COLLECTION_PK, skName: COLLECTION_SK, pk, skPrefix: '', records };
}

/** The gsi2 partition of one plant, narrowed to the sort keys that start with `skPrefix`. */
export function plantListing(plantId: string, skPrefix: string, records: ListedRecords): Listing {
  return {
    index: PLANT_INDEX,
    pkName: PLANT_PK,
    skName: PLANT_SK,
    pk: `PLANT#${plantId}`,
    skPrefix,
    records,
  };
}

/** A page size asked for: a positive integer. */
export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit must be a positive integer; got ${limit}`);
  }
}

/** One page of a listing, newest first; the cursor, if given, must come from the same listing. */
export async function queryPage<T>(
  client: DynamoDBClient,
  tableName: string,
  request: {
    readonly operation: string;
    readonly listing: Listing;
    readonly pageSize: number;
    readonly cursor: string | undefined;
    readonly decode: (item: Item) => T;
  },
): Promise<Page<T>> {
  const { listing, pageSize, cursor } = request;
  const input: QueryCommandInput = {
    TableName: tableName,
    IndexName: listing.index,
    KeyConditionExpression:
      listing.skPrefix === '' ? '#ipk = :ipk' : '#ipk = :ipk AND begins_with(#isk, :prefix)',
    ExpressionAttributeNames: {
      '#ipk': listing.pkName,
      ...(listing.skPrefix === '' ? {} : { '#isk': listing.skName }),
    },
    ExpressionAttributeValues: {
      ':ipk': { S: listing.pk },
      ...(listing.skPrefix === '' ? {} : { ':prefix': { S: listing.skPrefix } }),
    },
    ScanIndexForward: false,
    // One more than asked tells whether another page exists, so the last page carries no cursor.
    Limit: pageSize + 1,
    ...(cursor === undefined ? {} : { ExclusiveStartKey: decodeCursor(cursor, listing) }),
  };
  const out = await dynamoCall(request.operation, () => client.send(new QueryCommand(input)));
  const items = out.Items ?? [];
  const page = items.slice(0, pageSize);
  const last = page.at(-1);
  let next: Item | undefined;
  if (items.length > pageSize && last) next = last;
  else if (out.LastEvaluatedKey) next = out.LastEvaluatedKey; // stopped early at 1 MB
  return {
    items: page.map((item) => request.decode(item)),
    ...(next ? { cursor: encodeCursor(next, listing) } : {}),
  };
}

// Built on the first cursor decoded (once), not at cold start.
const buildCursorSchema = () =>
  z.strictObject({ pk: z.string(), sk: z.string(), ipk: z.string(), isk: z.string() });
const cursorSchema = /* @__PURE__ */ once(buildCursorSchema);

function encodeCursor(item: Item, listing: Listing): string {
  const cursor: z.infer<ReturnType<typeof buildCursorSchema>> = {
    pk: item[PK]?.S ?? '',
    sk: item[SK]?.S ?? '',
    ipk: item[listing.pkName]?.S ?? '',
    isk: item[listing.skName]?.S ?? '',
  };
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** The ExclusiveStartKey a cursor stands for, after checking it belongs to this listing. */
function decodeCursor(cursor: string, listing: Listing): Record<string, AttributeValue> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const checked = cursorSchema().safeParse(parsed);
  if (
    !checked.success ||
    checked.data.ipk !== listing.pk ||
    !checked.data.isk.startsWith(listing.skPrefix) ||
    !checked.data.pk.startsWith(listing.records.pkPrefix) ||
    checked.data.sk !== listing.records.sk
  ) {
    throw new InvalidCursorError('the cursor does not belong to this listing; start again without one');
  }
  const { pk, sk, ipk, isk } = checked.data;
  return {
    [PK]: { S: pk },
    [SK]: { S: sk },
    [listing.pkName]: { S: ipk },
    [listing.skName]: { S: isk },
  };
}
