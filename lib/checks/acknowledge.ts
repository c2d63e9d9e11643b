/**
 * One way to acknowledge a validation finding, so every acknowledgment in
 * the app has the same shape: the narrowest construct, the exact rule id
 * (granular for IAM findings: `AwsSolutions-IAM5[Resource::*]`), and a reason
 * that says why the finding does not apply or cannot be fixed.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Plugin namespaces of the rule packs the app runs (see lib/app.ts). */
export type RulePack = 'AwsSolutions' | 'Serverless' | 'Wte' | 'CloudFormation-Validate';

const MIN_REASON_LENGTH = 40;

/**
 * Acknowledges a cdk-nag finding (`AwsSolutions-IAM5[...]`, `Serverless-LambdaDLQ`,
 * `Wte-IoTPolicyNoWildcards`) or a CloudFormation lint warning (`W3697`, pack
 * `CloudFormation-Validate`) on `scope` and everything under it.
 */
export function acknowledge(scope: IConstruct, ruleId: string, reason: string, pack?: RulePack): void {
  if (reason.trim().length < MIN_REASON_LENGTH) {
    throw new Error(
      `acknowledgment of ${ruleId} on ${scope.node.path} needs a specific reason; got ${JSON.stringify(reason)}`,
    );
  }
  const namespace = pack ?? ruleId.slice(0, ruleId.indexOf('-'));
  Validations.of(scope).acknowledge({ id: `${namespace}::${ruleId}`, reason });
}
