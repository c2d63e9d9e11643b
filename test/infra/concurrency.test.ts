/**
 * Ingest cannot starve processing: the processor has its own reserved
 * concurrency (docs/deployment.md, "Concurrency"), at least the SQS event
 * source's maximum concurrency, and nothing else reserves any.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.ts';
import { MAX_RESERVED_CONCURRENCY } from '../../lib/reserved-concurrency.ts';
import { buildTestApp, props, referencedId, resourcesOf } from './support.ts';

function reservations(context: Parameters<typeof buildTestApp>[0]) {
  const { stateless, stacks } = buildTestApp(context);
  const processorId = resourcesOf(stateless, 'AWS::Lambda::EventSourceMapping').map(([, m]) =>
    referencedId(props(m).FunctionName),
  );
  const reserved = resourcesOf(stateless, 'AWS::Lambda::Function')
    .filter(([, f]) => props(f).ReservedConcurrentExecutions !== undefined)
    .map(([id, f]) => [id, props(f).ReservedConcurrentExecutions]);
  return { stateless, stacks, processorId, reserved };
}

describe('processor concurrency', () => {
  it('reserves the event source maximum for the processor by default, and nothing for the public functions', () => {
    const { stateless, processorId, reserved } = reservations({});
    expect(reserved).toEqual([[processorId[0], 5]]);
    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('reserves what processorReservedConcurrency says, above the event source maximum', () => {
    const { stateless, processorId, reserved } = reservations({
      processorMaxConcurrency: 10,
      processorReservedConcurrency: '12',
    });
    expect(reserved).toEqual([[processorId[0], 12]]);
    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 10 },
    });
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
});
