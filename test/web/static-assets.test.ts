import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HttpEvent } from '../../lambdas/handlers/http.ts';
import {
  buildOperatorPage,
  makeOperatorPageHandler,
  OperatorPageBuildError,
  PAGE_CSP,
  type PageFiles,
} from '../../lambdas/local/static-assets.ts';
import { WebBuildError, writeOperatorPage } from '../../web/build.ts';

const get = (path: string, headers: Record<string, string> = {}): HttpEvent => ({
  httpMethod: 'GET',
  path,
  headers,
  pathParameters: null,
  queryStringParameters: null,
  body: null,
  isBase64Encoded: false,
});

const FILES: PageFiles = new Map([
  ['index.html', new TextEncoder().encode('<!doctype html><title>page</title>')],
  ['assets/app.js', new TextEncoder().encode('console.log(1)')],
  ['assets/app.css', new TextEncoder().encode('body{}')],
]);

const decoded = (body: string) => Buffer.from(body, 'base64').toString('utf8');

describe('the operator page build', () => {
  it('bundles the page offline into index.html, assets/app.js and assets/app.css (uPlot included)', async () => {
    const files = await buildOperatorPage();
    expect([...files.keys()].sort()).toEqual(['assets/app.css', 'assets/app.js', 'index.html']);
    const js = new TextDecoder().decode(files.get('assets/app.js'));
    const css = new TextDecoder().decode(files.get('assets/app.css'));
    // One self-contained module: no import statement left for the browser to resolve.
    expect(/(?:^|[;\n}])\s*import\s*[{*"'\w]/.test(js)).toBe(false);
    expect(css).toContain('.uplot');
    expect(css).not.toContain('@import');
    // Small and fast: the whole page, chart library included, stays under 100 KB.
    expect(js.length + css.length).toBeLessThan(100_000);
  });

  it('type-checks the page against the DOM (web/tsconfig.json)', () => {
    const result = spawnSync(
      process.execPath,
      ['node_modules/typescript/bin/tsc', '-p', 'web/tsconfig.json'],
      {
        encoding: 'utf8',
      },
    );
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('the static-site build (web/build.ts)', () => {
  it('writes the page and its assets, pointing the page at the API base it is given', async () => {
    const out = mkdtempSync(join(tmpdir(), 'wte-site-'));
    try {
      const written = await writeOperatorPage(out, { apiBase: 'https://ops.example.com/api' });
      expect(written.map((w) => w.file).sort()).toEqual(['assets/app.css', 'assets/app.js', 'index.html']);
      const html = readFileSync(join(out, 'index.html'), 'utf8');
      expect(html).toContain('<meta name="wte-api-base" content="https://ops.example.com/api" />');
      expect(readFileSync(join(out, 'assets/app.js'), 'utf8').length).toBeGreaterThan(10_000);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it.each(['http://ops.example.com', 'https://ops.example.com/?x=1', 'javascript:alert(1)', '"><script>'])(
    'refuses the API base %j',
    async (apiBase) => {
      await expect(writeOperatorPage(tmpdir(), { apiBase })).rejects.toBeInstanceOf(WebBuildError);
    },
  );
});

describe('serving the operator page', () => {
  it('answers / and the assets with their types, an ETag and no-cache; the CSP goes with the HTML', async () => {
    const serve = makeOperatorPageHandler({ build: async () => FILES });
    const page = await serve(get('/'));
    expect(page.statusCode).toBe(200);
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      'content-security-policy': PAGE_CSP,
      'x-content-type-options': 'nosniff',
    });
    expect(decoded(page.body)).toContain('<title>page</title>');
    expect(decoded((await serve(get('/index.html'))).body)).toContain('<title>page</title>');

    const script = await serve(get('/assets/app.js'));
    expect(script.headers?.['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers?.['content-security-policy']).toBeUndefined();
    expect((await serve(get('/assets/app.css'))).headers?.['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers 304 without a body when the ETag matches', async () => {
    const serve = makeOperatorPageHandler({ build: async () => FILES });
    const first = await serve(get('/assets/app.js'));
    const etag = String(first.headers?.etag);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    const again = await serve(get('/assets/app.js', { 'If-None-Match': etag }));
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect((await serve(get('/assets/app.js', { 'if-none-match': '"other"' }))).statusCode).toBe(200);
  });

  it('answers 404 problem details for a file the page does not have', async () => {
    const serve = makeOperatorPageHandler({ build: async () => FILES });
    const missing = await serve(get('/assets/other.js'));
    expect(missing.statusCode).toBe(404);
    expect(missing.headers?.['content-type']).toBe('application/problem+json');
  });

  it('builds once for all requests', async () => {
    let builds = 0;
    const serve = makeOperatorPageHandler({
      build: async () => {
        builds++;
        return FILES;
      },
    });
    await Promise.all([serve(get('/')), serve(get('/assets/app.js')), serve(get('/assets/app.css'))]);
    await serve(get('/'));
    expect(builds).toBe(1);
  });

  it('answers 503 with the fix when esbuild is missing, logs it, and tries again on the next request', async () => {
    const logged: string[] = [];
    let attempts = 0;
    const serve = makeOperatorPageHandler({
      build: async () => {
        attempts++;
        if (attempts === 1) {
          throw new OperatorPageBuildError('esbuild is not installed (it is a devDependency): run npm ci');
        }
        return FILES;
      },
      log: (_level, message) => logged.push(message),
    });
    const refused = await serve(get('/'));
    expect(refused.statusCode).toBe(503);
    expect(refused.headers?.['retry-after']).toBe('5');
    expect(JSON.parse(refused.body).detail).toBe(
      'The operator page needs esbuild, a devDependency: run npm ci.',
    );
    expect(logged).toEqual(['the operator page could not be built']);
    expect((await serve(get('/'))).statusCode).toBe(200);
  });

  it('never puts a build error text into the answer or the log, only its name', async () => {
    const logged: Array<Record<string, unknown>> = [];
    const serve = makeOperatorPageHandler({
      build: async () => {
        throw Object.assign(new Error('/home/someone/secret/path: syntax error'), { code: 'EBUILD' });
      },
      log: (_level, _message, fields) => logged.push(fields),
    });
    const refused = await serve(get('/'));
    expect(refused.statusCode).toBe(503);
    expect(refused.body).not.toContain('secret');
    expect(logged).toEqual([{ error: 'Error (EBUILD)' }]);
  });

  it("logs the page's own build error with its words, which carry the fix", async () => {
    const logged: Array<Record<string, unknown>> = [];
    const serve = makeOperatorPageHandler({
      build: async () => {
        throw new OperatorPageBuildError('the bundle lacks app.js or app.css: index.html');
      },
      log: (_level, _message, fields) => logged.push(fields),
    });
    expect((await serve(get('/'))).statusCode).toBe(503);
    expect(logged).toEqual([
      { error: 'OperatorPageBuildError', reason: 'the bundle lacks app.js or app.css: index.html' },
    ]);
  });
});
