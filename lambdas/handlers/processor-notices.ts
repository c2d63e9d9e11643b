/**
 * The notices the processor publishes to a gateway on MQTT (contract section
 * 5): items the parser refused, and items the store refused after the
 * message was accepted. A notice that cannot be published is logged, never
 * retried by failing the message: the data it concerns is already settled.
 */
import { errorName } from '../domain/error-name.ts';
import type { QuarantineEntry, RejectionPublisher } from '../domain/ports.ts';
import type { ProblemTypeUri } from '../domain/problem.ts';
import type { LogFn } from './processor-work.ts';

/** Store refusals of one message told one by one over MQTT; the rest go in one notice. */
export const STORE_NOTICES_PER_MESSAGE = 10;

type Notice = Parameters<RejectionPublisher['publish']>[1];

export interface Notices {
  notify(plantId: string, notice: Notice): Promise<void>;
  /** One notice per item the parser refused in an accepted message. */
  parserRefusals(
    plantId: string,
    messageId: string,
    rejected: ReadonlyArray<{
      readonly pointer: string;
      readonly type: ProblemTypeUri;
      readonly detail: string;
    }>,
  ): Promise<void>;
  /**
   * One notice per item the store refused, for the first STORE_NOTICES_PER_MESSAGE, then one that
   * lists the rest (bounded in size), so a message of a thousand conflicts cannot hold the batch.
   */
  storeRefusals(quarantine: readonly QuarantineEntry[]): Promise<void>;
}

export function makeNotices(rejections: RejectionPublisher, log: LogFn): Notices {
  const notify = async (plantId: string, notice: Notice) => {
    try {
      await rejections.publish(plantId, notice);
    } catch (error) {
      log('warn', 'rejection notice not published', { plantId, error: errorName(error) });
    }
  };
  const itemRejected = (
    type: ProblemTypeUri,
    pointer: string,
    detail: string,
    messageId: string,
  ): Notice => ({
    type,
    title: 'Item rejected',
    status: 422,
    detail,
    errors: [{ pointer, detail }],
    messageId,
  });
  return {
    notify,
    async parserRefusals(plantId, messageId, rejected) {
      for (const item of rejected)
        await notify(plantId, itemRejected(item.type, item.pointer, item.detail, messageId));
    },
    async storeRefusals(quarantine) {
      for (const q of quarantine.slice(0, STORE_NOTICES_PER_MESSAGE))
        await notify(q.plantId, itemRejected(q.type, q.pointer, q.reason, q.messageId));
      const rest = quarantine.slice(STORE_NOTICES_PER_MESSAGE);
      const first = rest[0];
      if (!first) return;
      await notify(first.plantId, {
        type: first.type,
        title: 'Items rejected',
        status: 422,
        detail: `${rest.length} more items of this message were refused after it was accepted; they are quarantined`,
        errors: rest.slice(0, 100).map((q) => ({ pointer: q.pointer, detail: q.type })),
        messageId: first.messageId,
      });
    },
  };
}
