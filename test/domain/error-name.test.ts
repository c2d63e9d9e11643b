import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { errorName } from '../../lambdas/domain/error-name.ts';

class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

function systemError(code: unknown): Error {
  return Object.assign(new Error('open /secret/path failed'), { code });
}

describe('errorName', () => {
  it.each([
    ['a plain Error', new Error('boom'), 'Error'],
    ['a built-in subclass', new TypeError('x is not a function'), 'TypeError'],
    ['an error class of ours', new StoreUnavailableError('down'), 'StoreUnavailableError'],
    ['a Node system error, with its code', systemError('ENOENT'), 'Error (ENOENT)'],
    ['an error whose code is not a string', systemError(503), 'Error'],
    ['an error whose code is empty', systemError(''), 'Error'],
    ['a thrown string', 'token=abc', 'unknown'],
    ['a thrown object', { name: 'Fake', code: 'EFAKE' }, 'unknown'],
    ['undefined', undefined, 'unknown'],
    ['null', null, 'unknown'],
  ])('names %s', (_what, error, expected) => {
    expect(errorName(error)).toBe(expected);
  });

  it('never repeats the message, whatever it holds', () => {
    fc.assert(
      fc.property(
        fc.string().map((s) => `payload:${s}`),
        fc.option(fc.constantFrom('EACCES', 'ECONNRESET')),
        (message, code) => {
          const error = Object.assign(new Error(message), code === null ? {} : { code });
          expect(errorName(error)).not.toContain(message);
        },
      ),
    );
  });
});
