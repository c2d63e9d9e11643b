/**
 * A small client for the read side of the HTTP API (contract section 4): GET a
 * path with a query, follow `nextCursor` pages, turn RFC 9457 problem answers
 * into `ApiProblemError`. Requests to an API Gateway URL are signed with SigV4
 * (service `execute-api`) using the default AWS credential chain.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Clock } from '../lambdas/domain/ports.ts';
import { UsageError } from './io.ts';

/** Local mode's HTTP API (contract section 7). */
export const DEFAULT_API_URL = 'http://127.0.0.1:8787';
/** Safety bound on cursor pages of one query. */
export const DEFAULT_MAX_PAGES = 10_000;
const DEFAULT_TIMEOUT_MS = 30_000;
/** At most this much server text is repeated to the user per field. */
const MAX_TEXT = 500;

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}
export type CredentialProvider = () => Promise<AwsCredentials>;
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;
export type QueryParams = Readonly<Record<string, string | undefined>>;
export type JsonObject = Record<string, unknown>;

export interface ProblemItem {
  readonly pointer: string;
  readonly detail: string;
}

/** The API answered with an error status (problem+json or not). */
export class ApiProblemError extends Error {
  override readonly name = 'ApiProblemError';
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly type: string | undefined;
  readonly errors: readonly ProblemItem[];
  /** Seconds, from a Retry-After header (429, 503). */
  readonly retryAfter: number | undefined;

  constructor(problem: {
    status: number;
    title: string;
    detail?: string | undefined;
    type?: string | undefined;
    errors?: readonly ProblemItem[];
    retryAfter?: number | undefined;
  }) {
    const errors = problem.errors ?? [];
    const pointers = errors.map((e) => (e.pointer ? `${e.pointer}: ${e.detail}` : e.detail)).join('; ');
    super(
      `${problem.status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ''}` +
        `${pointers ? ` (${pointers})` : ''}` +
        `${problem.retryAfter !== undefined ? ` (retry after ${problem.retryAfter} s)` : ''}`,
    );
    this.status = problem.status;
    this.title = problem.title;
    this.detail = problem.detail;
    this.type = problem.type;
    this.errors = errors;
    this.retryAfter = problem.retryAfter;
  }
}

/** The target could not be reached, timed out, or answered with something that is not the API. */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
}

export interface ApiClientOptions {
  /** Base URL; a path prefix such as an API Gateway stage (`/prod`) is kept. */
  readonly baseUrl: string;
  /** Sign with SigV4: true forces it, false turns it off; by default only API Gateway URLs are signed. */
  readonly sigv4?: boolean | undefined;
  /** Signing region; by default the one in an `execute-api` host name. */
  readonly region?: string | undefined;
  readonly fetch?: FetchLike;
  /** By default the AWS default credential chain, resolved on the first signed request. */
  readonly credentials?: CredentialProvider;
  /** The signing date. */
  readonly clock?: Clock;
  readonly maxPages?: number;
  readonly timeoutMs?: number;
}

/** True for an https URL on an AWS host, which API Gateway serves only signed (IAM authorization). */
export function isAwsApiUrl(url: URL): boolean {
  return url.protocol === 'https:' && url.hostname.toLowerCase().endsWith('.amazonaws.com');
}

/** `eu-central-1` from `abc123.execute-api.eu-central-1.amazonaws.com`. */
export function regionFromHost(hostname: string): string | undefined {
  return /^[^.]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/i.exec(hostname)?.[1]?.toLowerCase();
}

/** RFC 3986 percent-encoding (what SigV4 canonicalizes to), so what is signed is what is sent. */
function encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Server text shown on a terminal: no control characters, bounded length. */
function clean(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  let text = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    text += code < 0x20 || (code >= 0x7f && code < 0xa0) ? ' ' : ch;
  }
  text = text.trim();
  if (text.length > MAX_TEXT) text = `${text.slice(0, MAX_TEXT)}...`;
  return text || undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

async function defaultCredentials(): Promise<CredentialProvider> {
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  return defaultProvider();
}

export class ApiClient {
  /** The target as shown to users (no query, no credentials). */
  readonly target: string;
  /** The signing region when requests are signed, otherwise undefined. */
  readonly signingRegion: string | undefined;
  private readonly base: URL;
  private readonly fetchFn: FetchLike;
  private readonly maxPages: number;
  private readonly timeoutMs: number;
  private readonly clock: Clock | undefined;
  private readonly credentials: CredentialProvider | undefined;
  private signer: Promise<SignatureV4> | undefined;

  constructor(options: ApiClientOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new UsageError(`the API target ${JSON.stringify(options.baseUrl)} is not a URL`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      throw new UsageError(`the API target must be an http or https URL, not ${base.protocol}`);
    if (base.username || base.password)
      throw new UsageError('the API target must not carry credentials in its URL');
    base.search = '';
    base.hash = '';
    this.base = base;
    this.target = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
    this.fetchFn = options.fetch ?? ((url, init) => fetch(url, init));
    this.maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.clock = options.clock;
    this.credentials = options.credentials;
    const sign = options.sigv4 ?? isAwsApiUrl(base);
    if (sign) {
      const region = options.region ?? regionFromHost(base.hostname);
      if (!region)
        throw new UsageError(
          `cannot tell the AWS region of ${base.hostname} for SigV4: give --region or set AWS_REGION`,
        );
      this.signingRegion = region;
    } else {
      this.signingRegion = undefined;
    }
  }

  /**
   * GET `path` (relative to the base URL's path) with `query` (undefined
   * values are left out). When the answer carries `nextCursor`, the same
   * query is sent again with `cursor=` until no cursor is left; the pages'
   * `points` are concatenated into the first page, which is returned without
   * `nextCursor`.
   */
  async get(path: string, query: QueryParams = {}): Promise<JsonObject> {
    const first = await this.getPage(path, query);
    let cursor = typeof first.nextCursor === 'string' && first.nextCursor ? first.nextCursor : undefined;
    const { nextCursor: _cursor, ...merged } = first;
    if (cursor === undefined) return merged;
    const points: unknown[] = Array.isArray(first.points) ? [...first.points] : [];
    const seen = new Set<string>();
    let pages = 1;
    while (cursor !== undefined) {
      if (seen.has(cursor))
        throw new ApiRequestError(`${this.target} returned the cursor ${JSON.stringify(cursor)} twice`);
      seen.add(cursor);
      if (pages >= this.maxPages)
        throw new ApiRequestError(
          `stopped after ${this.maxPages} pages from ${this.target}: narrow the time range or use a coarser interval`,
        );
      const page = await this.getPage(path, { ...query, cursor });
      pages += 1;
      if (Array.isArray(page.points)) points.push(...page.points);
      cursor = typeof page.nextCursor === 'string' && page.nextCursor ? page.nextCursor : undefined;
    }
    return { ...merged, points };
  }

  /** One request, one page, as parsed JSON. */
  async getPage(path: string, query: QueryParams = {}): Promise<JsonObject> {
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const fullPath = `${basePath}/${path.replace(/^\/+/, '')}`;
    const params = Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined);
    const search = params.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
    const url = `${this.base.origin}${fullPath}${search ? `?${search}` : ''}`;
    let headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      'user-agent': 'wte-cli',
    };
    if (this.signingRegion !== undefined) headers = await this.sign(fullPath, params, headers);

    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(url, {
        method: 'GET',
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new ApiRequestError(this.networkMessage(error), { cause: error });
    }
    let body: unknown;
    let parsed = false;
    try {
      body = text ? JSON.parse(text) : undefined;
      parsed = text.length > 0;
    } catch {
      parsed = false;
    }
    if (!response.ok) throw this.problem(response, parsed ? body : undefined, text);
    if (!parsed || !isObject(body))
      throw new ApiRequestError(
        `${this.target} answered ${response.status} without a JSON object: is it the wte API?`,
      );
    return body;
  }

  private problem(response: Response, body: unknown, text: string): ApiProblemError {
    const json = isObject(body) ? body : {};
    const errors: ProblemItem[] = [];
    if (Array.isArray(json.errors)) {
      for (const item of json.errors.slice(0, 20)) {
        if (!isObject(item)) continue;
        const detail = clean(item.detail) ?? clean(item.message) ?? '';
        errors.push({ pointer: clean(item.pointer) ?? '', detail });
      }
    }
    return new ApiProblemError({
      status: response.status,
      title: clean(json.title) ?? (clean(response.statusText) || 'HTTP error'),
      // API Gateway's own errors are `{ "message": ... }`.
      detail: clean(json.detail) ?? clean(json.message) ?? (isObject(body) ? undefined : clean(text)),
      type: clean(json.type),
      errors,
      retryAfter: retryAfterSeconds(response.headers.get('retry-after')),
    });
  }

  private networkMessage(error: unknown): string {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
      return `no answer from ${this.target} within ${Math.round(this.timeoutMs / 1000)} s`;
    const cause = error instanceof Error ? error.cause : undefined;
    const reason =
      (isObject(cause) && typeof cause.code === 'string' ? cause.code : undefined) ??
      (cause instanceof Error ? cause.message : undefined) ??
      (error instanceof Error ? error.message : String(error));
    const hint =
      this.signingRegion === undefined ? ' (is `wte local` running? set --target or WTE_API_URL)' : '';
    return `cannot reach ${this.target}: ${reason}${hint}`;
  }

  private async sign(
    path: string,
    params: readonly [string, string][],
    headers: Record<string, string>,
  ): Promise<Record<string, string>> {
    this.signer ??= (async () =>
      new SignatureV4({
        service: 'execute-api',
        region: this.signingRegion ?? '',
        credentials: this.credentials ?? (await defaultCredentials()),
        sha256: Sha256,
      }))();
    const signer = await this.signer;
    const request = new HttpRequest({
      method: 'GET',
      protocol: this.base.protocol,
      hostname: this.base.hostname,
      ...(this.base.port ? { port: Number(this.base.port) } : {}),
      path,
      query: Object.fromEntries(params),
      headers: { ...headers, host: this.base.host },
    });
    let signed: { headers: Record<string, string> };
    try {
      signed = await signer.sign(request, this.clock ? { signingDate: new Date(this.clock.now()) } : {});
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ApiRequestError(`no AWS credentials to sign the request to ${this.target}: ${reason}`, {
        cause: error,
      });
    }
    // fetch sets Host from the URL itself (the same value that was signed).
    const { host: _host, ...rest } = signed.headers;
    return rest;
  }
}

export interface ApiTargetOptions {
  readonly target?: string | undefined;
  readonly region?: string | undefined;
  readonly sigv4?: boolean | undefined;
}

/**
 * The client for `--target` (or WTE_API_URL, or local mode's address). The
 * signing region is `--region`, else the one in an `execute-api` host name
 * (the only region such a signature is valid for), else AWS_REGION or
 * AWS_DEFAULT_REGION.
 */
export function apiClientFrom(
  options: ApiTargetOptions,
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Pick<ApiClientOptions, 'fetch' | 'credentials' | 'clock'>> = {},
): ApiClient {
  const baseUrl = options.target ?? (env.WTE_API_URL || undefined) ?? DEFAULT_API_URL;
  let host = '';
  try {
    host = new URL(baseUrl).hostname;
  } catch {
    // the constructor reports it
  }
  const region =
    options.region ??
    regionFromHost(host) ??
    (env.AWS_REGION || undefined) ??
    (env.AWS_DEFAULT_REGION || undefined);
  return new ApiClient({
    baseUrl,
    ...(options.sigv4 ? { sigv4: true } : {}),
    ...(region ? { region } : {}),
    ...overrides,
  });
}
