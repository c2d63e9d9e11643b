import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { acknowledge } from '../checks/acknowledge.ts';

const LOG_GROUP_ID = 'DeployTimeCallLogs';

/**
 * One AWS API call made by CloudFormation at deploy time (an
 * AwsCustomResource), with exactly `statements` as its permissions. All calls
 * of a stack share CDK's provider function; it logs into one log group with
 * the app's retention, and its findings are acknowledged once, on it.
 */
export function deployTimeCall(
  scope: Construct,
  id: string,
  props: {
    readonly call: cr.AwsSdkCall;
    readonly statements: iam.PolicyStatement[];
    readonly logRetentionDays: number;
  },
): cr.AwsCustomResource {
  const stack = Stack.of(scope);
  const logGroup =
    (stack.node.tryFindChild(LOG_GROUP_ID) as logs.LogGroup | undefined) ??
    new logs.LogGroup(stack, LOG_GROUP_ID, {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  const resource = new cr.AwsCustomResource(scope, id, {
    onUpdate: props.call,
    policy: cr.AwsCustomResourcePolicy.fromStatements(props.statements),
    installLatestAwsSdk: false,
    logGroup,
    memorySize: 256,
    timeout: Duration.minutes(2),
  });
  const provider = stack.node.tryFindChild(
    `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replaceAll('-', '')}`,
  );
  if (provider) acknowledgeProvider(provider);
  return resource;
}

const acknowledgedProviders = new WeakSet<Construct>();

function acknowledgeProvider(provider: Construct): void {
  if (acknowledgedProviders.has(provider)) return;
  acknowledgedProviders.add(provider);
  acknowledge(
    provider,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'CDK creates the AwsCustomResource provider role with the AWS managed basic-execution policy and offers no way to replace it; the role only runs deploy-time API calls whose permissions are listed per call.',
  );
  acknowledge(
    provider,
    'Serverless-LambdaDLQ',
    'The AwsCustomResource provider is invoked by CloudFormation, which waits for its answer and fails the deployment on error; a DLQ would hold nothing anyone acts on.',
  );
  acknowledge(
    provider,
    'Serverless-LambdaTracing',
    'The AwsCustomResource provider is CDK-internal and runs once per deployment; CDK exposes no tracing setting for it and deployment errors are reported by CloudFormation.',
  );
}
