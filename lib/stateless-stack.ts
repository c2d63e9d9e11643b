import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import { rejectedTopic } from '../lambdas/adapters/iot-rejection-publisher.ts';
import { acknowledge } from './checks/acknowledge.ts';
import type { WteConfig } from './config.ts';
import {
  iotArn,
  queueSendAccess,
  type TableAction,
  tableAccess,
  timestreamSelectAccess,
  timestreamWriteAccess,
  topicPublishAccess,
} from './constructs/access.ts';
import { DeadLetterQueue } from './constructs/dead-letter-queue.ts';
import { IotIngress } from './constructs/iot-ingress.ts';
import { PipelineMonitoring } from './constructs/pipeline-monitoring.ts';
import { PlantRegistry } from './constructs/plant-registry.ts';
import { STATE_TABLE_INDEXES } from './constructs/state-table.ts';
import { TelemetryApi } from './constructs/telemetry-api.ts';
import { WteFunction } from './constructs/wte-function.ts';
import { type StatefulStack, VISIBILITY_TIMEOUT_FACTOR } from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  readonly config: WteConfig;
  readonly stateful: StatefulStack;
}

export interface PipelineFunctions {
  readonly ingest: WteFunction;
  readonly authorizer: WteFunction;
  readonly processor: WteFunction;
  readonly scheduler: WteFunction;
  readonly kpis: WteFunction;
  readonly series: WteFunction;
  readonly listAlerts: WteFunction;
  readonly acknowledgeAlert: WteFunction;
}

/**
 * Everything that can be deleted and deployed again without losing data:
 * the functions, the REST API with its authorizer and WAF, the IoT topic
 * rule and device policy, the schedule, alarms on the functions and the
 * operations dashboard.
 */
export class StatelessStack extends Stack {
  readonly functions: PipelineFunctions;
  readonly api: TelemetryApi;
  readonly iot: IotIngress;
  readonly schedule: events.Rule;
  readonly schedulerDlq: DeadLetterQueue;
  readonly monitoring: PipelineMonitoring;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    const table = stateful.stateTable.table;
    const { dataKey, messagingKey } = stateful;
    const { alertsTopic, opsTopic } = stateful.notifications;
    const metrics = stateful.timestream;
    const timestreamTables = [metrics.readingsTable, metrics.movementsTable];
    const logRetentionDays = config.logRetentionDays;

    const stateEnv = { STATE_TABLE_NAME: table.tableName };
    const timestreamEnv = {
      TIMESTREAM_DATABASE: metrics.databaseName,
      TIMESTREAM_READINGS_TABLE: metrics.readingsTable.attrName,
      TIMESTREAM_MOVEMENTS_TABLE: metrics.movementsTable.attrName,
    };
    const stateAccess = (actions: readonly TableAction[]) =>
      tableAccess(table, dataKey, actions, actions.includes('Query') ? STATE_TABLE_INDEXES : []);

    // DescribeEndpoints is how the Timestream SDK finds its cell endpoint; it takes no resource.
    const timestreamDiscovery = new iam.ManagedPolicy(this, 'TimestreamEndpointDiscovery', {
      description: 'Timestream endpoint discovery (DescribeEndpoints supports only Resource "*")',
      statements: [new iam.PolicyStatement({ actions: ['timestream:DescribeEndpoints'], resources: ['*'] })],
    });
    acknowledge(
      timestreamDiscovery,
      'AwsSolutions-IAM5[Resource::*]',
      'timestream:DescribeEndpoints supports only Resource "*" (https://docs.aws.amazon.com/timestream/latest/developerguide/Using-API.endpoint-discovery.html, cdk-nag issue #833); this policy holds that one action only.',
    );

    const apiFunction = (
      id: string,
      entry: string,
      handler: string,
      description: string,
      environment: Record<string, string>,
    ) =>
      new WteFunction(this, id, {
        entry,
        handler,
        description,
        memorySize: 512,
        // API Gateway gives up after 29 s.
        timeout: Duration.seconds(28),
        environment,
        logRetentionDays,
        invocation: 'api',
      });

    const ingest = new WteFunction(this, 'Ingest', {
      entry: 'ingest',
      description: 'POST /v1/plants/{plantId}/telemetry: validate and enqueue',
      memorySize: 512,
      timeout: Duration.seconds(10),
      environment: { TELEMETRY_QUEUE_URL: stateful.telemetryQueue.queueUrl },
      logRetentionDays,
      invocation: 'api',
    }).allow(...queueSendAccess(stateful.telemetryQueue, dataKey));

    const authorizer = new WteFunction(this, 'Authorizer', {
      entry: 'authorizer',
      description: 'Gateway bearer-token REQUEST authorizer',
      memorySize: 256,
      timeout: Duration.seconds(5),
      environment: stateEnv,
      logRetentionDays,
      invocation: 'authorizer',
    }).allow(...stateAccess(['GetItem']));

    this.iot = new IotIngress(this, 'Iot', {
      stage: config.stage,
      telemetryQueue: stateful.telemetryQueue,
      queueKey: dataKey,
      opsTopic,
      logRetentionDays,
    });

    const processorTimeout = Duration.seconds(config.processor.timeoutSeconds);
    const minimumVisibility = processorTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR;
    if (stateful.telemetryVisibilityTimeout.toSeconds() < minimumVisibility) {
      throw new Error(
        `telemetry queue visibility timeout (${stateful.telemetryVisibilityTimeout.toSeconds()} s) must be at least ${VISIBILITY_TIMEOUT_FACTOR} times the processor timeout (${minimumVisibility} s)`,
      );
    }
    const processor = new WteFunction(this, 'Processor', {
      entry: 'processor',
      description: 'Telemetry queue processor: Timestream, state, alert rules, rejection notices',
      memorySize: 1024,
      timeout: processorTimeout,
      environment: {
        ...stateEnv,
        ...timestreamEnv,
        IOT_DATA_ENDPOINT: this.iot.dataEndpoint,
        ALERTS_TOPIC_ARN: alertsTopic.topicArn,
      },
      logRetentionDays,
      invocation: 'queue',
    }).allow(
      ...stateAccess(['GetItem', 'PutItem', 'UpdateItem', 'Query']),
      timestreamWriteAccess(timestreamTables),
      timestreamSelectAccess(timestreamTables),
      ...topicPublishAccess(alertsTopic, messagingKey),
      new iam.PolicyStatement({
        actions: ['iot:Publish'],
        resources: [iotArn(this, 'topic', rejectedTopic('*'))],
      }),
    );
    if (processor.access) {
      acknowledge(
        processor.access,
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:topic/wte/v1/*/rejected]',
        'The processor answers gateways of any plant on wte/v1/{plantId}/rejected; plant ids are data, not known at deploy time. The wildcard is one topic level of that one topic family.',
      );
    }
    const eventSource = new SqsEventSource(stateful.telemetryQueue, {
      batchSize: config.processor.batchSize,
      maxBatchingWindow: Duration.seconds(config.processor.maxBatchingWindowSeconds),
      maxConcurrency: config.processor.maxConcurrency,
      reportBatchItemFailures: true,
    });
    processor.function.addEventSource(eventSource);
    for (const child of processor.function.node.children) {
      if (child instanceof lambda.EventSourceMapping) {
        acknowledge(
          child,
          'Serverless-LambdaEventSourceMappingDestination',
          'SQS event source mappings support no on-failure destination; the telemetry queue redrives a message to its DLQ after 5 receives (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).',
        );
      }
    }

    this.schedulerDlq = new DeadLetterQueue(this, 'SchedulerDlq', {
      encryptionKey: dataKey,
      opsTopic,
      purpose:
        'A scheduled run failed after Lambda retried it twice. Nothing to redrive: the next run evaluates the same stored data; see the scheduler logs.',
    });
    const scheduler = new WteFunction(this, 'Scheduler', {
      entry: 'scheduler',
      description: 'Scheduled alert rules (staleness, daily close) and alert outbox relay',
      memorySize: 512,
      timeout: Duration.seconds(Math.min(900, Math.floor(config.schedulerIntervalMinutes * 60 * 0.9))),
      environment: { ...stateEnv, ...timestreamEnv, ALERTS_TOPIC_ARN: alertsTopic.topicArn },
      logRetentionDays,
      invocation: 'async',
      deadLetterQueue: { queue: this.schedulerDlq.queue, keyArn: dataKey.keyArn },
    }).allow(
      ...stateAccess(['GetItem', 'PutItem', 'UpdateItem', 'Query']),
      timestreamSelectAccess(timestreamTables),
      ...topicPublishAccess(alertsTopic, messagingKey),
    );
    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs the scheduled alert rules and the outbox relay',
      schedule: events.Schedule.rate(Duration.minutes(config.schedulerIntervalMinutes)),
      targets: [
        new targets.LambdaFunction(scheduler.function, {
          retryAttempts: 2,
          maxEventAge: Duration.minutes(config.schedulerIntervalMinutes),
        }),
      ],
    });

    acknowledge(
      this.schedule,
      'Serverless-EventBusDLQ',
      'A scheduled run that EventBridge cannot deliver is superseded by the next run a few minutes later, which evaluates the same stored data; failed deliveries raise the ScheduleFailedInvocations alarm.',
    );

    const queryEnv = { ...stateEnv, ...timestreamEnv };
    const kpis = apiFunction(
      'Kpis',
      'query-api',
      'kpisHandler',
      'GET /v1/plants/{plantId}/kpis',
      queryEnv,
    ).allow(...stateAccess(['GetItem']), timestreamSelectAccess(timestreamTables));
    const series = apiFunction(
      'Series',
      'query-api',
      'seriesHandler',
      'GET /v1/plants/{plantId}/series',
      queryEnv,
    ).allow(...stateAccess(['GetItem']), timestreamSelectAccess(timestreamTables));
    const listAlerts = apiFunction(
      'ListAlerts',
      'alerts-api',
      'listHandler',
      'GET /v1/alerts',
      stateEnv,
    ).allow(...stateAccess(['GetItem', 'Query']));
    const acknowledgeAlert = apiFunction(
      'AcknowledgeAlert',
      'alerts-api',
      'ackHandler',
      'POST /v1/alerts/{alertId}/ack',
      stateEnv,
    ).allow(...stateAccess(['GetItem', 'PutItem', 'UpdateItem']));
    for (const fn of [processor, scheduler, kpis, series]) timestreamDiscovery.attachToRole(fn.role);

    this.functions = { ingest, authorizer, processor, scheduler, kpis, series, listAlerts, acknowledgeAlert };

    this.api = new TelemetryApi(this, 'Api', {
      stage: config.stage,
      config: config.api,
      logRetentionDays,
      handlers: {
        ingest: ingest.function,
        authorizer: authorizer.function,
        kpis: kpis.function,
        series: series.function,
        listAlerts: listAlerts.function,
        acknowledgeAlert: acknowledgeAlert.function,
      },
    });

    new PlantRegistry(this, 'Plants', { plants: config.plants, table, tableKey: dataKey, logRetentionDays });

    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      stage: config.stage,
      functions: this.functions,
      api: this.api,
      iot: this.iot,
      stateful,
      opsTopic,
      schedule: this.schedule,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the REST API' });
    new CfnOutput(this, 'ApiId', {
      value: this.api.api.restApiId,
      description: 'For execute-api:Invoke policies of analysts and ops (IAM-authorized routes)',
    });
    new CfnOutput(this, 'StateTableName', {
      value: table.tableName,
      description: 'For `npx wte token create --table <name>`',
    });
    new CfnOutput(this, 'GatewayIotPolicyName', {
      value: this.iot.devicePolicy.ref,
      description: 'IoT policy to attach to each gateway certificate',
    });
    new CfnOutput(this, 'IotDataEndpoint', {
      value: this.iot.dataEndpoint,
      description: 'MQTT broker of the account',
    });
    new CfnOutput(this, 'TelemetryQueueUrl', { value: stateful.telemetryQueue.queueUrl });
    new CfnOutput(this, 'AlertsTopicArn', { value: alertsTopic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
  }
}
