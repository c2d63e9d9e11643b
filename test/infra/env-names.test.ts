/**
 * One list of environment variable names for the CDK app and the entries
 * (lambdas/entry/env-names.ts): every variable a synthesized function gets is
 * on it, and every name on it is read by an entry, on either metrics store.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LAMBDA_ENV_NAMES } from '../../lambdas/entry/env-names.ts';
import { buildTestApp, props, resourcesOf } from './support.ts';

/** Variables the entry sources read: keys of readEnv shapes and of process.env. */
function namesReadByEntries(): Set<string> {
  const dir = new URL('../../lambdas/entry/', import.meta.url);
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'env-names.ts')) {
    const text = readFileSync(new URL(file, dir), 'utf8');
    for (const match of text.matchAll(/\b([A-Z][A-Z0-9_]{2,}):\s*z\./g)) names.add(match[1] as string);
  }
  return names;
}

function namesSetBySynth(metricsStore: 'timestream' | 'lake'): Set<string> {
  // lakeRecentCompleteSince and kpiRollupMovementsSince: variables set only when their context is.
  const { stateful, stateless } = buildTestApp({
    metricsStore,
    plants: ['kz-ast-01'],
    kpiRollupMovementsSince: '2026-12-07T00:15:00Z',
    ...(metricsStore === 'lake' ? { lakeRecentCompleteSince: '2026-12-01T00:00:00Z' } : {}),
  });
  const names = new Set<string>();
  for (const template of [stateful, stateless])
    for (const [, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
      const variables = (props(fn).Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables;
      for (const name of Object.keys(variables ?? {})) names.add(name);
    }
  return names;
}

describe('Lambda environment names', () => {
  it('sets only listed names on any function, on either store, and every listed name is set somewhere', () => {
    const set = new Set([...namesSetBySynth('timestream'), ...namesSetBySynth('lake')]);
    // Lambda's own and CDK's own variables are not ours.
    const ours = [...set].filter((name) => !name.startsWith('AWS_'));
    expect(ours.filter((name) => !(LAMBDA_ENV_NAMES as readonly string[]).includes(name))).toEqual([]);
    expect(LAMBDA_ENV_NAMES.filter((name) => !set.has(name))).toEqual([]);
  });

  it('lists every name an entry reads, and reads every listed name but NODE_OPTIONS', () => {
    const read = namesReadByEntries();
    expect([...read].filter((name) => !(LAMBDA_ENV_NAMES as readonly string[]).includes(name))).toEqual([]);
    expect(LAMBDA_ENV_NAMES.filter((name) => name !== 'NODE_OPTIONS' && !read.has(name))).toEqual([]);
  });
});
