import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { decodeQueued } from '../../lambdas/domain/queue-codec.ts';
import { IOT_SQL_VERSION } from '../../lib/checks/wte-checks.ts';
import { TELEMETRY_RULE_SQL, TELEMETRY_TOPIC_FILTER } from '../../lib/constructs/iot-ingress.ts';
import { buildTestApp, props, referencedId, resourcesOf } from './support.ts';

const { stateless: template } = buildTestApp({
  apiRateLimit: 80,
  apiBurstLimit: 160,
  queryRateLimit: 8,
  queryBurstLimit: 16,
  authorizerCacheTtlSeconds: 120,
  wafRateLimit: 3000,
});

const methods = resourcesOf(template, 'AWS::ApiGateway::Method');
const resourcePaths = new Map(
  resourcesOf(template, 'AWS::ApiGateway::Resource').map(([id, r]) => [id, String(props(r).PathPart)]),
);
const parentOf = new Map(
  resourcesOf(template, 'AWS::ApiGateway::Resource').map(([id, r]) => [id, referencedId(props(r).ParentId)]),
);
/** `POST /v1/plants/{plantId}/telemetry` for a method resource. */
function route(method: Record<string, unknown>): string {
  const parts: string[] = [];
  let id = referencedId(method.ResourceId);
  while (id && resourcePaths.has(id)) {
    parts.unshift(resourcePaths.get(id) ?? '');
    id = parentOf.get(id);
  }
  return `${method.HttpMethod} /${parts.join('/')}`;
}
const byRoute = new Map(methods.map(([, m]) => [route(props(m)), props(m)]));

describe('REST API routes', () => {
  it('serves exactly the routes of the contract', () => {
    expect([...byRoute.keys()].sort()).toEqual([
      'GET /v1/alerts',
      'GET /v1/plants',
      'GET /v1/plants/{plantId}/kpis',
      'GET /v1/plants/{plantId}/report',
      'GET /v1/plants/{plantId}/series',
      'POST /v1/alerts/{alertId}/ack',
      'POST /v1/plants/{plantId}/telemetry',
    ]);
  });

  it('authorizes telemetry with the token REQUEST authorizer on the Authorization header, cached per config', () => {
    const ingest = byRoute.get('POST /v1/plants/{plantId}/telemetry') ?? {};
    expect(ingest.AuthorizationType).toBe('CUSTOM');
    const [[authorizerId, authorizer] = ['', { Type: '' }]] = resourcesOf(
      template,
      'AWS::ApiGateway::Authorizer',
    );
    expect(referencedId(ingest.AuthorizerId)).toBe(authorizerId);
    expect(props(authorizer)).toMatchObject({
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 120,
    });
  });

  it('requires IAM (SigV4) on the query and alert routes', () => {
    for (const [name, method] of byRoute) {
      if (name.includes('/telemetry')) continue;
      expect(method.AuthorizationType, name).toBe('AWS_IAM');
    }
  });

  it('validates every request, and telemetry bodies against the JSON model', () => {
    const [[validatorId, validator] = ['', { Type: '' }]] = resourcesOf(
      template,
      'AWS::ApiGateway::RequestValidator',
    );
    expect(props(validator)).toMatchObject({ ValidateRequestBody: true, ValidateRequestParameters: true });
    for (const [name, method] of byRoute)
      expect(referencedId(method.RequestValidatorId), name).toBe(validatorId);
    const ingest = byRoute.get('POST /v1/plants/{plantId}/telemetry') ?? {};
    expect(Object.keys(ingest.RequestModels as object)).toEqual(['application/json']);
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      ContentType: 'application/json',
      Schema: Match.objectLike({
        required: ['schema'],
        properties: Match.objectLike({ schema: { type: 'string', enum: ['wte.telemetry.v1'] } }),
      }),
    });
  });

  it('uses Lambda proxy integrations', () => {
    for (const [name, method] of byRoute) {
      expect((method.Integration as Record<string, unknown>).Type, name).toBe('AWS_PROXY');
    }
  });
});

describe('REST API stage', () => {
  const [[, stage] = ['', { Type: '' }]] = resourcesOf(template, 'AWS::ApiGateway::Stage');
  const settings = props(stage).MethodSettings as Array<Record<string, unknown>>;

  it('throttles the stage explicitly and the query routes tighter', () => {
    expect(settings).toContainEqual(
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingRateLimit: 80,
        ThrottlingBurstLimit: 160,
      }),
    );
    for (const route of ['kpis', 'series', 'report']) {
      expect(settings).toContainEqual(
        expect.objectContaining({
          HttpMethod: 'GET',
          ResourcePath: `/~1v1~1plants~1{plantId}~1${route}`,
          ThrottlingRateLimit: 8,
          ThrottlingBurstLimit: 16,
        }),
      );
    }
  });

  it('writes JSON access logs to a log group with retention, execution logs and X-Ray traces', () => {
    const access = props(stage).AccessLogSetting as { DestinationArn: unknown; Format: string };
    const format = JSON.parse(access.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      ip: '$context.identity.sourceIp',
    });
    expect(JSON.stringify(access.DestinationArn)).toMatch(/ApiAccessLogs/);
    expect(settings).toContainEqual(
      expect.objectContaining({ HttpMethod: '*', LoggingLevel: 'ERROR', DataTraceEnabled: false }),
    );
    expect(props(stage).TracingEnabled).toBe(true);
  });

  it('has the execution-logging role in the account settings', () => {
    template.resourceCountIs('AWS::ApiGateway::Account', 1);
  });
});

describe('gateway responses', () => {
  const responses = new Map(
    resourcesOf(template, 'AWS::ApiGateway::GatewayResponse').map(([, r]) => [
      String(props(r).ResponseType),
      props(r),
    ]),
  );

  it.each([
    ['UNAUTHORIZED', '401'],
    ['ACCESS_DENIED', '403'],
    ['THROTTLED', '429'],
    ['QUOTA_EXCEEDED', '429'],
    ['MISSING_AUTHENTICATION_TOKEN', '404'],
    ['BAD_REQUEST_BODY', '400'],
    ['REQUEST_TOO_LARGE', '413'],
    ['UNSUPPORTED_MEDIA_TYPE', '415'],
    ['INTEGRATION_TIMEOUT', '503'],
    ['DEFAULT_5XX', '503'],
    ['DEFAULT_4XX', undefined],
  ])('answers %s as problem details with status %s', (type, status) => {
    const response = responses.get(type);
    expect(response, type).toBeDefined();
    expect(response?.StatusCode).toBe(status);
    expect(response?.ResponseParameters).toMatchObject({
      'gatewayresponse.header.Content-Type': "'application/problem+json'",
    });
    const templates = (response?.ResponseTemplates ?? {}) as Record<string, string>;
    const template = templates['application/json'] ?? '';
    // API Gateway substitutes a quoted JSON string for messageString.
    const body = JSON.parse(
      template.replace('$context.error.messageString', '"Unauthorized"').replace('$context.requestId', 'r-1'),
    ) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: expect.stringMatching(/^urn:wte:problem:/),
      title: expect.any(String),
      detail: 'Unauthorized',
    });
    expect(body.status).toBe(status === undefined ? undefined : Number(status));
    if (status === '429' || status === '503') {
      expect(response?.ResponseParameters).toHaveProperty('gatewayresponse.header.Retry-After');
    }
  });
});

interface WafRule {
  readonly Statement: {
    readonly RateBasedStatement?: { readonly Limit: number; readonly AggregateKeyType: string };
    readonly ManagedRuleGroupStatement?: { readonly Name: string; readonly RuleActionOverrides?: unknown[] };
  };
  readonly Action?: { readonly Block?: { readonly CustomResponse?: { readonly ResponseCode: number } } };
}

describe('WAF', () => {
  const [[aclId, acl] = ['', { Type: '' }]] = resourcesOf(template, 'AWS::WAFv2::WebACL');
  const rules = props(acl).Rules as WafRule[];

  it('protects the API stage with a regional web ACL', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
      ResourceArn: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
    });
    expect(props(acl).Scope).toBe('REGIONAL');
  });

  it('limits each client IP with a rate-based rule answering 429', () => {
    const rate = rules.find((r) => r.Statement.RateBasedStatement);
    expect(rate?.Statement.RateBasedStatement).toEqual({ Limit: 3000, AggregateKeyType: 'IP' });
    expect(rate?.Action?.Block?.CustomResponse?.ResponseCode).toBe(429);
  });

  it('applies the AWS managed rule groups, counting only the body-size rule that telemetry exceeds', () => {
    const managed = rules.flatMap((r) =>
      r.Statement.ManagedRuleGroupStatement ? [r.Statement.ManagedRuleGroupStatement] : [],
    );
    expect(managed.map((m) => m.Name)).toEqual([
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesAmazonIpReputationList',
    ]);
    expect(managed[0]?.RuleActionOverrides).toEqual([
      { Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } },
    ]);
  });
});

interface RulePayload {
  readonly Sql: string;
  readonly AwsIotSqlVersion: string;
  readonly RuleDisabled: boolean;
  readonly Actions: ReadonlyArray<{
    readonly Sqs: { readonly QueueUrl: unknown; readonly RoleArn: unknown; readonly UseBase64: boolean };
  }>;
  readonly ErrorAction: {
    readonly CloudwatchLogs: { readonly LogGroupName: unknown; readonly RoleArn: unknown };
  };
}

describe('IoT topic rule', () => {
  const [[, rule] = ['', { Type: '' }]] = resourcesOf(template, 'AWS::IoT::TopicRule');
  const payload = props(rule).TopicRulePayload as RulePayload;
  const sqs = payload.Actions[0]?.Sqs;

  it(`reads ${TELEMETRY_TOPIC_FILTER} with SQL version ${IOT_SQL_VERSION}`, () => {
    expect(payload.AwsIotSqlVersion).toBe('2016-03-23');
    expect(payload.Sql).toBe(TELEMETRY_RULE_SQL);
    expect(payload.RuleDisabled).toBe(false);
  });

  it('sends to the telemetry queue without re-encoding the JSON envelope', () => {
    expect(payload.Actions).toHaveLength(1);
    expect(sqs).toMatchObject({ UseBase64: false });
    expect(JSON.stringify(sqs?.QueueUrl)).toContain('TelemetryQueue');
  });

  it('has an error action into a log group with retention, and alarms on it', () => {
    const logGroupId = referencedId(payload.ErrorAction.CloudwatchLogs.LogGroupName);
    expect(logGroupId).toMatch(/^IotRuleErrors/);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IncomingLogEvents',
      Dimensions: [{ Name: 'LogGroupName', Value: { Ref: logGroupId } }],
    });
  });

  it('assumes its roles only for this rule in this account', () => {
    for (const roleArn of [sqs?.RoleArn, payload.ErrorAction.CloudwatchLogs.RoleArn]) {
      const [, role] =
        resourcesOf(template, 'AWS::IAM::Role').find(([id]) => id === referencedId(roleArn)) ?? [];
      const trust = JSON.stringify(props(role ?? { Type: '' }).AssumeRolePolicyDocument);
      expect(trust).toContain('iot.amazonaws.com');
      expect(trust).toContain('aws:SourceAccount');
      expect(trust).toContain(`:rule/${props(rule).RuleName}`);
    }
  });
});

describe('IoT rule SQL and the processor', () => {
  /**
   * Evaluates the rule's SELECT list the way the rules engine does for the
   * five expressions it uses, so a renamed alias or field breaks here.
   */
  function evaluateRule(
    sql: string,
    topic: string,
    payload: Uint8Array,
    now: number,
  ): Record<string, unknown> {
    const select = /^SELECT (.+) FROM '([^']+)'$/.exec(sql);
    if (!select) throw new Error(`unexpected SQL ${sql}`);
    const [, list = '', filter = ''] = select;
    const pattern = new RegExp(`^${filter.replaceAll('+', '[^/]+')}$`);
    if (!pattern.test(topic)) throw new Error(`${topic} does not match ${filter}`);
    const row: Record<string, unknown> = {};
    for (const item of list.split(/,\s*(?![^()]*\))/)) {
      const [, expression = '', alias = ''] = /^(.+) AS (\w+)$/.exec(item.trim()) ?? [];
      const segments = topic.split('/');
      let value: unknown;
      if (/^\d+$/.test(expression)) value = Number(expression);
      else if (/^'[^']*'$/.test(expression)) value = expression.slice(1, -1);
      else if (/^topic\((\d)\)$/.test(expression)) value = segments[Number(expression.slice(6, -1)) - 1];
      else if (expression === 'timestamp()') value = now;
      else if (expression === "encode(*, 'base64')") value = Buffer.from(payload).toString('base64');
      else throw new Error(`expression ${expression} is not emulated`);
      row[alias] = value;
    }
    return row;
  }

  const message = {
    schema: 'wte.telemetry.v1',
    messageId: 'gw-ast-01:000123',
    readings: [
      { ts: 1_795_514_390_000, line: 'boiler-1', metric: 'furnace_temperature', value: 912.4, unit: 'degC' },
    ],
  };

  it('produces the queue envelope the processor decodes', () => {
    const body = JSON.stringify(
      evaluateRule(
        TELEMETRY_RULE_SQL,
        'wte/v1/kz-ast-01/telemetry',
        Buffer.from(JSON.stringify(message)),
        1_795_514_400_000,
      ),
    );
    const decoded = decodeQueued(body);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.envelope).toMatchObject({
      v: 1,
      source: 'mqtt',
      plantId: 'kz-ast-01',
      receivedAt: 1_795_514_400_000,
    });
    expect(decoded.parsed.ok).toBe(true);
  });

  it('still delivers a payload that is not JSON, so the processor can answer on the rejected topic', () => {
    const body = JSON.stringify(
      evaluateRule(
        TELEMETRY_RULE_SQL,
        'wte/v1/kz-ast-01/telemetry',
        Buffer.from('not json'),
        1_795_514_400_000,
      ),
    );
    const decoded = decodeQueued(body);
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(decoded.parsed.ok).toBe(false);
  });
});

describe('gateway IoT policy', () => {
  const [[, policy] = ['', { Type: '' }]] = resourcesOf(template, 'AWS::IoT::Policy');
  interface IotStatement {
    readonly Action: string;
    readonly Resource: { readonly 'Fn::Join': readonly [string, readonly unknown[]] };
    readonly Condition?: unknown;
  }
  const statements = (props(policy).PolicyDocument as { Statement: IotStatement[] }).Statement;
  const resourceText = (statement: IotStatement | undefined) =>
    (statement?.Resource['Fn::Join'][1] ?? []).filter((part) => typeof part === 'string').join('');

  it('lets a gateway connect only as its own thing, with its certificate attached', () => {
    const connect = statements.find((s) => s.Action === 'iot:Connect');
    expect(resourceText(connect)).toMatch(/:client\/\$\{iot:Connection\.Thing\.ThingName\}$/);
    expect(connect?.Condition).toEqual({ Bool: { 'iot:Connection.Thing.IsAttached': 'true' } });
  });

  it("publishes only telemetry of the thing's plant and receives only that plant's rejections", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an IoT policy variable.
    const plant = '${iot:Connection.Thing.Attributes[plantId]}';
    expect(
      statements.map((s) => [s.Action, resourceText(s).replace(/^.*?:(topic|topicfilter|client)\//, '$1/')]),
    ).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an IoT policy variable.
      ['iot:Connect', 'client/${iot:Connection.Thing.ThingName}'],
      ['iot:Publish', `topic/wte/v1/${plant}/telemetry`],
      ['iot:Subscribe', `topicfilter/wte/v1/${plant}/rejected`],
      ['iot:Receive', `topic/wte/v1/${plant}/rejected`],
    ]);
  });
});
