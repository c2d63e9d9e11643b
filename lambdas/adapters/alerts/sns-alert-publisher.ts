/**
 * Publishes alert transitions to the SNS alerts topic (docs/contract.md section 6):
 * an ASCII subject for e-mail, a plain-text message with the transition's
 * JSON, and the message attributes subscription filter policies use
 * (`plantId`, `alertType`, `severity`, `state`, `kind`) plus `alertId`,
 * `transitionId`, by which a subscriber drops a repeat, and `sequence`, by
 * which it puts an alert's transitions in order and sees a gap (delivery is
 * at least once and a standard topic may reorder: docs/alert-delivery.md).
 * Each publish is cut off after `timeoutMs`, so the relay's lease margin
 * bounds how late one can land (leased-relay.ts).
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
  /** A publish (SDK retries included) is aborted after this long. Default SNS_PUBLISH_TIMEOUT_MS. */
  readonly timeoutMs?: number;
}

/** Well under the relay's lease margin (DEFAULT_LEASE_MARGIN_MS, 15 s). */
export const SNS_PUBLISH_TIMEOUT_MS = 5000;

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
    // Our own timeout: the message may or may not have been taken; publishing again is a repeat at worst.
    'AbortError',
  ]),
  tooManyRequests: true,
};

const isTransient = (error: unknown): boolean => isTransientAwsError(error, TRANSIENT);

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

export class SnsAlertPublisher implements AlertPublisher {
  private readonly client: SNSClient;
  readonly topicArn: string;
  private readonly timeoutMs: number;

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
    this.timeoutMs = props.timeoutMs ?? SNS_PUBLISH_TIMEOUT_MS;
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs < 1) {
      throw new RangeError(`timeoutMs must be a positive integer; got ${props.timeoutMs}`);
    }
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
        kind: { DataType: 'String', StringValue: transition.kind },
        alertId: { DataType: 'String', StringValue: a.alertId },
        transitionId: { DataType: 'String', StringValue: transition.transitionId },
        sequence: { DataType: 'Number', StringValue: String(a.sequence) },
      },
    });
    await unavailableWhenTransient(
      `alerts topic unavailable: publishing ${transition.transitionId}`,
      isTransient,
      () => this.client.send(command, { abortSignal: AbortSignal.timeout(this.timeoutMs) }),
    );
  }
}
