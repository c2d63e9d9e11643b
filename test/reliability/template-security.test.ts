/**
 * Reliability row 7, template security: assertions on the synthesized
 * templates of both stacks (built as `cdk synth` builds them, through
 * test/infra/support.ts), and the production dependency audit.
 *
 * - No Allow statement with a wildcard action, in identity policies and in
 *   resource policies, except the account statement of a KMS key policy
 *   (AWS's default key policy: it delegates the key to IAM, where the
 *   statements above are checked).
 * - No data-plane action on `*`: an identity statement on `*` holds only
 *   actions AWS offers no resource-level permission for.
 * - IoT policies: every statement scoped by the connecting thing (policy
 *   variables), connect only as the own thing with its certificate attached.
 * - Encryption at rest, configured in the template, on every store: tables,
 *   queues, topics, the Timestream database and buckets. (CloudWatch Logs
 *   encrypts every log group at rest itself; reported, not configured.)
 * - `npm audit --omit=dev`: no high or critical advisory. Skipped, with the
 *   reason printed, when the registry cannot be reached.
 */
import { spawnSync } from 'node:child_process';
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestApp, iamStatements, props, type Resource, resourcesOf } from '../infra/support.ts';
import { Figures } from './support/figures.ts';

const built = buildTestApp({
  plants: ['kz-ast-01', 'kz-ala-01'],
  alertEmails: ['alerts@example.com'],
  opsEmails: ['ops@example.com'],
});
const templates: Array<[string, Template]> = [
  ['stateful', built.stateful],
  ['stateless', built.stateless],
];

/** Actions AWS authorizes only on `*` (no resource-level permissions). */
const UNSCOPED_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'timestream:DescribeEndpoints',
  'iot:DescribeEndpoint',
  'cloudwatch:PutMetricData',
]);

/** Actions that read or write data (or keys to data). */
const DATA_PLANE =
  /^(dynamodb:(Get|Put|Update|Delete|BatchGet|BatchWrite|TransactGet|TransactWrite)Item|dynamodb:(Query|Scan)|timestream:(WriteRecords|Select)|sns:Publish|sqs:(SendMessage|ReceiveMessage|DeleteMessage|ChangeMessageVisibility)|kms:(Decrypt|Encrypt|GenerateDataKey.*|ReEncrypt.*)|s3:(Get|Put|Delete)Object.*|iot:(Publish|Receive|Subscribe|Connect)|logs:PutLogEvents)$/;

const figures = new Figures('template', 'template security and dependency audit');
afterAll(() => figures.report());

const asList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

interface PolicyStatement {
  readonly where: string;
  readonly kind: string;
  readonly Effect?: string;
  readonly Action?: unknown;
  readonly Resource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

/** Every statement of every resource policy (key, queue, topic, bucket policies). */
function resourcePolicyStatements(): PolicyStatement[] {
  const out: PolicyStatement[] = [];
  const sources: Array<[string, (r: Resource) => unknown]> = [
    ['AWS::KMS::Key', (r) => props(r).KeyPolicy],
    ['AWS::SQS::QueuePolicy', (r) => props(r).PolicyDocument],
    ['AWS::SNS::TopicPolicy', (r) => props(r).PolicyDocument],
    ['AWS::S3::BucketPolicy', (r) => props(r).PolicyDocument],
  ];
  for (const [, template] of templates) {
    for (const [type, document] of sources) {
      for (const [id, resource] of resourcesOf(template, type)) {
        const doc = document(resource) as { Statement?: unknown };
        for (const s of asList(doc?.Statement) as Array<Record<string, unknown>>) {
          out.push({ where: id, kind: type, ...s });
        }
      }
    }
  }
  return out;
}

/** The account-root statement of a KMS key policy: `arn:<partition>:iam::<account>:root`. */
function isKeyAccountStatement(s: PolicyStatement): boolean {
  if (s.kind !== 'AWS::KMS::Key') return false;
  const principal = JSON.stringify(s.Principal ?? {});
  return principal.includes(':iam::') && principal.includes(':root');
}

/** The literal text of an IoT policy resource (an Fn::Join of strings and references). */
function resourceText(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  return join ? join[1].map((part) => (typeof part === 'string' ? part : '<ref>')).join(join[0]) : '<ref>';
}

describe('template security', () => {
  const identity = iamStatements(templates.map(([, t]) => t)).filter((s) => s.effect === 'Allow');
  const resource = resourcePolicyStatements().filter((s) => s.Effect === 'Allow');

  it('grants no wildcard action, in identity or resource policies', () => {
    const wildIdentity = identity.filter((s) => s.actions.some((a) => a.includes('*')));
    const wildResource = resource.filter(
      (s) => asList(s.Action).some((a) => String(a).includes('*')) && !isKeyAccountStatement(s),
    );
    const keyAccount = resource.filter(isKeyAccountStatement);
    figures.add('identity Allow statements checked', identity.length);
    figures.add('resource-policy Allow statements checked', resource.length);
    figures.add(
      'wildcard actions (identity / resource policies)',
      `${wildIdentity.length} / ${wildResource.length}`,
      '0 / 0',
    );
    figures.add('KMS key-policy account statements (AWS default, delegate to IAM)', keyAccount.length);
    expect(identity.length).toBeGreaterThan(20);
    expect(wildIdentity.map((s) => [s.where, s.actions])).toEqual([]);
    expect(wildResource.map((s) => [s.where, s.Action])).toEqual([]);
  });

  it('puts no data-plane action on "*"', () => {
    const onStar = identity.filter((s) => s.resources.includes('*'));
    const dataOnStar = onStar.filter((s) =>
      s.actions.some((a) => DATA_PLANE.test(a) || !UNSCOPED_ACTIONS.has(a)),
    );
    // In a resource policy, "*" is the resource itself; a principal of "*" would open it to anyone.
    const openToAnyone = resource.filter((s) => {
      const principal = s.Principal;
      return principal === '*' || JSON.stringify(principal ?? {}).includes('"AWS":"*"');
    });
    figures.add('identity statements on "*" (all without resource-level permissions)', onStar.length);
    figures.add('data-plane actions on "*"', dataOnStar.length, '0');
    figures.add('resource policies allowing any principal', openToAnyone.length, '0');
    expect(dataOnStar.map((s) => [s.where, s.actions])).toEqual([]);
    expect(openToAnyone.map((s) => [s.where, s.Action])).toEqual([]);
  });

  it('scopes every IoT policy statement by the connecting thing', () => {
    const policies = templates.flatMap(([, t]) => resourcesOf(t, 'AWS::IoT::Policy'));
    const statements = policies.flatMap(([id, p]) =>
      (
        asList((props(p).PolicyDocument as { Statement?: unknown })?.Statement) as Array<
          Record<string, unknown>
        >
      ).map((statement): Record<string, unknown> & { id: string } => ({ ...statement, id })),
    );
    const problems: string[] = [];
    for (const s of statements) {
      const actions = asList(s.Action).map(String);
      const resources = asList(s.Resource).map(resourceText);
      if (actions.some((a) => a.includes('*'))) problems.push(`${s.id}: wildcard action ${actions}`);
      if (resources.some((r) => r === '*' || r.endsWith('/*') || r.endsWith(':*')))
        problems.push(`${s.id}: unscoped resource ${resources}`);
      if (!resources.every((r) => r.includes('${iot:Connection.Thing.')))
        problems.push(`${s.id}: ${actions} not scoped by the thing: ${resources}`);
      if (actions.includes('iot:Connect')) {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an IoT policy variable.
        if (!resources.every((r) => r.endsWith(':client/${iot:Connection.Thing.ThingName}')))
          problems.push(`${s.id}: connect as another client ${resources}`);
        if (
          JSON.stringify(s.Condition ?? {}) !==
          JSON.stringify({ Bool: { 'iot:Connection.Thing.IsAttached': 'true' } })
        )
          problems.push(`${s.id}: connect without the certificate attached to the thing`);
      }
    }
    figures.add('IoT policies / statements', `${policies.length} / ${statements.length}`);
    figures.add('IoT statements not scoped by thing', problems.length, '0');
    expect(policies.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it('encrypts every store at rest', () => {
    const stores: Array<[string, (p: Record<string, unknown>) => boolean]> = [
      [
        'AWS::DynamoDB::Table',
        (p) => (p.SSESpecification as { SSEEnabled?: boolean } | undefined)?.SSEEnabled === true,
      ],
      ['AWS::SQS::Queue', (p) => p.KmsMasterKeyId !== undefined || p.SqsManagedSseEnabled === true],
      ['AWS::SNS::Topic', (p) => p.KmsMasterKeyId !== undefined],
      ['AWS::Timestream::Database', (p) => p.KmsKeyId !== undefined],
      [
        'AWS::S3::Bucket',
        (p) =>
          ((p.BucketEncryption as { ServerSideEncryptionConfiguration?: unknown[] } | undefined)
            ?.ServerSideEncryptionConfiguration?.length ?? 0) > 0,
      ],
    ];
    const counts: string[] = [];
    const unencrypted: string[] = [];
    for (const [type, encrypted] of stores) {
      const found = templates.flatMap(([, t]) => resourcesOf(t, type));
      counts.push(`${type.split('::')[1]} ${found.length}`);
      for (const [id, r] of found) if (!encrypted(props(r))) unencrypted.push(`${type} ${id}`);
    }
    const logGroups = templates.flatMap(([, t]) => resourcesOf(t, 'AWS::Logs::LogGroup'));
    figures.add('stores checked', counts.join(', '));
    figures.add('stores without encryption at rest', unencrypted.length, '0');
    figures.add(
      'log groups with a customer key / total (the rest: CloudWatch Logs service encryption)',
      `${logGroups.filter(([, r]) => props(r).KmsKeyId !== undefined).length} / ${logGroups.length}`,
    );
    expect(unencrypted).toEqual([]);
    expect(counts.every((c) => !c.endsWith(' 0'))).toBe(true);
  });

  it('depends on no package with a high or critical advisory (npm audit --omit=dev)', (ctx) => {
    const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], {
      encoding: 'utf8',
      timeout: 90_000,
      maxBuffer: 64 * 2 ** 20,
    });
    let report: {
      /** npm's own answer when the audit endpoint refused the request (e.g. "405 Method Not Allowed - POST ..."). */
      message?: string;
      error?: { code?: string; summary?: string };
      metadata?: { vulnerabilities?: Record<string, number>; dependencies?: { prod?: number } };
      vulnerabilities?: Record<string, { severity: string; via: unknown[] }>;
    };
    try {
      report = JSON.parse(run.stdout);
    } catch {
      report = {
        error: {
          code: run.error ? String((run.error as NodeJS.ErrnoException).code) : 'NO_JSON',
          summary: run.stderr.slice(0, 200),
        },
      };
    }
    const counts = report.metadata?.vulnerabilities;
    if (counts === undefined) {
      const detail = report.error?.summary || report.message || '';
      const reason = `npm audit could not reach the registry's audit endpoint (${report.error?.code ?? 'no code'}: ${detail.split('\n')[0]})`;
      console.log(`template security: audit skipped: ${reason}`);
      figures.add('npm audit --omit=dev', `skipped: ${reason}`);
      ctx.skip();
      return;
    }
    const severe = Object.entries(report.vulnerabilities ?? {})
      .filter(([, v]) => v.severity === 'high' || v.severity === 'critical')
      .map(([name, v]) => `${name} (${v.severity})`);
    figures.add(
      'npm audit --omit=dev: critical / high / moderate / low',
      `${counts.critical ?? 0} / ${counts.high ?? 0} / ${counts.moderate ?? 0} / ${counts.low ?? 0}`,
      '0 / 0 / any / any',
    );
    figures.add('production dependencies audited', report.metadata?.dependencies?.prod ?? 'n/a');
    expect(severe).toEqual([]);
  });
});
