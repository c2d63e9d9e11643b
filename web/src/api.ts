/**
 * The query and alerts API as the page uses it (docs/contract.md section 4, plus
 * the `GET /v1/plants` extension). Long answers are followed page by page
 * through `nextCursor`, so a chart never silently shows a truncated range.
 */
import type { AlertJson } from '../../lambdas/domain/alerts/model.ts';
import type { KpiValues } from '../../lambdas/domain/kpis.ts';
import type { SeriesAggregation, SeriesInterval } from '../../lambdas/domain/series.ts';
import type { KpiTarget } from '../../lambdas/domain/targets.ts';

export type { KpiTarget };

export type Alert = AlertJson;

export interface Plant {
  readonly plantId: string;
  readonly name: string;
  readonly timeZone: string;
  readonly diversionTarget: number;
  readonly combustionMinTempC: number;
  /** Diversion and recycling targets with their source; absent from older deployments. */
  readonly targets?: readonly KpiTarget[];
  /** Minutes without data before the plant is stale; where absent, the plant default (15). */
  readonly staleAfterMinutes?: number;
  /** ISO instant of the plant's latest data; where absent, the page probes the series API (freshness.ts). */
  readonly lastDataAt?: string | null;
}

export interface KpiPoint extends KpiValues {
  readonly start: string;
  readonly end: string;
  readonly complete: boolean;
}

export interface SeriesPoint {
  readonly ts: string;
  readonly value: number;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** More pages than any valid query can have: a cursor loop ends here instead of spinning. */
const MAX_PAGES = 200;

type Json = Record<string, unknown>;

export class Api {
  constructor(private readonly base: string) {}

  /** Registered plants; `undefined` where the deployment has no `GET /v1/plants`. */
  async plants(signal?: AbortSignal): Promise<Plant[] | undefined> {
    try {
      const body = await this.get('/v1/plants', {}, signal);
      return arrayOf<Plant>(body, 'plants');
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 403)) return undefined;
      throw error;
    }
  }

  async kpis(
    plantId: string,
    from: number,
    to: number,
    interval: '1h' | '1d' | '1mo' | '1y',
    signal?: AbortSignal,
  ): Promise<KpiPoint[]> {
    return (await this.kpisWithTargets(plantId, from, to, interval, signal)).points;
  }

  /** The KPI points and the plant's targets (answered beside the points). */
  async kpisWithTargets(
    plantId: string,
    from: number,
    to: number,
    interval: '1h' | '1d' | '1mo' | '1y',
    signal?: AbortSignal,
  ): Promise<{ points: KpiPoint[]; targets: KpiTarget[] }> {
    let targets: KpiTarget[] = [];
    const points = await this.pages<KpiPoint>(
      `/v1/plants/${encodeURIComponent(plantId)}/kpis`,
      { from: iso(from), to: iso(to), interval },
      'points',
      signal,
      (body) => {
        if (Array.isArray(body.targets)) targets = body.targets as KpiTarget[];
      },
    );
    return { points, targets };
  }

  async series(
    plantId: string,
    query: {
      metric: string;
      from: number;
      to: number;
      interval: SeriesInterval;
      agg: SeriesAggregation;
    },
    signal?: AbortSignal,
  ): Promise<SeriesPoint[]> {
    return this.pages<SeriesPoint>(
      `/v1/plants/${encodeURIComponent(plantId)}/series`,
      {
        metric: query.metric,
        from: iso(query.from),
        to: iso(query.to),
        interval: query.interval,
        agg: query.agg,
      },
      'points',
      signal,
    );
  }

  async alerts(query: { plantId?: string; state: Alert['state'] }, signal?: AbortSignal): Promise<Alert[]> {
    return this.pages<Alert>(
      '/v1/alerts',
      {
        ...(query.plantId === undefined ? {} : { plantId: query.plantId }),
        state: query.state,
        limit: '500',
      },
      'alerts',
      signal,
    );
  }

  /**
   * A plant's alerts resolved at or after `since` (epoch ms). The listing is
   * newest first by `updatedAt`, and a resolved alert's `updatedAt` is its
   * resolution, so paging stops at the first page reaching past `since`.
   */
  async resolvedSince(plantId: string, since: number, signal?: AbortSignal): Promise<Alert[]> {
    const found: Alert[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = { plantId, state: 'resolved', limit: '100', ...(cursor === undefined ? {} : { cursor }) };
      const body = await this.get('/v1/alerts', query, signal);
      const alerts = arrayOf<Alert>(body, 'alerts');
      found.push(...alerts.filter((a) => Date.parse(a.resolvedAt ?? a.updatedAt) >= since));
      cursor = typeof body.nextCursor === 'string' ? body.nextCursor : undefined;
      const oldest = alerts.at(-1);
      if (cursor === undefined || (oldest !== undefined && Date.parse(oldest.updatedAt) < since))
        return found;
    }
    throw new ApiError(0, '/v1/alerts kept answering with another page');
  }

  async acknowledge(alertId: string): Promise<Alert> {
    const response = await fetch(this.url(`/v1/alerts/${encodeURIComponent(alertId)}/ack`, {}), {
      method: 'POST',
      headers: { accept: 'application/json' },
    });
    return (await this.bodyOf(response)) as unknown as Alert;
  }

  private async pages<T>(
    path: string,
    query: Record<string, string>,
    key: string,
    signal?: AbortSignal,
    onPage?: (body: Json) => void,
  ) {
    const items: T[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const body = await this.get(path, cursor === undefined ? query : { ...query, cursor }, signal);
      onPage?.(body);
      items.push(...arrayOf<T>(body, key));
      cursor = typeof body.nextCursor === 'string' ? body.nextCursor : undefined;
      if (cursor === undefined) return items;
    }
    throw new ApiError(0, `${path} kept answering with another page`);
  }

  private async get(path: string, query: Record<string, string>, signal?: AbortSignal): Promise<Json> {
    const response = await fetch(this.url(path, query), {
      headers: { accept: 'application/json' },
      ...(signal === undefined ? {} : { signal }),
    });
    return this.bodyOf(response);
  }

  private url(path: string, query: Record<string, string>): string {
    const search = new URLSearchParams(query).toString();
    return `${this.base}${path}${search === '' ? '' : `?${search}`}`;
  }

  private async bodyOf(response: Response): Promise<Json> {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const problem = (body ?? {}) as { title?: unknown; detail?: unknown; errors?: unknown };
      const errors = Array.isArray(problem.errors)
        ? problem.errors.map((e: { pointer?: string; detail?: string }) => `${e.pointer} ${e.detail}`)
        : [];
      const text = [problem.title, problem.detail, ...errors].filter((t) => typeof t === 'string').join(': ');
      throw new ApiError(response.status, text || `HTTP ${response.status}`);
    }
    if (typeof body !== 'object' || body === null) {
      throw new ApiError(response.status, 'the API answered something other than a JSON object');
    }
    return body as Json;
  }
}

function arrayOf<T>(body: Json, key: string): T[] {
  const value = body[key];
  if (!Array.isArray(value)) throw new ApiError(200, `the API answer has no ${key} list`);
  return value as T[];
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
