/**
 * One chunk of the processor's batch (about 5,000 readings, whole messages):
 * plants registered, weighbridge tickets through the ledger, KPI rollup slots
 * marked, readings and movements written, what the stores refused for good
 * quarantined and told. Each step marks the messages it could not finish
 * (`Work.failed`) so only they are redelivered; every step is idempotent.
 */
import { versionOf } from '../domain/canonical-message.ts';
import type { CallOptions } from '../domain/deadline.ts';
import { errorName } from '../domain/error-name.ts';
import { readingKey } from '../domain/identity.ts';
import { type KpiSlotMarker, touchedKpiSlots } from '../domain/kpi-rollup.ts';
import type { MetricsWriter } from '../domain/metrics-ports.ts';
import { defaultPlantConfig } from '../domain/plant.ts';
import {
  type LedgerResult,
  type PipelineState,
  type StoredMovement,
  type StoredReading,
  type StoreRejection,
  type TicketLedger,
  UnavailableError,
} from '../domain/ports.ts';
import { ProblemType } from '../domain/problem.ts';
import type { Notices } from './processor-notices.ts';
import {
  concat,
  conflictReason,
  type LogFn,
  movementOwnerByKey,
  ownersOf,
  quarantineEntry,
  REJECTION_TYPES,
  readingOwnerByKey,
  type Work,
} from './processor-work.ts';

export interface ChunkDeps {
  readonly metrics: MetricsWriter;
  readonly state: PipelineState;
  readonly ledger: TicketLedger;
  readonly kpiSlots?: KpiSlotMarker | undefined;
  readonly notices: Notices;
  readonly log: LogFn;
}

/**
 * Processes chunks; remembers across invocations which plants are registered.
 * `options` carries the invocation's deadline to the metrics writes.
 */
export function makeChunkProcessor(deps: ChunkDeps): (works: Work[], options?: CallOptions) => Promise<void> {
  const registered = new Set<string>();
  return async (works, options) => {
    await registerPlants(deps, registered, works);
    // The marks of the chunk's readings and tickets go out while the ledger records the tickets: both
    // must precede the writes, neither needs the other (a message that then fails was marked for nothing).
    const marked = markSlots(deps, works);
    const moved = await recordTickets(deps, works);
    const live = works.filter((w) => !w.failed);
    await writeItems(deps, live, moved, await marked, options);
    await quarantineRefused(deps, live, options);
  };
}

/**
 * Registers each plant the first time its data arrives, with the default
 * settings (the scheduled rules run for registered plants). A plant already
 * registered keeps its configuration. A failure only delays the
 * registration to a later batch.
 */
async function registerPlants(
  deps: ChunkDeps,
  registered: Set<string>,
  works: readonly Work[],
): Promise<void> {
  for (const plantId of new Set(works.map((w) => w.message.plantId))) {
    if (registered.has(plantId)) continue;
    try {
      if (await deps.state.registerPlant(defaultPlantConfig(plantId))) {
        deps.log('info', 'plant registered with default settings', { plantId });
      }
      registered.add(plantId);
    } catch (error) {
      deps.log('warn', 'plant registration failed; a later batch retries', {
        plantId,
        error: errorName(error),
      });
    }
  }
}

/** Where a ticket was: a KPI slot to mark again. */
type FormerPlace = { readonly plantId: string; readonly ts: number };

/**
 * Weighbridge tickets: the ledger decides stored, unchanged, corrected,
 * superseded or conflict, for the whole chunk in one call (a batch of 25
 * messages may carry 12,500 tickets). Returns where corrections moved
 * tickets from (their KPI slots change too): the replaced versions, and
 * every former ts the ledger keeps for a ticket of the chunk, because a
 * redelivery after a lost mark of such a slot is the only chance to redo it.
 */
async function recordTickets(deps: ChunkDeps, works: readonly Work[]): Promise<FormerPlace[]> {
  const tickets = works.flatMap((work) =>
    work.message.movements.map((movement, index) => ({
      work,
      index,
      stored: { ...movement, version: versionOf(movement.correction, work.envelope.receivedAt) },
    })),
  );
  let results: LedgerResult[];
  try {
    results = await deps.ledger.recordMovements(tickets.map((t) => t.stored));
  } catch (error) {
    results = tickets.map((t) => ({ outcome: 'failed', movement: t.stored, error }));
  }
  let failure: unknown;
  tickets.forEach(({ work, index, stored }, i) => {
    const result = results[i] as LedgerResult;
    if (result.outcome === 'failed') {
      // Its message is retried; tickets already recorded are unchanged on the redelivery.
      failure ??= result.error;
      work.failed = true;
    } else if (result.outcome === 'conflict') {
      work.quarantine.push(
        quarantineEntry(
          work,
          'movement',
          index,
          stored,
          ProblemType.conflict,
          conflictReason(result.current),
        ),
      );
    } else if (result.outcome !== 'superseded') {
      work.movements.push(result.movement);
    }
  });
  if (failure !== undefined && !(failure instanceof UnavailableError))
    deps.log('error', 'ledger write failed', { error: errorName(failure) });
  const moved: FormerPlace[] = [];
  for (const r of results) {
    if (r.outcome === 'corrected') moved.push(r.previous);
    if (r.outcome === 'stored' || r.outcome === 'failed' || !r.formerTs) continue;
    for (const ts of r.formerTs) moved.push({ plantId: r.movement.plantId, ts });
  }
  return moved;
}

/** Marks the KPI slots of the works' counter readings and tickets; resolves to the error when that failed. */
async function markSlots(deps: ChunkDeps, works: readonly Work[]): Promise<unknown> {
  if (!deps.kpiSlots) return undefined;
  try {
    // One array of the chunk's readings and tickets (a chunk holds up to 25,000 readings locally).
    const items: Array<{ readonly plantId: string; readonly ts: number; readonly metric?: string }> = concat(
      works,
      (w) => w.readings,
    );
    for (const work of works) for (const ticket of work.message.movements) items.push(ticket);
    const touched = touchedKpiSlots(items);
    if (touched.length > 0) await deps.kpiSlots.markTouched(touched);
    return undefined;
  } catch (error) {
    return error ?? new Error('marking KPI slots failed');
  }
}

/**
 * Where corrections moved tickets from marked too (their slots change), then
 * readings and movements written; the store's refusals go to their messages'
 * quarantine. A failed mark fails the chunk like a failed write.
 */
async function writeItems(
  deps: ChunkDeps,
  live: readonly Work[],
  moved: readonly FormerPlace[],
  markError: unknown,
  options: CallOptions | undefined,
): Promise<void> {
  try {
    // The slots tickets moved from first, even when the other marks failed: one fewer redelivery
    // that has to find them again through the ledger's former ts.
    if (deps.kpiSlots && moved.length > 0) {
      const touched = touchedKpiSlots(moved);
      if (touched.length > 0) await deps.kpiSlots.markTouched(touched);
    }
    if (markError !== undefined) throw markError;
    const readings = concat(live, (w) => w.readings);
    const readingResult = await deps.metrics.writeReadings(readings, options);
    const movementResult = await deps.metrics.writeMovements(
      concat(live, (w) => w.movements),
      options,
    );
    assignRefusals(deps, live, readingResult.rejected, {
      kind: 'reading',
      itemsOf: (w) => w.readings,
      ownerByKey: readingOwnerByKey,
      indexIn: (work, item) => work.readings.indexOf(item),
      describe: (item) => ({ key: readingKey(item) }),
    });
    assignRefusals(deps, live, movementResult.rejected, {
      kind: 'movement',
      itemsOf: (w) => w.movements,
      ownerByKey: movementOwnerByKey,
      indexIn: (work, item) => work.message.movements.findIndex((m) => m.ticketId === item.ticketId),
      describe: (item) => ({ ticketId: item.ticketId }),
    });
  } catch (error) {
    if (!(error instanceof UnavailableError))
      deps.log('error', 'metrics write failed', { error: errorName(error) });
    for (const work of live) work.failed = true;
  }
}

/** Puts each refused item in its message's quarantine; a refusal nobody owns fails the chunk. */
function assignRefusals<T extends StoredReading | StoredMovement>(
  deps: ChunkDeps,
  live: readonly Work[],
  rejected: readonly StoreRejection<T>[],
  rules: {
    readonly kind: 'reading' | 'movement';
    readonly itemsOf: (work: Work) => readonly T[];
    readonly ownerByKey: (works: readonly Work[], item: T) => Work | undefined;
    readonly indexIn: (work: Work, item: T) => number;
    readonly describe: (item: T) => Record<string, unknown>;
  },
): void {
  // Who owns a refused item is looked up only when something was refused (rare).
  const owners = ownersOf(rejected, live, rules.itemsOf);
  for (const rejection of rejected) {
    const work = owners.get(rejection.item) ?? rules.ownerByKey(live, rejection.item);
    if (!work) {
      // A refusal nobody owns would vanish: fail the chunk so it is redelivered and seen again.
      deps.log(
        'error',
        `refused ${rules.kind} matches no message of the chunk`,
        rules.describe(rejection.item),
      );
      for (const w of live) w.failed = true;
      break;
    }
    work.quarantine.push(
      quarantineEntry(
        work,
        rules.kind,
        rules.indexIn(work, rejection.item),
        rejection.item,
        REJECTION_TYPES[rejection.kind],
        rejection.reason,
      ),
    );
  }
}

/**
 * Stores the chunk's quarantine in one call (batched by the store), then tells
 * a gateway on MQTT what the store refused. When the store refuses that call
 * (not an outage or the deadline, which every message would meet), each
 * message's entries are stored on their own, so one entry the store cannot
 * take fails its message only, not the chunk.
 */
async function quarantineRefused(
  deps: ChunkDeps,
  live: readonly Work[],
  options: CallOptions | undefined,
): Promise<void> {
  const works = live.filter((w) => !w.failed && w.quarantine.length > 0);
  let storedAll = false;
  if (works.length > 1) {
    try {
      await deps.state.putQuarantine(
        works.flatMap((w) => w.quarantine),
        options,
      );
      storedAll = true;
    } catch (error) {
      if (error instanceof UnavailableError) {
        for (const work of works) work.failed = true;
        return;
      }
      // Otherwise each message below, on its own.
    }
  }
  for (const work of works) {
    try {
      if (!storedAll) await deps.state.putQuarantine(work.quarantine, options);
      deps.log('warn', 'items quarantined', {
        plantId: work.message.plantId,
        messageId: work.message.messageId,
        count: work.quarantine.length,
      });
    } catch {
      work.failed = true;
      continue;
    }
    // A gateway on MQTT learns of items the store refused (a conflict, a timestamp out of its window) as of
    // items the parser refused (contract section 5); a redelivery may repeat a notice, never lose one.
    if (work.envelope.source === 'mqtt') await deps.notices.storeRefusals(work.quarantine);
  }
}
