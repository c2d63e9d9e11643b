/**
 * Powertools Tracer around each invocation, in a bundle only when the stack is
 * deployed with `-c powertoolsTracer=true` (docs/tracing.md): it adds about
 * 124 KiB to every bundle, past issue #19's 150 KiB goal, so it is the
 * platform engineer's choice, not the default. Imported by observability.ts
 * behind the `__WTE_TRACER__` define, which esbuild folds.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import { errorName } from '../domain/error-name.ts';

export interface InvocationTracer {
  /** Runs one invocation inside a `## <function>` subsegment of Lambda's own segment. */
  traced<R>(run: () => Promise<R>): Promise<R>;
}

/**
 * The Tracer instruments outgoing HTTPS and fetch calls when built, so every
 * AWS SDK call of the process becomes a subsegment under the invocation's.
 * Responses are not recorded (they can hold plant data); a failure marks the
 * subsegment as a fault and annotates the error's name, never its message.
 */
export function invocationTracer(
  serviceName: string,
  functionName: string,
  tracer: Tracer = new Tracer({ serviceName }),
): InvocationTracer {
  return {
    async traced<R>(run: () => Promise<R>): Promise<R> {
      // Outside Lambda (AWS_EXECUTION_ENV unset) the Tracer disables itself; so do we.
      if (!tracer.isTracingEnabled()) return run();
      const parent = tracer.getSegment();
      if (parent === undefined) return run();
      const subsegment = parent.addNewSubsegment(`## ${functionName}`);
      tracer.setSegment(subsegment);
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
      try {
        return await run();
      } catch (error) {
        subsegment.addFaultFlag();
        tracer.putAnnotation('error', errorName(error));
        throw error;
      } finally {
        subsegment.close();
        tracer.setSegment(parent);
      }
    },
  };
}
