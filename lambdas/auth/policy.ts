/**
 * IAM policies returned by the gateway-token authorizer. One policy covers
 * every plant the token may write, so API Gateway can cache it per token
 * (identity source: the Authorization header) and still answer 403 for any
 * other plant without calling the authorizer again.
 */
import { ALL_PLANTS } from './gateway-tokens.ts';

export interface PolicyStatement {
  readonly Action: 'execute-api:Invoke';
  readonly Effect: 'Allow' | 'Deny';
  readonly Resource: readonly string[];
}

export interface AuthorizerPolicy {
  readonly principalId: string;
  readonly policyDocument: { readonly Version: '2012-10-17'; readonly Statement: readonly PolicyStatement[] };
  readonly context: Readonly<Record<string, string>>;
}

/** `arn:aws:execute-api:region:account:apiId/stage` of a method ARN (`.../stage/METHOD/path`). */
export function stagePrefix(methodArn: string): string {
  const [apiArn = '', stage = ''] = methodArn.split('/');
  return `${apiArn}/${stage}`;
}

export function telemetryResource(prefix: string, plant: string): string {
  return `${prefix}/POST/v1/plants/${plant === ALL_PLANTS ? '*' : plant}/telemetry`;
}

export function allowPlantsPolicy(
  methodArn: string,
  principalId: string,
  plants: readonly string[],
  context: Readonly<Record<string, string>>,
): AuthorizerPolicy {
  const prefix = stagePrefix(methodArn);
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'execute-api:Invoke',
          Effect: 'Allow',
          Resource: plants.map((p) => telemetryResource(prefix, p)),
        },
      ],
    },
    context,
  };
}

function matches(pattern: string, arn: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('[^]*')}$`);
  return regex.test(arn);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Evaluates a policy the way API Gateway does for one method ARN: an explicit Deny wins, else any Allow. */
export function policyAllows(policy: AuthorizerPolicy, methodArn: string): boolean {
  const statements = policy.policyDocument.Statement;
  const hit = (s: PolicyStatement) => s.Resource.some((r) => matches(r, methodArn));
  if (statements.some((s) => s.Effect === 'Deny' && hit(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && hit(s));
}
