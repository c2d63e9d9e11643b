import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { ProblemType } from '../../lambdas/domain/problem.ts';

export interface ApiFirewallProps {
  /** Name of the web ACL (its CloudWatch metrics carry it). */
  readonly name: string;
  /** The API Gateway stage the web ACL protects. */
  readonly stage: apigateway.Stage;
  /** Requests per client IP per 5 minutes before the rate rule blocks (429). */
  readonly rateLimit: number;
}

interface ManagedGroup {
  readonly name: string;
  /** Rules of the group that only count: they would refuse legitimate telemetry. */
  readonly countOnly?: readonly string[];
}

const MANAGED_GROUPS: readonly ManagedGroup[] = [
  // Telemetry bodies are up to 256 KiB; the core set blocks bodies over 8 KB.
  { name: 'AWSManagedRulesCommonRuleSet', countOnly: ['SizeRestrictions_BODY'] },
  { name: 'AWSManagedRulesKnownBadInputsRuleSet' },
  { name: 'AWSManagedRulesAmazonIpReputationList' },
];

const RATE_LIMITED_BODY = JSON.stringify({
  type: ProblemType.rateLimited,
  title: 'Too many requests',
  status: 429,
  detail: 'Too many requests from this address; retry later.',
  errors: [],
});

const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

/**
 * AWS WAF in front of the REST API stage: AWS managed rule groups (common
 * exploits, known bad inputs, IP reputation) and a per-IP rate rule that
 * answers 429 in problem-details form.
 */
export class ApiFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly webAclName: string;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const rules: wafv2.CfnWebACL.RuleProperty[] = [
      {
        name: 'RateLimitPerIp',
        priority: 0,
        statement: { rateBasedStatement: { limit: props.rateLimit, aggregateKeyType: 'IP' } },
        action: {
          block: {
            customResponse: {
              responseCode: 429,
              customResponseBodyKey: 'rateLimited',
              responseHeaders: [{ name: 'Retry-After', value: '60' }],
            },
          },
        },
        visibilityConfig: visibility('RateLimitPerIp'),
      },
      ...MANAGED_GROUPS.map(
        (group, index): wafv2.CfnWebACL.RuleProperty => ({
          name: group.name,
          priority: index + 1,
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: group.name,
              ...(group.countOnly
                ? {
                    ruleActionOverrides: group.countOnly.map((name) => ({
                      name,
                      actionToUse: { count: {} },
                    })),
                  }
                : {}),
            },
          },
          overrideAction: { none: {} },
          visibilityConfig: visibility(group.name),
        }),
      ),
    ];
    this.webAclName = props.name;
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: props.name,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      rules,
      customResponseBodies: { rateLimited: { contentType: 'APPLICATION_JSON', content: RATE_LIMITED_BODY } },
      visibilityConfig: visibility(props.name),
    });
    const association = new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
    // The stage ARN is built from names, so CloudFormation would not wait for the stage by itself.
    association.node.addDependency(props.stage);
  }
}
