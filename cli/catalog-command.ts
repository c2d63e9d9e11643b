import { METRIC_NAMES, METRICS } from '../lambdas/domain/catalog.ts';
import { CANONICAL_UNIT, unitsOf } from '../lambdas/domain/units.ts';
import type { CliIo } from './io.ts';

/** `wte catalog [--json]`: the metric catalog with kinds and units. */
export function catalogCommand(io: CliIo, json: boolean): number {
  const rows = METRIC_NAMES.map((name) => {
    const { kind, quantity, description } = METRICS[name];
    return { metric: name, kind, unit: CANONICAL_UNIT[quantity], accepts: unitsOf(quantity), description };
  });
  if (json) {
    io.out(JSON.stringify(rows, null, 2));
    return 0;
  }
  const width = Math.max(...rows.map((r) => r.metric.length));
  for (const row of rows) {
    io.out(
      `${row.metric.padEnd(width)}  ${row.kind.padEnd(7)}  ${row.unit.padEnd(7)}  accepts ${row.accepts.join(', ')}  (${row.description})`,
    );
  }
  return 0;
}
