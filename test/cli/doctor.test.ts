import { ListEngineVersionsCommand } from '@aws-sdk/client-athena';
import { GetCatalogCommand } from '@aws-sdk/client-glue';
import { GetDataLakeSettingsCommand } from '@aws-sdk/client-lakeformation';
import { ListTableBucketsCommand } from '@aws-sdk/client-s3tables';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ListDatabasesCommand } from '@aws-sdk/client-timestream-write';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../bin/wte.ts';
import { type DoctorAnswers, decideDoctor } from '../../cli/doctor-checks.ts';
import { doctorClientsFrom, doctorCommand } from '../../cli/doctor-command.ts';

const ACCOUNT = '123456789012';
const OK: DoctorAnswers = {
  region: 'eu-central-1',
  qualifier: 'hnb659fds',
  credentials: { status: 'ok', account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/ops` },
  bootstrap: { status: 'ok', version: 30 },
  timestream: { status: 'ok', databases: 1 },
  athenaDuckDb: { status: 'ok', engine: 'DuckDB' },
  s3Tables: { status: 'ok' },
  s3TablesIntegration: { status: 'ok' },
  lakeAdmin: { status: 'ok' },
};
const denied = { status: 'denied', detail: 'AccessDeniedException: not authorized' } as const;
const closed = { status: 'closed', detail: 'AccessDeniedException: contact AWS Support' } as const;

describe('decideDoctor', () => {
  it.each<[string, Partial<DoctorAnswers>, string | undefined, number]>([
    ['everything answers: the default store', {}, 'timestream', 0],
    [
      'an admitted account without a database yet',
      { timestream: { status: 'ok', databases: 0 } },
      'timestream',
      0,
    ],
    ['Timestream closed, lake offered', { timestream: closed }, 'lake', 0],
    [
      'Timestream not in the region, lake offered',
      { timestream: { status: 'unavailable', detail: 'x' } },
      'lake',
      0,
    ],
    ['Timestream unknown (IAM), lake offered', { timestream: denied }, 'lake', 0],
    [
      'Timestream closed, no DuckDB engine',
      { timestream: closed, athenaDuckDb: { status: 'absent', engines: ['Athena engine version 3'] } },
      undefined,
      1,
    ],
    [
      'Timestream closed, S3 Tables not in the region',
      { timestream: closed, s3Tables: { status: 'unavailable', detail: 'x' } },
      undefined,
      1,
    ],
    ['Timestream closed, S3 Tables unknown', { timestream: closed, s3Tables: denied }, undefined, 1],
    ['Timestream closed, Athena unknown', { timestream: closed, athenaDuckDb: denied }, undefined, 1],
    ['not bootstrapped', { bootstrap: { status: 'missing' } }, 'timestream', 1],
    ['bootstrap older than version 6', { bootstrap: { status: 'ok', version: 5 } }, 'timestream', 1],
    ['bootstrap exactly version 6', { bootstrap: { status: 'ok', version: 6 } }, 'timestream', 0],
    ['bootstrap unknown does not block', { bootstrap: denied }, 'timestream', 0],
    ['no region', { region: undefined, credentials: undefined }, undefined, 2],
    [
      'no credentials',
      { credentials: { status: 'missing', detail: 'Could not load credentials' } },
      undefined,
      2,
    ],
    ['expired credentials', { credentials: { status: 'expired', detail: 'ExpiredToken' } }, undefined, 2],
    ['STS unreachable', { credentials: { status: 'error', detail: 'TimeoutError' } }, undefined, 2],
  ])('%s', (_name, change, store, exitCode) => {
    const verdict = decideDoctor({ ...OK, ...change });
    expect(verdict.store).toBe(store);
    expect(verdict.exitCode).toBe(exitCode);
    expect(verdict.missing.length === 0).toBe(exitCode === 0);
  });

  it('names the bootstrap command with account and region', () => {
    const verdict = decideDoctor({ ...OK, bootstrap: { status: 'missing' } });
    expect(verdict.missing.join('\n')).toContain(`npx cdk bootstrap aws://${ACCOUNT}/eu-central-1`);
  });

  it('sends expired credentials to aws sso login with the profile', () => {
    const verdict = decideDoctor({ ...OK, credentials: { status: 'expired', detail: 'x' } }, 'plant-ops');
    expect(verdict.checks.find((c) => c.check === 'credentials')?.fix).toContain(
      'aws sso login --profile plant-ops',
    );
    expect(verdict.checks.filter((c) => c.state === 'skipped')).toHaveLength(6);
  });
});

// The clients the command builds, each stubbed on its instance: no SDK class is mocked.
const clients = doctorClientsFrom({ region: 'eu-central-1' });
const sts = mockClient(clients.sts);
const ssm = mockClient(clients.ssm);
const timestream = mockClient(clients.timestream);
const athena = mockClient(clients.athena);
const s3tables = mockClient(clients.s3tables);
const glue = mockClient(clients.glue);
const lakeformation = mockClient(clients.lakeformation);
const mocks = [sts, ssm, timestream, athena, s3tables, glue, lakeformation];

function awsError(name: string, message: string, code?: string): Error {
  return Object.assign(new Error(message), { name }, code ? { code } : {});
}

function healthy(): void {
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/ops` });
  ssm
    .on(GetParameterCommand, { Name: '/cdk-bootstrap/hnb659fds/version' })
    .resolves({ Parameter: { Value: '30' } });
  timestream.on(ListDatabasesCommand).resolves({ Databases: [{ DatabaseName: 'wte' }] });
  athena.on(ListEngineVersionsCommand).resolves({
    EngineVersions: [{ SelectedEngineVersion: 'AUTO' }, { SelectedEngineVersion: 'Athena engine version 3' }],
    NextToken: 'p2',
  });
  athena
    .on(ListEngineVersionsCommand, { NextToken: 'p2' })
    .resolves({ EngineVersions: [{ SelectedEngineVersion: 'DuckDB' }] });
  s3tables.on(ListTableBucketsCommand).resolves({ tableBuckets: [] });
  glue.on(GetCatalogCommand).resolves({ Catalog: { Name: 's3tablescatalog' } });
  lakeformation.on(GetDataLakeSettingsCommand).resolves({
    DataLakeSettings: {
      DataLakeAdmins: [
        {
          DataLakePrincipalIdentifier: `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-eu-central-1`,
        },
      ],
    },
  });
}

async function doctor(...args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await doctorCommand({ out: (t) => out.push(t), err: (t) => out.push(t) }, clients, {
    json: args.includes('--json'),
  });
  return { code, out: out.join('\n') };
}

interface JsonVerdict {
  store?: string;
  exitCode: number;
  checks: Array<{ check: string; state: string; message: string }>;
}

async function verdict(): Promise<JsonVerdict> {
  const { out } = await doctor('--json');
  return JSON.parse(out) as JsonVerdict;
}

function stateOf(v: JsonVerdict, check: string): string | undefined {
  return v.checks.find((c) => c.check === check)?.state;
}

describe('wte doctor against mocked AWS', () => {
  beforeEach(() => {
    for (const m of mocks) m.reset();
    healthy();
  });
  afterEach(() => {
    for (const m of mocks) m.reset();
  });

  it('reports every check ok, follows the engine pages to DuckDB, and prints the default store', async () => {
    const { code, out } = await doctor();
    expect(code).toBe(0);
    for (const check of [
      'region',
      'credentials',
      'bootstrap',
      'timestream',
      'athena-duckdb',
      's3-tables',
      's3tables-integration',
      'lakeformation-admin',
    ])
      expect(out).toMatch(new RegExp(`^ok\\s+${check}\\s`, 'm'));
    expect(out).toContain('-c metricsStore=timestream');
    expect(out).toContain('metricsStore=lake would work too');
    expect(athena.commandCalls(ListEngineVersionsCommand)).toHaveLength(2);
  });

  it('an account refused by Timestream without an IAM reason gets the lake', async () => {
    timestream
      .on(ListDatabasesCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          'Your account is not enabled for this service. Please contact AWS Support.',
        ),
      );
    const v = await verdict();
    expect(stateOf(v, 'timestream')).toBe('missing');
    expect(v.store).toBe('lake');
    expect(v.exitCode).toBe(0);
  });

  it('an IAM denial on Timestream is unknown, not closed', async () => {
    timestream
      .on(ListDatabasesCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          `User: arn:aws:iam::${ACCOUNT}:user/ops is not authorized to perform: timestream:DescribeEndpoints`,
        ),
      );
    const v = await verdict();
    expect(stateOf(v, 'timestream')).toBe('unknown');
    expect(v.store).toBe('lake');
  });

  it('a region without a Timestream endpoint is missing Timestream', async () => {
    timestream
      .on(ListDatabasesCommand)
      .rejects(
        awsError('Error', 'getaddrinfo ENOTFOUND ingest.timestream.ap-east-1.amazonaws.com', 'ENOTFOUND'),
      );
    const v = await verdict();
    expect(v.checks.find((c) => c.check === 'timestream')?.message).toContain('not offered in this region');
    expect(v.store).toBe('lake');
  });

  it('no Timestream and no DuckDB engine: exit 1 and says what is missing', async () => {
    timestream
      .on(ListDatabasesCommand)
      .rejects(awsError('AccessDeniedException', 'not available to new customers'));
    athena
      .on(ListEngineVersionsCommand)
      .resolves({ EngineVersions: [{ SelectedEngineVersion: 'Athena engine version 3' }] });
    const { code, out } = await doctor();
    expect(code).toBe(1);
    expect(out).toContain('no metrics store is usable');
    expect(out).toContain('offers no DuckDB engine (only Athena engine version 3)');
  });

  it('Athena or S3 Tables not answering in the region leaves no store', async () => {
    timestream.on(ListDatabasesCommand).rejects(awsError('AccessDeniedException', 'contact AWS Support'));
    s3tables
      .on(ListTableBucketsCommand)
      .rejects(awsError('Error', 'getaddrinfo ENOTFOUND s3tables.xx-1.amazonaws.com', 'ENOTFOUND'));
    athena
      .on(ListEngineVersionsCommand)
      .rejects(
        awsError('AccessDeniedException', 'User: x is not authorized to perform: athena:ListEngineVersions'),
      );
    const v = await verdict();
    expect(stateOf(v, 's3-tables')).toBe('missing');
    expect(stateOf(v, 'athena-duckdb')).toBe('unknown');
    expect(v.store).toBeUndefined();
    expect(v.exitCode).toBe(1);
  });

  it('a missing bootstrap parameter fails with the bootstrap command', async () => {
    ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound', ''));
    const { code, out } = await doctor();
    expect(code).toBe(1);
    expect(out).toContain(`npx cdk bootstrap aws://${ACCOUNT}/eu-central-1`);
  });

  it.each([
    ['CredentialsProviderError', 'Could not load credentials from any providers', 'no AWS credentials found'],
    ['ExpiredToken', 'The security token included in the request is expired', 'have expired'],
    ['CredentialsProviderError', 'The SSO session associated with this profile has expired', 'have expired'],
    [
      'InvalidClientTokenId',
      'The security token included in the request is invalid.',
      'AWS refused the credentials',
    ],
  ])('%s (%s) exits 2 without probing further', async (name, message, said) => {
    sts.on(GetCallerIdentityCommand).rejects(awsError(name, message));
    const { code, out } = await doctor();
    expect(code).toBe(2);
    expect(out).toContain(said);
    expect(timestream.commandCalls(ListDatabasesCommand)).toHaveLength(0);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it('without a region it asks for one and exits 2', async () => {
    const noRegion = new STSClient({
      region: async () => {
        throw new Error('Region is missing');
      },
    });
    const noRegionSts = mockClient(noRegion);
    const out: string[] = [];
    const code = await doctorCommand(
      { out: (t) => out.push(t), err: (t) => out.push(t) },
      { ...clients, sts: noRegion },
      {},
    );
    expect(code).toBe(2);
    expect(out.join('\n')).toContain('pass --region R');
    expect(noRegionSts.calls()).toHaveLength(0);
    expect(sts.calls()).toHaveLength(0);
  });
});

describe('doctorClientsFrom', () => {
  it('builds every client for --region and --profile, bounded to two attempts', async () => {
    const built = doctorClientsFrom({ region: 'ap-south-1', profile: 'ops' });
    for (const client of Object.values(built)) {
      expect(await client.config.region()).toBe('ap-south-1');
      expect(client.config.profile).toBe('ops');
      expect(await client.config.maxAttempts()).toBe(2);
    }
  });
});

describe('wte doctor in the command table', () => {
  it('is listed and prints documented usage on --help', async () => {
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
    expect(await main(['--help'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/^ {2}doctor /m);
    out.length = 0;
    expect(await main(['doctor', '--help'], io)).toBe(0);
    const usage = out.join('\n');
    for (const word of [
      '--region',
      '--profile',
      'metricsStore=timestream|lake',
      'Exit codes',
      'docs/doctor.md',
    ])
      expect(usage).toContain(word);
  });

  it('refuses a malformed qualifier with exit 2', async () => {
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
    expect(await main(['doctor', '--region', 'eu-central-1', '--qualifier', '../x'], io)).toBe(2);
    expect(out.join('\n')).toContain('--qualifier');
  });
});
