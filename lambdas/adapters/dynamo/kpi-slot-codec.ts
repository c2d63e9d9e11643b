/**
 * The JSON of a KPI rollup item's summaries (dynamo-kpi-rollup-store.ts):
 * numbers in JSON's shortest round-trip form, so the doubles come back bit
 * for bit; partials that overflowed (never from real data) are kept as text.
 * - `s`: counter series, `[{ l, m, f: [ts, value], z: [ts, value], i: [partials] }]`;
 * - `t`: ticket tonnages, `[[terms] per MOVEMENT_TOTALS entry]` (kpi-movement-slots.ts).
 */
import * as z from 'zod/mini';
import { MOVEMENT_TOTALS, type MovementParts } from '../../domain/kpi-movement-slots.ts';
import type { SeriesSlot } from '../../domain/kpi-rollup.ts';
import { KPI_COUNTER_METRICS } from '../../domain/kpis.ts';
import { once } from '../once.ts';

// Built on the first slot decoded (once), not at cold start.
const partialsSchema = /* @__PURE__ */ once(() => {
  const partials = z.array(
    z.union([z.number(), z.pipe(z.enum(['Infinity', '-Infinity', 'NaN']), z.transform(Number))]),
  );
  return { partials, array: z.array(partials) };
});

const text = (parts: readonly number[]) => parts.map((p) => (Number.isFinite(p) ? p : String(p)));

const seriesSchema = /* @__PURE__ */ once(() => {
  const edge = z.tuple([z.number(), z.number()]);
  return z.array(
    z.object({
      l: z.string().check(z.minLength(1)),
      m: z.enum(KPI_COUNTER_METRICS as [string, ...string[]]),
      f: edge,
      z: edge,
      i: partialsSchema().partials,
    }),
  );
});

export function encodeSeries(series: readonly SeriesSlot[]): string {
  return JSON.stringify(
    series.map((s) => ({
      l: s.line,
      m: s.metric,
      f: [s.first.ts, s.first.value],
      z: [s.last.ts, s.last.value],
      i: text(s.inner),
    })),
  );
}

export function decodeSeries(json: string): SeriesSlot[] {
  return seriesSchema()
    .parse(JSON.parse(json))
    .map((s) => ({
      line: s.l,
      metric: s.m as SeriesSlot['metric'],
      first: { ts: s.f[0], value: s.f[1] },
      last: { ts: s.z[0], value: s.z[1] },
      inner: s.i,
    }));
}

export function encodeMovements(movements: MovementParts): string {
  return JSON.stringify(movements.map(text));
}

export function decodeMovements(json: string): MovementParts {
  const parts = partialsSchema().array.parse(JSON.parse(json));
  if (parts.length > MOVEMENT_TOTALS.length) throw new RangeError('too many ticket totals');
  return parts;
}
