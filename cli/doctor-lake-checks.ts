/**
 * The lake's once-per-account-and-Region setup, as `wte doctor` checks it:
 * the S3 Tables integration with AWS analytics services (the federated
 * `s3tablescatalog` catalog that the lake's Glue database and Lake Formation
 * grants point into), and the CloudFormation execution role as a Lake
 * Formation data lake administrator (it creates those grants). Pure.
 */
import { type CheckLine, type Unknown, unknownLine } from './doctor-lines.ts';

/** The federated catalog the S3 Tables integration creates, one per account and Region. */
export const S3TABLES_CATALOG = 's3tablescatalog';

export type S3TablesIntegrationAnswer =
  | { readonly status: 'ok' }
  /** Glue has no `s3tablescatalog`: the integration was never turned on here. */
  | { readonly status: 'missing' }
  | Unknown;

export type LakeAdminAnswer =
  | { readonly status: 'ok' }
  /** The role is not among `DataLakeSettings.DataLakeAdmins`, which lists these principals. */
  | { readonly status: 'missing'; readonly admins: readonly string[] }
  | Unknown;

/** The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`), `aws` when the text is no ARN. */
export function partitionOf(arn: string): string {
  const [prefix, partition] = arn.split(':');
  return prefix === 'arn' && partition ? partition : 'aws';
}

/**
 * The role the CDK bootstrap stack creates for CloudFormation to deploy with
 * (`CloudFormationExecutionRole`): the role that creates the lake's Lake
 * Formation grants, so the one that must be a data lake administrator.
 */
export function cfnExecRoleArn(
  partition: string,
  account: string,
  region: string,
  qualifier: string,
): string {
  return `arn:${partition}:iam::${account}:role/cdk-${qualifier}-cfn-exec-role-${account}-${region}`;
}

/** IAM role names are unique case-insensitively, so an administrator entered in another case is the same role. */
export function isDataLakeAdmin(admins: readonly string[], roleArn: string): boolean {
  const wanted = roleArn.toLowerCase();
  return admins.some((admin) => admin.toLowerCase() === wanted);
}

export interface LakeSetupTarget {
  readonly partition: string;
  readonly account: string;
  readonly region: string;
  readonly qualifier: string;
}

export function integrationLine(
  answer: S3TablesIntegrationAnswer,
  target: LakeSetupTarget,
  s3TablesOffered: boolean,
): CheckLine {
  const check = 's3tables-integration';
  const catalogId = `${target.account}:${S3TABLES_CATALOG}`;
  // Without S3 Tables in the region the catalog cannot exist, and the s3-tables line already says why.
  if (!s3TablesOffered)
    return { check, state: 'skipped', message: 'S3 Tables is not offered in this region' };
  switch (answer.status) {
    case 'ok':
      return {
        check,
        state: 'ok',
        message: `the S3 Tables integration with AWS analytics services is on (Glue catalog ${catalogId})`,
      };
    case 'missing':
      return {
        check,
        state: 'missing',
        message: `the S3 Tables integration with AWS analytics services is off: Glue has no ${S3TABLES_CATALOG} catalog, which the lake's database and grants point into`,
        fix:
          'once per account and Region: S3 console, Table buckets, "Enable integration" (or Lake Formation console, Catalogs, "Enable S3 Table integration"); ' +
          `by CLI, \`aws glue create-catalog --region ${target.region} --name ${S3TABLES_CATALOG}\` with a FederatedCatalog ` +
          `{"Identifier":"arn:${target.partition}:s3tables:${target.region}:${target.account}:bucket/*","ConnectionName":"aws:s3tables"} ` +
          '(AWS Glue guide, "Enabling S3 Tables integration with the Data Catalog"); either needs glue:CreateCatalog and glue:PassConnection',
      };
    default:
      return unknownLine(
        check,
        answer,
        `glue:GetCatalog on arn:${target.partition}:glue:${target.region}:${target.account}:catalog/${S3TABLES_CATALOG}`,
      );
  }
}

/** At most a few names, so a crowded administrator list does not drown the report. */
function listed(admins: readonly string[], shown = 5): string {
  if (admins.length === 0) return 'none';
  const more = admins.length > shown ? ` and ${admins.length - shown} more` : '';
  return `${admins.slice(0, shown).join(', ')}${more}`;
}

export function lakeAdminLine(answer: LakeAdminAnswer, target: LakeSetupTarget): CheckLine {
  const check = 'lakeformation-admin';
  const role = cfnExecRoleArn(target.partition, target.account, target.region, target.qualifier);
  switch (answer.status) {
    case 'ok':
      return {
        check,
        state: 'ok',
        message: `the CloudFormation execution role ${role} is a Lake Formation data lake administrator`,
      };
    case 'missing':
      return {
        check,
        state: 'missing',
        message:
          `the CloudFormation execution role ${role} is not a Lake Formation data lake administrator, so the lake stack cannot create its grants ` +
          `(administrators now: ${listed(answer.admins)})`,
        fix:
          `Lake Formation console, Administrative roles and tasks, Data lake administrators, Add: ${role}; ` +
          `or \`aws lakeformation get-data-lake-settings --region ${target.region} --query DataLakeSettings > lf.json\`, ` +
          `add {"DataLakePrincipalIdentifier":"${role}"} to DataLakeAdmins in lf.json, then ` +
          `\`aws lakeformation put-data-lake-settings --region ${target.region} --data-lake-settings file://lf.json\` ` +
          '(put replaces the whole settings, so keep the existing administrators in the file)',
      };
    default:
      return unknownLine(check, answer, 'lakeformation:GetDataLakeSettings');
  }
}
