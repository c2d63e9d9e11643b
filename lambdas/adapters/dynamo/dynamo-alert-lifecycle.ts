/**
 * Alert lifecycle state and the transition outbox on the state table
 * (DynamoDB on AWS, dynalite locally). dynalite has no transactions, so an
 * alert change and its outbox entry go into ONE item in ONE conditional
 * write, and everything else is derived from that item idempotently.
 *
 * | item   | pk                                    | sk    | gsi1pk / gsi1sk        | gsi2pk / gsi2sk                        | gsi3pk / gsi3sk (sparse)          | gsi4pk / gsi4sk                                |
 * | ------ | ------------------------------------- | ----- | ---------------------- | -------------------------------------- | --------------------------------- | ---------------------------------------------- |
 * | head   | ALERTHEAD#{plantId}#{type}#{subject}  | HEAD  | -                      | -                                      | OUTBOX / {at}#{pk}, while pending | -                                              |
 * | record | ALERT#{alertId}                       | ALERT | ALERT / {t}#{alertId}  | PLANT#{plantId} / ALERT#{t}#{alertId}  | ALERT#{state} / {t}#{alertId}     | PLANT#{plantId}#ALERT#{state} / {t}#{alertId}  |
 *
 * `{t}` is the alert's updatedAt and `{at}` the updatedAt of the oldest
 * pending transition, epoch ms zero-padded to 16 digits, so string order is
 * time order. Plant ids and types hold no `#`, and the subject comes last, so
 * a head key is unambiguous whatever the subject holds. Both items carry
 * `entity`, plantId, type, subject, alertId, state, sequence and updatedAt as
 * attributes, and the alert itself as JSON text in `alert` (any finite double
 * survives; a DynamoDB number cannot go below 1e-130 in magnitude).
 *
 * The head, one per (plant, type, subject), is the source of truth: it holds
 * the current alert (active, or the last one resolved) and the outbox, a list
 * attribute of {transitionId, at, transition JSON} in the order the
 * transitions were queued. `applyTransition` is one conditional UpdateItem on
 * it that sets the alert, appends the transition to the outbox and sets the
 * gsi3 key, so the change and its outbox entry are atomic. (A list rather than
 * a map keyed by transitionId: a map has no order, and a new alert that
 * replaces a resolved one may queue its `opened` behind the old one's
 * `resolved`, which must go out first.) The condition:
 *
 * - expectedSequence 0: no head yet, or the head's alert is resolved and is a
 *   different alert (the caller found no active alert and opens a new one);
 * - otherwise: the head's sequence is the expected one, and the head holds the
 *   same alert, or a resolved other one that the new alert replaces.
 *
 * Reopening under the id of the stored resolved alert is refused: its
 * transition ids would repeat. Losing the condition answers `false`.
 *
 * The record, one per alert, serves `getAlert` and the four listings, and
 * keeps an alert retrievable and listed after a new alert replaced it in the
 * head. It is written after the head, by PutItem on a condition that only lets
 * a newer version in (higher sequence, or the same sequence and a later or
 * equal updatedAt), so writing it again or late changes nothing. A crash
 * between the head write and the record write loses nothing:
 *
 * - the head already holds the change, and `getAlert` reads through to the
 *   head while the alert is still the head's current one;
 * - the transition is in the outbox, and `markPublished` rewrites the record
 *   from the outbox entry before it removes the entry, so by the time a
 *   transition has been published its alert state is in the record;
 * - a head write that replaces another alert returns the replaced one
 *   (UPDATED_OLD) and records it too; if that record write is lost, the
 *   replaced alert's `resolved` transition is still in the (carried-over)
 *   outbox and the previous point applies.
 *
 * Until then a listing may show the previous state, or (if the crash came
 * right after the alert first opened) miss the alert; and `getAlert` finds
 * the alert only once its record exists.
 *
 * `pendingTransitions` finds the heads with pending transitions through the
 * sparse gsi3 partition `OUTBOX`, oldest first, then reads each head with a
 * strongly consistent GetItem (the index is eventually consistent on AWS; a
 * stale index entry must not bring back a transition already published).
 * `markPublished` removes the entry by position with a condition on the list
 * size and the entry's id, and clears the gsi3 key in the same write when the
 * list becomes empty, so a transition queued meanwhile is never left without
 * an index entry. Reads through an index (listings) are eventually consistent
 * on AWS; point reads are strongly consistent.
 *
 * The store by role, each class extending the one before (a class keeps
 * every method, so a Lambda builds only the role it calls: docs/bundles.md):
 * DynamoAlertLifecycle here (getCurrent, applyTransition), DynamoAlertOutbox
 * (the relay's pendingTransitions, markPublished; the alert step's),
 * DynamoOpenAlerts (a plant's open alerts for reminders; the scheduler's)
 * and DynamoAlertStore (getAlert, getActive, and listAlerts through
 * DynamoAlertListing, which reads alone: the whole port).
 */
import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { Alert, AlertTransition, AlertType } from '../../domain/alerts/model.ts';
import { type AlertStore, UnavailableError } from '../../domain/ports.ts';
import { fromItem, type Item } from './attribute-values.ts';
import { dynamoCall, isConditionalCheckFailed } from './dynamo-errors.ts';
import {
  COLLECTION_PK,
  COLLECTION_SK,
  PK,
  PLANT_PK,
  PLANT_SK,
  PLANT_STATUS_PK,
  PLANT_STATUS_SK,
  STATUS_PK,
  STATUS_SK,
} from './state-table.ts';
import { key, type StateTableProps, StateTableStore } from './state-table-store.ts';
import {
  alertSchema,
  checkedForStore,
  decodeAlertRecord,
  decodeHead,
  type StoredHead,
  transitionSchema,
} from './stored-alert-items.ts';

const HEAD_PREFIX = 'ALERTHEAD#';
const HEAD_SK = 'HEAD';
export const RECORD_PREFIX = 'ALERT#';
export const RECORD_SK = 'ALERT';
/** The sparse outbox index's partition (gsi3pk) of heads with pending transitions. */
export const OUTBOX = 'OUTBOX';

export type DynamoAlertStoreProps = StateTableProps;

export const headKey = (a: Pick<Alert, 'plantId' | 'type' | 'subject'>) =>
  key(`${HEAD_PREFIX}${a.plantId}#${a.type}#${a.subject}`, HEAD_SK);
export const recordKey = (alertId: string) => key(`${RECORD_PREFIX}${alertId}`, RECORD_SK);

/** Attribute names used in expressions; `state`, `type` and `sequence` are reserved words. */
const NAMES = {
  '#alertId': 'alertId',
  '#seq': 'sequence',
  '#state': 'state',
  '#updatedAt': 'updatedAt',
} as const;

/**
 * The head write's expression: set the alert (and append its transition to
 * the outbox, moving the outbox index key only when it was empty), on the
 * condition that the head is absent or replaceable (`expectedSequence` 0), or
 * still at `expectedSequence` and holding this alert or a replaceable one.
 */
function headUpdate(
  alert: Alert,
  expectedSequence: number,
  queued: AlertTransition | undefined,
  itemKey: Item,
): { names: Record<string, string>; values: Item; sets: string[]; condition: string } {
  const names: Record<string, string> = {
    ...NAMES,
    '#entity': 'entity',
    '#plantId': 'plantId',
    '#type': 'type',
    '#subject': 'subject',
    '#alert': 'alert',
  };
  const values: Item = {
    ':entity': { S: 'alert-head' },
    ':plantId': { S: alert.plantId },
    ':type': { S: alert.type },
    ':subject': { S: alert.subject },
    ':alertId': { S: alert.alertId },
    ':seq': { N: String(alert.sequence) },
    ':state': { S: alert.state },
    ':updatedAt': { N: String(alert.updatedAt) },
    ':alert': { S: JSON.stringify(alert) },
    ':resolved': { S: 'resolved' },
  };
  const sets = [
    '#entity = :entity',
    '#plantId = :plantId',
    '#type = :type',
    '#subject = :subject',
    '#alertId = :alertId',
    '#seq = :seq',
    '#state = :state',
    '#updatedAt = :updatedAt',
    '#alert = :alert',
  ];
  if (queued) {
    const at = timeKey(queued.alert.updatedAt);
    Object.assign(names, { '#outbox': 'outbox', '#opk': STATUS_PK, '#osk': STATUS_SK });
    Object.assign(values, {
      ':entry': {
        L: [
          {
            M: {
              transitionId: { S: queued.transitionId },
              at: { S: at },
              transition: { S: JSON.stringify(queued) },
            },
          },
        ],
      },
      ':empty': { L: [] },
      ':outbox': { S: OUTBOX },
      ':front': { S: outboxSortKey(at, itemKey[PK]?.S ?? '') },
    } satisfies Item);
    sets.push(
      '#outbox = list_append(if_not_exists(#outbox, :empty), :entry)',
      '#opk = :outbox',
      // The index key follows the oldest pending transition; markPublished moves it on.
      '#osk = if_not_exists(#osk, :front)',
    );
  }
  const replaceable = '(#state = :resolved AND #alertId <> :alertId)';
  let condition: string;
  if (expectedSequence === 0) {
    condition = `attribute_not_exists(#pk) OR ${replaceable}`;
    names['#pk'] = PK;
  } else {
    condition = `#seq = :expected AND (#alertId = :alertId OR ${replaceable})`;
    values[':expected'] = { N: String(expectedSequence) };
  }
  return { names, values, sets, condition };
}

/** The alert engine's and the acknowledgement's side: the current alert of a subject, and moving it on. */
export class DynamoAlertLifecycle
  extends StateTableStore
  implements Pick<AlertStore, 'getCurrent' | 'applyTransition'>
{
  async getCurrent(plantId: string, type: AlertType, subject: string): Promise<Alert | undefined> {
    return (await this.readHead('getCurrent', headKey({ plantId, type, subject })))?.alert;
  }

  async applyTransition(
    next: Alert,
    expectedSequence: number,
    transition?: AlertTransition,
  ): Promise<boolean> {
    if (!Number.isSafeInteger(expectedSequence) || expectedSequence < 0) {
      throw new RangeError(`expectedSequence must be a non-negative integer; got ${expectedSequence}`);
    }
    const alert = checkedForStore('alert', alertSchema(), next);
    const queued = transition && checkedForStore('transition', transitionSchema(), transition);
    if (
      queued &&
      (queued.alert.alertId !== alert.alertId || !queued.transitionId.startsWith(`${alert.alertId}#`))
    ) {
      // markPublished finds the head through the alert id at the front of the transition id.
      throw new RangeError(
        `transition ${JSON.stringify(queued.transitionId)} must be {alertId}#{sequence} of alert ${alert.alertId}`,
      );
    }
    const outcome = await this.writeHead(alert, expectedSequence, queued);
    if (outcome === 'refused') return false;
    if (outcome.replaced && outcome.replaced.alertId !== alert.alertId) await this.record(outcome.replaced);
    await this.record(alert);
    return true;
  }

  // Helpers

  /** The conditional head write; the alert it replaced, if any, or `refused`. */
  private async writeHead(
    alert: Alert,
    expectedSequence: number,
    queued: AlertTransition | undefined,
  ): Promise<'refused' | { readonly replaced?: Alert }> {
    const itemKey = headKey(alert);
    const { names, values, sets, condition } = headUpdate(alert, expectedSequence, queued, itemKey);
    try {
      const out = await dynamoCall('applyTransition', () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: itemKey,
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'UPDATED_OLD',
          }),
        ),
      );
      const old = out.Attributes?.alert;
      return old?.S === undefined ? {} : { replaced: decodeAlertRecord({ alert: old.S }) };
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        // The head already holding exactly this alert is a repeat, not a lost race: the same call
        // again (the SDK retries a write whose answer was lost), or a twin writer that decided the
        // same from the same state. Its transition was queued once, by the write that landed.
        const head = await this.readHead('applyTransition', itemKey);
        return head !== undefined && JSON.stringify(head.alert) === JSON.stringify(alert) ? {} : 'refused';
      }
      if (isItemTooLarge(error)) {
        // Only a long outage of the publisher lets an outbox grow this far: back off until the relay drains it.
        throw new UnavailableError(
          `alert head ${itemKey[PK]?.S} reached DynamoDB's 400 KB item limit with its outbox; ` +
            'publish the pending transitions, then retry',
          60,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Writes the alert's record unless the stored one is newer; repeating it or writing it late changes nothing. */
  protected async record(
    alert: Alert,
    options: { readonly newerSequenceOnly?: boolean } = {},
  ): Promise<void> {
    const sortKey = `${timeKey(alert.updatedAt)}#${alert.alertId}`;
    const item: Item = {
      ...recordKey(alert.alertId),
      entity: { S: 'alert' },
      alertId: { S: alert.alertId },
      plantId: { S: alert.plantId },
      type: { S: alert.type },
      subject: { S: alert.subject },
      state: { S: alert.state },
      sequence: { N: String(alert.sequence) },
      updatedAt: { N: String(alert.updatedAt) },
      alert: { S: JSON.stringify(alert) },
      [COLLECTION_PK]: { S: 'ALERT' },
      [COLLECTION_SK]: { S: sortKey },
      [PLANT_PK]: { S: `PLANT#${alert.plantId}` },
      [PLANT_SK]: { S: `ALERT#${sortKey}` },
      [STATUS_PK]: { S: `ALERT#${alert.state}` },
      [STATUS_SK]: { S: sortKey },
      [PLANT_STATUS_PK]: { S: `PLANT#${alert.plantId}#ALERT#${alert.state}` },
      [PLANT_STATUS_SK]: { S: sortKey },
    };
    // Same sequence, later updatedAt: an in-place update (the lifecycle keeps the sequence for those).
    // The outbox repair passes newerSequenceOnly, so an entry never undoes such an update.
    const condition = options.newerSequenceOnly
      ? 'attribute_not_exists(#pk) OR #seq < :seq'
      : 'attribute_not_exists(#pk) OR #seq < :seq OR (#seq = :seq AND #updatedAt <= :updatedAt)';
    try {
      await dynamoCall('recordAlert', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: condition,
            ExpressionAttributeNames: options.newerSequenceOnly
              ? { '#pk': PK, '#seq': 'sequence' }
              : { '#pk': PK, '#seq': 'sequence', '#updatedAt': 'updatedAt' },
            ExpressionAttributeValues: options.newerSequenceOnly
              ? { ':seq': { N: String(alert.sequence) } }
              : { ':seq': { N: String(alert.sequence) }, ':updatedAt': { N: String(alert.updatedAt) } },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  protected async readHead(operation: string, itemKey: Item): Promise<StoredHead | undefined> {
    const item = await this.get(operation, itemKey);
    return item && decodeHead(fromItem(item));
  }
}

function isItemTooLarge(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'ValidationException' &&
    /item size.*exceeded the maximum allowed size/i.test(error.message)
  );
}

/** Epoch ms, zero-padded so that string order is time order (checked non-negative integer on the way in). */
export function timeKey(epochMs: number): string {
  return String(epochMs).padStart(16, '0');
}

export function outboxSortKey(at: string, pk: string): string {
  return `${at}#${pk}`;
}
