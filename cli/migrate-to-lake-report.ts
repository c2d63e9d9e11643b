/** The summary of `wte migrate-to-lake` for people, and its exit code. */
import { LAKE_PRICES } from '../bench/lake-cost.ts';
import type { MigrationReport } from './migrate-to-lake.ts';

function money(usd: number): string {
  return `$${usd.toFixed(2)}`;
}

/** The summary for people (stdout); `--json` prints the report itself. */
export function formatMigrationReport(r: MigrationReport): string {
  const kinds = Object.entries(r.refused.byKind)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  const lines = [
    `migrate-to-lake: ${r.status}${r.dryRun ? ' (dry run: nothing written; counts are what would move)' : ''}`,
    `plants      ${r.plants.length} (${r.plants.join(', ')})`,
    `range       [${r.from}, ${r.to}) in windows of ${r.windowDays} days (${r.windowsPerPlant} per plant)`,
    `windows     ${r.windowsDone} done in this run, ${r.windowsSkipped} done before (checkpoint ${r.checkpoint})`,
    `readings    ${r.readings}`,
    `movements   ${r.movements}`,
    `refused     ${r.refused.count}${kinds ? ` (${kinds})` : ''}${r.dryRun ? ' (a dry run writes nothing, so nothing can be refused)' : ''}`,
    `queries     ${r.queries} Timestream reads (each a query; a table without a quality or version column yet reruns it)`,
    `Timestream  at least ${money(r.estimate.timestreamMinimumUsd)} for this run's plan: ${r.estimate.formula}`,
    `Firehose    ${money(r.firehoseUsd)}: ${r.readings + r.movements} records x ${LAKE_PRICES.firehoseIncrementBytes} B billed x $${LAKE_PRICES.firehoseUsdPerGB}/GB`,
  ];
  if (r.totals)
    lines.push(
      `all runs    ${r.totals.readings} readings, ${r.totals.movements} movements, ${r.totals.refused} refused, ${r.totals.queries} queries`,
    );
  for (const s of r.refusedSamples) lines.push(`  refused ${s.kind}: ${s.item}: ${s.reason}`);
  if (r.refused.count > r.refusedSamples.length)
    lines.push(`  ... and ${r.refused.count - r.refusedSamples.length} more refusals`);
  if (r.status === 'stopped')
    lines.push(
      `stopped at  ${r.stoppedAt?.plantId ?? '?'} window ${r.stoppedAt?.windowStart ?? '?'}: ${r.error ?? ''}`,
      `            the checkpoint keeps every window before it; run the same command again to resume`,
    );
  return lines.join('\n');
}

/** 0 complete; 1 complete with refused items; 3 stopped early (the checkpoint is intact). */
export function migrationExitCode(r: MigrationReport): number {
  if (r.status === 'stopped') return 3;
  return r.refused.count > 0 ? 1 : 0;
}
