/**
 * `wte doctor`: asks AWS, with the caller's credentials, the few questions
 * that decide whether and how this app deploys (doctor-checks.ts decides).
 * Every probe is read-only and free: nothing is created in the account.
 */
import { AthenaClient, ListEngineVersionsCommand } from '@aws-sdk/client-athena';
import { GetCatalogCommand, GlueClient } from '@aws-sdk/client-glue';
import { GetDataLakeSettingsCommand, LakeFormationClient } from '@aws-sdk/client-lakeformation';
import { ListTableBucketsCommand, S3TablesClient } from '@aws-sdk/client-s3tables';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ListDatabasesCommand, TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import {
  type AthenaDuckDbAnswer,
  type BootstrapAnswer,
  type CredentialsAnswer,
  type DoctorAnswers,
  decideDoctor,
  formatDoctorReport,
  type LakeAdminAnswer,
  type S3TablesAnswer,
  type S3TablesIntegrationAnswer,
  type TimestreamAnswer,
  type Unknown,
} from './doctor-checks.ts';
import { cfnExecRoleArn, isDataLakeAdmin, partitionOf, S3TABLES_CATALOG } from './doctor-lake-checks.ts';
import { type CliIo, UsageError } from './io.ts';

export const DEFAULT_QUALIFIER = 'hnb659fds';

export const DOCTOR_OPTIONS = {
  region: { type: 'string' },
  profile: { type: 'string' },
  qualifier: { type: 'string', default: DEFAULT_QUALIFIER },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

export const DOCTOR_USAGE = `Usage: wte doctor [--region R] [--profile P] [--qualifier Q] [--json]
Before a deploy, asks AWS (read-only, free calls) with the given profile or the default credential chain:
  credentials    sts:GetCallerIdentity
  bootstrap      ssm:GetParameter /cdk-bootstrap/Q/version (CDK bootstrap version 6 or later)
  timestream     timestream:DescribeEndpoints + ListDatabases: is this account admitted to
                 Timestream for LiveAnalytics (closed to new customers since 2025-06-20)?
  athena-duckdb  athena:ListEngineVersions: does Athena offer the DuckDB engine in the region?
  s3-tables      s3tables:ListTableBuckets: does S3 Tables answer in the region?
  s3tables-integration
                 glue:GetCatalog ACCOUNT:s3tablescatalog: is the S3 Tables integration with AWS
                 analytics services on (once per account and Region)?
  lakeformation-admin
                 lakeformation:GetDataLakeSettings: is the CDK bootstrap's CloudFormation execution
                 role cdk-Q-cfn-exec-role-ACCOUNT-REGION a Lake Formation data lake administrator?
The lake (-c metricsStore=lake) needs the last four ok; Timestream needs its own check ok.
Prints one line per check with its fix, and the -c metricsStore=timestream|lake to deploy with.
Exit codes: 0 a deploy can proceed; 1 a deploy would fail (bootstrap missing, or no usable store:
Timestream not open to the account and the lake not offered or not set up);
2 the account could not be examined (no region, no or expired credentials) or bad options.
--region defaults to AWS_REGION or the profile's region; --qualifier to the CDK default ${DEFAULT_QUALIFIER}.
See docs/doctor.md for what each answer means.`;

export interface DoctorClients {
  readonly sts: STSClient;
  readonly ssm: SSMClient;
  readonly timestream: TimestreamWriteClient;
  readonly athena: AthenaClient;
  readonly s3tables: S3TablesClient;
  readonly glue: GlueClient;
  readonly lakeformation: LakeFormationClient;
}

export interface DoctorOptions {
  readonly region?: string | undefined;
  readonly profile?: string | undefined;
  readonly qualifier?: string | undefined;
  readonly json?: boolean | undefined;
}

/** Bounded: two attempts, 5 s to connect and 10 s per request, so doctor never hangs on a dead endpoint. */
export function doctorClientsFrom(options: DoctorOptions): DoctorClients {
  const config = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000 },
  };
  return {
    sts: new STSClient(config),
    ssm: new SSMClient(config),
    timestream: new TimestreamWriteClient(config),
    athena: new AthenaClient(config),
    s3tables: new S3TablesClient(config),
    glue: new GlueClient(config),
    lakeformation: new LakeFormationClient(config),
  };
}

interface AwsErrorLike {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

function asAwsError(error: unknown): AwsErrorLike {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

const ACCESS_DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);
/** IAM and SCP denials name the caller and the action; a service refusing the account does not. */
const IAM_DENIAL = /is not authorized to perform/i;
/** A region without the service has no DNS name for its endpoint. */
const NO_ENDPOINT = new Set(['ENOTFOUND']);

function unknownFrom(e: AwsErrorLike): Unknown {
  return ACCESS_DENIED.has(e.name)
    ? { status: 'denied', detail: `${e.name}: ${e.message}` }
    : { status: 'error', detail: `${e.name}: ${e.message}` };
}

export function classifyCredentialsError(error: unknown): CredentialsAnswer {
  const e = asAwsError(error);
  const detail = `${e.name}: ${e.message}`;
  if (
    ['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenProviderError'].includes(e.name) ||
    /expired/i.test(e.message)
  )
    return { status: 'expired', detail };
  if (e.name === 'CredentialsProviderError') return { status: 'missing', detail };
  if (['InvalidClientTokenId', 'SignatureDoesNotMatch', 'UnrecognizedClientException'].includes(e.name))
    return { status: 'invalid', detail };
  return { status: 'error', detail };
}

async function probeCredentials(sts: STSClient): Promise<CredentialsAnswer> {
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (!identity.Account || !identity.Arn)
      return { status: 'error', detail: 'GetCallerIdentity answered without an account' };
    return { status: 'ok', account: identity.Account, arn: identity.Arn };
  } catch (error) {
    return classifyCredentialsError(error);
  }
}

async function probeBootstrap(ssm: SSMClient, qualifier: string): Promise<BootstrapAnswer> {
  try {
    const { Parameter } = await ssm.send(
      new GetParameterCommand({ Name: `/cdk-bootstrap/${qualifier}/version` }),
    );
    const version = Number(Parameter?.Value);
    if (!Number.isInteger(version))
      return { status: 'error', detail: `the version parameter holds ${JSON.stringify(Parameter?.Value)}` };
    return { status: 'ok', version };
  } catch (error) {
    const e = asAwsError(error);
    if (e.name === 'ParameterNotFound') return { status: 'missing' };
    return unknownFrom(e);
  }
}

/**
 * The SDK runs endpoint discovery (DescribeEndpoints) before ListDatabases.
 * An admitted account lists; a never-admitted one is refused without an IAM
 * reason (reported as an error that sends the caller to AWS Support).
 */
async function probeTimestream(client: TimestreamWriteClient): Promise<TimestreamAnswer> {
  try {
    const { Databases } = await client.send(new ListDatabasesCommand({ MaxResults: 1 }));
    return { status: 'ok', databases: Databases?.length ?? 0 };
  } catch (error) {
    const e = asAwsError(error);
    const detail = `${e.name}: ${e.message}`;
    if (e.code && NO_ENDPOINT.has(e.code)) return { status: 'unavailable', detail };
    if (/new customers|AWS Support|no longer available/i.test(e.message)) return { status: 'closed', detail };
    if (ACCESS_DENIED.has(e.name) && !IAM_DENIAL.test(e.message)) return { status: 'closed', detail };
    return unknownFrom(e);
  }
}

const MAX_ENGINE_PAGES = 5;

async function probeAthenaDuckDb(athena: AthenaClient): Promise<AthenaDuckDbAnswer> {
  const engines: string[] = [];
  try {
    let token: string | undefined;
    for (let page = 0; page < MAX_ENGINE_PAGES; page++) {
      const answer = await athena.send(
        new ListEngineVersionsCommand({ MaxResults: 10, ...(token ? { NextToken: token } : {}) }),
      );
      for (const v of answer.EngineVersions ?? []) {
        const name = v.SelectedEngineVersion ?? v.EffectiveEngineVersion;
        if (name) engines.push(name);
      }
      const duckdb = engines.find((name) => /duckdb/i.test(name));
      if (duckdb) return { status: 'ok', engine: duckdb };
      token = answer.NextToken;
      if (!token) break;
    }
    return { status: 'absent', engines };
  } catch (error) {
    const e = asAwsError(error);
    if (e.code && NO_ENDPOINT.has(e.code))
      return { status: 'unavailable', detail: `${e.name}: ${e.message}` };
    return unknownFrom(e);
  }
}

async function probeS3Tables(client: S3TablesClient): Promise<S3TablesAnswer> {
  try {
    await client.send(new ListTableBucketsCommand({ maxBuckets: 1 }));
    return { status: 'ok' };
  } catch (error) {
    const e = asAwsError(error);
    if (e.code && NO_ENDPOINT.has(e.code))
      return { status: 'unavailable', detail: `${e.name}: ${e.message}` };
    return unknownFrom(e);
  }
}

async function probeS3TablesIntegration(
  glue: GlueClient,
  account: string,
): Promise<S3TablesIntegrationAnswer> {
  try {
    await glue.send(new GetCatalogCommand({ CatalogId: `${account}:${S3TABLES_CATALOG}` }));
    return { status: 'ok' };
  } catch (error) {
    const e = asAwsError(error);
    if (e.name === 'EntityNotFoundException') return { status: 'missing' };
    return unknownFrom(e);
  }
}

async function probeLakeAdmin(lakeformation: LakeFormationClient, roleArn: string): Promise<LakeAdminAnswer> {
  try {
    const { DataLakeSettings } = await lakeformation.send(new GetDataLakeSettingsCommand({}));
    const admins = (DataLakeSettings?.DataLakeAdmins ?? []).flatMap((p) =>
      p.DataLakePrincipalIdentifier ? [p.DataLakePrincipalIdentifier] : [],
    );
    return isDataLakeAdmin(admins, roleArn) ? { status: 'ok' } : { status: 'missing', admins };
  } catch (error) {
    return unknownFrom(asAwsError(error));
  }
}

/** The region the clients resolved (flag, AWS_REGION or profile), or undefined when none is set. */
async function resolvedRegion(sts: STSClient): Promise<string | undefined> {
  try {
    return await sts.config.region();
  } catch {
    return undefined;
  }
}

export async function gatherDoctorAnswers(clients: DoctorClients, qualifier: string): Promise<DoctorAnswers> {
  const region = await resolvedRegion(clients.sts);
  if (region === undefined) return { region, qualifier };
  const credentials = await probeCredentials(clients.sts);
  if (credentials.status !== 'ok') return { region, qualifier, credentials };
  const execRole = cfnExecRoleArn(partitionOf(credentials.arn), credentials.account, region, qualifier);
  const [bootstrap, timestream, athenaDuckDb, s3Tables, s3TablesIntegration, lakeAdmin] = await Promise.all([
    probeBootstrap(clients.ssm, qualifier),
    probeTimestream(clients.timestream),
    probeAthenaDuckDb(clients.athena),
    probeS3Tables(clients.s3tables),
    probeS3TablesIntegration(clients.glue, credentials.account),
    probeLakeAdmin(clients.lakeformation, execRole),
  ]);
  return {
    region,
    qualifier,
    credentials,
    bootstrap,
    timestream,
    athenaDuckDb,
    s3Tables,
    s3TablesIntegration,
    lakeAdmin,
  };
}

export async function doctorCommand(
  io: CliIo,
  clients: DoctorClients,
  options: DoctorOptions,
): Promise<number> {
  const qualifier = options.qualifier ?? DEFAULT_QUALIFIER;
  // CDK's own rule for qualifiers; it also keeps the SSM parameter name well-formed.
  if (!/^[A-Za-z0-9_-]{1,10}$/.test(qualifier))
    throw new UsageError(
      `--qualifier must be 1 to 10 letters, digits, _ or -, not ${JSON.stringify(qualifier)}`,
    );
  const answers = await gatherDoctorAnswers(clients, qualifier);
  const verdict = decideDoctor(answers, options.profile);
  io.out(options.json ? JSON.stringify(verdict, null, 2) : formatDoctorReport(verdict));
  return verdict.exitCode;
}
