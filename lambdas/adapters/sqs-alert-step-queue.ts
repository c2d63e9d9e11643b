/**
 * The processor's side of the alert step queue (docs/alert-step.md): each
 * plant a batch touched becomes a message for the alert step function. The
 * processor asks for its plants one by one (at once); the calls of one turn
 * of the event loop go out together, in SendMessageBatch calls of ten. A
 * plant whose message SQS did not take fails its messages, which the
 * telemetry queue redelivers.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { QUEUE_MESSAGE_LIMIT_BYTES } from '../domain/queue-codec.ts';
import { encodeAlertStep, type TouchedPlant } from '../domain/touched-plants.ts';
import { sendBodies } from './sqs-send.ts';

export interface SqsAlertStepQueueProps {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** Waits before each further attempt. @default [100, 400] */
  readonly backoffMs?: readonly number[];
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

interface Pending {
  readonly bodies: readonly string[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class SqsAlertStepQueue {
  private pending: Pending[] = [];

  constructor(private readonly props: SqsAlertStepQueueProps) {}

  /** Resolves once SQS holds every message of `touched`; the processor's AlertEvaluator. */
  afterBatch(touched: readonly TouchedPlant[], now: number): Promise<void> {
    const bodies = touched.flatMap((t) => encodeAlertStep({ now, touched: t }));
    if (bodies.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => void this.flush());
      this.pending.push({ bodies, resolve, reject });
    });
  }

  /** Sends what the calls of this turn asked for; each call settles with its own messages' fate. */
  private async flush(): Promise<void> {
    const calls = this.pending;
    this.pending = [];
    const sender = { ...this.props, queueName: 'alert step queue' };
    // A call's messages go together (a split plant is one call), ten entries per SendMessageBatch.
    const groups: Pending[][] = [];
    let size = 0;
    for (const call of calls) {
      const last = groups.at(-1);
      if (last === undefined || size + call.bodies.length > 10) {
        groups.push([call]);
        size = call.bodies.length;
      } else {
        last.push(call);
        size += call.bodies.length;
      }
    }
    await Promise.all(
      groups.map(async (group) => {
        try {
          await sendBodies(
            sender,
            group.flatMap((call) => call.bodies),
            QUEUE_MESSAGE_LIMIT_BYTES,
          );
          for (const call of group) call.resolve();
        } catch (error) {
          for (const call of group) call.reject(error);
        }
      }),
    );
  }
}
