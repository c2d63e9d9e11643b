/**
 * Publishes alert transitions to the SNS alerts topic (CONTRACT.md section 6):
 * an ASCII subject for e-mail, a plain-text message with the transition's
 * JSON, and the message attributes subscription filter policies use
 * (`plantId`, `alertType`, `severity`, `state`) plus `transitionId`, by which
 * a subscriber drops a repeat (delivery is at least once: see outbox-relay.ts).
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertTransition } from '../../domain/alerts/model.ts';
import { type AlertPublisher, UnavailableError } from '../../domain/ports.ts';
import { alertMessage, snsSubject } from './alert-text.ts';

export interface SnsAlertPublisherProps {
  /** Created once at module scope by the composition root. */
  readonly client: SNSClient;
  readonly topicArn: string;
}

/** Throttling and service faults: publishing again later can succeed. */
const TRANSIENT_NAMES: ReadonlySet<string> = new Set([
  'ThrottledException',
  'ThrottlingException',
  'KMSThrottlingException',
  'InternalErrorException',
  'InternalFailure',
  'ServiceUnavailable',
  'RequestTimeout',
  'TimeoutError',
]);

/** Network failures before SNS answered. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

interface SdkErrorFields {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const fields = error as SdkErrorFields;
  const status = fields.$metadata?.httpStatusCode;
  return (
    (typeof fields.name === 'string' && TRANSIENT_NAMES.has(fields.name)) ||
    (typeof fields.code === 'string' && TRANSIENT_CODES.has(fields.code)) ||
    fields.$fault === 'server' ||
    (typeof status === 'number' && (status >= 500 || status === 429))
  );
}

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
    try {
      await this.client.send(command);
    } catch (error) {
      if (isTransient(error)) {
        const name = error instanceof Error ? error.name : 'unknown error';
        throw new UnavailableError(
          `alerts topic unavailable: publishing ${transition.transitionId} failed with ${name}`,
          5,
          { cause: error },
        );
      }
      throw error;
    }
  }
}
