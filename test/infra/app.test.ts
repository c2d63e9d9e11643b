import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app.ts';
import { ConfigError, parseConfig } from '../../lib/config.ts';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

describe('StatefulStack', () => {
  const app = new App({ context: NO_BUNDLING });
  const { stateful } = buildApp(app, { stage: 'test' });
  const template = Template.fromStack(stateful);

  it('rotates the data key and retains it', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
    });
  });

  it('encrypts the telemetry queue and its DLQ with the data key', () => {
    const keyRef = { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] };
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { KmsMasterKeyId: keyRef }, 2);
  });

  it('redrives poison messages to the DLQ after 5 receives', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TelemetryDlq'), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
  });

  it('denies queue access without TLS', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });
});

describe('cdk-nag', () => {
  it('passes the app as built', () => {
    const app = new App({ context: NO_BUNDLING });
    buildApp(app, { stage: 'test' });
    expect(() => app.synth()).not.toThrow();
  });

  it('fails synthesis when a resource breaks an AwsSolutions rule', () => {
    const app = new App({ context: NO_BUNDLING });
    buildApp(app, { stage: 'test' });
    new sqs.Queue(new Stack(app, 'Careless'), 'PlainQueue', { enforceSSL: false });
    expect(() => app.synth()).toThrow(/SQS queue/);
  });
});

describe('parseConfig', () => {
  it('defaults the stage to dev', () => {
    expect(parseConfig({})).toEqual({ stage: 'dev' });
  });

  it.each([['Prod'], ['a stage with spaces'], [42], ['x'.repeat(17)]])(
    'refuses stage %j, showing it',
    (stage) => {
      expect(() => parseConfig({ stage })).toThrow(ConfigError);
      expect(() => parseConfig({ stage })).toThrow(JSON.stringify(stage));
    },
  );
});
