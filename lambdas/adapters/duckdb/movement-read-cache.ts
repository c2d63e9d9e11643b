/**
 * The DuckDB store's last reads of movements, so reading the same range again
 * reads only the part a write may have changed since (docs/performance.md,
 * "Local mode (#19)"). The alert step reads a plant's whole day of tickets
 * after every batch; a live day grows at its end, so the read shrinks from
 * the day to the tickets since the batch's earliest.
 *
 * Exact, not approximate: one store instance makes every write to its file
 * (DuckDB locks it), and it reports each committed change of a plant's
 * movements by the earliest ts it touched (a correction's old ts and new
 * one). A kept read is known for ts before the earliest change reported
 * since it was read; a read joins that prefix to a fresh read of the rest,
 * both ordered by (ts, ticket_id), so the answer is row for row what one
 * read of the whole range gives. A change reported while a read runs could
 * make the two parts disagree, so such a read is redone whole, in one
 * snapshot.
 */
import type { StoredMovement } from '../../domain/ports.ts';
import { firstAtOrAfter } from './time-ordered.ts';

export interface MovementReadCacheLimits {
  /** Ranges kept (least recently read dropped first). @default 64 */
  readonly entries: number;
  /** Movements kept across all ranges. @default 400,000 (about 100 MB at most) */
  readonly movements: number;
}

const DEFAULT_LIMITS: MovementReadCacheLimits = { entries: 64, movements: 400_000 };

interface Kept {
  readonly plantId: string;
  readonly from: number;
  readonly to: number;
  readonly movements: readonly StoredMovement[];
  /** Movements with ts before this are as stored now; at or after it, a write may have changed them. */
  knownBefore: number;
}

/** A read in progress: the earliest ts a change reported during it touched. */
interface Running {
  readonly plantId: string;
  readonly from: number;
  readonly to: number;
  changedFrom: number;
}

export type ReadMovementRange = (from: number, to: number) => Promise<StoredMovement[]>;

export class MovementReadCache {
  private readonly kept = new Map<string, Kept>();
  private readonly running = new Set<Running>();
  private keptMovements = 0;

  constructor(private readonly limits: MovementReadCacheLimits = DEFAULT_LIMITS) {}

  /** Movements of `plantId` with ts in [from, to) as `read` gives them, reading only what may have changed. */
  async read(plantId: string, from: number, to: number, read: ReadMovementRange): Promise<StoredMovement[]> {
    const key = `${plantId}\u0000${from}\u0000${to}`;
    const kept = this.kept.get(key);
    const split = kept ? Math.max(from, Math.min(kept.knownBefore, to)) : from;
    if (kept && split >= to) {
      this.keep(key, kept);
      return kept.movements.slice();
    }
    if (kept && split > from) {
      const prefix = kept.movements.slice(0, firstAtOrAfter(kept.movements, split));
      const { movements: rest, changedFrom } = this.end(
        await this.watched(plantId, from, to, () => read(split, to)),
      );
      if (changedFrom >= split) {
        const movements = prefix.concat(rest);
        this.keep(key, { plantId, from, to, movements, knownBefore: changedFrom });
        return movements.slice();
      }
      // A write touched the prefix while the rest was read: the two parts may disagree, so read it whole.
    }
    const { movements, changedFrom } = this.end(await this.watched(plantId, from, to, () => read(from, to)));
    this.keep(key, { plantId, from, to, movements, knownBefore: changedFrom });
    // A copy: the caller may sort or extend what it gets; the kept array stays as read.
    return movements.slice();
  }

  /** A committed write changed `plantId`'s movements at `ts` (a corrected ticket: at its old ts and its new one). */
  changed(plantId: string, ts: number): void {
    // A change outside a range leaves it as it was (a ticket moved into it reports its new ts too).
    for (const kept of this.kept.values())
      if (kept.plantId === plantId && ts >= kept.from && ts < Math.min(kept.to, kept.knownBefore))
        kept.knownBefore = ts;
    for (const run of this.running)
      if (run.plantId === plantId && ts >= run.from && ts < Math.min(run.to, run.changedFrom))
        run.changedFrom = ts;
  }

  /**
   * Runs `read` watched for changes: registered before its snapshot is taken, and still registered when
   * it resolves, so the caller ends the watch (`end`) in the same synchronous step as it keeps the answer.
   */
  private async watched(
    plantId: string,
    from: number,
    to: number,
    read: () => Promise<StoredMovement[]>,
  ): Promise<{ movements: StoredMovement[]; run: Running }> {
    const run: Running = { plantId, from, to, changedFrom: Number.POSITIVE_INFINITY };
    this.running.add(run);
    try {
      return { movements: await read(), run };
    } catch (error) {
      this.running.delete(run);
      throw error;
    }
  }

  private end(watched: { movements: StoredMovement[]; run: Running }): {
    movements: StoredMovement[];
    changedFrom: number;
  } {
    this.running.delete(watched.run);
    return { movements: watched.movements, changedFrom: watched.run.changedFrom };
  }

  private keep(key: string, entry: Kept): void {
    this.drop(key);
    if (entry.movements.length > this.limits.movements) return;
    this.kept.set(key, entry);
    this.keptMovements += entry.movements.length;
    for (const [oldest] of this.kept) {
      if (this.kept.size <= this.limits.entries && this.keptMovements <= this.limits.movements) break;
      this.drop(oldest);
    }
  }

  private drop(key: string): void {
    const old = this.kept.get(key);
    if (!old) return;
    this.kept.delete(key);
    this.keptMovements -= old.movements.length;
  }
}
