/**
 * CloudWatch embedded metric format (EMF) documents for the entry points'
 * counters, within the format's limits: at most 100 metrics per document
 * and 100 values per metric (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 */

/** The EMF limits: metric definitions per document, values per metric. */
export const MAX_METRICS_PER_DOCUMENT = 100;
export const MAX_VALUES_PER_METRIC = 100;
const MAX_NAME_CHARS = 255;

/** Counter values of one invocation, by metric name, in the order first counted. */
export class MetricsBuffer {
  private values = new Map<string, number[]>();

  /** Whether adding a value of `name` would exceed a limit, so the caller publishes first. */
  full(name: string): boolean {
    const held = this.values.get(name);
    return held === undefined
      ? this.values.size >= MAX_METRICS_PER_DOCUMENT
      : held.length >= MAX_VALUES_PER_METRIC;
  }

  /** Adds a value; a refusal (bad name or value, which CloudWatch would drop with the whole document) is returned. */
  add(name: string, value: number): string | undefined {
    if (name.length === 0 || name.length > MAX_NAME_CHARS)
      return `the name must be 1 to ${MAX_NAME_CHARS} characters`;
    if (!Number.isFinite(value)) return `the value must be a finite number; got ${value}`;
    const held = this.values.get(name);
    if (held === undefined) this.values.set(name, [value]);
    else held.push(value);
    return undefined;
  }

  /** What was counted since the last drain; the buffer is empty afterwards. */
  drain(): ReadonlyMap<string, readonly number[]> {
    const drained = this.values;
    this.values = new Map();
    return drained;
  }
}

export interface EmfOptions {
  readonly namespace: string;
  /** Dimension name to value; every metric carries all of them as one dimension set. */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly timestamp: number;
}

/** The EMF lines for `metrics` (none when nothing was counted); unit Count. */
export function emfDocuments(metrics: ReadonlyMap<string, readonly number[]>, options: EmfOptions): string[] {
  const entries = [...metrics.entries()];
  const documents: string[] = [];
  for (let start = 0; start < entries.length; start += MAX_METRICS_PER_DOCUMENT) {
    const chunk = entries.slice(start, start + MAX_METRICS_PER_DOCUMENT);
    const values: Record<string, number | readonly number[]> = {};
    for (const [name, held] of chunk) values[name] = held.length === 1 ? (held[0] as number) : held;
    documents.push(
      JSON.stringify({
        _aws: {
          Timestamp: options.timestamp,
          CloudWatchMetrics: [
            {
              Namespace: options.namespace,
              Dimensions: [Object.keys(options.dimensions)],
              Metrics: chunk.map(([name]) => ({ Name: name, Unit: 'Count' })),
            },
          ],
        },
        ...options.dimensions,
        ...values,
      }),
    );
  }
  return documents;
}
