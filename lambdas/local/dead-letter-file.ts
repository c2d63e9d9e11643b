/** The local queue's DLQ: one dead-lettered message a JSON line, fsynced before the queue forgets the message. */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { serialize } from './journal-lines.ts';
import type { QueuedMessage } from './queue-message.ts';

export const DLQ_FILE = 'dlq.jsonl';

export async function appendDeadLetters(
  dir: string,
  messages: readonly QueuedMessage[],
  at: number,
): Promise<void> {
  const dlq = await open(join(dir, DLQ_FILE), 'a');
  try {
    await dlq.write(
      messages
        .map((m) =>
          serialize({
            messageId: m.id,
            sentAt: m.sentAt,
            deadLetteredAt: at,
            receiveCount: m.receiveCount,
            body: m.body,
          }),
        )
        .join(''),
    );
    await dlq.sync();
  } finally {
    await dlq.close();
  }
}
