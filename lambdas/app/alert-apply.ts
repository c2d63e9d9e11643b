/**
 * Moves alerts through their lifecycle: the verdicts about one (plant, type,
 * subject) are folded in data-time order over its current alert, read once;
 * every transition is one conditional write (with its outbox entry), and
 * in-place updates are written once at the end. A lost race (another writer
 * moved the alert) re-reads and folds the same verdicts again; verdicts
 * already applied change nothing the second time. A group that keeps losing
 * is an error the caller hears of (never silence): its batch is redelivered
 * or its day stays owed to the scheduled run.
 */
import { mapLimited } from '../adapters/map-limited.ts';
import { advance } from '../domain/alerts/lifecycle.ts';
import type { AlertRuleSettings, Evaluation } from '../domain/alerts/model.ts';
import { type AlertStore, UnavailableError } from '../domain/ports.ts';

/** Alert subjects applied at once. */
export const APPLY_CONCURRENCY = 8;

/** Rounds of re-read and re-fold before a contended group is given up for a later run. */
export const MAX_APPLY_ATTEMPTS = 5;

export interface ApplyResult {
  readonly evaluations: number;
  readonly transitions: number;
}

export async function applyEvaluations(
  alerts: Pick<AlertStore, 'getCurrent' | 'applyTransition'>,
  evaluations: readonly Evaluation[],
  settingsOf: (plantId: string) => Promise<AlertRuleSettings>,
): Promise<ApplyResult> {
  const groups = new Map<string, Evaluation[]>();
  for (const evaluation of evaluations) {
    const key = JSON.stringify([evaluation.plantId, evaluation.type, evaluation.subject]);
    const group = groups.get(key);
    if (group) group.push(evaluation);
    else groups.set(key, [evaluation]);
  }
  let transitions = 0;
  let unavailable: UnavailableError | undefined;
  // Groups are separate alert items, each moved by its own conditional writes, so they apply at once.
  // A store outage for one subject does not stop the others: under throttling every run then makes
  // progress (each subject is independent and idempotent), and the caller still hears of the failure,
  // so a batch is redelivered and a scheduled run counts as failed.
  // At most APPLY_CONCURRENCY at once: a scheduled run can hold a verdict for every series of a plant.
  const outcomes = await mapLimited([...groups.values()], APPLY_CONCURRENCY, async (group) => {
    const [outcome] = await Promise.allSettled([
      applyGroup(
        alerts,
        group.sort((a, b) => a.window.end - b.window.end),
        settingsOf,
      ),
    ]);
    return outcome as PromiseSettledResult<number>;
  });
  for (const outcome of outcomes) {
    if (outcome.status === 'fulfilled') transitions += outcome.value;
    else if (outcome.reason instanceof UnavailableError) unavailable ??= outcome.reason;
    else throw outcome.reason;
  }
  if (unavailable) throw unavailable;
  return { evaluations: evaluations.length, transitions };
}

async function applyGroup(
  alerts: Pick<AlertStore, 'getCurrent' | 'applyTransition'>,
  group: readonly Evaluation[],
  settingsOf: (plantId: string) => Promise<AlertRuleSettings>,
): Promise<number> {
  const [first] = group;
  if (!first) return 0;
  const settings = await settingsOf(first.plantId);
  let transitions = 0;
  for (let attempt = 0; attempt < MAX_APPLY_ATTEMPTS; attempt++) {
    const stored = await alerts.getCurrent(first.plantId, first.type, first.subject);
    let sequence = stored?.sequence ?? 0;
    let current = stored;
    let unwritten = false;
    let lost = false;
    for (const evaluation of group) {
      const change = advance(current, evaluation, settings);
      if (!change) continue;
      if (!change.transition) {
        current = change.next;
        unwritten = true;
        continue;
      }
      if (!(await alerts.applyTransition(change.next, sequence, change.transition))) {
        lost = true;
        break;
      }
      transitions++;
      current = change.next;
      sequence = change.next.sequence;
      unwritten = false;
    }
    if (!lost && unwritten && current) lost = !(await alerts.applyTransition(current, sequence));
    if (!lost) return transitions;
  }
  // Contention is transient, like a throttle: the caller retries later.
  throw new UnavailableError(
    `alert ${first.plantId}/${first.type}/${first.subject} kept changing under concurrent writers ` +
      `(${MAX_APPLY_ATTEMPTS} rounds); its verdicts are applied by a later run`,
  );
}
