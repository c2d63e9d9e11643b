/**
 * The project's own rule pack: no cdk-nag pack covers AWS IoT, so device
 * policies and topic rules are checked here (docs/reference/reliability-practice.md sections 1.3
 * and 2). It is a cdk-nag 3 pack, so findings fail `cdk synth` and are
 * acknowledged like any other (`Wte::Wte-IoTPolicyNoWildcards`).
 *
 * - Wte-IoTPolicyNoWildcardActions: no `*` or `iot:*` action in an IoT policy.
 * - Wte-IoTPolicyNoWildcards: no resource with `*` or `?` (IoT policy wildcards).
 * - Wte-IoTPolicyThingScoped: Connect only as the thing itself
 *   (`client/${iot:Connection.Thing.ThingName}`, certificate attached to the
 *   thing); Publish, Subscribe and Receive only on resources scoped by a
 *   thing policy variable.
 * - Wte-IoTTopicRuleErrorAction: every topic rule has an error action.
 * - Wte-IoTTopicRuleSqlVersion: every topic rule uses SQL version 2016-03-23.
 */
import { type CfnResource, Stack } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import { NagMessageLevel, NagPack, type NagPackProps, NagRuleCompliance } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { THING_NAME_VARIABLE, THING_VARIABLE_PREFIX } from '../constructs/iot-policy-variables.ts';

export const IOT_SQL_VERSION = '2016-03-23';
const TOPIC_ACTIONS = ['iot:Publish', 'iot:Subscribe', 'iot:Receive', 'iot:RetainPublish'];

interface Statement {
  readonly Effect?: string;
  readonly Action?: unknown;
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

function asList(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Every literal string inside a resolved value (intrinsics such as Fn::Join included). */
function literals(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(literals);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, member]) =>
      // Ref and GetAtt name resources, not patterns.
      key === 'Ref' || key === 'Fn::GetAtt' ? [] : literals(member),
    );
  }
  return [];
}

function statements(node: iot.CfnPolicy): Statement[] {
  const document = Stack.of(node).resolve(node.policyDocument) as { Statement?: unknown };
  return asList(document?.Statement) as Statement[];
}

function allows(statement: Statement): boolean {
  return statement.Effect === 'Allow';
}

function actionsOf(statement: Statement): string[] {
  return asList(statement.Action).map(String);
}

export function iotPolicyWildcardActions(node: CfnResource): NagRuleCompliance {
  if (!(node instanceof iot.CfnPolicy)) return NagRuleCompliance.NOT_APPLICABLE;
  const wild = statements(node)
    .filter(allows)
    .some((s) => actionsOf(s).some((a) => a.includes('*') || a.includes('?')));
  return wild ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT;
}

export function iotPolicyWildcardResources(node: CfnResource): NagRuleCompliance {
  if (!(node instanceof iot.CfnPolicy)) return NagRuleCompliance.NOT_APPLICABLE;
  const wild = statements(node)
    .filter(allows)
    .some((s) => literals(s.Resource).some((text) => text.includes('*') || text.includes('?')));
  return wild ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT;
}

export function iotPolicyThingScoped(node: CfnResource): NagRuleCompliance {
  if (!(node instanceof iot.CfnPolicy)) return NagRuleCompliance.NOT_APPLICABLE;
  for (const statement of statements(node).filter(allows)) {
    const actions = actionsOf(statement);
    const resources = asList(statement.Resource).map((r) => literals(r).join(''));
    if (resources.length === 0) return NagRuleCompliance.NON_COMPLIANT;
    if (actions.includes('iot:Connect')) {
      const attached = statement.Condition?.Bool?.['iot:Connection.Thing.IsAttached'];
      if (String(attached) !== 'true') return NagRuleCompliance.NON_COMPLIANT;
      if (!resources.every((r) => r.endsWith(`:client/${THING_NAME_VARIABLE}`))) {
        return NagRuleCompliance.NON_COMPLIANT;
      }
    }
    if (actions.some((a) => TOPIC_ACTIONS.includes(a))) {
      if (!resources.every((r) => r.includes(THING_VARIABLE_PREFIX))) return NagRuleCompliance.NON_COMPLIANT;
    }
  }
  return NagRuleCompliance.COMPLIANT;
}

function topicRulePayload(node: iot.CfnTopicRule): iot.CfnTopicRule.TopicRulePayloadProperty | undefined {
  return Stack.of(node).resolve(node.topicRulePayload) as
    | iot.CfnTopicRule.TopicRulePayloadProperty
    | undefined;
}

export function topicRuleErrorAction(node: CfnResource): NagRuleCompliance {
  if (!(node instanceof iot.CfnTopicRule)) return NagRuleCompliance.NOT_APPLICABLE;
  const errorAction = topicRulePayload(node)?.errorAction;
  const configured =
    typeof errorAction === 'object' && errorAction !== null && Object.keys(errorAction).length > 0;
  return configured ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

export function topicRuleSqlVersion(node: CfnResource): NagRuleCompliance {
  if (!(node instanceof iot.CfnTopicRule)) return NagRuleCompliance.NOT_APPLICABLE;
  return topicRulePayload(node)?.awsIotSqlVersion === IOT_SQL_VERSION
    ? NagRuleCompliance.COMPLIANT
    : NagRuleCompliance.NON_COMPLIANT;
}

export class WteChecks extends NagPack {
  readonly name = 'Wte';

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = 'Wte';
  }

  protected checkResource(node: CfnResource): void {
    this.applyRule({
      ruleSuffixOverride: 'IoTPolicyNoWildcardActions',
      info: 'The IoT policy allows a wildcard action.',
      explanation:
        'Devices get exactly iot:Connect, iot:Publish, iot:Subscribe and iot:Receive; iot:* also allows retained messages, shadows and jobs.',
      level: NagMessageLevel.ERROR,
      rule: iotPolicyWildcardActions,
      node,
    });
    this.applyRule({
      ruleSuffixOverride: 'IoTPolicyNoWildcards',
      info: 'The IoT policy allows a resource with a wildcard.',
      explanation:
        'Device Defender flags wildcard resources as IOT_POLICY_OVERLY_PERMISSIVE_CHECK: a device could act as, or publish for, another device.',
      level: NagMessageLevel.ERROR,
      rule: iotPolicyWildcardResources,
      node,
    });
    this.applyRule({
      ruleSuffixOverride: 'IoTPolicyThingScoped',
      info: 'The IoT policy is not scoped to the connecting thing.',
      explanation: `iot:Connect must be limited to client/${THING_NAME_VARIABLE} with iot:Connection.Thing.IsAttached, and topic actions to resources built from thing policy variables, so one policy serves the fleet and each device reaches only its own topics.`,
      level: NagMessageLevel.ERROR,
      rule: iotPolicyThingScoped,
      node,
    });
    this.applyRule({
      ruleSuffixOverride: 'IoTTopicRuleErrorAction',
      info: 'The IoT topic rule has no error action.',
      explanation:
        'Without an error action a message whose action fails (throttling, a missing permission, a full queue) is dropped silently.',
      level: NagMessageLevel.ERROR,
      rule: topicRuleErrorAction,
      node,
    });
    this.applyRule({
      ruleSuffixOverride: 'IoTTopicRuleSqlVersion',
      info: `The IoT topic rule does not use SQL version ${IOT_SQL_VERSION}.`,
      explanation:
        'Older SQL versions differ in nested-object and number handling; the message shape the processor decodes is defined for 2016-03-23.',
      level: NagMessageLevel.ERROR,
      rule: topicRuleSqlVersion,
      node,
    });
  }
}
