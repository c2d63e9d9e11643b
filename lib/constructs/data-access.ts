import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { rejectedTopic } from '../../lambdas/adapters/iot-rejection-publisher.ts';
import { acknowledge } from '../checks/acknowledge.ts';
import type { MetricsStoreKind } from '../config-store.ts';
import type { StatefulStack } from '../stateful-stack.ts';
import {
  iotArn,
  queueSendAccess,
  type TableAction,
  tableAccess,
  timestreamSelectAccess,
  timestreamWriteAccess,
  topicPublishAccess,
} from './access.ts';
import { lakeWriteAccess } from './lake-access.ts';
import type { MetricsLake } from './metrics-lake.ts';
import { STATE_TABLE_INDEXES } from './state-table.ts';
import type { TimestreamStore } from './timestream-store.ts';
import type { Binding } from './wte-function.ts';

/**
 * The ways the functions use the stateful stack, each as a binding: the
 * variables lambdas/entry reads (env.ts, aws-stores.ts) and the least
 * privilege that use needs.
 */
export class DataAccess extends Construct {
  /** Timestream's endpoint discovery, the one action that takes no resource (Timestream store only). */
  readonly timestreamDiscovery?: iam.ManagedPolicy;

  constructor(
    scope: Construct,
    id: string,
    private readonly stateful: StatefulStack,
  ) {
    super(scope, id);
    if (stateful.lake !== undefined) return;
    this.timestreamDiscovery = new iam.ManagedPolicy(this, 'TimestreamEndpointDiscovery', {
      description: 'Timestream endpoint discovery (DescribeEndpoints supports only Resource "*")',
      statements: [new iam.PolicyStatement({ actions: ['timestream:DescribeEndpoints'], resources: ['*'] })],
    });
    acknowledge(
      this.timestreamDiscovery,
      'AwsSolutions-IAM5[Resource::*]',
      'timestream:DescribeEndpoints supports only Resource "*" (https://docs.aws.amazon.com/timestream/latest/developerguide/Using-API.endpoint-discovery.html, cdk-nag issue #833); this policy holds that one action only.',
    );
  }

  /** The metrics store the stateful stack holds: functions bound to it are bundled with that store only. */
  get metricsStore(): MetricsStoreKind {
    return this.stateful.lake === undefined ? 'timestream' : 'lake';
  }

  /** The state table with exactly `actions` (Query also on its indexes). */
  stateTable(actions: readonly TableAction[]): Binding {
    const { table } = this.stateful.stateTable;
    return {
      environment: { STATE_TABLE_NAME: table.tableName },
      statements: tableAccess(
        table,
        this.stateful.dataKey,
        actions,
        actions.includes('Query') ? STATE_TABLE_INDEXES : [],
      ),
    };
  }

  /**
   * Reading the metrics store: on Timestream Select on both tables; on the
   * lake the workgroup and the catalog and database to query, and the
   * recent telemetry table that tiered reads answer from
   * (docs/recent-telemetry.md). No function both reads and writes: the
   * writer's access is `metricsWriter`.
   */
  metrics(_options: { readonly write: false }): Binding {
    const { lake } = this.stateful;
    if (lake !== undefined) {
      const { query, tables, recentTelemetry } = lake;
      return {
        environment: {
          METRICS_STORE: 'lake',
          ATHENA_WORKGROUP: query.workGroupName,
          LAKE_CATALOG: `s3tablescatalog/${tables.tableBucketName}`,
          LAKE_DATABASE: tables.namespace.namespace,
          ...this.recentTelemetryEnvironment(lake),
        },
        statements: recentTelemetry.access({ write: false }),
        managedPolicies: [lake.readerPolicy],
      };
    }
    const { store, discovery } = this.timestreamStore();
    return {
      environment: this.timestreamEnvironment(store),
      statements: [timestreamSelectAccess([store.readingsTable, store.movementsTable])],
      managedPolicies: [discovery],
    };
  }

  /**
   * Writing the metrics store and nothing else (the processor: the alert
   * step reads what it wrote). On Timestream WriteRecords and endpoint
   * discovery; on the lake the two delivery streams and the recent
   * telemetry table, whose conflict check Queries it. No Athena, no
   * Timestream Select.
   */
  metricsWriter(): Binding {
    const { lake } = this.stateful;
    if (lake !== undefined) {
      const { delivery, recentTelemetry } = lake;
      return {
        environment: {
          METRICS_STORE: 'lake',
          ...this.recentTelemetryEnvironment(lake),
          LAKE_READINGS_STREAM: delivery.readingsStream.ref,
          LAKE_MOVEMENTS_STREAM: delivery.movementsStream.ref,
        },
        statements: [lakeWriteAccess(lake), ...recentTelemetry.access({ write: true })],
      };
    }
    const { store, discovery } = this.timestreamStore();
    return {
      environment: this.timestreamEnvironment(store),
      statements: [timestreamWriteAccess([store.readingsTable, store.movementsTable])],
      managedPolicies: [discovery],
    };
  }

  private recentTelemetryEnvironment(lake: MetricsLake): Record<string, string> {
    const { recentTelemetry } = lake;
    return {
      RECENT_TELEMETRY_TABLE: recentTelemetry.table.tableName,
      RECENT_TELEMETRY_HORIZON_DAYS: String(recentTelemetry.horizonDays),
      ...(recentTelemetry.completeSince === undefined
        ? {}
        : { RECENT_TELEMETRY_COMPLETE_SINCE: String(recentTelemetry.completeSince) }),
    };
  }

  private timestreamStore(): { store: TimestreamStore; discovery: iam.ManagedPolicy } {
    const store = this.stateful.timestream;
    if (store === undefined || this.timestreamDiscovery === undefined)
      throw new Error('the stateful stack has no metrics store');
    return { store, discovery: this.timestreamDiscovery };
  }

  private timestreamEnvironment(store: TimestreamStore): Record<string, string> {
    return {
      TIMESTREAM_DATABASE: store.databaseName,
      TIMESTREAM_READINGS_TABLE: store.readingsTable.attrName,
      TIMESTREAM_MOVEMENTS_TABLE: store.movementsTable.attrName,
    };
  }

  /** Publishing alert transitions. */
  alertsTopic(): Binding {
    const topic = this.stateful.notifications.alertsTopic;
    return {
      environment: { ALERTS_TOPIC_ARN: topic.topicArn },
      statements: topicPublishAccess(topic, this.stateful.messagingKey),
    };
  }

  /** Enqueueing telemetry. */
  telemetryQueue(): Binding {
    const queue = this.stateful.telemetryQueue;
    return {
      environment: { TELEMETRY_QUEUE_URL: queue.queueUrl },
      statements: queueSendAccess(queue, this.stateful.dataKey),
    };
  }

  /** Publishing rejection notices to gateways through the IoT data endpoint. */
  rejectionNotices(dataEndpoint: string): Binding {
    return {
      environment: { IOT_DATA_ENDPOINT: dataEndpoint },
      statements: [
        new iam.PolicyStatement({
          actions: ['iot:Publish'],
          resources: [iotArn(this, 'topic', rejectedTopic('*'))],
        }),
      ],
    };
  }
}
