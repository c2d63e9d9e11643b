/**
 * What the processor holds of each queued message while its chunk is
 * processed (`Work`), what it keeps once the chunk is done (`Outcome`), and
 * the quarantine entries it makes of refused items.
 */
import { createHash } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';
import type { StoredMessage } from '../domain/canonical-message.ts';
import { movementKey, readingKey } from '../domain/identity.ts';
import type { QuarantineEntry, StoredMovement, StoredReading, StoreRejection } from '../domain/ports.ts';
import { ProblemType, type ProblemTypeUri, pointer } from '../domain/problem.ts';
import type { QueueEnvelope } from '../domain/queue-codec.ts';

/** The processor's log (Powertools Logger in production). */
export type LogFn = (
  level: 'info' | 'warn' | 'error',
  message: string,
  fields: Record<string, unknown>,
) => void;

export interface Work {
  readonly record: SQSRecord;
  readonly envelope: QueueEnvelope;
  readonly message: StoredMessage;
  readonly readings: readonly StoredReading[];
  movements: StoredMovement[];
  quarantine: QuarantineEntry[];
  failed: boolean;
}

export function workOf(record: SQSRecord, envelope: QueueEnvelope, message: StoredMessage): Work {
  // Readings decoded with their versions, in one compact layout (canonical-message.ts).
  return {
    record,
    envelope,
    message,
    readings: message.readings,
    movements: [],
    quarantine: [],
    failed: false,
  };
}

/** What the alert step and the batch metrics need of a processed message, once its chunk is done. */
export interface Outcome {
  readonly messageId: string;
  readonly plantId: string;
  readonly receivedAt: number;
  /** Span of its readings' and movements' times; from > to when it has none. */
  readonly from: number;
  readonly to: number;
  readonly furnaceLines: ReadonlySet<string>;
  readonly readings: number;
  readonly quarantined: number;
  failed: boolean;
}

export function outcomeOf(work: Work): Outcome {
  // Loops rather than Math.min(...times): a message may hold more times than a call takes arguments.
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  const furnaceLines = new Set<string>();
  for (const r of work.readings) {
    from = Math.min(from, r.ts);
    to = Math.max(to, r.ts);
    if (r.metric === 'furnace_temperature') furnaceLines.add(r.line);
  }
  for (const m of work.message.movements) {
    from = Math.min(from, m.ts);
    to = Math.max(to, m.ts);
  }
  return {
    messageId: work.record.messageId,
    plantId: work.message.plantId,
    receivedAt: work.envelope.receivedAt,
    from,
    to,
    furnaceLines,
    readings: work.readings.length,
    quarantined: work.quarantine.length,
    failed: work.failed,
  };
}

export const REJECTION_TYPES: Record<StoreRejection<unknown>['kind'], ProblemTypeUri> = {
  conflict: ProblemType.conflict,
  'out-of-window': ProblemType.timestampOutOfRange,
  invalid: ProblemType.invalidItem,
};

/** Deterministic, so the same refusal redelivered is the same quarantine entry. */
export function quarantineId(messageId: string, itemKey: string, version: number): string {
  return createHash('sha256')
    .update(`${messageId}\u0000${itemKey}\u0000${version}`)
    .digest('hex')
    .slice(0, 32);
}

/** The quarantine entry of item `index` of a message's readings or movements. */
export function quarantineEntry(
  work: Work,
  itemKind: 'reading' | 'movement',
  index: number,
  item: StoredReading | StoredMovement,
  type: ProblemTypeUri,
  reason: string,
): QuarantineEntry {
  const key = 'ticketId' in item ? movementKey(item) : readingKey(item);
  return {
    quarantineId: quarantineId(work.message.messageId, key, item.version),
    plantId: work.message.plantId,
    messageId: work.message.messageId,
    itemKind,
    pointer: pointer(itemKind === 'reading' ? 'readings' : 'movements', Math.max(index, 0)),
    type,
    reason,
    item,
    quarantinedAt: work.envelope.receivedAt,
  };
}

export function conflictReason(current: StoredMovement): string {
  return `ticket already recorded with different content (version ${current.version}); resend with "correction": true to replace it`;
}

/** The items of every work in one array: `flatMap` costs several times more per item (profile). */
export function concat<T>(works: readonly Work[], itemsOf: (work: Work) => readonly T[]): T[] {
  const out: T[] = [];
  for (const work of works) for (const item of itemsOf(work)) out.push(item);
  return out;
}

/** The work each item belongs to; empty when nothing was refused. */
export function ownersOf<T>(
  rejected: readonly unknown[],
  works: readonly Work[],
  itemsOf: (work: Work) => readonly T[],
): Map<T, Work> {
  const owners = new Map<T, Work>();
  if (rejected.length === 0) return owners;
  for (const work of works) for (const item of itemsOf(work)) owners.set(item, work);
  return owners;
}

export function movementOwnerByKey(works: readonly Work[], movement: StoredMovement): Work | undefined {
  const key = movementKey(movement);
  return works.find((w) => w.movements.some((m) => movementKey(m) === key && m.version === movement.version));
}

export function readingOwnerByKey(works: readonly Work[], reading: StoredReading): Work | undefined {
  const key = readingKey(reading);
  return works.find((w) => w.readings.some((r) => readingKey(r) === key && r.version === reading.version));
}
