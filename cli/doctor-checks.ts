/**
 * `wte doctor`'s decision: what the probes of an account answered in, which
 * metrics store to deploy and what is missing out. Pure, so every answer path
 * is a row in a table test; the AWS adapter lives in doctor-command.ts, the
 * lake's account setup in doctor-lake-checks.ts.
 */
import {
  integrationLine,
  type LakeAdminAnswer,
  type LakeSetupTarget,
  lakeAdminLine,
  partitionOf,
  type S3TablesIntegrationAnswer,
} from './doctor-lake-checks.ts';
import { type CheckLine, describeLine as describe, type Unknown, unknownLine } from './doctor-lines.ts';

export type { LakeAdminAnswer, S3TablesIntegrationAnswer } from './doctor-lake-checks.ts';
export type { CheckLine, CheckState, Unknown } from './doctor-lines.ts';

/** aws-cdk-lib 2.276's DefaultStackSynthesizer needs bootstrap stack version 6 to deploy and publish assets. */
export const MIN_BOOTSTRAP_VERSION = 6;

export type MetricsStore = 'timestream' | 'lake';

export type CredentialsAnswer =
  | { readonly status: 'ok'; readonly account: string; readonly arn: string }
  | { readonly status: 'missing' | 'expired' | 'invalid' | 'error'; readonly detail: string };

export type BootstrapAnswer =
  | { readonly status: 'ok'; readonly version: number }
  | { readonly status: 'missing' }
  | Unknown;

export type TimestreamAnswer =
  /** The account is admitted to LiveAnalytics: listing databases worked. */
  | { readonly status: 'ok'; readonly databases: number }
  /** The service refused the account itself (closed to new customers since 2025-06-20). */
  | { readonly status: 'closed'; readonly detail: string }
  /** No Timestream endpoint in this region. */
  | { readonly status: 'unavailable'; readonly detail: string }
  | Unknown;

export type AthenaDuckDbAnswer =
  | { readonly status: 'ok'; readonly engine: string }
  /** Athena answered, but offers no DuckDB engine version here. */
  | { readonly status: 'absent'; readonly engines: readonly string[] }
  | { readonly status: 'unavailable'; readonly detail: string }
  | Unknown;

export type S3TablesAnswer =
  | { readonly status: 'ok' }
  | { readonly status: 'unavailable'; readonly detail: string }
  | Unknown;

export interface DoctorAnswers {
  /** Undefined when neither --region, AWS_REGION nor the profile names one. */
  readonly region: string | undefined;
  readonly qualifier: string;
  /** Undefined when there is no region to ask STS in. */
  readonly credentials?: CredentialsAnswer;
  /** The remaining probes run only with working credentials and a region. */
  readonly bootstrap?: BootstrapAnswer;
  readonly timestream?: TimestreamAnswer;
  readonly athenaDuckDb?: AthenaDuckDbAnswer;
  readonly s3Tables?: S3TablesAnswer;
  readonly s3TablesIntegration?: S3TablesIntegrationAnswer;
  readonly lakeAdmin?: LakeAdminAnswer;
}

export interface DoctorVerdict {
  /** The `-c metricsStore=` to deploy with; undefined when neither store is usable. */
  readonly store: MetricsStore | undefined;
  readonly checks: readonly CheckLine[];
  /** What stands between this account and a deploy, one sentence each. */
  readonly missing: readonly string[];
  /** Every lake check passes: offered in the region and set up in the account. */
  readonly lakeUsable: boolean;
  /** What the lake still needs (its checks that are not ok, without their fixes); empty when lakeUsable. */
  readonly lakeNeeds: readonly string[];
  /** 0 a deploy can proceed; 1 a deploy would fail; 2 the account could not be examined (region, credentials). */
  readonly exitCode: 0 | 1 | 2;
}

function credentialsLine(answer: CredentialsAnswer, profile: string): CheckLine {
  switch (answer.status) {
    case 'ok':
      return { check: 'credentials', state: 'ok', message: `account ${answer.account} as ${answer.arn}` };
    case 'missing':
      return {
        check: 'credentials',
        state: 'missing',
        message: `no AWS credentials found: ${answer.detail}`,
        fix: 'run `aws configure` (or `aws configure sso`), or pass --profile NAME of a configured profile',
      };
    case 'expired':
      return {
        check: 'credentials',
        state: 'missing',
        message: `the credentials have expired: ${answer.detail}`,
        fix: `run \`aws sso login${profile}\` or refresh the session credentials`,
      };
    case 'invalid':
      return {
        check: 'credentials',
        state: 'missing',
        message: `AWS refused the credentials: ${answer.detail}`,
        fix: 'check the access key in ~/.aws/credentials, and that the region is enabled for the account',
      };
    default:
      return { check: 'credentials', state: 'unknown', message: `could not reach STS: ${answer.detail}` };
  }
}

function bootstrapLine(answer: BootstrapAnswer, target: string, qualifier: string): CheckLine {
  const fix = `run \`npx cdk bootstrap ${target}\``;
  switch (answer.status) {
    case 'ok':
      return answer.version >= MIN_BOOTSTRAP_VERSION
        ? { check: 'bootstrap', state: 'ok', message: `CDK bootstrap version ${answer.version}` }
        : {
            check: 'bootstrap',
            state: 'missing',
            message: `CDK bootstrap version ${answer.version} is older than the ${MIN_BOOTSTRAP_VERSION} this app needs`,
            fix,
          };
    case 'missing':
      return {
        check: 'bootstrap',
        state: 'missing',
        message: `the environment is not bootstrapped (no /cdk-bootstrap/${qualifier}/version parameter)`,
        fix,
      };
    default:
      return unknownLine('bootstrap', answer, `ssm:GetParameter on /cdk-bootstrap/${qualifier}/version`);
  }
}

function timestreamLine(answer: TimestreamAnswer): CheckLine {
  switch (answer.status) {
    case 'ok':
      return {
        check: 'timestream',
        state: 'ok',
        message: `Timestream for LiveAnalytics is open to this account (${answer.databases === 0 ? 'no database yet' : 'databases exist'})`,
      };
    case 'closed':
      return {
        check: 'timestream',
        state: 'missing',
        message: `Timestream for LiveAnalytics refuses this account (closed to new customers since 2025-06-20): ${answer.detail}`,
        fix: 'deploy with -c metricsStore=lake',
      };
    case 'unavailable':
      return {
        check: 'timestream',
        state: 'missing',
        message: `Timestream for LiveAnalytics is not offered in this region: ${answer.detail}`,
        fix: 'deploy with -c metricsStore=lake, or choose a region that offers it',
      };
    default:
      return unknownLine('timestream', answer, 'timestream:DescribeEndpoints and timestream:ListDatabases');
  }
}

function athenaLine(answer: AthenaDuckDbAnswer): CheckLine {
  switch (answer.status) {
    case 'ok':
      return { check: 'athena-duckdb', state: 'ok', message: `Athena offers the ${answer.engine} engine` };
    case 'absent':
      return {
        check: 'athena-duckdb',
        state: 'missing',
        message: `Athena here offers no DuckDB engine (only ${answer.engines.join(', ') || 'none'})`,
        fix: 'choose a region where Athena offers DuckDB',
      };
    case 'unavailable':
      return {
        check: 'athena-duckdb',
        state: 'missing',
        message: `Athena is not offered in this region: ${answer.detail}`,
        fix: 'choose a region where Athena offers DuckDB',
      };
    default:
      return unknownLine('athena-duckdb', answer, 'athena:ListEngineVersions');
  }
}

function s3TablesLine(answer: S3TablesAnswer): CheckLine {
  switch (answer.status) {
    case 'ok':
      return { check: 's3-tables', state: 'ok', message: 'S3 Tables answers in this region' };
    case 'unavailable':
      return {
        check: 's3-tables',
        state: 'missing',
        message: `S3 Tables is not offered in this region: ${answer.detail}`,
        fix: 'choose a region that offers S3 Tables',
      };
    default:
      return unknownLine('s3-tables', answer, 's3tables:ListTableBuckets');
  }
}

const ACCOUNT_CHECKS = [
  'bootstrap',
  'timestream',
  'athena-duckdb',
  's3-tables',
  's3tables-integration',
  'lakeformation-admin',
] as const;

/** Decides the store and exit code from the probes' answers. */
export function decideDoctor(answers: DoctorAnswers, profile?: string): DoctorVerdict {
  const checks: CheckLine[] = [];
  const profileFlag = profile ? ` --profile ${profile}` : '';
  if (answers.region === undefined) {
    checks.push({
      check: 'region',
      state: 'missing',
      message: 'no AWS region given',
      fix: 'pass --region R, set AWS_REGION, or set region in the profile',
    });
  } else {
    checks.push({ check: 'region', state: 'ok', message: answers.region });
  }
  checks.push(
    answers.credentials === undefined
      ? { check: 'credentials', state: 'skipped', message: 'needs a region' }
      : credentialsLine(answers.credentials, profileFlag),
  );
  const { bootstrap, timestream, athenaDuckDb, s3Tables, s3TablesIntegration, lakeAdmin } = answers;
  if (
    answers.region === undefined ||
    answers.credentials?.status !== 'ok' ||
    bootstrap === undefined ||
    timestream === undefined ||
    athenaDuckDb === undefined ||
    s3Tables === undefined ||
    s3TablesIntegration === undefined ||
    lakeAdmin === undefined
  ) {
    for (const check of ACCOUNT_CHECKS) {
      checks.push({ check, state: 'skipped', message: 'needs a region and working credentials' });
    }
    return {
      store: undefined,
      lakeUsable: false,
      lakeNeeds: [],
      checks,
      missing: checks.filter((c) => c.state === 'missing' || c.state === 'unknown').map(describe),
      exitCode: 2,
    };
  }
  const { account, arn } = answers.credentials;
  const setup: LakeSetupTarget = {
    partition: partitionOf(arn),
    account,
    region: answers.region,
    qualifier: answers.qualifier,
  };
  const bootstrapCheck = bootstrapLine(bootstrap, `aws://${account}/${answers.region}`, answers.qualifier);
  const timestreamCheck = timestreamLine(timestream);
  const lakeChecks = [
    athenaLine(athenaDuckDb),
    s3TablesLine(s3Tables),
    integrationLine(s3TablesIntegration, setup, s3Tables.status !== 'unavailable'),
    lakeAdminLine(lakeAdmin, setup),
  ];
  checks.push(bootstrapCheck, timestreamCheck, ...lakeChecks);
  // Only a positive answer chooses a store: a deploy that guesses fails half-way through its stacks.
  const lakeUsable = lakeChecks.every((line) => line.state === 'ok');
  const lakeNotOk = lakeChecks.filter((line) => line.state !== 'ok');
  // With Timestream chosen the lake's needs are a note: the fixes are already on the check lines above.
  const lakeNeeds = lakeNotOk.map((line) => `${line.check}: ${line.message}`);
  const store: MetricsStore | undefined =
    timestreamCheck.state === 'ok' ? 'timestream' : lakeUsable ? 'lake' : undefined;
  const missing: string[] = [];
  if (bootstrapCheck.state === 'missing') missing.push(describe(bootstrapCheck));
  if (store === undefined) {
    // Athena and S3 Tables are the region's; the integration and the administrator are one-time account setup.
    const [athenaCheck, s3TablesCheck] = lakeChecks as [CheckLine, CheckLine];
    missing.push(
      athenaCheck.state === 'ok' && s3TablesCheck.state === 'ok'
        ? 'no metrics store is usable yet: Timestream for LiveAnalytics is not open to this account, and the lake, offered in this region, is not set up in the account (once per account and Region); after the fixes below, deploy with -c metricsStore=lake'
        : 'no metrics store is usable: Timestream for LiveAnalytics needs an admitted account, the lake needs Athena with DuckDB and S3 Tables in the region, the S3 Tables integration and the CloudFormation execution role as a Lake Formation administrator',
    );
    if (timestreamCheck.state !== 'ok') missing.push(describe(timestreamCheck));
    missing.push(...lakeNotOk.map(describe));
  }
  return { store, lakeUsable, lakeNeeds, checks, missing, exitCode: missing.length === 0 ? 0 : 1 };
}

/** The readable report: one line per check, then the store to deploy with or what is missing. */
export function formatDoctorReport(verdict: DoctorVerdict): string {
  const width = Math.max(...verdict.checks.map((c) => c.check.length));
  const lines = verdict.checks.map(
    (c) =>
      `${c.state.padEnd(7)}  ${c.check.padEnd(width)}  ${c.message}${c.fix ? `\n${' '.repeat(width + 11)}fix: ${c.fix}` : ''}`,
  );
  lines.push('');
  if (verdict.store !== undefined) {
    const others =
      verdict.store === 'timestream' && verdict.lakeUsable
        ? ' (the default; -c metricsStore=lake would work too)'
        : '';
    lines.push(`Deploy with: npx cdk deploy --all -c metricsStore=${verdict.store}${others}`);
    if (verdict.store === 'timestream' && verdict.lakeNeeds.length > 0) {
      lines.push('-c metricsStore=lake would first need (fixes above):');
      for (const need of verdict.lakeNeeds) lines.push(`  - ${need}`);
    }
  }
  if (verdict.missing.length > 0) {
    lines.push(verdict.exitCode === 2 ? 'Cannot examine the account yet:' : 'A deploy would fail:');
    for (const m of verdict.missing) lines.push(`  - ${m}`);
  }
  return lines.join('\n');
}
