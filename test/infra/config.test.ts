import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PLANT_SETTINGS } from '../../lambdas/domain/plant.ts';
import { ConfigError, DEFAULTS, parseConfig, type RawContext } from '../../lib/config.ts';

describe('parseConfig', () => {
  it('defaults every setting, with the stage dev', () => {
    expect(parseConfig({})).toEqual({
      stage: 'dev',
      plants: [],
      retention: { memoryStoreHours: 24, magneticStoreDays: 1825 },
      alertSubscriptions: [],
      opsEmails: [],
      api: {
        rateLimit: 50,
        burstLimit: 100,
        queryRateLimit: 10,
        queryBurstLimit: 20,
        wafRateLimit: 2000,
        authorizerCacheTtlSeconds: 60,
        manageAccountLoggingRole: true,
      },
      processor: {
        batchSize: 25,
        maxBatchingWindowSeconds: 2,
        timeoutSeconds: 60,
        maxConcurrency: 5,
        reservedConcurrency: 5,
      },
      schedulerIntervalMinutes: 5,
      logRetentionDays: 30,
      retainData: true,
      powertoolsTracer: false,
      kpiRollupSince: '2026-01-01T00:00:00.000Z',
      metricsStore: 'timestream',
      lake: { bufferIntervalSeconds: 60, bufferSizeMiB: 64, queryScanLimitGb: 10, recentHorizonDays: 40 },
    });
  });

  it('refuses a KPI rollup start that is not an RFC 3339 time, naming the value', () => {
    expect(() => parseConfig({ kpiRollupSince: 'yesterday' })).toThrow(/kpiRollupSince.*"yesterday"/);
    expect(parseConfig({ kpiRollupSince: '2026-11-24T05:00:00+05:00' }).kpiRollupSince).toBe(
      '2026-11-24T00:00:00.000Z',
    );
  });

  it('takes from when tickets are marked for a stage whose rollup predates them, naming a bad value', () => {
    expect(parseConfig({}).kpiRollupMovementsSince).toBeUndefined();
    expect(
      parseConfig({ kpiRollupMovementsSince: '2026-12-07T05:15:00+05:00' }).kpiRollupMovementsSince,
    ).toBe('2026-12-07T00:15:00.000Z');
    expect(() => parseConfig({ kpiRollupMovementsSince: 'soon' })).toThrow(/kpiRollupMovementsSince.*"soon"/);
  });

  it('takes a plant setting given as null as its default, and names an impossible date as the value given', () => {
    const [plant] = parseConfig({ plants: [{ plantId: 'p1', name: null, diversionTarget: null }] }).plants;
    expect(plant).toMatchObject({ plantId: 'p1', name: 'p1', diversionTarget: 0.4 });
    expect(() => parseConfig({ lakeRecentCompleteSince: '2026-13-45T00:00:00Z' })).toThrow(
      'context "lakeRecentCompleteSince" must be an ISO 8601 instant with a zone, such as 2026-12-06T00:00:00Z; got "2026-13-45T00:00:00Z"',
    );
  });

  it('reads the text form that `cdk deploy -c key=value` passes', () => {
    const config = parseConfig({
      stage: 'prod',
      apiRateLimit: '200',
      authorizerCacheTtlSeconds: '0',
      retainData: 'false',
      powertoolsTracer: 'true',
      opsEmails: 'ops@example.com, oncall@example.com',
      plants: '[{"plantId":"kz-ast-01","timeZone":"Asia/Almaty","diversionTarget":0.45}]',
      alertEmails: '["alerts@example.com"]',
    });
    expect(config.api.rateLimit).toBe(200);
    expect(config.api.authorizerCacheTtlSeconds).toBe(0);
    expect(config.retainData).toBe(false);
    expect(config.powertoolsTracer).toBe(true);
    expect(config.opsEmails).toEqual(['ops@example.com', 'oncall@example.com']);
    expect(config.alertSubscriptions).toEqual([{ email: 'alerts@example.com' }]);
    expect(config.plants).toEqual([
      {
        ...DEFAULT_PLANT_SETTINGS,
        plantId: 'kz-ast-01',
        name: 'kz-ast-01',
        timeZone: 'Asia/Almaty',
        diversionTarget: 0.45,
      },
    ]);
  });

  it('takes plants as ids and alert subscriptions with filters', () => {
    const config = parseConfig({
      plants: ['kz-ala-02'],
      alertEmails: [{ email: 'shift@example.com', plantIds: ['kz-ala-02'], severities: ['critical'] }],
    });
    expect(config.plants[0]).toMatchObject({
      plantId: 'kz-ala-02',
      timeZone: DEFAULT_PLANT_SETTINGS.timeZone,
    });
    expect(config.alertSubscriptions).toEqual([
      { email: 'shift@example.com', plantIds: ['kz-ala-02'], severities: ['critical'] },
    ]);
  });

  // Each case: the context, then text the message must contain (the key and the bad value).
  const refusals: Array<[string, RawContext, string[]]> = [
    ['a stage with capitals', { stage: 'Prod' }, ['"stage"', '"Prod"']],
    ['a stage with spaces', { stage: 'a stage with spaces' }, ['"stage"', '"a stage with spaces"']],
    ['a numeric stage', { stage: 42 }, ['"stage"', '42']],
    ['a stage too long', { stage: 'x'.repeat(17) }, ['"stage"', `"${'x'.repeat(17)}"`]],
    ['a rate that is not a number', { apiRateLimit: 'fast' }, ['"apiRateLimit"', '"fast"']],
    ['a fractional rate', { apiRateLimit: 2.5 }, ['"apiRateLimit"', '2.5']],
    ['a zero burst', { apiBurstLimit: 0 }, ['"apiBurstLimit"', '0']],
    [
      'a query rate above the stage rate',
      { apiRateLimit: 10, queryRateLimit: 20 },
      ['"queryRateLimit"', '20'],
    ],
    [
      'an authorizer TTL above an hour',
      { authorizerCacheTtlSeconds: 7200 },
      ['"authorizerCacheTtlSeconds"', '7200'],
    ],
    ['a WAF limit below 10', { wafRateLimit: 5 }, ['"wafRateLimit"', '5']],
    ['memory retention of 0 hours', { memoryStoreRetentionHours: 0 }, ['"memoryStoreRetentionHours"', '0']],
    [
      'magnetic retention shorter than the late-data horizon',
      { magneticStoreRetentionDays: 3 },
      ['"magneticStoreRetentionDays"', '3'],
    ],
    ['a log retention CloudWatch does not offer', { logRetentionDays: 10 }, ['"logRetentionDays"', '10']],
    ['retainData that is not a boolean', { retainData: 'yes' }, ['"retainData"', '"yes"']],
    ['powertoolsTracer that is not a boolean', { powertoolsTracer: 'on' }, ['"powertoolsTracer"', '"on"']],
    [
      'a processor timeout over 15 minutes',
      { processorTimeoutSeconds: 1000 },
      ['"processorTimeoutSeconds"', '1000'],
    ],
    ['a max concurrency of 1', { processorMaxConcurrency: 1 }, ['"processorMaxConcurrency"', '1']],
    [
      'a large batch without a batching window',
      { processorBatchSize: 100, processorBatchingWindowSeconds: 0 },
      ['"processorBatchingWindowSeconds"', '0'],
    ],
    ['a scheduler interval of 0', { schedulerIntervalMinutes: 0 }, ['"schedulerIntervalMinutes"', '0']],
    ['an ops e-mail without @', { opsEmails: ['ops.example.com'] }, ['"opsEmails[0]"', '"ops.example.com"']],
    [
      'a repeated ops e-mail',
      { opsEmails: 'a@example.com,a@example.com' },
      ['"opsEmails"', '"a@example.com"'],
    ],
    ['a plant id with capitals', { plants: ['KZ-1'] }, ['"plants[0].plantId"', '"KZ-1"']],
    [
      'an unknown time zone',
      { plants: [{ plantId: 'p1', timeZone: 'Mars/Olympus' }] },
      ['"plants[0].timeZone"', '"Mars/Olympus"'],
    ],
    [
      'a diversion target above 1',
      { plants: [{ plantId: 'p1', diversionTarget: 40 }] },
      ['"plants[0].diversionTarget"', '40'],
    ],
    [
      'an unknown plant setting',
      { plants: [{ plantId: 'p1', diversonTarget: 0.4 }] },
      ['"plants[0].diversonTarget"'],
    ],
    ['a plant listed twice', { plants: ['p1', 'p1'] }, ['"plants"', '"p1"']],
    ['plants that are not JSON', { plants: '[kz-1' }, ['"plants"', '"[kz-1"']],
    [
      'an unknown severity',
      { alertEmails: [{ email: 'a@example.com', severities: ['urgent'] }] },
      ['"alertEmails[0].severities"', '"urgent"'],
    ],
  ];

  it.each(refusals)('refuses %s, naming the key and the value', (_name, context, fragments) => {
    let message = '';
    try {
      parseConfig(context);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    for (const fragment of fragments) expect(message).toContain(fragment);
  });

  it('keeps its documented defaults in one place', () => {
    expect(parseConfig({}).processor.timeoutSeconds).toBe(DEFAULTS.processorTimeoutSeconds);
  });
});

describe('bin/app.ts', () => {
  it('refuses invalid context at synth, naming the value, without a stack trace', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'wte-synth-'));
    try {
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
        cwd: new URL('../../', import.meta.url),
        env: {
          ...process.env,
          CDK_OUTDIR: outdir,
          CDK_CONTEXT_JSON: JSON.stringify({ apiRateLimit: 'fast', 'aws:cdk:bundling-stacks': [] }),
        },
        encoding: 'utf8',
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(
        'context "apiRateLimit" must be an integer from 1 to 10000; got "fast"',
      );
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
