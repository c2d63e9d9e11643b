/**
 * Builds the app the way `cdk synth` does (cdk.json's feature flags), without
 * bundling the functions: infrastructure tests read templates, not bundles.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type WteStacks } from '../../lib/app.ts';
import { parseConfig, type RawContext, type WteConfig } from '../../lib/config.ts';

export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

/** The feature flags and settings of cdk.json. */
export const CDK_CONTEXT: Readonly<Record<string, unknown>> = cdkJson.context;

export interface TestApp {
  readonly app: App;
  readonly config: WteConfig;
  readonly stacks: WteStacks;
  readonly stateful: Template;
  readonly stateless: Template;
}

export function newApp(): App {
  return new App({ context: { ...CDK_CONTEXT, ...NO_BUNDLING } });
}

/** A stage named `test`, with `context` on top of the defaults. */
export function buildTestApp(context: RawContext = {}): TestApp {
  const app = newApp();
  const config = parseConfig({ stage: 'test', ...context });
  const stacks = buildApp(app, config);
  return {
    app,
    config,
    stacks,
    stateful: Template.fromStack(stacks.stateful),
    stateless: Template.fromStack(stacks.stateless),
  };
}

export type Resource = { readonly Type: string; readonly Properties?: Record<string, unknown> } & Record<
  string,
  unknown
>;

/** [logicalId, resource] of every resource of `type`. */
export function resourcesOf(template: Template, type: string): Array<[string, Resource]> {
  return Object.entries(template.findResources(type) as Record<string, Resource>);
}

export function props(resource: Resource): Record<string, unknown> {
  return resource.Properties ?? {};
}

/** The logical id a `{ "Fn::GetAtt": [id, attr] }` or `{ Ref: id }` points at. */
export function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return undefined;
}

export interface IamStatement {
  readonly where: string;
  readonly effect: string;
  readonly actions: readonly string[];
  readonly resources: readonly unknown[];
}

const asList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Every statement of every identity policy (policies, managed policies, inline role policies). */
export function iamStatements(templates: readonly Template[]): IamStatement[] {
  const out: IamStatement[] = [];
  for (const template of templates) {
    const documents: Array<[string, unknown]> = [];
    for (const [id, r] of resourcesOf(template, 'AWS::IAM::Policy'))
      documents.push([id, props(r).PolicyDocument]);
    for (const [id, r] of resourcesOf(template, 'AWS::IAM::ManagedPolicy'))
      documents.push([id, props(r).PolicyDocument]);
    for (const [id, r] of resourcesOf(template, 'AWS::IAM::Role')) {
      for (const inline of asList(props(r).Policies) as Array<{ PolicyDocument: unknown }>) {
        documents.push([id, inline.PolicyDocument]);
      }
    }
    for (const [where, document] of documents) {
      for (const s of asList((document as { Statement?: unknown }).Statement) as Array<
        Record<string, unknown>
      >) {
        out.push({
          where,
          effect: String(s.Effect),
          actions: asList(s.Action).map(String),
          resources: asList(s.Resource),
        });
      }
    }
  }
  return out;
}
