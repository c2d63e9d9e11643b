/**
 * Quarantine entries written in batches: one strongly consistent BatchGetItem
 * per 100 ids finds the entries already held, one BatchWriteItem per 25
 * writes the others. A conditional PutItem per entry cost a round trip each
 * (about 460 entries/s on local mode's dynalite), so a storm of conflicting
 * re-sends set the whole pipeline's pace (docs/pipeline.md, Quarantine).
 * Ids are deterministic per (message, item, version): a held entry keeps its
 * place in the listing. Two deliveries racing on the same new id both write
 * it, and the later one's `quarantinedAt` stands: still one entry.
 */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  type KeysAndAttributes,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { CallOptions } from '../../domain/deadline.ts';
import { mapLimited } from '../map-limited.ts';
import type { Item } from './attribute-values.ts';
import { unprocessedRounds } from './unprocessed-rounds.ts';

/** DynamoDB's limits per call. */
const GET_KEYS = 100;
const WRITE_ITEMS = 25;
/** Calls in flight per putQuarantine. */
const CONCURRENCY = 4;

export interface QuarantineWrite {
  /** The entry's key (`pk`, `sk`). */
  readonly key: Item;
  readonly item: Item;
}

export interface QuarantineWriteOptions extends CallOptions {
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Epoch ms, for the deadline. @default Date.now */
  readonly now?: () => number;
}

export async function putQuarantineItems(
  client: DynamoDBClient,
  tableName: string,
  writes: readonly QuarantineWrite[],
  options: QuarantineWriteOptions = {},
): Promise<void> {
  // One write per key: a batch call refuses a key twice, and the first of a call is the one listed.
  const byKey = new Map<string, QuarantineWrite>();
  for (const write of writes) {
    const id = keyText(write.key);
    if (!byKey.has(id)) byKey.set(id, write);
  }
  const held = new Set<string>();
  await mapLimited(chunks([...byKey.values()], GET_KEYS), CONCURRENCY, async (chunk) => {
    for (const item of await getHeld(client, tableName, chunk, options)) held.add(keyText(item));
  });
  const fresh = [...byKey.entries()].filter(([id]) => !held.has(id)).map(([, write]) => write);
  await mapLimited(chunks(fresh, WRITE_ITEMS), CONCURRENCY, (chunk) =>
    rounds('putQuarantine', options, chunk.map(putRequest), async (pending) => {
      const out = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: [...pending] } }),
      );
      return out.UnprocessedItems?.[tableName] ?? [];
    }),
  );
}

/** The keys (pk, sk only) of the entries of `chunk` already in the table. */
async function getHeld(
  client: DynamoDBClient,
  tableName: string,
  chunk: readonly QuarantineWrite[],
  options: QuarantineWriteOptions,
): Promise<Item[]> {
  const found: Item[] = [];
  await rounds(
    'putQuarantine (read held)',
    options,
    chunk.map((write) => write.key),
    async (keys) => {
      const request: KeysAndAttributes = {
        Keys: [...keys],
        ConsistentRead: true,
        ProjectionExpression: 'pk, sk',
      };
      const out = await client.send(new BatchGetItemCommand({ RequestItems: { [tableName]: request } }));
      found.push(...(out.Responses?.[tableName] ?? []));
      return out.UnprocessedKeys?.[tableName]?.Keys ?? [];
    },
  );
  return found;
}

/** Each batch call's unprocessed items again, within the bound and the deadline. */
function rounds<T>(
  operation: string,
  options: QuarantineWriteOptions,
  first: readonly T[],
  call: (pending: readonly T[]) => Promise<readonly T[]>,
): Promise<void> {
  return unprocessedRounds(
    operation,
    { ...options, now: options.now ?? Date.now },
    first,
    call,
    (left, calls) => `state store unavailable: ${operation}: ${left} left unprocessed after ${calls} calls`,
  );
}

const putRequest = (write: QuarantineWrite): WriteRequest => ({ PutRequest: { Item: write.item } });
const keyText = (key: Item): string => `${key.pk?.S}\u0000${key.sk?.S}`;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
