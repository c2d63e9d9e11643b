/**
 * Powertools Tracer is one choice for the whole stack (docs/tracing.md): off
 * by default, every function bundled with it when `powertoolsTracer` is set.
 * Infrastructure tests do not bundle, so this reads what each WteFunction was
 * built with; test/bench/bundle-contents.test.ts checks what the define does.
 */
import { describe, expect, it } from 'vitest';
import type { RawContext } from '../../lib/config.ts';
import { bundlingDefines, WteFunction } from '../../lib/constructs/wte-function.ts';
import { buildTestApp } from './support.ts';

function tracerChoices(context: RawContext): boolean[] {
  const { stacks } = buildTestApp(context);
  return stacks.stateless.node
    .findAll()
    .filter((c): c is WteFunction => c instanceof WteFunction)
    .map((fn) => fn.powertoolsTracer);
}

describe('powertoolsTracer', () => {
  it('leaves the Tracer out of every function by default', () => {
    const choices = tracerChoices({});
    expect(choices.length).toBeGreaterThan(10);
    expect(new Set(choices)).toEqual(new Set([false]));
  });

  it('bundles it into every function of the stack when set', () => {
    expect(new Set(tracerChoices({ powertoolsTracer: 'true' }))).toEqual(new Set([true]));
  });

  it('reaches esbuild as the __WTE_TRACER__ define, which observability.ts reads', () => {
    expect(bundlingDefines(undefined, false)).toEqual({ __WTE_TRACER__: 'false' });
    expect(bundlingDefines('lake', true)).toEqual({
      __WTE_TRACER__: 'true',
      __WTE_METRICS_STORE__: '"lake"',
    });
  });
});
