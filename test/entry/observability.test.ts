/** Metrics of every invocation carry the function dimension the alarms and dashboard filter on. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { METRICS_NAMESPACE, observability } from '../../lambdas/entry/observability.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('observability', () => {
  it('keeps the function dimension on every flush, not only the first', async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const { count, instrument } = observability('processor');
    const handler = instrument(async () => {
      count('MessagesProcessed', 1);
    });
    await handler();
    await handler();
    const emf = written
      .flatMap((text) => text.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map(
        (line) =>
          JSON.parse(line) as {
            function?: string;
            _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> };
          },
      );
    expect(emf).toHaveLength(2);
    for (const record of emf) {
      expect(record.function).toBe('processor');
      expect(record._aws.CloudWatchMetrics[0]?.Namespace).toBe(METRICS_NAMESPACE);
      expect(record._aws.CloudWatchMetrics[0]?.Dimensions[0]).toContain('function');
    }
  });
});
