/**
 * What a `wte doctor` check reports: one line with a state, a message and a
 * fix. Shared by the decision (doctor-checks.ts) and the lake's account setup
 * (doctor-lake-checks.ts) so both speak the same states.
 */

/** Why a probe could not give a yes or no: the caller lacks IAM permission, or the call failed otherwise. */
export interface Unknown {
  readonly status: 'denied' | 'error';
  readonly detail: string;
}

export type CheckState = 'ok' | 'missing' | 'unknown' | 'skipped';

export type CheckName =
  | 'region'
  | 'credentials'
  | 'bootstrap'
  | 'timestream'
  | 'athena-duckdb'
  | 's3-tables'
  | 's3tables-integration'
  | 'lakeformation-admin';

export interface CheckLine {
  readonly check: CheckName;
  readonly state: CheckState;
  readonly message: string;
  readonly fix?: string;
}

export function unknownLine(check: CheckName, answer: Unknown, permission: string): CheckLine {
  return answer.status === 'denied'
    ? {
        check,
        state: 'unknown',
        message: `could not tell: ${answer.detail}`,
        fix: `allow ${permission} to the caller, or ask an administrator to run wte doctor`,
      }
    : { check, state: 'unknown', message: `could not tell: ${answer.detail}`, fix: 'run wte doctor again' };
}

/** One sentence for the verdict's lists: the check, what it found, and its fix. */
export function describeLine(line: CheckLine): string {
  return `${line.check}: ${line.message}${line.fix ? ` (fix: ${line.fix})` : ''}`;
}
