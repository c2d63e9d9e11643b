import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../lib/config.ts';

describe('metrics store choice', () => {
  it('defaults to timestream, so existing deployments do not change', () => {
    expect(parseConfig({}).metricsStore).toBe('timestream');
  });

  it('accepts exactly timestream and lake', () => {
    expect(parseConfig({ metricsStore: 'lake' }).metricsStore).toBe('lake');
    expect(parseConfig({ metricsStore: 'timestream' }).metricsStore).toBe('timestream');
  });

  it.each(['Lake', 'influxdb', '', 'lake '])('refuses metricsStore %j, showing the bad value', (value) => {
    expect(() => parseConfig({ metricsStore: value })).toThrow(ConfigError);
    expect(() => parseConfig({ metricsStore: value })).toThrow(
      `context "metricsStore" must be one of timestream, lake; got ${JSON.stringify(value)}`,
    );
  });

  it('reads the lake settings from -c text and keeps them within Firehose and Athena limits', () => {
    const { lake } = parseConfig({
      lakeBufferIntervalSeconds: '300',
      lakeBufferSizeMiB: '128',
      lakeQueryScanLimitGb: '50',
      lakeRecentHorizonDays: '60',
    });
    expect(lake).toEqual({
      bufferIntervalSeconds: 300,
      bufferSizeMiB: 128,
      queryScanLimitGb: 50,
      recentHorizonDays: 60,
    });
    expect(() => parseConfig({ lakeRecentHorizonDays: 0 })).toThrow(/lakeRecentHorizonDays.*0/);
    expect(parseConfig({ lakeRecentCompleteSince: '2026-12-06T00:00:00Z' }).lake.recentCompleteSince).toBe(
      Date.parse('2026-12-06T00:00:00Z'),
    );
    expect(parseConfig({}).lake.recentCompleteSince).toBeUndefined();
    expect(() => parseConfig({ lakeRecentCompleteSince: '2026-12-06' })).toThrow(/lakeRecentCompleteSince/);
    expect(() => parseConfig({ lakeBufferIntervalSeconds: 901 })).toThrow(/lakeBufferIntervalSeconds.*901/);
    expect(() => parseConfig({ lakeBufferSizeMiB: 0 })).toThrow(/lakeBufferSizeMiB.*0/);
    expect(() => parseConfig({ lakeQueryScanLimitGb: '1.5' })).toThrow(/lakeQueryScanLimitGb.*"1.5"/);
  });
});
