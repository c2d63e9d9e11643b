import { readFileSync } from 'node:fs';
import { type App, Stack, Validations } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { WteChecks } from '../../lib/checks/wte-checks.ts';
import { buildTestApp, newApp } from './support.ts';

const built = buildTestApp({
  plants: ['kz-ast-01'],
  alertEmails: ['a@example.com'],
  opsEmails: ['o@example.com'],
});

interface Acknowledgment {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
  readonly node: IConstruct;
}

function acknowledgments(app: App): Acknowledgment[] {
  const found: Acknowledgment[] = [];
  for (const node of app.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: node.node.path, id, reason, node });
      }
    }
  }
  return found;
}

/** A stack of IoT resources that break every project rule. */
function carelessIot(app: App): Stack {
  const stack = new Stack(app, 'CarelessIot');
  new iot.CfnPolicy(stack, 'OpenPolicy', {
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iot:*', Resource: '*' },
        {
          Effect: 'Allow',
          Action: 'iot:Connect',
          Resource: 'arn:aws:iot:eu-central-1:123456789012:client/gw-1',
        },
      ],
    },
  });
  new iot.CfnTopicRule(stack, 'RuleWithoutErrorAction', {
    topicRulePayload: {
      sql: "SELECT * FROM 'wte/v1/+/telemetry'",
      awsIotSqlVersion: '2015-10-08',
      actions: [
        {
          sqs: {
            queueUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/q',
            roleArn: 'arn:aws:iam::123456789012:role/r',
          },
        },
      ],
    },
  });
  return stack;
}

describe('cdk-nag and project checks on the app', () => {
  it('synthesizes with the AwsSolutions, Serverless and project packs and no open finding', () => {
    expect(() => built.app.synth()).not.toThrow();
  });

  it('fails synthesis when a resource breaks an AwsSolutions rule', () => {
    const app = newApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    new sqs.Queue(new Stack(app, 'Careless'), 'PlainQueue', { enforceSSL: false });
    expect(() => app.synth()).toThrow(/SQS queue/);
  });
});

describe('project IoT checks', () => {
  it('flags a wildcard policy, an unscoped connect and a topic rule without error action or SQL 2016-03-23', () => {
    const app = newApp();
    const report = new WteChecks().validateScope(carelessIot(app));
    expect(report.success).toBe(false);
    expect(report.violations.map((v) => v.ruleName).sort()).toEqual([
      'Wte-IoTPolicyNoWildcardActions',
      'Wte-IoTPolicyNoWildcards',
      'Wte-IoTPolicyThingScoped',
      'Wte-IoTTopicRuleErrorAction',
      'Wte-IoTTopicRuleSqlVersion',
    ]);
  });

  it('fails synthesis of an app with such resources', () => {
    const app = newApp();
    Validations.of(app).addPlugins(new WteChecks(app));
    carelessIot(app);
    expect(() => app.synth()).toThrow(/Wte-IoTPolicyNoWildcards/);
  });

  it("accepts the app's own gateway policy and topic rule", () => {
    const report = new WteChecks().validateScope(built.stacks.stateless);
    expect(report.violations).toEqual([]);
    expect(built.stacks.stateless.iot.devicePolicy).toBeDefined();
  });
});

describe('acknowledgments', () => {
  const all = acknowledgments(built.app);

  it('match the reviewed list exactly (a new acknowledgment needs review)', () => {
    const reviewed = readFileSync(new URL('./acknowledgments.txt', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    const actual = all.map((a) => `${a.id} @ ${a.path.replace(/^Wte-test-/, '')}`).sort();
    expect(actual).toEqual([...reviewed].sort());
  });

  it('are never made on a whole stack or the app', () => {
    for (const a of all) expect(Stack.isStack(a.node) || a.node === built.app, a.path).toBe(false);
  });

  it('acknowledge wildcard IAM findings one resource pattern or action at a time', () => {
    for (const a of all.filter((x) => x.id.includes('IAM5'))) {
      expect(a.id).toMatch(/^AwsSolutions::AwsSolutions-IAM5\[(Resource|Action)::.+\]$/);
    }
  });

  it('give a specific reason and name no retired rule', () => {
    for (const a of all) {
      expect(a.reason.length, a.path).toBeGreaterThanOrEqual(40);
      expect(a.id).not.toContain('AwsSolutions-SNS2');
    }
  });
});
