import { describe, expect, it } from 'vitest';
import { once } from '../../lambdas/adapters/once.ts';

describe('once', () => {
  it('builds nothing until first asked, then builds once and keeps the value', () => {
    let builds = 0;
    const value = once(() => {
      builds++;
      return { built: builds };
    });
    expect(builds).toBe(0);
    const first = value();
    expect(value()).toBe(first);
    expect(builds).toBe(1);
  });

  it('keeps a falsy value without building it again', () => {
    let builds = 0;
    const value = once(() => {
      builds++;
      return undefined;
    });
    value();
    value();
    expect(builds).toBe(1);
  });

  it('builds again after a build that threw (nothing was kept)', () => {
    let builds = 0;
    const value = once(() => {
      builds++;
      if (builds === 1) throw new Error('first build fails');
      return builds;
    });
    expect(() => value()).toThrow('first build fails');
    expect(value()).toBe(2);
  });
});
