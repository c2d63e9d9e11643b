/**
 * dashboards/grafana-wte.json against the Timestream record layout it
 * queries (lambdas/adapters/timestream/records.ts): the measure codes,
 * measure names, dimensions and the quality encoding must be the ones the
 * writer produces, and every query must stay bounded by time (Timestream
 * bills what a query scans).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  encodeQualities,
  FAMILY_PREFIX,
  METRIC_CODES,
  MOVEMENT_MEASURE_NAME,
  MOVEMENT_MEASURES,
  MOVEMENTS_DIMENSIONS,
  QUALITY_MEASURE,
  READINGS_DIMENSIONS,
  VERSION_MEASURE,
} from '../../lambdas/adapters/timestream/records.ts';
import { DESTINATIONS, DIRECTIONS } from '../../lambdas/domain/telemetry.ts';

interface Target {
  refId: string;
  rawQuery?: string;
  format?: number;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panelId?: number;
}
interface Variable {
  name: string;
  type: string;
  query: unknown;
  options?: Array<{ text: string; value: string }>;
}

const dashboard = JSON.parse(readFileSync('dashboards/grafana-wte.json', 'utf8')) as {
  uid: string;
  timezone: string;
  panels: Panel[];
  templating: { list: Variable[] };
};

const TIMESTREAM = 'grafana-timestream-datasource';
const queries = dashboard.panels.flatMap((panel) =>
  (panel.targets ?? [])
    .filter((t) => t.rawQuery !== undefined)
    .map((t) => ({ panel: panel.title, sql: t.rawQuery as string })),
);
const variable = (name: string) => dashboard.templating.list.find((v) => v.name === name);
const byTitle = (prefix: string) => {
  const panel = dashboard.panels.find((p) => p.title.startsWith(prefix));
  if (!panel) throw new Error(`no panel ${prefix}`);
  return (panel.targets?.[0]?.rawQuery ?? '') as string;
};

describe('the Grafana dashboard (Timestream)', () => {
  it('has the panels the issue asks for, each Timestream query on the datasource variable', () => {
    expect(dashboard.panels.map((p) => p.title)).toEqual(
      expect.arrayContaining([
        'Landfill diversion vs target',
        'Received, landfilled and recycled (t/day)',
        'Net MWh exported per tonne fed',
        'Furnace temperature, 2-second zone, per line',
        'Tonnes received per plant and day',
      ]),
    );
    for (const panel of dashboard.panels.filter((p) => p.targets?.some((t) => t.rawQuery))) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template
      expect(panel.datasource).toEqual({ type: TIMESTREAM, uid: '${datasource}' });
    }
    expect(queries.length).toBeGreaterThanOrEqual(5);
  });

  it('bounds every query by the dashboard range or a recent window', () => {
    for (const { panel, sql } of queries) {
      expect(sql, panel).toMatch(/\$__timeFilter|from_milliseconds\(\$\{__from\}\)|time > ago\(/);
    }
    expect(JSON.stringify(variable('plant')?.query)).toMatch(/time > ago\(7d\)/);
  });

  it('reads one plant per panel, except the fleet panel', () => {
    for (const { panel, sql } of queries.filter((q) => !q.panel.startsWith('Tonnes received per plant'))) {
      expect(sql, panel).toContain(`plant = '\${plant}'`);
    }
  });

  it('names the columns, measure names and dimensions the Timestream writer produces', () => {
    const movements = byTitle('Landfill diversion');
    expect(movements).toContain(`measure_name = '${MOVEMENT_MEASURE_NAME}'`);
    for (const measure of [
      MOVEMENT_MEASURES.netTonnes,
      MOVEMENT_MEASURES.direction,
      MOVEMENT_MEASURES.destination,
    ]) {
      expect(movements).toMatch(new RegExp(`max_by\\(${measure}, `));
    }
    expect(movements).toContain(`GROUP BY ${MOVEMENTS_DIMENSIONS[1]}`);
    for (const value of ["dir = 'in'", "dir = 'out'"]) expect(movements).toContain(value);
    for (const destination of ["dst = 'landfill'", "dst = 'recycling'"])
      expect(movements).toContain(destination);
    expect(DIRECTIONS).toEqual(['in', 'out']);
    expect(DESTINATIONS).toEqual(expect.arrayContaining(['landfill', 'recycling']));

    const energy = byTitle('Net MWh');
    const ee = METRIC_CODES.electricity_exported.code;
    const wfc = METRIC_CODES.waste_fed.code;
    expect(energy).toContain(`'${ee}' AS metric, time, ${ee} AS value`);
    expect(energy).toContain(`'${wfc}' AS metric, time, ${wfc} AS value`);

    const ft = METRIC_CODES.furnace_temperature.code;
    expect(byTitle('Furnace')).toContain(`max_by(${ft}, `);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template
    for (const { panel, sql } of queries.filter((q) => q.sql.includes('"${readings}"'))) {
      expect(sql, panel).toContain(`measure_name LIKE '${FAMILY_PREFIX}%'`);
      expect(sql, panel).toContain(`GROUP BY ${READINGS_DIMENSIONS[1]}`);
    }
    expect(variable('version_column')?.options?.map((o) => o.value)).toEqual([
      VERSION_MEASURE,
      'CAST(NULL AS BIGINT)',
    ]);
    expect(variable('quality_column')?.options?.map((o) => o.value)).toEqual([
      QUALITY_MEASURE,
      'CAST(NULL AS VARCHAR)',
    ]);
  });

  it('drops exactly the non-GOOD readings of the metric, as the writer encodes qualities', () => {
    // The dashboard's pattern for furnace_temperature, as Timestream's regexp_like would apply it.
    const pattern = /regexp_like\(q, '([^']+)'\)/.exec(byTitle('Furnace'))?.[1] ?? '';
    const notGood = new RegExp(pattern);
    const q = (entries: Parameters<typeof encodeQualities>[0]) => encodeQualities(entries) ?? '';
    expect(notGood.test(q([['furnace_temperature', 'UNCERTAIN']]))).toBe(true);
    expect(notGood.test(q([['furnace_temperature', 'BAD']]))).toBe(true);
    expect(
      notGood.test(
        q([
          ['waste_feed_rate', 'BAD'],
          ['furnace_temperature', 'UNCERTAIN'],
        ]),
      ),
    ).toBe(true);
    expect(notGood.test(q([['furnace_temperature', 'GOOD']]))).toBe(false);
    expect(notGood.test(q([['flue_gas_o2', 'BAD']]))).toBe(false);
    // The counter query builds the same pattern from the metric code.
    expect(byTitle('Net MWh')).toContain("concat('(^|,)', metric, '[UB](,|$)')");
    expect(pattern).toBe(`(^|,)${METRIC_CODES.furnace_temperature.code}[UB](,|$)`);
  });

  it('cuts days at plant-local midnight and shows them in the plants default zone', () => {
    expect(dashboard.timezone).toBe('Asia/Almaty');
    expect(variable('utc_offset')?.query).toBe('5h');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template
    expect(byTitle('Landfill diversion')).toContain('bin(time + ${utc_offset:raw}, 1d) - ${utc_offset:raw}');
  });
});
