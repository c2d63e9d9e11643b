/**
 * The processor's side of the alert step queue (docs/alert-step.md): each
 * plant a batch touched becomes a message for the alert step function. The
 * processor asks for its plants one by one (at once); the calls of one turn
 * of the event loop go out together, in SendMessageBatch calls of ten. A
 * plant whose message SQS did not take fails its own messages only, which
 * the telemetry queue redelivers.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { QUEUE_MESSAGE_LIMIT_BYTES } from '../domain/queue-codec.ts';
import { encodeAlertStep, type TouchedPlant } from '../domain/touched-plants.ts';
import { batches, sendEach } from './sqs-send.ts';

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

  /**
   * Sends what the calls of this turn asked for, ten entries per
   * SendMessageBatch (a call's entries in one batch when they fit); each call
   * settles with its own entries' fate, so one plant's refusal fails that
   * plant's telemetry messages only.
   */
  private async flush(): Promise<void> {
    const calls = this.pending;
    this.pending = [];
    const sender = { ...this.props, queueName: 'alert step queue' };
    const entries = calls.flatMap((call) => call.bodies.map((body) => ({ call, body })));
    const groups = batches(entries, QUEUE_MESSAGE_LIMIT_BYTES, (entry) => entry.body);
    const failures = new Map<Pending, unknown>();
    await Promise.all(
      groups.map(async (group) => {
        const fates = await sendEach(
          sender,
          group.map((entry) => entry.body),
        ).catch((error: unknown) => group.map(() => error));
        group.forEach((entry, i) => {
          const fate = fates[i];
          if (fate !== undefined && !failures.has(entry.call)) failures.set(entry.call, fate);
        });
      }),
    );
    for (const call of calls) {
      if (failures.has(call)) call.reject(failures.get(call));
      else call.resolve();
    }
  }
}
