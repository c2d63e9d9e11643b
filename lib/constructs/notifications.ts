import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { acknowledge } from '../checks/acknowledge.ts';
import type { AlertSubscription } from '../config.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';

export interface NotificationsProps {
  /** Encrypts both topics and the delivery DLQ; its policy lets SNS and CloudWatch use it. */
  readonly key: kms.Key;
  readonly alertSubscriptions: readonly AlertSubscription[];
  readonly opsEmails: readonly string[];
}

/**
 * The two topics people subscribe to: `alertsTopic` carries alert
 * transitions (docs/contract.md section 6; message attributes plantId, alertType,
 * severity and state for filter policies), `opsTopic` carries the alarms of
 * the pipeline itself. Both are KMS-encrypted and refuse publishers without
 * TLS. Every subscription has a dead-letter queue, so a delivery that
 * exhausts its retries is kept and alarmed on, not dropped.
 */
export class Notifications extends Construct {
  readonly alertsTopic: sns.Topic;
  readonly opsTopic: sns.Topic;
  readonly deliveryDlq: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    // CloudWatch alarms publish to the encrypted ops topic; AWS documents this
    // key policy statement without conditions (CloudWatch sets no source keys).
    // https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns
    // The page grants kms:GenerateDataKey*; publishing needs only the exact
    // action, so no wildcard (which would also allow GenerateDataKeyPair*).
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    // SNS moves undeliverable notifications into the encrypted delivery DLQ.
    // https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSnsRedriveToDlq',
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );

    this.opsTopic = new sns.Topic(this, 'OpsTopic', {
      displayName: 'wte-telemetry operations',
      masterKey: props.key,
      enforceSSL: true,
    });
    this.alertsTopic = new sns.Topic(this, 'AlertsTopic', {
      displayName: 'wte-telemetry alerts',
      masterKey: props.key,
      enforceSSL: true,
    });
    this.deliveryDlq = new DeadLetterQueue(this, 'DeliveryDlq', {
      encryptionKey: props.key,
      opsTopic: this.opsTopic,
      purpose:
        'An alert or alarm notification could not be delivered to a subscriber after all SNS retries; read it from the queue and check the subscription.',
    });

    acknowledge(
      this.deliveryDlq.queue,
      'AwsSolutions-SQS3',
      'This queue is the dead-letter queue of the SNS e-mail subscriptions (their RedrivePolicy), which the rule does not recognize as DLQ use; it has its own alarm.',
    );

    for (const subscription of props.alertSubscriptions) {
      this.alertsTopic.addSubscription(
        new subscriptions.EmailSubscription(subscription.email, {
          deadLetterQueue: this.deliveryDlq.queue,
          filterPolicy: {
            ...(subscription.plantIds
              ? { plantId: sns.SubscriptionFilter.stringFilter({ allowlist: [...subscription.plantIds] }) }
              : {}),
            ...(subscription.severities
              ? { severity: sns.SubscriptionFilter.stringFilter({ allowlist: [...subscription.severities] }) }
              : {}),
          },
        }),
      );
    }
    for (const email of props.opsEmails) {
      this.opsTopic.addSubscription(
        new subscriptions.EmailSubscription(email, { deadLetterQueue: this.deliveryDlq.queue }),
      );
    }
  }
}
