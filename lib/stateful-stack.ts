import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface StatefulStackProps extends StackProps {
  readonly stage: string;
}

/**
 * Stateful resources: the data key and the telemetry queue with its DLQ.
 * Tables, Timestream and the alerts topic join it with the full deployment.
 */
export class StatefulStack extends Stack {
  readonly dataKey: kms.Key;
  readonly telemetryQueue: sqs.Queue;
  readonly telemetryDlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    this.dataKey = new kms.Key(this, 'DataKey', {
      description: `wte-telemetry ${props.stage}: encryption of telemetry at rest`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.telemetryDlq = new sqs.Queue(this, 'TelemetryDlq', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.dataKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.telemetryQueue = new sqs.Queue(this, 'TelemetryQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.dataKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(180),
      deadLetterQueue: { queue: this.telemetryDlq, maxReceiveCount: 5 },
    });
  }
}
