/**
 * The deadline an invocation's calls carry (issue #21): its Lambda context's
 * remaining time, turned into an instant once, at the start of the
 * invocation. Local mode passes no context: its calls carry no deadline.
 */
import type { Context } from 'aws-lambda';
import { type CallOptions, deadlineIn } from '../domain/deadline.ts';
import type { Clock } from '../domain/ports.ts';

/** What a handler needs of its Lambda context. */
export type InvocationContext = Pick<Context, 'getRemainingTimeInMillis'>;

export function invocationCalls(clock: Clock, context: InvocationContext | undefined): CallOptions {
  const deadline = context && deadlineIn(clock.now(), context.getRemainingTimeInMillis());
  return deadline === undefined ? {} : { deadline };
}
