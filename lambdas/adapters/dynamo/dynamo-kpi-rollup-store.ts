/**
 * The KPI rollup table on DynamoDB (docs/kpi-rollup.md): per plant and
 * 15-minute slot, the counter summaries of lambdas/domain/kpi-rollup.ts and
 * whether they are current. Implements the three rollup ports: the
 * processor marks slots (KpiSlotMarker), the scheduled job re-rolls them
 * (KpiRollupWriter), the Timestream reader uses current ones
 * (KpiRollupReader). Single-item writes only.
 *
 * One item per (plant, slot):
 * - `plant` (S, partition key), `slot` (N, sort key: slot start, epoch ms);
 * - `gen` (N): marks so far, `ADD 1` per mark (not idempotent, and need not
 *   be: any mark makes the slot pending);
 * - `rolled` (N): the `gen` the summary was made for; the summary is current
 *   while `rolled = gen`;
 * - `settleAt` (N): the slot is not rolled up before this (SettlePolicy),
 *   the slot's number as its fraction (settleKey);
 * - `pend` (S, always "p"): present while a roll is due; with `settleAt` the
 *   key of the sparse index `pending`, which the job reads oldest first
 *   (one index partition: marks are a few writes per second at most);
 * - `s` (S): the counter summaries as JSON (kpi-slot-codec.ts);
 * - `t` (S): the slot's ticket tonnages as JSON; absent on items rolled up
 *   before tickets were, whose tickets are then read raw until re-rolled;
 * - `rolledAt` (N).
 *
 * A slot with no item was never written (every write marks its slots first),
 * so it is known to be empty, from `rollupSince` on (its tickets from
 * `movementsSince` on): data written before the rollup (or before writes
 * marked tickets) left no marks, and such slots read raw until backfilled.
 *
 * Marks are cheap but frequent (every batch touches the open slot), so a warm
 * writer reuses its own mark of a slot for `markReuseMs`: no roll can happen
 * before that mark's settle time, which lies beyond the end of any write
 * started within the reuse window (SettlePolicy.settleMs >= reuse + the
 * writer's deadline + read consistency).
 */
import {
  type CreateTableCommandInput,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandOutput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { MovementParts } from '../../domain/kpi-movement-slots.ts';
import {
  DEFAULT_SETTLE_POLICY,
  type KpiRollupReader,
  type KpiRollupWriter,
  type KpiSlot,
  type KpiSlotMarker,
  type PendingSlot,
  type SeriesSlot,
  type SettlePolicy,
  SLOT_MS,
  settleTime,
  slotStartsIn,
  type TouchedSlots,
} from '../../domain/kpi-rollup.ts';
import type { Clock } from '../../domain/ports.ts';
import { mapLimited } from '../map-limited.ts';
import type { Item } from './attribute-values.ts';
import { checkTableName, createTableAndWait } from './create-table.ts';
import { dynamoCall, isConditionalCheckFailed } from './dynamo-errors.ts';
import { decodeMovements, decodeSeries, encodeMovements, encodeSeries } from './kpi-slot-codec.ts';

export { decodeMovements, decodeSeries, encodeMovements, encodeSeries } from './kpi-slot-codec.ts';

export const ROLLUP_PK = 'plant';
export const ROLLUP_SK = 'slot';
export const PENDING_INDEX = 'pending';
const PENDING = 'p';

/** The table's shape, for the CDK construct, local tools and tests alike. */
export function kpiRollupTableDefinition(tableName: string): CreateTableCommandInput {
  checkTableName(tableName);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: ROLLUP_PK, AttributeType: 'S' },
      { AttributeName: ROLLUP_SK, AttributeType: 'N' },
      { AttributeName: 'pend', AttributeType: 'S' },
      { AttributeName: 'settleAt', AttributeType: 'N' },
    ],
    KeySchema: [
      { AttributeName: ROLLUP_PK, KeyType: 'HASH' },
      { AttributeName: ROLLUP_SK, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: PENDING_INDEX,
        KeySchema: [
          { AttributeName: 'pend', KeyType: 'HASH' },
          { AttributeName: 'settleAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['gen'] },
      },
    ],
  };
}

/** Creates the table (local tools and tests; CDK creates it on AWS) and waits until it is ACTIVE. */
export function createKpiRollupTable(client: DynamoDBClient, tableName: string): Promise<void> {
  return createTableAndWait(client, { ...kpiRollupTableDefinition(tableName), TableName: tableName });
}

export interface DynamoKpiRollupStoreProps {
  /** Created once at module scope by the composition root. */
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly clock: Clock;
  /**
   * Epoch ms from which every write has marked its slots (the rollup's
   * deployment, plus the 15 minutes ahead a reading may be). Slots before it
   * without an item are read raw. @default 0: the rollup existed from the start
   */
  readonly rollupSince?: number;
  /**
   * The same for tickets: from when every write has marked its tickets' slots
   * too (the deployment that added tickets to the rollup). @default rollupSince
   */
  readonly movementsSince?: number | undefined;
  /** @default DEFAULT_SETTLE_POLICY (no memory retention: every slot waits the magnetic settle time) */
  readonly settle?: SettlePolicy;
  /** How long a writer reuses its own mark of a slot. @default 2 minutes */
  readonly markReuseMs?: number;
  /** UpdateItem calls in flight. @default 8 */
  readonly concurrency?: number;
  /** Items per Query page (tests; DynamoDB pages at 1 MB anyway). @default none */
  readonly pageSize?: number;
}

/**
 * `settleAt` with the slot's number in millionths of a millisecond: within
 * a plant no two slots share an index key. dynalite (local mode) keys index
 * entries by the index key plus a 24-bit hash of the table key, so entries
 * sharing an index key (a backfill marks thousands at one instant) collide
 * and vanish from the index, leaving their slots pending for ever.
 */
function settleKey(start: number, settleAt: number): string {
  return `${settleAt}.${String((start / SLOT_MS) % 1_000_000).padStart(6, '0')}`;
}

const slotKey = (plantId: string, start: number): Item => ({
  [ROLLUP_PK]: { S: plantId },
  [ROLLUP_SK]: { N: String(start) },
});

function numberOf(item: Item, name: string): number | undefined {
  const text = item[name]?.N;
  return text === undefined ? undefined : Number(text);
}

/**
 * The table and the settings every role checks at construction. Each role is
 * its own class (docs/bundles.md): a function bundles only the methods of the
 * roles it builds (a class keeps every method).
 */
abstract class KpiRollupTable {
  protected readonly since: Since;

  constructor(protected readonly props: DynamoKpiRollupStoreProps) {
    checkTableName(props.tableName);
    const counters = props.rollupSince ?? 0;
    const movements = props.movementsSince ?? counters;
    for (const [name, value] of [
      ['rollupSince', counters],
      ['movementsSince', movements],
    ] as const)
      if (!(Number.isFinite(value) && value >= 0))
        throw new RangeError(`${name} must be epoch milliseconds >= 0, got ${value}`);
    this.since = { counters, movements };
  }
}

/** The processor's role: marks the slots a batch touches (and checks the settings of writing). */
export class DynamoKpiSlotMarker extends KpiRollupTable implements KpiSlotMarker {
  protected readonly settle: SettlePolicy;
  protected readonly reuseMs: number;
  protected readonly concurrency: number;
  /** This writer's own recent marks: slot key to mark time. */
  private readonly recentMarks = new Map<string, number>();

  constructor(props: DynamoKpiRollupStoreProps) {
    super(props);
    this.settle = props.settle ?? DEFAULT_SETTLE_POLICY;
    this.reuseMs = props.markReuseMs ?? 2 * 60_000;
    this.concurrency = props.concurrency ?? 8;
    if (!(this.reuseMs >= 0 && this.reuseMs < this.settle.settleMs))
      throw new RangeError(
        `markReuseMs must be in [0, settleMs ${this.settle.settleMs}), got ${this.reuseMs}`,
      );
  }

  async markTouched(touched: readonly TouchedSlots[]): Promise<void> {
    const now = this.props.clock.now();
    for (const [key, at] of this.recentMarks) if (now - at > this.reuseMs) this.recentMarks.delete(key);
    const due = touched.flatMap(({ plantId, slotStarts }) =>
      slotStarts
        .filter((start) => !this.recentMarks.has(`${plantId}\u0000${start}`))
        .map((start) => ({ plantId, start })),
    );
    await mapLimited(due, this.concurrency, async ({ plantId, start }) => {
      await dynamoCall('mark KPI slot', () =>
        this.props.client.send(
          new UpdateItemCommand({
            TableName: this.props.tableName,
            Key: slotKey(plantId, start),
            UpdateExpression: 'ADD #gen :one SET #settleAt = :settleAt, #pend = :pend',
            ExpressionAttributeNames: { '#gen': 'gen', '#settleAt': 'settleAt', '#pend': 'pend' },
            ExpressionAttributeValues: {
              ':one': { N: '1' },
              ':settleAt': { N: settleKey(start, settleTime(start, now, this.settle)) },
              ':pend': { S: PENDING },
            },
          }),
        ),
      );
      this.recentMarks.set(`${plantId}\u0000${start}`, now);
    });
  }
}

/** The readers' role (query API, widget, scheduler): current slots for KPIs. */
export class DynamoKpiRollupReader extends KpiRollupTable implements KpiRollupReader {
  readRolledSlots(plantId: string, from: number, to: number): Promise<ReadonlyMap<number, KpiSlot>> {
    return readRolledSlots(this.props, this.since, plantId, from, to);
  }
}

/** Every role: the scheduled rollup job, local mode and tests. */
export class DynamoKpiRollupStore
  extends DynamoKpiSlotMarker
  implements KpiSlotMarker, KpiRollupWriter, KpiRollupReader
{
  async pendingSlots(settledBy: number, limit: number): Promise<PendingSlot[]> {
    const slots: PendingSlot[] = [];
    let startKey: Item | undefined;
    do {
      const page: QueryCommandOutput = await dynamoCall('list pending KPI slots', () =>
        this.props.client.send(
          new QueryCommand({
            TableName: this.props.tableName,
            IndexName: PENDING_INDEX,
            KeyConditionExpression: '#pend = :pend AND #settleAt <= :by',
            ExpressionAttributeNames: { '#pend': 'pend', '#settleAt': 'settleAt' },
            // The fraction of settleKey is not part of the time: the whole millisecond counts.
            ExpressionAttributeValues: {
              ':pend': { S: PENDING },
              ':by': { N: settleKey(SLOT_MS * 999_999, Math.floor(settledBy)) },
            },
            Limit: Math.min(limit - slots.length, this.props.pageSize ?? 1000),
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const plantId = item[ROLLUP_PK]?.S;
        const start = numberOf(item, ROLLUP_SK);
        const generation = numberOf(item, 'gen');
        const settleAt = numberOf(item, 'settleAt');
        if (
          plantId === undefined ||
          start === undefined ||
          generation === undefined ||
          settleAt === undefined
        )
          throw new Error(
            `KPI rollup index item without plant, slot, gen or settleAt: ${JSON.stringify(item)}`,
          );
        slots.push({ plantId, start, generation, settleAt: Math.floor(settleAt) });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && slots.length < limit);
    return slots;
  }

  async saveSlot(
    slot: PendingSlot,
    series: readonly SeriesSlot[],
    movements?: MovementParts,
  ): Promise<boolean> {
    const tickets = movements === undefined ? undefined : encodeMovements(movements);
    try {
      await dynamoCall('save KPI slot', () =>
        this.props.client.send(
          new UpdateItemCommand({
            TableName: this.props.tableName,
            Key: slotKey(slot.plantId, slot.start),
            // Without tickets, `t` goes: an item's tickets are never older than its counters.
            UpdateExpression:
              tickets === undefined
                ? 'SET #rolled = :gen, #s = :s, #rolledAt = :now REMOVE #pend, #t'
                : 'SET #rolled = :gen, #s = :s, #t = :t, #rolledAt = :now REMOVE #pend',
            ConditionExpression: '#gen = :gen',
            ExpressionAttributeNames: {
              '#rolled': 'rolled',
              '#s': 's',
              '#rolledAt': 'rolledAt',
              '#pend': 'pend',
              '#gen': 'gen',
              '#t': 't',
            },
            ExpressionAttributeValues: {
              ':gen': { N: String(slot.generation) },
              ':s': { S: encodeSeries(series) },
              ':now': { N: String(this.props.clock.now()) },
              ...(tickets === undefined ? {} : { ':t': { S: tickets } }),
            },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  readRolledSlots(plantId: string, from: number, to: number): Promise<ReadonlyMap<number, KpiSlot>> {
    return readRolledSlots(this.props, this.since, plantId, from, to);
  }
}

/** From when a slot without an item is known to hold no counter readings, and no tickets. */
interface Since {
  readonly counters: number;
  readonly movements: number;
}

async function readRolledSlots(
  props: DynamoKpiRollupStoreProps,
  since: Since,
  plantId: string,
  from: number,
  to: number,
): Promise<ReadonlyMap<number, KpiSlot>> {
  const slots = new Map<number, KpiSlot>();
  if (!(to > from)) return slots;
  const seen = new Set<number>();
  let startKey: Item | undefined;
  do {
    const page: QueryCommandOutput = await dynamoCall('read KPI slots', () =>
      props.client.send(
        new QueryCommand({
          TableName: props.tableName,
          KeyConditionExpression: '#plant = :plant AND #slot BETWEEN :from AND :last',
          ExpressionAttributeNames: {
            '#plant': ROLLUP_PK,
            '#slot': ROLLUP_SK,
            '#gen': 'gen',
            '#rolled': 'rolled',
            '#s': 's',
            '#t': 't',
          },
          ExpressionAttributeValues: {
            ':plant': { S: plantId },
            ':from': { N: String(from) },
            ':last': { N: String(to - SLOT_MS) },
          },
          ProjectionExpression: '#slot, #gen, #rolled, #s, #t',
          ConsistentRead: true,
          ...(props.pageSize ? { Limit: props.pageSize } : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      ),
    );
    for (const item of page.Items ?? []) {
      const start = numberOf(item, ROLLUP_SK);
      if (start === undefined) continue;
      seen.add(start);
      const rolled = numberOf(item, 'rolled');
      const text = item.s?.S;
      if (rolled === undefined || rolled !== numberOf(item, 'gen') || text === undefined) continue;
      const tickets = item.t?.S;
      slots.set(start, {
        start,
        series: decodeSeries(text),
        ...(tickets === undefined ? {} : { movements: decodeMovements(tickets) }),
      });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  for (const start of slotStartsIn(from, to))
    if (!seen.has(start) && start >= since.counters)
      slots.set(start, { start, series: [], ...(start >= since.movements ? { movements: [] } : {}) });
  return slots;
}
