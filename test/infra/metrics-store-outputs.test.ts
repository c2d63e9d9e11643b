/**
 * What each store choice tells the operator (stack outputs, for `wte
 * migrate-to-lake`), and how soon the KPI rollup may roll a slot: on the lake
 * the recent telemetry table answers its whole horizon, so slots settle after
 * 20 minutes instead of the magnetic store's 6 h 20 min.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, props, resourcesOf, type TestApp } from './support.ts';

let lake: TestApp;
let timestream: TestApp;
beforeAll(() => {
  lake = buildTestApp({ metricsStore: 'lake' });
  timestream = buildTestApp();
});

const outputNames = (app: TestApp): string[] => Object.keys(app.stateless.toJSON().Outputs ?? {});

const rollupRetention = (app: TestApp): unknown[] =>
  resourcesOf(app.stateless, 'AWS::Lambda::Function')
    .map(([, r]) => (props(r).Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables)
    .filter((env) => env?.KPI_ROLLUP_TABLE !== undefined)
    .map((env) => env?.KPI_ROLLUP_MEMORY_RETENTION_HOURS);

describe('metrics store outputs', () => {
  it('the lake outputs its streams, recent table and workgroup, and no Timestream name', () => {
    const names = outputNames(lake);
    expect(names).toEqual(
      expect.arrayContaining([
        'LakeReadingsStreamName',
        'LakeMovementsStreamName',
        'RecentTelemetryTableName',
        'LakeWorkGroupName',
      ]),
    );
    expect(names.filter((n) => n.startsWith('Timestream'))).toEqual([]);
  });

  it('Timestream outputs its database and tables, and no lake name', () => {
    const names = outputNames(timestream);
    expect(names).toEqual(
      expect.arrayContaining([
        'TimestreamDatabaseName',
        'TimestreamReadingsTableName',
        'TimestreamMovementsTableName',
      ]),
    );
    expect(names.filter((n) => n.startsWith('Lake') || n.startsWith('Recent'))).toEqual([]);
  });

  it('on the lake every rollup reader settles slots within the recent horizon (40 days = 960 h)', () => {
    const retention = rollupRetention(lake);
    expect(retention.length).toBeGreaterThan(0);
    expect(new Set(retention)).toEqual(new Set(['960']));
    expect(rollupRetention(timestream)).not.toContain('960');
  });

  it('passes lakeRecentCompleteSince to every lake reader, and nothing when it is unset', () => {
    const since = buildTestApp({ metricsStore: 'lake', lakeRecentCompleteSince: '2026-12-06T00:00:00Z' });
    const values = (app: TestApp) =>
      resourcesOf(app.stateless, 'AWS::Lambda::Function')
        .map(
          ([, r]) => (props(r).Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables,
        )
        .filter((env) => env?.METRICS_STORE === 'lake')
        .map((env) => env?.RECENT_TELEMETRY_COMPLETE_SINCE);
    const set = values(since);
    expect(set.length).toBeGreaterThan(0);
    expect(new Set(set)).toEqual(new Set([String(Date.parse('2026-12-06T00:00:00Z'))]));
    expect(new Set(values(lake))).toEqual(new Set([undefined]));
  });
});
