/**
 * Timestream's write rules as the DuckDB and lake stores apply them: the
 * ingestion window, the order one call's contents apply in (the Timestream
 * adapter's rounds: identical copies grouped, lowest version first, then
 * fingerprint order, so the outcome does not depend on the input order), and
 * the words of a conflict. Outside duckdb/ so Lambda bundles (the lake store)
 * never reach into the local-mode folder.
 */
import type { StoreRejection } from '../domain/ports.ts';
import type { ItemRefusal } from '../domain/stored-item-checks.ts';

/** Timestream refuses records more than 15 minutes ahead of its clock. */
export const DEFAULT_FUTURE_TOLERANCE_MS = 15 * 60_000;

export interface IngestionWindow {
  readonly futureToleranceMs: number;
  /** @default unlimited */
  readonly retentionMs?: number | undefined;
}

const MAX_DATE_MS = 8.64e15;

function describeTime(ms: number): string {
  return Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : String(ms);
}

/** The refusal of a timestamp outside the window at `now`, in Timestream's words. */
export function windowRefusal(ts: number, now: number, window: IngestionWindow): ItemRefusal | undefined {
  const latest = now + window.futureToleranceMs;
  const earliest = window.retentionMs === undefined ? Number.NEGATIVE_INFINITY : now - window.retentionMs;
  if (!(ts > latest || ts < earliest)) return undefined;
  return {
    kind: 'out-of-window',
    reason:
      `The record timestamp ${describeTime(ts)} is outside the time range ` +
      `[${describeTime(earliest)}, ${describeTime(latest)}] of the data ingestion window.`,
  };
}

/** One content of one identity and version in a call, with the positions of its identical copies. */
export interface PendingVersion<T> {
  readonly key: string;
  readonly item: T;
  readonly fingerprint: string;
  readonly copies: readonly number[];
}

/** How one kind of item names its identity and its content. */
export interface ContentIdentity<T> {
  key(item: T): string;
  fingerprint(item: T): string;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The distinct contents of the call's items not yet refused, in the order
 * they apply. Identities are independent, so one global order serves them all.
 */
export function pendingContents<T extends { readonly version: number }>(
  items: readonly T[],
  rejections: ReadonlyArray<StoreRejection<T> | undefined>,
  identity: ContentIdentity<T>,
): PendingVersion<T>[] {
  const groups = new Map<string, { key: string; item: T; fingerprint: string; copies: number[] }>();
  for (const [index, item] of items.entries()) {
    if (rejections[index]) continue;
    const key = identity.key(item);
    const fingerprint = identity.fingerprint(item);
    const id = JSON.stringify([key, item.version, fingerprint]);
    const group = groups.get(id);
    if (group) group.copies.push(index);
    else groups.set(id, { key, item, fingerprint, copies: [index] });
  }
  return [...groups.values()].sort(
    (a, b) => a.item.version - b.item.version || compareText(a.fingerprint, b.fingerprint),
  );
}

/** Wording after Timestream's RejectedRecords reason for the same case. */
export function conflictReason(identity: string, existingVersion: number): string {
  return (
    `A record already exists with the same ${identity}, and record version ${existingVersion}. ` +
    'A higher record version must be specified in order to update the measure value.'
  );
}
