/**
 * The processor is deployed with the memory and heap settings the memory
 * benchmark measures (lib/processor-memory.ts, docs/performance.md "Memory as
 * deployed"). The literals are pinned here on purpose: changing them means
 * running `npm run bench -- --only memory` again and updating the docs.
 */
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  PROCESSOR_HEAP_LIMIT_MB,
  PROCESSOR_MEMORY_MB,
  PROCESSOR_NODE_FLAGS,
  PROCESSOR_NODE_OPTIONS,
} from '../../lib/processor-memory.ts';
import { buildTestApp, props, referencedId, resourcesOf } from './support.ts';

const { stateless, stacks } = buildTestApp();
const functions = new Map(resourcesOf(stateless, 'AWS::Lambda::Function'));
const processor = stacks.stateless.functions.processor.function;
const processorId = Stack.of(processor).getLogicalId(processor.node.defaultChild as CfnElement);
/** NODE_OPTIONS of a function; CDK's own provider functions have no environment. */
const nodeOptions = (id: string) =>
  (
    props(functions.get(id) ?? { Type: '' }).Environment as
      | { Variables?: Record<string, unknown> }
      | undefined
  )?.Variables?.NODE_OPTIONS;

describe('processor memory as deployed', () => {
  it('is the function the telemetry queue invokes', () => {
    // The other mapping is the alert step's, on its own queue in this stack.
    const mappings = resourcesOf(stateless, 'AWS::Lambda::EventSourceMapping').filter(([, m]) =>
      JSON.stringify(props(m).EventSourceArn).includes('TelemetryQueue'),
    );
    expect(mappings.map(([, m]) => referencedId(props(m).FunctionName))).toEqual([processorId]);
  });

  it('runs with 512 MB and NODE_OPTIONS capping old space at 160 MB and semi-space at 16 MB', () => {
    expect(props(functions.get(processorId) ?? { Type: '' }).MemorySize).toBe(512);
    expect(nodeOptions(processorId)).toBe(
      '--enable-source-maps --max-old-space-size=160 --max-semi-space-size=16',
    );
  });

  it('takes both from the constants the memory benchmark runs its child with', () => {
    expect(props(functions.get(processorId) ?? { Type: '' }).MemorySize).toBe(PROCESSOR_MEMORY_MB);
    expect(nodeOptions(processorId)).toBe(PROCESSOR_NODE_OPTIONS);
    expect(PROCESSOR_NODE_OPTIONS.split(' ')).toEqual(PROCESSOR_NODE_FLAGS);
  });

  it('leaves room under the memory size for what is not V8 heap', () => {
    // The bench process without a batch is about 60 MB of RSS (code, runtime, buffers).
    expect(PROCESSOR_MEMORY_MB - PROCESSOR_HEAP_LIMIT_MB).toBeGreaterThanOrEqual(128);
  });

  it('caps the heap of no other function (the Lambda runtime sizes theirs to their memory)', () => {
    const capped = [...functions.keys()].filter(
      (id) => id !== processorId && /--max[-_](old|semi)[-_]space/.test(String(nodeOptions(id))),
    );
    expect(capped).toEqual([]);
  });
});
