/**
 * The report's CDK wiring: `TelemetryApi` serves GET /v1/plants/{plantId}/report
 * with IAM auth, the plant path parameter and the query routes' throttle
 * when it is given the report function (and no such route without it); the
 * `ApiHandlers` Report function runs the report-api entry under API
 * Gateway's 29 s, reads the state table (plants: GetItem, alerts: Query)
 * and writes nothing.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.ts';
import { TelemetryApi } from '../../lib/constructs/telemetry-api.ts';
import { buildTestApp, iamStatements, newApp, props, referencedId, resourcesOf } from './support.ts';

function apiTemplate(withReport: boolean): Template {
  const stack = new Stack(newApp(), 'ApiOnly');
  const fn = (id: string) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "" })'),
    });
  const config = parseConfig({ stage: 'test', queryRateLimit: 8, queryBurstLimit: 16 });
  new TelemetryApi(stack, 'Api', {
    stage: 'test',
    config: config.api,
    logRetentionDays: 90,
    handlers: {
      ingest: fn('Ingest'),
      authorizer: fn('Authorizer'),
      kpis: fn('Kpis'),
      series: fn('Series'),
      listAlerts: fn('ListAlerts'),
      plants: fn('Plants'),
      acknowledgeAlert: fn('Ack'),
      ...(withReport ? { report: fn('Report') } : {}),
    },
  });
  return Template.fromStack(stack);
}

function reportMethods(template: Template) {
  const resources = new Map(
    resourcesOf(template, 'AWS::ApiGateway::Resource').map(([id, r]) => [id, props(r)]),
  );
  return resourcesOf(template, 'AWS::ApiGateway::Method')
    .map(([, m]) => props(m))
    .filter((m) => resources.get(referencedId(m.ResourceId) ?? '')?.PathPart === 'report');
}

describe('the report route', () => {
  it('is GET with IAM auth, the plant path parameter, the report function and the query throttle', () => {
    const template = apiTemplate(true);
    const [method, ...others] = reportMethods(template);
    expect(others).toEqual([]);
    expect(method).toMatchObject({
      HttpMethod: 'GET',
      AuthorizationType: 'AWS_IAM',
      RequestParameters: { 'method.request.path.plantId': true },
    });
    const uri = JSON.stringify((method?.Integration as { Uri?: unknown } | undefined)?.Uri);
    expect(uri).toContain('Report');
    const [[, stage] = ['', { Type: '' }]] = resourcesOf(template, 'AWS::ApiGateway::Stage');
    expect(props(stage).MethodSettings).toContainEqual(
      expect.objectContaining({
        HttpMethod: 'GET',
        ResourcePath: '/~1v1~1plants~1{plantId}~1report',
        ThrottlingRateLimit: 8,
        ThrottlingBurstLimit: 16,
      }),
    );
  });

  it('does not exist, nor its throttle, without the report function', () => {
    const template = apiTemplate(false);
    expect(reportMethods(template)).toEqual([]);
    const [[, stage] = ['', { Type: '' }]] = resourcesOf(template, 'AWS::ApiGateway::Stage');
    expect(JSON.stringify(props(stage).MethodSettings)).not.toContain('report');
  });
});

describe('the Report function', () => {
  const { stateless } = buildTestApp();
  const [[id, report] = ['', { Type: '' }]] = resourcesOf(stateless, 'AWS::Lambda::Function').filter(
    ([, fn]) => props(fn).Description === 'GET /v1/plants/{plantId}/report',
  );

  it('runs within API Gateway 29 s with room for a year of data', () => {
    expect(id).not.toBe('');
    expect(props(report).Timeout).toBeLessThanOrEqual(28);
    expect(props(report).MemorySize).toBe(1024);
  });

  it('reads the state table (GetItem, Query) and the metrics store, and writes nothing', () => {
    const role = referencedId(props(report).Role);
    const policies = new Set(
      resourcesOf(stateless, 'AWS::IAM::Policy')
        .filter(([, p]) => ((props(p).Roles as unknown[]) ?? []).some((r) => referencedId(r) === role))
        .map(([policyId]) => policyId),
    );
    expect(policies.size).toBeGreaterThan(0);
    const actions = iamStatements([stateless])
      .filter((s) => policies.has(s.where))
      .flatMap((s) => s.actions);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
    // Its own logs and traces are the only writes.
    const writes = actions.filter((a) => /Put|Update|Delete|Write|Publish|Send/.test(a));
    for (const action of writes) expect(action).toMatch(/^(logs|xray):/);
  });

  it('boots its entry module with exactly the variables the stack sets', async () => {
    const variables = (props(report).Environment as { Variables: Record<string, unknown> }).Variables;
    const saved = { ...process.env };
    try {
      for (const key of Object.keys(process.env)) delete process.env[key];
      Object.assign(process.env, { AWS_REGION: 'eu-central-1', PATH: saved.PATH ?? '' });
      for (const [name, value] of Object.entries(variables))
        if (name !== 'NODE_OPTIONS')
          process.env[name] = typeof value === 'string' ? value : `wte-${name.toLowerCase()}`;
      expect(props(report).Handler).toBe('index.handler');
      const module = (await import('../../lambdas/entry/report-api.ts')) as Record<string, unknown>;
      expect(typeof module.handler).toBe('function');
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
