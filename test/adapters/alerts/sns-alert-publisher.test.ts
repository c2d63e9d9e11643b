/** The SNS alert publisher, with the SNS client mocked at the SDK boundary. */
import {
  AuthorizationErrorException,
  InternalErrorException,
  InvalidParameterException,
  KMSThrottlingException,
  NotFoundException,
  PublishCommand,
  SNSClient,
  SNSServiceException,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_SNS_SUBJECT_CHARS, snsSubject } from '../../../lambdas/adapters/alerts/alert-text.ts';
import { SnsAlertPublisher } from '../../../lambdas/adapters/alerts/sns-alert-publisher.ts';
import { alertJson } from '../../../lambdas/domain/alerts/model.ts';
import { UnavailableError } from '../../../lambdas/domain/ports.ts';
import { acknowledge, alert, open, T0, transitionOf } from './alert-fixtures.ts';

const TOPIC = 'arn:aws:sns:eu-central-1:123456789012:wte-alerts';
const $metadata = {};
let sns: AwsClientStub<SNSClient>;
let publisher: SnsAlertPublisher;

beforeEach(() => {
  const client = new SNSClient({
    region: 'eu-central-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  sns = mockClient(client);
  publisher = new SnsAlertPublisher({ client, topicArn: TOPIC });
});
afterEach(() => {
  sns.restore();
});

const withSubject = (subject: string) => transitionOf(alert(), 'opened', subject);
/** Printable ASCII, no leading or trailing space, starting with a letter, digit or punctuation. */
const SNS_SUBJECT = /^[!-~]([ -~]*[!-~])?$/;

describe('what is published', () => {
  it('publishes to the topic with the filter attributes, the alert and transition ids and the sequence', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const step = acknowledge(alert({ severity: 'critical' }), T0 + 60_000);
    await publisher.publish(step.transition);
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.TopicArn).toBe(TOPIC);
    expect(input?.MessageAttributes).toEqual({
      plantId: { DataType: 'String', StringValue: 'kz-ast-01' },
      alertType: { DataType: 'String', StringValue: 'DIVERSION_BELOW_TARGET' },
      severity: { DataType: 'String', StringValue: 'critical' },
      state: { DataType: 'String', StringValue: 'acknowledged' },
      kind: { DataType: 'String', StringValue: 'acknowledged' },
      alertId: { DataType: 'String', StringValue: step.next.alertId },
      transitionId: { DataType: 'String', StringValue: step.transition.transitionId },
      sequence: { DataType: 'Number', StringValue: '2' },
    });
    // SNS allows at most 10 message attributes.
    expect(Object.keys(input?.MessageAttributes ?? {}).length).toBeLessThanOrEqual(10);
  });

  it('puts the same sequence and transitionId in the attributes and the JSON body of every transition', async () => {
    sns.on(PublishCommand).resolves({});
    const opened = open();
    const acked = acknowledge(opened.next, T0 + 60_000);
    for (const step of [opened, acked]) await publisher.publish(step.transition);
    const inputs = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    const seen = inputs.map((input) => {
      const message = input.Message ?? '';
      const body = JSON.parse(message.slice(message.indexOf('{'))) as {
        transitionId: string;
        sequence: number;
      };
      const attributes = input.MessageAttributes ?? {};
      return {
        body: [body.transitionId, body.sequence],
        attributes: [attributes.transitionId?.StringValue, Number(attributes.sequence?.StringValue)],
      };
    });
    expect(seen).toEqual([
      { body: [opened.transition.transitionId, 1], attributes: [opened.transition.transitionId, 1] },
      { body: [acked.transition.transitionId, 2], attributes: [acked.transition.transitionId, 2] },
    ]);
  });

  it('reports a publish cut off by its timeout (AbortError) as the topic unavailable, so the relay stops in order', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
    await expect(publisher.publish(open().transition)).rejects.toBeInstanceOf(UnavailableError);
  });

  it('refuses a timeout that is not a positive integer', () => {
    const client = new SNSClient({ region: 'eu-central-1' });
    expect(() => new SnsAlertPublisher({ client, topicArn: TOPIC, timeoutMs: 0 })).toThrow(
      /timeoutMs.*got 0/,
    );
  });

  it('sends an ASCII subject as given, and a plain summary followed by the alert JSON', async () => {
    sns.on(PublishCommand).resolves({});
    const { transition } = open();
    await publisher.publish(transition);
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.Subject).toBe(transition.subject);
    const message = input?.Message ?? '';
    const [summary, json] = [message.slice(0, message.indexOf('{')), message.slice(message.indexOf('{'))];
    expect(summary.split('\n')[0]).toBe(`WARNING alert opened: ${transition.alert.message}`);
    expect(summary).toContain('Plant:      kz-ast-01');
    expect(summary).toContain(`Transition: ${transition.transitionId}`);
    expect(JSON.parse(json)).toEqual({
      transitionId: transition.transitionId,
      sequence: 1,
      kind: 'opened',
      ...alertJson(transition.alert),
    });
  });

  it('refuses a topic ARN that is not one, or a FIFO topic, showing the value', () => {
    const client = new SNSClient({ region: 'eu-central-1' });
    expect(() => new SnsAlertPublisher({ client, topicArn: 'wte-alerts' })).toThrow(/"wte-alerts"/);
    expect(() => new SnsAlertPublisher({ client, topicArn: `${TOPIC}.fifo` })).toThrow(/FIFO/);
  });
});

describe('subject', () => {
  it.each([
    [
      'line breaks and control characters become spaces',
      'Furnace\r\nL1\ttemperature\u0007 low',
      'Furnace L1 temperature low',
    ],
    [
      'Cyrillic is transliterated',
      'Астана ТЭЦ: температура ниже 850 °C',
      'Astana TETs: temperatura nizhe 850 degC',
    ],
    ['Kazakh letters too', 'Қалдықтарды өңдеу зауыты', 'Qaldyqtardy ondeu zauyty'],
    ['diacritics are dropped', 'Déchets à Köln, Şymkent', 'Dechets a Koln, Symkent'],
    [
      'typographic symbols are spelled out',
      'Diversion – 35 % “below” target…',
      'Diversion - 35 % "below" target...',
    ],
    ['what has no spelling becomes ?', 'Boiler 🔥 fouling', 'Boiler ? fouling'],
    ['line and paragraph separators are breaks', 'a\u2028b\u2029c\u00a0d', 'a b c d'],
  ])('%s', (_what, subject, expected) => {
    expect(snsSubject(withSubject(subject))).toBe(expected);
  });

  it(`shortens a long subject to ${MAX_SNS_SUBJECT_CHARS} characters at a word, marked with ...`, () => {
    const subject = `[WARNING] kz-ast-01: ${'Landfill diversion below the target on the plant-local day '.repeat(3)}`;
    const out = snsSubject(withSubject(subject));
    expect(out.length).toBeLessThanOrEqual(MAX_SNS_SUBJECT_CHARS);
    expect(out).toMatch(/^\[WARNING\] kz-ast-01: Landfill diversion .*[a-z]\.\.\.$/);
    expect(subject.startsWith(out.slice(0, -3))).toBe(true);
  });

  it('builds a subject from the alert when nothing readable is left', () => {
    expect(snsSubject(withSubject('\u0000\u0001  \n'))).toBe(
      '[WARNING] DIVERSION_BELOW_TARGET opened at kz-ast-01',
    );
    expect(snsSubject(withSubject('🔥🔥'))).toBe('[WARNING] DIVERSION_BELOW_TARGET opened at kz-ast-01');
  });

  it('is always one line of printable ASCII under 100 characters, for any subject', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (subject) => {
        const out = snsSubject(withSubject(subject));
        expect(out.length).toBeGreaterThan(0);
        expect(out.length).toBeLessThanOrEqual(MAX_SNS_SUBJECT_CHARS);
        expect(out).toMatch(SNS_SUBJECT);
      }),
      { numRuns: 2000, seed: 20261124 },
    );
  });

  it('is what SNS receives', async () => {
    sns.on(PublishCommand).resolves({});
    await publisher.publish(withSubject('Астана\nалерт'));
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject).toBe('Astana alert');
  });
});

describe('SNS errors in domain terms', () => {
  function serverError(status: number): SNSServiceException {
    return new SNSServiceException({
      name: 'InternalFailure',
      $fault: 'server',
      $metadata: { httpStatusCode: status },
      message: 'boom',
    });
  }

  it.each([
    ['ThrottledException', () => new ThrottledException({ message: 'Rate exceeded', $metadata })],
    ['KMSThrottlingException', () => new KMSThrottlingException({ message: 'KMS rate', $metadata })],
    ['InternalErrorException', () => new InternalErrorException({ message: 'internal', $metadata })],
    ['an HTTP 500', () => serverError(500)],
    ['an HTTP 503', () => serverError(503)],
    ['a reset connection', () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('turns %s into UnavailableError that keeps the cause', async (_name, make) => {
    const error = make();
    sns.on(PublishCommand).rejects(error);
    const failure = await publisher.publish(open().transition).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UnavailableError);
    expect((failure as UnavailableError).cause).toBe(error);
    expect((failure as UnavailableError).message).toContain(open().transition.transitionId);
  });

  it.each([
    ['InvalidParameterException', () => new InvalidParameterException({ message: 'bad', $metadata })],
    ['AuthorizationErrorException', () => new AuthorizationErrorException({ message: 'denied', $metadata })],
    ['NotFoundException', () => new NotFoundException({ message: 'no topic', $metadata })],
  ])('lets %s through unchanged: retrying cannot fix it', async (_name, make) => {
    const error = make();
    sns.on(PublishCommand).rejects(error);
    await expect(publisher.publish(open().transition)).rejects.toBe(error);
  });
});
