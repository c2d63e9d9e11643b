/**
 * The KPI rollup (docs/kpi-rollup.md), in two constructs because it spans
 * both stacks:
 * - `KpiRollupTable` (stateful): the DynamoDB table of 15-minute slot
 *   summaries, in the shape lambdas/adapters/dynamo/dynamo-kpi-rollup-store.ts
 *   defines.
 * - `KpiRollup` (stateless): the scheduled function that re-rolls pending
 *   slots, its schedule and dead-letter queue, and the bindings other
 *   functions take to use the table: `markerBinding()` for the processor
 *   (marks slots before writing, reads KPIs for the alert rules),
 *   `readerBinding()` for KPI readers (the query API, the scheduler).
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  kpiRollupTableDefinition,
  PENDING_INDEX,
} from '../../lambdas/adapters/dynamo/dynamo-kpi-rollup-store.ts';
import { acknowledge } from '../checks/acknowledge.ts';
import { type TableAction, tableAccess } from './access.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { tableFromDefinition } from './definition-table.ts';
import { type Binding, metricsStoreOf, WteFunction } from './wte-function.ts';

/** The table's keys and index, taken from the adapter's own definition. */
const DEFINITION = kpiRollupTableDefinition('shape-only');

export interface KpiRollupTableProps {
  readonly encryptionKey: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The rollup table: on-demand, encrypted with the data key, point-in-time
 * recovery on, and the sparse `pending` index of slots to re-roll. Its
 * contents can always be rebuilt from the readings (a backfill request to
 * the rollup function), but losing them makes every KPI query read raw.
 */
export class KpiRollupTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: KpiRollupTableProps) {
    super(scope, id);
    this.table = tableFromDefinition(this, 'Table', {
      label: 'KPI rollup table',
      definition: DEFINITION,
      projection: 'INCLUDE',
      ...props,
    });
  }
}

export interface KpiRollupProps {
  /** `KpiRollupTable.table` of the stateful stack. */
  readonly table: dynamodb.ITable;
  /** The key the table is encrypted with (the data key); also encrypts the dead-letter queue. */
  readonly dataKey: kms.IKey;
  /** Read access to the metrics store, for the raw readings (`DataAccess.metrics({ write: false })`); the bundle holds that store only. */
  readonly metrics: Binding;
  /** Receives the dead-letter queue's alarm. */
  readonly opsTopic: sns.ITopic;
  /**
   * From when every write marks its slots: the first deployment of the
   * rollup plus 15 minutes (how far ahead a reading may be). Older slots are
   * read raw until backfilled. A fixed value from the configuration, never
   * the time of synthesis (that would change on every deploy).
   */
  readonly rollupSince: Date;
  /**
   * From when every write also marks its tickets' slots: for a rollup
   * deployed before it kept ticket tonnages, that deployment plus 15
   * minutes. Older slots without an item have their tickets read raw until
   * backfilled. @default rollupSince
   */
  readonly movementsSince?: Date;
  /**
   * Memory-store retention of the readings table, hours. Slots it still holds
   * settle after 20 minutes; without it every slot waits 6 h 20 min, the
   * magnetic store's visibility delay. @default unknown
   */
  readonly memoryStoreRetentionHours?: number;
  /**
   * How often the rollup runs. Each run is a burst of small Timestream
   * queries, billed at least 4 TCUs for 30 s unless other queries share the
   * window; slots read raw meanwhile keep answers exact. @default 15
   */
  readonly intervalMinutes?: number;
  readonly logRetentionDays: number;
}

/**
 * The scheduled rollup: every `intervalMinutes`, a function reads the
 * settled pending slots from the table, their raw counter readings and
 * tickets from the metrics store (one query each per group of nearby slots), and stores the slot
 * summaries. Failed runs go to a dead-letter queue with an alarm (nothing to
 * redrive: the next run takes the same pending slots).
 */
export class KpiRollup extends Construct {
  readonly function: WteFunction;
  readonly schedule: events.Rule;
  readonly deadLetterQueue: DeadLetterQueue;
  private readonly environment: Readonly<Record<string, string>>;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: KpiRollupProps,
  ) {
    super(scope, id);
    const since = props.rollupSince.getTime();
    if (!(Number.isSafeInteger(since) && since >= 0))
      throw new Error(`rollupSince must be a valid date after 1970, got ${String(props.rollupSince)}`);
    const movementsSince = props.movementsSince?.getTime();
    if (movementsSince !== undefined && !(Number.isSafeInteger(movementsSince) && movementsSince >= 0))
      throw new Error(`movementsSince must be a valid date after 1970, got ${String(props.movementsSince)}`);
    const minutes = props.intervalMinutes ?? 15;
    if (!(Number.isInteger(minutes) && minutes >= 1 && minutes <= 60))
      throw new Error(`intervalMinutes must be an integer from 1 to 60, got ${minutes}`);
    const retention = props.memoryStoreRetentionHours;
    if (retention !== undefined && !(Number.isInteger(retention) && retention >= 1))
      throw new Error(`memoryStoreRetentionHours must be an integer >= 1, got ${retention}`);
    this.environment = {
      KPI_ROLLUP_TABLE: props.table.tableName,
      KPI_ROLLUP_SINCE: String(since),
      ...(movementsSince === undefined ? {} : { KPI_ROLLUP_MOVEMENTS_SINCE: String(movementsSince) }),
      ...(retention === undefined ? {} : { KPI_ROLLUP_MEMORY_RETENTION_HOURS: String(retention) }),
    };

    const interval = Duration.minutes(minutes);
    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq', {
      encryptionKey: props.dataKey,
      opsTopic: props.opsTopic,
      purpose:
        'A KPI rollup run failed after Lambda retried it twice. Nothing to redrive: pending slots stay pending and KPI queries read them raw until a run succeeds; see the kpi-rollup logs.',
    });
    this.function = new WteFunction(this, 'Function', {
      entry: 'kpi-rollup',
      description: 'KPI rollup: re-rolls the 15-minute counter slots marked by writes, once settled',
      memorySize: 512,
      // Done before the next run starts.
      timeout: Duration.seconds(Math.floor(interval.toSeconds() * 0.9)),
      logRetentionDays: props.logRetentionDays,
      invocation: 'async',
      deadLetterQueue: { queue: this.deadLetterQueue.queue, keyArn: props.dataKey.keyArn },
      // The raw readings come from the metrics store: bundle only the one it binds.
      metricsStore: metricsStoreOf(props.metrics),
    }).bind(this.binding(['UpdateItem', 'Query'], [PENDING_INDEX]), props.metrics);
    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs the KPI rollup',
      schedule: events.Schedule.rate(interval),
      targets: [
        new targets.LambdaFunction(this.function.function, { retryAttempts: 2, maxEventAge: interval }),
      ],
    });
    acknowledge(
      this.schedule,
      'Serverless-EventBusDLQ',
      'A rollup run EventBridge cannot deliver is superseded by the next run minutes later, which takes the same pending slots; until then KPI queries read those slots raw.',
    );
  }

  /** For functions that write readings (the processor): marks slots, and reads KPIs for the alert rules. */
  markerBinding(): Binding {
    return this.binding(['UpdateItem', 'Query']);
  }

  /** For functions that read KPIs (the query API's kpis, the scheduler). */
  readerBinding(): Binding {
    return this.binding(['Query']);
  }

  private binding(actions: readonly TableAction[], indexes: readonly string[] = []): Binding {
    return {
      environment: this.environment,
      statements: tableAccess(this.props.table, this.props.dataKey, actions, indexes),
    };
  }
}
