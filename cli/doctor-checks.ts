/**
 * `wte doctor`'s decision: what the probes of an account answered in, which
 * metrics store to deploy and what is missing out. Pure, so every answer path
 * is a row in a table test; the AWS adapter lives in doctor-command.ts.
 */

/** aws-cdk-lib 2.276's DefaultStackSynthesizer needs bootstrap stack version 6 to deploy and publish assets. */
export const MIN_BOOTSTRAP_VERSION = 6;

export type MetricsStore = 'timestream' | 'lake';

/** Why a probe could not give a yes or no: the caller lacks IAM permission, or the call failed otherwise. */
export interface Unknown {
  readonly status: 'denied' | 'error';
  readonly detail: string;
}

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
}

export type CheckState = 'ok' | 'missing' | 'unknown' | 'skipped';

export interface CheckLine {
  readonly check: 'region' | 'credentials' | 'bootstrap' | 'timestream' | 'athena-duckdb' | 's3-tables';
  readonly state: CheckState;
  readonly message: string;
  readonly fix?: string;
}

export interface DoctorVerdict {
  /** The `-c metricsStore=` to deploy with; undefined when neither store is usable. */
  readonly store: MetricsStore | undefined;
  readonly checks: readonly CheckLine[];
  /** What stands between this account and a deploy, one sentence each. */
  readonly missing: readonly string[];
  /** Both stores pass their checks (the report says the lake would work too). */
  readonly lakeUsable: boolean;
  /** 0 a deploy can proceed; 1 a deploy would fail; 2 the account could not be examined (region, credentials). */
  readonly exitCode: 0 | 1 | 2;
}

function unknownLine(check: CheckLine['check'], answer: Unknown, permission: string): CheckLine {
  return answer.status === 'denied'
    ? {
        check,
        state: 'unknown',
        message: `could not tell: ${answer.detail}`,
        fix: `allow ${permission} to the caller, or ask an administrator to run wte doctor`,
      }
    : { check, state: 'unknown', message: `could not tell: ${answer.detail}`, fix: 'run wte doctor again' };
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
  const probes = [answers.bootstrap, answers.timestream, answers.athenaDuckDb, answers.s3Tables] as const;
  const [bootstrap, timestream, athena, s3Tables] = probes;
  if (
    answers.region === undefined ||
    answers.credentials?.status !== 'ok' ||
    probes.some((p) => p === undefined)
  ) {
    for (const check of ['bootstrap', 'timestream', 'athena-duckdb', 's3-tables'] as const) {
      checks.push({ check, state: 'skipped', message: 'needs a region and working credentials' });
    }
    return {
      store: undefined,
      lakeUsable: false,
      checks,
      missing: checks.filter((c) => c.state === 'missing' || c.state === 'unknown').map(describe),
      exitCode: 2,
    };
  }
  const target = `aws://${answers.credentials.account}/${answers.region}`;
  const lines = [
    bootstrapLine(bootstrap as BootstrapAnswer, target, answers.qualifier),
    timestreamLine(timestream as TimestreamAnswer),
    athenaLine(athena as AthenaDuckDbAnswer),
    s3TablesLine(s3Tables as S3TablesAnswer),
  ];
  checks.push(...lines);
  const [bootstrapCheck, timestreamCheck, athenaCheck, s3TablesCheck] = lines as [
    CheckLine,
    CheckLine,
    CheckLine,
    CheckLine,
  ];
  // Only a positive answer chooses a store: a deploy that guesses fails half-way through its stacks.
  const lakeUsable = athenaCheck.state === 'ok' && s3TablesCheck.state === 'ok';
  const store: MetricsStore | undefined =
    timestreamCheck.state === 'ok' ? 'timestream' : lakeUsable ? 'lake' : undefined;
  const missing: string[] = [];
  if (bootstrapCheck.state === 'missing') missing.push(describe(bootstrapCheck));
  if (store === undefined) {
    missing.push(
      'no metrics store is usable: Timestream for LiveAnalytics needs an admitted account, the lake needs Athena with DuckDB and S3 Tables',
    );
    for (const line of [timestreamCheck, athenaCheck, s3TablesCheck])
      if (line.state !== 'ok') missing.push(describe(line));
  }
  return { store, lakeUsable, checks, missing, exitCode: missing.length === 0 ? 0 : 1 };
}

function describe(line: CheckLine): string {
  return `${line.check}: ${line.message}${line.fix ? ` (fix: ${line.fix})` : ''}`;
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
  }
  if (verdict.missing.length > 0) {
    lines.push(verdict.exitCode === 2 ? 'Cannot examine the account yet:' : 'A deploy would fail:');
    for (const m of verdict.missing) lines.push(`  - ${m}`);
  }
  return lines.join('\n');
}
