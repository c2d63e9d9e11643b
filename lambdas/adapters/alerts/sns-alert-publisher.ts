/**
 * Publishes alert transitions to the SNS alerts topic (CONTRACT.md section 6):
 * an ASCII subject for e-mail, a plain-text message with the transition's
 * JSON, and the message attributes subscription filter policies use
 * (`plantId`, `alertType`, `severity`, `state`) plus `transitionId`, by which
 * a subscriber drops a repeat (delivery is at least once: see outbox-relay.ts).
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertTransition } from '../../domain/alerts/model.ts';
import type { AlertPublisher } from '../../domain/ports.ts';
import { isTransientAwsError, type TransientRules, unavailableWhenTransient } from '../aws-errors.ts';
import { alertMessage, snsSubject } from './alert-text.ts';

export interface SnsAlertPublisherProps {
  /** Created once at module scope by the composition root. */
  readonly client: SNSClient;
  readonly topicArn: string;
}

/** Throttling and service faults: publishing again later can succeed. */
const TRANSIENT: TransientRules = {
  names: new Set([
    'ThrottledException',
    'ThrottlingException',
    'KMSThrottlingException',
    'InternalErrorException',
    'InternalFailure',
    'ServiceUnavailable',
    'RequestTimeout',
    'TimeoutError',
  ]),
  tooManyRequests: true,
};

const isTransient = (error: unknown): boolean => isTransientAwsError(error, TRANSIENT);

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

export class SnsAlertPublisher implements AlertPublisher {
  private readonly client: SNSClient;
  readonly topicArn: string;

  constructor(props: SnsAlertPublisherProps) {
    if (!TOPIC_ARN.test(props.topicArn)) {
      throw new RangeError(`topicArn must be an SNS topic ARN; got ${JSON.stringify(props.topicArn)}`);
    }
    if (props.topicArn.endsWith('.fifo')) {
      // A FIFO topic needs MessageGroupId and deduplication ids, and does not deliver to e-mail.
      throw new RangeError(
        `topicArn must be a standard topic, not FIFO; got ${JSON.stringify(props.topicArn)}`,
      );
    }
    this.client = props.client;
    this.topicArn = props.topicArn;
  }

  async publish(transition: AlertTransition): Promise<void> {
    const a = transition.alert;
    const command = new PublishCommand({
      TopicArn: this.topicArn,
      Subject: snsSubject(transition),
      Message: alertMessage(transition),
      MessageAttributes: {
        plantId: { DataType: 'String', StringValue: a.plantId },
        alertType: { DataType: 'String', StringValue: a.type },
        severity: { DataType: 'String', StringValue: a.severity },
        state: { DataType: 'String', StringValue: a.state },
        transitionId: { DataType: 'String', StringValue: transition.transitionId },
      },
    });
    await unavailableWhenTransient(
      `alerts topic unavailable: publishing ${transition.transitionId}`,
      isTransient,
      () => this.client.send(command),
    );
  }
}
