import type {
  Clock,
  QuarantineEntry,
  StateStore,
  StoredMovement,
  StoredReading,
  TelemetryQueue,
} from '../lambdas/domain/ports.ts';
import { toWire } from '../lambdas/domain/queue-codec.ts';
import { TELEMETRY_SCHEMA, type TelemetryMessage } from '../lambdas/domain/telemetry.ts';
import { type CliIo, UsageError } from './io.ts';

export type QuarantineStore = Pick<StateStore, 'listQuarantine' | 'getQuarantine' | 'deleteQuarantine'>;

export interface QuarantineArgs {
  readonly action: string | undefined;
  readonly plant?: string;
  readonly limit: number;
  readonly id?: string;
  readonly asCorrection: boolean;
  readonly json: boolean;
}

/** The single-item message that replays a quarantined item. */
export function replayMessage(entry: QuarantineEntry, asCorrection: boolean): TelemetryMessage {
  const base = {
    schema: TELEMETRY_SCHEMA,
    messageId: `replay-${entry.quarantineId}`,
    plantId: entry.plantId,
  } as const;
  if (entry.itemKind === 'movement') {
    const { version: _version, ...movement } = entry.item as StoredMovement;
    return {
      ...base,
      readings: [],
      movements: [{ ...movement, correction: asCorrection || movement.correction }],
    };
  }
  const { version: _version, ...reading } = entry.item as StoredReading;
  return {
    ...base,
    readings: [{ ...reading, correction: asCorrection || reading.correction }],
    movements: [],
  };
}

/**
 * `wte quarantine list|replay`: items the pipeline accepted but a store
 * refused (conflicts, out-of-window timestamps), with their reasons. A replay
 * re-enqueues the item (optionally as a correction, which replaces what is
 * stored) and removes it from the quarantine.
 */
export async function quarantineCommand(
  io: CliIo,
  store: QuarantineStore,
  /** Built only for a replay, the one action that needs the queue. */
  queue: () => TelemetryQueue,
  clock: Clock,
  args: QuarantineArgs,
): Promise<number> {
  switch (args.action) {
    case 'list': {
      const page = await store.listQuarantine(args.plant, args.limit);
      if (args.json) {
        io.out(JSON.stringify(page));
        return 0;
      }
      for (const e of page.items) {
        io.out(
          `${e.quarantineId}  ${new Date(e.quarantinedAt).toISOString()}  ${e.plantId}  ${e.messageId}${e.pointer}  ${e.type.replace('urn:wte:problem:', '')}  ${e.reason}`,
        );
      }
      if (page.cursor) io.err('more entries: raise --limit to see them');
      return 0;
    }
    case 'replay': {
      if (!args.id) throw new UsageError('usage: wte quarantine replay QUARANTINE_ID [--as-correction]');
      const entry = await store.getQuarantine(args.id);
      if (!entry) {
        io.err(`no quarantine entry ${JSON.stringify(args.id)}`);
        return 1;
      }
      const message = replayMessage(entry, args.asCorrection);
      await queue().enqueue([{ message, source: 'replay', receivedAt: clock.now() }]);
      await store.deleteQuarantine(entry.quarantineId);
      io.err(
        `replayed ${entry.itemKind} ${entry.pointer} of ${entry.messageId}${args.asCorrection ? ' as a correction' : ''}`,
      );
      if (args.json) io.out(JSON.stringify(toWire(message)));
      return 0;
    }
    default:
      throw new UsageError(
        'usage: wte quarantine list [--plant P] [--limit N] | replay ID [--as-correction]',
      );
  }
}
