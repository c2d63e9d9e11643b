import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { rejectedTopic } from '../../lambdas/adapters/iot-rejection-publisher.ts';
import { acknowledge } from '../checks/acknowledge.ts';
import { IOT_SQL_VERSION } from '../checks/wte-checks.ts';
import { iotArn, queueSendAccess } from './access.ts';
import { notifyOps } from './alarms.ts';
import { deployTimeCall } from './deploy-time-call.ts';
import { THING_NAME_VARIABLE, THING_PLANT_VARIABLE } from './iot-policy-variables.ts';

/** Gateways publish here: `wte/v1/{plantId}/telemetry` (docs/contract.md section 5). */
export const TELEMETRY_TOPIC_FILTER = 'wte/v1/+/telemetry';

/**
 * The queue envelope of lambdas/domain/queue-codec.ts, built by the rules
 * engine: the raw payload base64-encoded (so a payload that is not JSON still
 * reaches the processor, which answers on the rejected topic), the plant from
 * the topic, and the broker's receive time as the processor's "now".
 */
export const TELEMETRY_RULE_SQL =
  "SELECT 1 AS v, 'mqtt' AS source, topic(3) AS plantId, timestamp() AS receivedAt, " +
  `encode(*, 'base64') AS payload FROM '${TELEMETRY_TOPIC_FILTER}'`;

export interface IotIngressProps {
  readonly stage: string;
  readonly telemetryQueue: sqs.IQueue;
  readonly queueKey: kms.IKey;
  readonly opsTopic: sns.ITopic;
  readonly logRetentionDays: number;
}

/**
 * The MQTT path into the pipeline: a topic rule that copies every message
 * on `wte/v1/+/telemetry` into the telemetry queue (SQS, not Lambda: the
 * Lambda action is asynchronous and drops under load), an error action that
 * keeps what the rule could not deliver in a log group (with the original
 * payload, base64) and alarms, and the IoT policy every gateway certificate
 * gets. It also looks up the account's IoT data endpoint, where the
 * processor publishes rejection notices.
 */
export class IotIngress extends Construct {
  readonly topicRule: iot.CfnTopicRule;
  readonly devicePolicy: iot.CfnPolicy;
  readonly errorLogGroup: logs.LogGroup;
  /** `https://<prefix>-ats.iot.<region>.amazonaws.com`, resolved at deploy time. */
  readonly dataEndpoint: string;
  readonly ruleName: string;

  constructor(scope: Construct, id: string, props: IotIngressProps) {
    super(scope, id);
    this.ruleName = `wte_${props.stage.replaceAll('-', '_')}_telemetry`;
    const ruleArn = Stack.of(this).formatArn({
      service: 'iot',
      resource: 'rule',
      resourceName: this.ruleName,
    });
    const assumedByThisRule = () =>
      new iam.ServicePrincipal('iot.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnEquals: { 'aws:SourceArn': ruleArn },
      });

    const actionRole = new iam.Role(this, 'ActionRole', {
      assumedBy: assumedByThisRule(),
      description: 'IoT topic rule: send telemetry to the queue',
    });
    new iam.Policy(this, 'ActionAccess', {
      roles: [actionRole],
      statements: queueSendAccess(props.telemetryQueue, props.queueKey),
    });

    this.errorLogGroup = new logs.LogGroup(this, 'RuleErrors', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const errorRole = new iam.Role(this, 'ErrorActionRole', {
      assumedBy: assumedByThisRule(),
      description: 'IoT topic rule: record messages the rule could not deliver',
    });
    new iam.Policy(this, 'ErrorActionAccess', {
      roles: [errorRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
          resources: [this.errorLogGroup.logGroupArn],
        }),
      ],
    });

    this.topicRule = new iot.CfnTopicRule(this, 'TelemetryRule', {
      ruleName: this.ruleName,
      topicRulePayload: {
        description: 'Telemetry from MQTT gateways into the telemetry queue (queue-codec.ts envelope)',
        sql: TELEMETRY_RULE_SQL,
        awsIotSqlVersion: IOT_SQL_VERSION,
        ruleDisabled: false,
        actions: [
          {
            sqs: {
              queueUrl: props.telemetryQueue.queueUrl,
              roleArn: actionRole.roleArn,
              // The SELECT already base64-encodes the payload; the message body must stay JSON.
              useBase64: false,
            },
          },
        ],
        errorAction: {
          cloudwatchLogs: { logGroupName: this.errorLogGroup.logGroupName, roleArn: errorRole.roleArn },
        },
      },
    });
    this.topicRule.node.addDependency(actionRole, errorRole);

    notifyOps(
      new cloudwatch.Alarm(this, 'RuleErrorsAlarm', {
        alarmDescription: `The IoT rule ${this.ruleName} could not deliver messages to the telemetry queue; each is logged with its payload in ${id}/RuleErrors.`,
        metric: new cloudwatch.Metric({
          namespace: 'AWS/Logs',
          metricName: 'IncomingLogEvents',
          dimensionsMap: { LogGroupName: this.errorLogGroup.logGroupName },
          statistic: cloudwatch.Stats.SUM,
          period: Duration.minutes(5),
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      props.opsTopic,
    );

    this.devicePolicy = new iot.CfnPolicy(this, 'GatewayPolicy', {
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'iot:Connect',
            Resource: iotArn(this, 'client', THING_NAME_VARIABLE),
            Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
          },
          {
            Effect: 'Allow',
            Action: 'iot:Publish',
            Resource: iotArn(this, 'topic', `wte/v1/${THING_PLANT_VARIABLE}/telemetry`),
          },
          {
            Effect: 'Allow',
            Action: 'iot:Subscribe',
            Resource: iotArn(this, 'topicfilter', rejectedTopic(THING_PLANT_VARIABLE)),
          },
          {
            Effect: 'Allow',
            Action: 'iot:Receive',
            Resource: iotArn(this, 'topic', rejectedTopic(THING_PLANT_VARIABLE)),
          },
        ],
      },
    });

    const lookup = deployTimeCall(this, 'DataEndpoint', {
      call: {
        service: 'Iot',
        action: 'describeEndpoint',
        parameters: { endpointType: 'iot:Data-ATS' },
        physicalResourceId: cr.PhysicalResourceId.fromResponse('endpointAddress'),
      },
      statements: [new iam.PolicyStatement({ actions: ['iot:DescribeEndpoint'], resources: ['*'] })],
      logRetentionDays: props.logRetentionDays,
    });
    acknowledge(
      lookup.node.tryFindChild('CustomResourcePolicy') ?? lookup,
      'AwsSolutions-IAM5[Resource::*]',
      'iot:DescribeEndpoint supports no resource-level permissions (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsiot.html); the lookup finds where the processor publishes rejection notices.',
    );
    this.dataEndpoint = `https://${lookup.getResponseField('endpointAddress')}`;
  }
}
