/**
 * Powertools Tracer around each invocation and each AWS SDK client, in a
 * bundle only when the stack is deployed with `-c powertoolsTracer=true`
 * (docs/tracing.md): it adds about 122 KiB to every bundle, past issue #19's
 * 150 KiB goal, so it is the platform engineer's choice, not the default.
 * Imported by observability.ts behind the `__WTE_TRACER__` define, which
 * esbuild folds.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import { errorName } from '../domain/error-name.ts';

export { Tracer };

export interface InvocationTracer {
  /**
   * Runs one invocation inside a `## <function>` subsegment of Lambda's own
   * segment; `isFault` marks an answer that did not throw (a 5xx problem).
   */
  traced<R>(run: () => Promise<R>, isFault?: (result: R) => boolean): Promise<R>;
}

/**
 * Each AWS call becomes a subsegment (service, operation, table or queue)
 * under the invocation's. The SDK's requests carry Lambda's trace header, so
 * the Tracer's HTTPS instrumentation skips them: only a captured client
 * records its calls.
 */
export function captureClient<C>(tracer: Tracer, client: C): C {
  return tracer.captureAWSv3Client(client);
}

/**
 * Responses are not recorded (they can hold plant data); a failure marks the
 * subsegment as a fault and annotates the error's name, never its message.
 */
export function invocationTracer(functionName: string, tracer: Tracer): InvocationTracer {
  return {
    async traced<R>(run: () => Promise<R>, isFault?: (result: R) => boolean): Promise<R> {
      // Outside Lambda (AWS_EXECUTION_ENV unset) the Tracer disables itself; so do we.
      if (!tracer.isTracingEnabled()) return run();
      const parent = tracer.getSegment();
      if (parent === undefined) return run();
      const subsegment = parent.addNewSubsegment(`## ${functionName}`);
      tracer.setSegment(subsegment);
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
      try {
        const result = await run();
        if (isFault?.(result)) subsegment.addFaultFlag();
        return result;
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
