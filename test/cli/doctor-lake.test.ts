import { ListEngineVersionsCommand } from '@aws-sdk/client-athena';
import {
  EntityNotFoundException,
  GetCatalogCommand,
  AccessDeniedException as GlueAccessDenied,
} from '@aws-sdk/client-glue';
import {
  GetDataLakeSettingsCommand,
  AccessDeniedException as LakeFormationAccessDenied,
} from '@aws-sdk/client-lakeformation';
import { ListTableBucketsCommand } from '@aws-sdk/client-s3tables';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ListDatabasesCommand } from '@aws-sdk/client-timestream-write';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../bin/wte.ts';
import { type DoctorAnswers, decideDoctor, formatDoctorReport } from '../../cli/doctor-checks.ts';
import { doctorClientsFrom, doctorCommand } from '../../cli/doctor-command.ts';

const ACCOUNT = '123456789012';
const REGION = 'eu-central-1';
const EXEC_ROLE = `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${REGION}`;
const closed = { status: 'closed', detail: 'AccessDeniedException: contact AWS Support' } as const;
const denied = { status: 'denied', detail: 'AccessDeniedException: User: x is not authorized' } as const;
/** A new account: Timestream refuses it, the lake is offered and set up. */
const LAKE_ACCOUNT: DoctorAnswers = {
  region: REGION,
  qualifier: 'hnb659fds',
  credentials: { status: 'ok', account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/ops` },
  bootstrap: { status: 'ok', version: 30 },
  timestream: closed,
  athenaDuckDb: { status: 'ok', engine: 'DuckDB' },
  s3Tables: { status: 'ok' },
  s3TablesIntegration: { status: 'ok' },
  lakeAdmin: { status: 'ok' },
};

function lineOf(answers: DoctorAnswers, check: string) {
  return decideDoctor(answers).checks.find((c) => c.check === check);
}

describe('decideDoctor: the lake account setup', () => {
  it.each<[string, Partial<DoctorAnswers>, string | undefined, number]>([
    ['integration off', { s3TablesIntegration: { status: 'missing' } }, undefined, 1],
    ['role not an administrator', { lakeAdmin: { status: 'missing', admins: [] } }, undefined, 1],
    ['integration unknown (glue denied)', { s3TablesIntegration: denied }, undefined, 1],
    ['administrator unknown (lakeformation denied)', { lakeAdmin: denied }, undefined, 1],
    ['Glue unreachable', { s3TablesIntegration: { status: 'error', detail: 'TimeoutError' } }, undefined, 1],
    [
      'integration off, but Timestream open',
      { timestream: { status: 'ok', databases: 1 }, s3TablesIntegration: { status: 'missing' } },
      'timestream',
      0,
    ],
    [
      'role not an administrator, but Timestream open',
      { timestream: { status: 'ok', databases: 0 }, lakeAdmin: { status: 'missing', admins: [] } },
      'timestream',
      0,
    ],
  ])('%s', (_name, change, store, exitCode) => {
    const verdict = decideDoctor({ ...LAKE_ACCOUNT, ...change });
    expect(verdict.store).toBe(store);
    expect(verdict.exitCode).toBe(exitCode);
    expect(verdict.lakeUsable).toBe(store === 'lake');
  });

  it('a lake offered but not set up says to deploy the lake after the fixes, with each fix', () => {
    const verdict = decideDoctor({
      ...LAKE_ACCOUNT,
      s3TablesIntegration: { status: 'missing' },
      lakeAdmin: { status: 'missing', admins: [`arn:aws:iam::${ACCOUNT}:role/Admin`] },
    });
    const text = verdict.missing.join('\n');
    expect(text).toContain('not set up in the account');
    expect(text).toContain('deploy with -c metricsStore=lake');
    expect(text).toContain('"Enable integration"');
    expect(text).toContain(`arn:aws:s3tables:${REGION}:${ACCOUNT}:bucket/*`);
    expect(text).toContain(`aws lakeformation put-data-lake-settings --region ${REGION}`);
    expect(text).toContain(`{"DataLakePrincipalIdentifier":"${EXEC_ROLE}"}`);
    expect(text).toContain(`administrators now: arn:aws:iam::${ACCOUNT}:role/Admin`);
  });

  it('with Timestream open, the report recommends it and notes what the lake would need', () => {
    const verdict = decideDoctor({
      ...LAKE_ACCOUNT,
      timestream: { status: 'ok', databases: 1 },
      lakeAdmin: { status: 'missing', admins: [] },
    });
    expect(verdict.missing).toEqual([]);
    expect(verdict.lakeNeeds).toHaveLength(1);
    const report = formatDoctorReport(verdict);
    expect(report).toContain('-c metricsStore=timestream');
    expect(report).not.toContain('would work too');
    expect(report).toMatch(
      /metricsStore=lake would first need \(fixes above\):\n {2}- lakeformation-admin: /,
    );
  });

  it('names the permission each unknown answer needs', () => {
    expect(lineOf({ ...LAKE_ACCOUNT, s3TablesIntegration: denied }, 's3tables-integration')?.fix).toContain(
      `glue:GetCatalog on arn:aws:glue:${REGION}:${ACCOUNT}:catalog/s3tablescatalog`,
    );
    expect(lineOf({ ...LAKE_ACCOUNT, lakeAdmin: denied }, 'lakeformation-admin')?.fix).toContain(
      'lakeformation:GetDataLakeSettings',
    );
  });

  it('skips the integration where S3 Tables is not offered, instead of asking to enable it', () => {
    const answers: DoctorAnswers = {
      ...LAKE_ACCOUNT,
      s3Tables: { status: 'unavailable', detail: 'ENOTFOUND' },
      s3TablesIntegration: { status: 'missing' },
    };
    expect(lineOf(answers, 's3tables-integration')?.state).toBe('skipped');
    expect(decideDoctor(answers).missing.join('\n')).not.toContain('Enable integration');
  });

  it('builds the role and catalog ARNs in the caller partition and for the qualifier', () => {
    const answers: DoctorAnswers = {
      ...LAKE_ACCOUNT,
      region: 'cn-north-1',
      qualifier: 'plant',
      credentials: { status: 'ok', account: ACCOUNT, arn: `arn:aws-cn:iam::${ACCOUNT}:user/ops` },
      s3TablesIntegration: { status: 'missing' },
      lakeAdmin: { status: 'missing', admins: [] },
    };
    expect(lineOf(answers, 'lakeformation-admin')?.message).toContain(
      `arn:aws-cn:iam::${ACCOUNT}:role/cdk-plant-cfn-exec-role-${ACCOUNT}-cn-north-1`,
    );
    expect(lineOf(answers, 's3tables-integration')?.fix).toContain(
      `arn:aws-cn:s3tables:cn-north-1:${ACCOUNT}:bucket/*`,
    );
  });
});

// The clients the command builds, each stubbed on its instance: no SDK class is mocked.
const clients = doctorClientsFrom({ region: REGION });
const sts = mockClient(clients.sts);
const ssm = mockClient(clients.ssm);
const timestream = mockClient(clients.timestream);
const athena = mockClient(clients.athena);
const s3tables = mockClient(clients.s3tables);
const glue = mockClient(clients.glue);
const lakeformation = mockClient(clients.lakeformation);
const mocks = [sts, ssm, timestream, athena, s3tables, glue, lakeformation];

function admins(...arns: string[]) {
  return { DataLakeSettings: { DataLakeAdmins: arns.map((a) => ({ DataLakePrincipalIdentifier: a })) } };
}

/** A new account where the lake is set up: Timestream refuses it, every lake probe answers yes. */
function lakeAccount(): void {
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/ops` });
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '30' } });
  timestream
    .on(ListDatabasesCommand)
    .rejects(Object.assign(new Error('not available to new customers'), { name: 'AccessDeniedException' }));
  athena.on(ListEngineVersionsCommand).resolves({ EngineVersions: [{ SelectedEngineVersion: 'DuckDB' }] });
  s3tables.on(ListTableBucketsCommand).resolves({ tableBuckets: [] });
  glue.on(GetCatalogCommand).resolves({ Catalog: { Name: 's3tablescatalog' } });
  lakeformation
    .on(GetDataLakeSettingsCommand)
    .resolves(admins(`arn:aws:iam::${ACCOUNT}:role/Admin`, EXEC_ROLE));
}

async function doctor(options: { qualifier?: string } = {}) {
  const out: string[] = [];
  const code = await doctorCommand({ out: (t) => out.push(t), err: (t) => out.push(t) }, clients, {
    json: true,
    ...options,
  });
  const verdict = JSON.parse(out.join('\n')) as {
    store?: string;
    exitCode: number;
    lakeNeeds: string[];
    checks: Array<{ check: string; state: string; message: string; fix?: string }>;
  };
  const line = (check: string) => verdict.checks.find((c) => c.check === check);
  return { code, verdict, line };
}

function metadata() {
  return { $metadata: { httpStatusCode: 400 } };
}

describe('wte doctor lake setup against mocked AWS', () => {
  beforeEach(() => {
    for (const m of mocks) m.reset();
    lakeAccount();
  });
  afterEach(() => {
    for (const m of mocks) m.reset();
  });

  it('asks Glue for ACCOUNT:s3tablescatalog and finds the exec role among the administrators: the lake, exit 0', async () => {
    const { code, verdict, line } = await doctor();
    expect(line('s3tables-integration')?.state).toBe('ok');
    expect(line('lakeformation-admin')?.state).toBe('ok');
    expect(verdict.store).toBe('lake');
    expect(code).toBe(0);
    expect(glue.commandCalls(GetCatalogCommand)[0]?.args[0].input).toEqual({
      CatalogId: `${ACCOUNT}:s3tablescatalog`,
    });
  });

  it('an administrator entered in another case is the same role', async () => {
    lakeformation.on(GetDataLakeSettingsCommand).resolves(admins(EXEC_ROLE.toLowerCase()));
    expect((await doctor()).line('lakeformation-admin')?.state).toBe('ok');
  });

  it('no s3tablescatalog (EntityNotFoundException): integration missing, no store, exit 1', async () => {
    glue
      .on(GetCatalogCommand)
      .rejects(new EntityNotFoundException({ message: 'Catalog not found', ...metadata() }));
    const { code, verdict, line } = await doctor();
    expect(line('s3tables-integration')?.state).toBe('missing');
    expect(line('s3tables-integration')?.fix).toContain('Enable integration');
    expect(verdict.store).toBeUndefined();
    expect(code).toBe(1);
  });

  it('the exec role of the given qualifier missing from the administrators: missing, exit 1', async () => {
    lakeformation.on(GetDataLakeSettingsCommand).resolves(admins(EXEC_ROLE));
    const { code, line } = await doctor({ qualifier: 'plant' });
    expect(line('lakeformation-admin')?.state).toBe('missing');
    expect(line('lakeformation-admin')?.message).toContain(
      `role/cdk-plant-cfn-exec-role-${ACCOUNT}-${REGION}`,
    );
    expect(line('lakeformation-admin')?.message).toContain(`administrators now: ${EXEC_ROLE}`);
    expect(code).toBe(1);
  });

  it('no data lake administrators at all: missing', async () => {
    lakeformation.on(GetDataLakeSettingsCommand).resolves({ DataLakeSettings: {} });
    const { line } = await doctor();
    expect(line('lakeformation-admin')?.message).toContain('administrators now: none');
  });

  it('a crowded administrator list is cut to five names', async () => {
    const many = Array.from({ length: 8 }, (_, i) => `arn:aws:iam::${ACCOUNT}:role/admin-${i}`);
    lakeformation.on(GetDataLakeSettingsCommand).resolves(admins(...many));
    const message = (await doctor()).line('lakeformation-admin')?.message ?? '';
    expect(message).toContain('role/admin-4 and 3 more');
    expect(message).not.toContain('role/admin-5');
  });

  it('access denied on glue:GetCatalog or lakeformation:GetDataLakeSettings: unknown, exit 1', async () => {
    glue.on(GetCatalogCommand).rejects(
      new GlueAccessDenied({
        message: 'User: x is not authorized to perform: glue:GetCatalog',
        ...metadata(),
      }),
    );
    lakeformation.on(GetDataLakeSettingsCommand).rejects(
      new LakeFormationAccessDenied({
        message: 'User: x is not authorized to perform: lakeformation:GetDataLakeSettings',
        ...metadata(),
      }),
    );
    const { code, line } = await doctor();
    expect(line('s3tables-integration')?.state).toBe('unknown');
    expect(line('s3tables-integration')?.fix).toContain('allow glue:GetCatalog');
    expect(line('lakeformation-admin')?.state).toBe('unknown');
    expect(line('lakeformation-admin')?.fix).toContain('allow lakeformation:GetDataLakeSettings');
    expect(code).toBe(1);
  });

  it('Glue or Lake Formation unreachable: unknown with a retry, exit 1', async () => {
    glue
      .on(GetCatalogCommand)
      .rejects(Object.assign(new Error('getaddrinfo ENOTFOUND glue'), { name: 'Error', code: 'ENOTFOUND' }));
    lakeformation
      .on(GetDataLakeSettingsCommand)
      .rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    const { code, line } = await doctor();
    expect(line('s3tables-integration')?.fix).toBe('run wte doctor again');
    expect(line('lakeformation-admin')?.message).toContain('TimeoutError');
    expect(code).toBe(1);
  });

  it('with Timestream open, a lake not set up still deploys Timestream: exit 0, the lake needs listed', async () => {
    timestream.on(ListDatabasesCommand).resolves({ Databases: [] });
    glue.on(GetCatalogCommand).rejects(new EntityNotFoundException({ message: 'not found', ...metadata() }));
    const { code, verdict } = await doctor();
    expect(verdict.store).toBe('timestream');
    expect(verdict.lakeNeeds.join('\n')).toContain('s3tables-integration: ');
    expect(code).toBe(0);
  });

  it('expired credentials: neither Glue nor Lake Formation is asked, both skipped, exit 2', async () => {
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('expired'), { name: 'ExpiredToken' }));
    const { code, line } = await doctor();
    expect(code).toBe(2);
    expect(line('s3tables-integration')?.state).toBe('skipped');
    expect(line('lakeformation-admin')?.state).toBe('skipped');
    expect(glue.commandCalls(GetCatalogCommand)).toHaveLength(0);
    expect(lakeformation.commandCalls(GetDataLakeSettingsCommand)).toHaveLength(0);
  });

  it('no region: neither Glue nor Lake Formation is asked, both skipped, exit 2', async () => {
    const noRegion = new STSClient({
      region: async () => {
        throw new Error('Region is missing');
      },
    });
    const noRegionSts = mockClient(noRegion);
    const out: string[] = [];
    const code = await doctorCommand(
      { out: (t) => out.push(t), err: () => {} },
      { ...clients, sts: noRegion },
      { json: true },
    );
    expect(code).toBe(2);
    const { checks } = JSON.parse(out.join('\n')) as { checks: Array<{ check: string; state: string }> };
    expect(
      checks.filter((c) => c.check.startsWith('s3tables-') || c.check.startsWith('lakeformation-')),
    ).toEqual([
      expect.objectContaining({ check: 's3tables-integration', state: 'skipped' }),
      expect.objectContaining({ check: 'lakeformation-admin', state: 'skipped' }),
    ]);
    expect(glue.commandCalls(GetCatalogCommand)).toHaveLength(0);
    expect(lakeformation.commandCalls(GetDataLakeSettingsCommand)).toHaveLength(0);
    expect(noRegionSts.calls()).toHaveLength(0);
  });
});

describe('wte doctor --help', () => {
  it('documents the two lake setup checks and their IAM actions', async () => {
    const out: string[] = [];
    expect(await main(['doctor', '--help'], { out: (t) => out.push(t), err: (t) => out.push(t) })).toBe(0);
    const usage = out.join('\n');
    for (const word of [
      's3tables-integration',
      'glue:GetCatalog',
      'lakeformation-admin',
      'lakeformation:GetDataLakeSettings',
      'cfn-exec-role',
    ])
      expect(usage).toContain(word);
  });
});
