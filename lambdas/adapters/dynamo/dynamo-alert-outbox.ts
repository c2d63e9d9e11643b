/**
 * The outbox relay's side of the alert store (layout and rules in
 * dynamo-alert-lifecycle.ts): the pending transitions, oldest first, through
 * the sparse outbox index, and marking one published.
 */
import { QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { AlertTransition } from '../../domain/alerts/model.ts';
import { type AlertStore, UnavailableError } from '../../domain/ports.ts';
import { mapLimited } from '../map-limited.ts';
import { fromItem, type Item } from './attribute-values.ts';
import { DynamoAlertLifecycle, headKey, OUTBOX, outboxSortKey, recordKey } from './dynamo-alert-lifecycle.ts';
import { dynamoCall, isConditionalCheckFailed } from './dynamo-errors.ts';
import { checkLimit } from './listing.ts';
import { PK, SK, STATUS_INDEX, STATUS_PK, STATUS_SK } from './state-table.ts';
import { key } from './state-table-store.ts';
import { decodeAlertRecord, decodeHead, type OutboxEntry } from './stored-alert-items.ts';

/**
 * Concurrent marks on one head settle one per round (a removal ahead of an
 * entry moves it); one relay at a time never races, so more means trouble.
 */
const MAX_OUTBOX_ATTEMPTS = 16;
/** Parallel head reads in pendingTransitions. */
const READ_CONCURRENCY = 8;

/** The lifecycle and the relay's reads and marks: what the alert step builds. */
export class DynamoAlertOutbox
  extends DynamoAlertLifecycle
  implements Pick<AlertStore, 'getCurrent' | 'applyTransition' | 'pendingTransitions' | 'markPublished'>
{
  async pendingTransitions(limit: number): Promise<AlertTransition[]> {
    checkLimit(limit);
    // Each head in the index holds at least one pending transition, so `limit` heads are enough.
    const keys: Item[] = [];
    let start: Item | undefined;
    do {
      const exclusiveStart = start;
      const out = await dynamoCall('pendingTransitions', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: STATUS_INDEX,
            KeyConditionExpression: '#ipk = :outbox',
            ExpressionAttributeNames: { '#ipk': STATUS_PK, '#pk': PK, '#sk': SK },
            ExpressionAttributeValues: { ':outbox': { S: OUTBOX } },
            ProjectionExpression: '#pk, #sk',
            Limit: limit - keys.length,
            ...(exclusiveStart ? { ExclusiveStartKey: exclusiveStart } : {}),
          }),
        ),
      );
      for (const item of out.Items ?? []) keys.push(key(item[PK]?.S ?? '', item[SK]?.S ?? ''));
      start = out.LastEvaluatedKey;
    } while (start && keys.length < limit);
    const heads = await mapLimited(keys, READ_CONCURRENCY, (k) => this.readHead('pendingTransitions', k));
    return oldestFirst(
      heads.map((head) => head?.outbox ?? []),
      limit,
    );
  }

  async markPublished(transitionId: string): Promise<void> {
    const cut = transitionId.lastIndexOf('#');
    // applyTransition queues only `{alertId}#…` ids, so anything else was never pending.
    if (cut <= 0) return;
    const alertId = transitionId.slice(0, cut);
    const itemKey = await this.headKeyOf(alertId, transitionId);
    if (itemKey === undefined) return;
    const pk = itemKey[PK]?.S ?? '';
    for (let attempt = 1; attempt <= MAX_OUTBOX_ATTEMPTS; attempt++) {
      const head = await this.readHead('markPublished', itemKey);
      const index = head?.outbox.findIndex((entry) => entry.transitionId === transitionId) ?? -1;
      const entry = head?.outbox[index];
      if (head === undefined || entry === undefined) return; // already removed: idempotent
      // The record catches up before the entry goes, so a published transition's state is never missing from it.
      if (attempt === 1) await this.record(entry.transition.alert, { newerSequenceOnly: true });
      const front = head.outbox.find((_, i) => i !== index);
      try {
        await dynamoCall('markPublished', () =>
          this.client.send(
            new UpdateItemCommand({
              TableName: this.tableName,
              Key: itemKey,
              UpdateExpression: front
                ? `REMOVE #outbox[${index}] SET #osk = :front`
                : `REMOVE #outbox[${index}], #opk, #osk`,
              // The entry is still at that position, and the list is still as empty or not after
              // the removal as the read said; a transition queued meanwhile only lengthens it.
              ConditionExpression: `#outbox[${index}].#tid = :tid AND size(#outbox) ${front ? '>' : '='} :one`,
              ExpressionAttributeNames: {
                '#outbox': 'outbox',
                '#tid': 'transitionId',
                '#osk': STATUS_SK,
                ...(front ? {} : { '#opk': STATUS_PK }),
              },
              ExpressionAttributeValues: {
                ':one': { N: '1' },
                ':tid': { S: transitionId },
                ...(front ? { ':front': { S: outboxSortKey(front.at, pk) } } : {}),
              },
            }),
          ),
        );
        return;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    throw new UnavailableError(
      `the outbox of alert ${alertId} kept changing under concurrent writes; retry markPublished later`,
    );
  }

  /**
   * The head that queued `transitionId`: through the alert's record, or, when
   * the record was never written (a crash right after the alert opened),
   * through the outbox index, which holds only heads with pending transitions.
   */
  private async headKeyOf(alertId: string, transitionId: string): Promise<Item | undefined> {
    const item = await this.get('markPublished', recordKey(alertId));
    if (item !== undefined) return headKey(decodeAlertRecord(fromItem(item)));
    let start: Item | undefined;
    do {
      const exclusiveStart = start;
      const out = await dynamoCall('markPublished', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: STATUS_INDEX,
            KeyConditionExpression: '#ipk = :outbox',
            ExpressionAttributeNames: { '#ipk': STATUS_PK },
            ExpressionAttributeValues: { ':outbox': { S: OUTBOX } },
            ...(exclusiveStart ? { ExclusiveStartKey: exclusiveStart } : {}),
          }),
        ),
      );
      for (const head of out.Items ?? []) {
        if (decodeHead(fromItem(head)).outbox.some((e) => e.transitionId === transitionId)) {
          return key(head[PK]?.S ?? '', head[SK]?.S ?? '');
        }
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return undefined;
  }
}

/**
 * Merges the heads' outboxes oldest first by `at`, keeping each head's own
 * order (an alert's transitions go out in the order they were queued even if
 * their times are not monotonic); ties go to the head the index listed first.
 */
function oldestFirst(outboxes: ReadonlyArray<readonly OutboxEntry[]>, limit: number): AlertTransition[] {
  const next = outboxes.map(() => 0);
  const out: AlertTransition[] = [];
  while (out.length < limit) {
    let best: { readonly head: number; readonly entry: OutboxEntry } | undefined;
    for (const [head, entries] of outboxes.entries()) {
      const entry = entries[next[head] ?? 0];
      if (entry && (best === undefined || entry.at < best.entry.at)) best = { head, entry };
    }
    if (best === undefined) break;
    out.push(best.entry.transition);
    next[best.head] = (next[best.head] ?? 0) + 1;
  }
  return out;
}
