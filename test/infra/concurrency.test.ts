/**
 * Ingest cannot starve processing: the processor has its own reserved
 * concurrency (docs/deployment.md, "Concurrency"), at least the SQS event
 * source's maximum concurrency; the alert step, on its own queue, reserves
 * that maximum beside it; nothing else reserves any.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.ts';
import { MAX_RESERVED_CONCURRENCY } from '../../lib/reserved-concurrency.ts';
import { buildTestApp, props, referencedId, resourcesOf } from './support.ts';

function reservations(context: Parameters<typeof buildTestApp>[0]) {
  const { stateless, stacks } = buildTestApp(context);
  const idOf = (fn: { function: { node: { defaultChild?: unknown } } }) =>
    stacks.stateless.getLogicalId(fn.function.node.defaultChild as never);
  const processorId = idOf(stacks.stateless.functions.processor);
  const alertStepId = idOf(stacks.stateless.functions.alertStep);
  const reserved = resourcesOf(stateless, 'AWS::Lambda::Function')
    .filter(([, f]) => props(f).ReservedConcurrentExecutions !== undefined)
    .map(([id, f]) => [id, props(f).ReservedConcurrentExecutions]);
  const maxConcurrency = Object.fromEntries(
    resourcesOf(stateless, 'AWS::Lambda::EventSourceMapping').map(([, m]) => [
      referencedId(props(m).FunctionName),
      (props(m).ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency,
    ]),
  );
  return { stateless, stacks, processorId, alertStepId, reserved, maxConcurrency };
}

describe('processor concurrency', () => {
  it('reserves the event source maximum for the processor and the alert step by default, and nothing for the public functions', () => {
    const { processorId, alertStepId, reserved, maxConcurrency } = reservations({});
    expect(reserved.sort()).toEqual(
      [
        [processorId, 5],
        [alertStepId, 5],
      ].sort(),
    );
    expect(maxConcurrency).toEqual({ [processorId]: 5, [alertStepId]: 5 });
  });

  it('reserves what processorReservedConcurrency says for the processor, and the event source maximum for the alert step', () => {
    const { processorId, alertStepId, reserved, maxConcurrency } = reservations({
      processorMaxConcurrency: 10,
      processorReservedConcurrency: '12',
    });
    expect(reserved.sort()).toEqual(
      [
        [processorId, 12],
        [alertStepId, 10],
      ].sort(),
    );
    expect(maxConcurrency).toEqual({ [processorId]: 10, [alertStepId]: 10 });
  });

  it('reserves nothing with 0 (an account whose concurrency limit leaves no room)', () => {
    const { stateless, reserved } = reservations({ processorReservedConcurrency: 0 });
    expect(reserved).toEqual([]);
    stateless.allResourcesProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: Match.absent(),
    });
  });

  it.each([
    ['below the event source maximum, which would throttle it', { processorReservedConcurrency: 4 }, '4'],
    [
      'above what a default account can spare',
      { processorReservedConcurrency: MAX_RESERVED_CONCURRENCY + 1 },
      String(MAX_RESERVED_CONCURRENCY + 1),
    ],
    ['not a number', { processorReservedConcurrency: 'many' }, '"many"'],
    ['negative', { processorReservedConcurrency: -5 }, '-5'],
  ])('refuses a reservation %s, naming the key and the value', (_, context, shown) => {
    expect(() => parseConfig(context)).toThrow(
      /"processorReservedConcurrency" must be 0 \(reserve none\) or an integer from processorMaxConcurrency \(5\) to 900/,
    );
    expect(() => parseConfig(context)).toThrow(`got ${shown}`);
  });

  it('refuses a reservation that leaves no room for the alert step within the account budget', () => {
    const context = {
      processorMaxConcurrency: 10,
      processorReservedConcurrency: MAX_RESERVED_CONCURRENCY - 9,
    };
    expect(() => parseConfig(context)).toThrow(
      /"processorReservedConcurrency" must be 0 \(reserve none\) or at most 890: the alert step reserves processorMaxConcurrency \(10\) beside it, 900 in all; got 891/,
    );
    expect(parseConfig({ ...context, processorReservedConcurrency: 890 }).processor.reservedConcurrency).toBe(
      890,
    );
  });
});
