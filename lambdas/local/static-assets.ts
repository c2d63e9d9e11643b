/**
 * The operator page (web/) for local mode: `web/index.html` and the page's
 * TypeScript bundled with esbuild into `assets/app.js` plus `assets/app.css`
 * (the page's styles and uPlot's), built in memory on the first request and
 * kept. Nothing is fetched from the network and nothing is written to disk,
 * so the page works on a clean clone after `npm ci`.
 *
 * esbuild is a devDependency (CDK bundles the functions with it too); where
 * it is missing, the page answers 503 with the fix and the API is unaffected.
 * `web/build.ts` writes the same files to a directory for a static site.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { errorName } from '../domain/error-name.ts';
import { ProblemType, problem } from '../domain/problem.ts';
import { type HttpEvent, header, problemResponse } from '../handlers/http.ts';

export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

/** Page files by path relative to the site root (`index.html`, `assets/app.js`, ...). */
export type PageFiles = ReadonlyMap<string, Uint8Array>;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * The page may load its own scripts and styles and call its own origin,
 * nothing else. uPlot styles elements through the CSSOM, which style-src
 * does not restrict.
 */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export class OperatorPageBuildError extends Error {
  override readonly name = 'OperatorPageBuildError';
}

/** Builds the page: index.html as written, the bundle minified for browsers of the last few years. */
export async function buildOperatorPage(webDir: string = WEB_DIR): Promise<PageFiles> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    throw new OperatorPageBuildError('esbuild is not installed (it is a devDependency): run npm ci', {
      cause: error,
    });
  }
  const result = await esbuild.build({
    absWorkingDir: webDir,
    entryPoints: { app: 'src/main.ts' },
    bundle: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    legalComments: 'eof',
    tsconfig: 'tsconfig.json',
    outdir: 'assets',
    write: false,
    logLevel: 'silent',
  });
  const files = new Map<string, Uint8Array>([['index.html', await readFile(`${webDir}/index.html`)]]);
  for (const output of result.outputFiles) {
    const name = output.path.split(/[\\/]/).at(-1) ?? '';
    files.set(`assets/${name}`, output.contents);
  }
  if (!files.has('assets/app.js') || !files.has('assets/app.css')) {
    throw new OperatorPageBuildError(`the bundle lacks app.js or app.css: ${[...files.keys()].join(', ')}`);
  }
  return files;
}

interface Asset {
  readonly contentType: string;
  readonly body: Buffer;
  readonly etag: string;
}

export interface OperatorPageOptions {
  /** @default buildOperatorPage */
  readonly build?: () => Promise<PageFiles>;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
}

/**
 * Serves `GET /`, `/index.html` and `/assets/*` from the page build, with
 * ETags (304 on a match), `no-cache` so a rebuilt page is picked up at once,
 * and the CSP above. A failed build is answered 503 and retried on the next
 * request.
 */
export function makeOperatorPageHandler(options: OperatorPageOptions = {}) {
  const build = options.build ?? (() => buildOperatorPage());
  let assets: Promise<ReadonlyMap<string, Asset>> | undefined;
  const load = () => {
    assets ??= build().then(
      (files) =>
        new Map(
          [...files].map(([name, contents]) => {
            const body = Buffer.from(contents);
            const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
            const extension = name.split('.').at(-1) ?? '';
            return [
              name,
              { contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream', body, etag },
            ];
          }),
        ),
      (error: unknown) => {
        assets = undefined;
        throw error;
      },
    );
    return assets;
  };

  return async (event: HttpEvent): Promise<APIGatewayProxyResult> => {
    const path = event.path === '/' ? 'index.html' : event.path.replace(/^\//, '');
    let files: ReadonlyMap<string, Asset>;
    try {
      files = await load();
    } catch (error) {
      // Our own build errors are worded without input; any other error's text (paths, source) stays out.
      options.log?.('error', 'the operator page could not be built', {
        error: errorName(error),
        ...(error instanceof OperatorPageBuildError ? { reason: error.message } : {}),
      });
      const detail =
        error instanceof OperatorPageBuildError && error.message.startsWith('esbuild is not installed')
          ? 'The operator page needs esbuild, a devDependency: run npm ci.'
          : 'The operator page could not be built; see the local mode log.';
      return problemResponse(problem(503, ProblemType.unavailable, 'Page unavailable', detail), {
        'retry-after': '5',
      });
    }
    const asset = files.get(path);
    if (!asset) return problemResponse(problem(404, ProblemType.notFound, 'Not found', 'No such file.'));
    const headers: Record<string, string> = {
      'content-type': asset.contentType,
      'cache-control': 'no-cache',
      etag: asset.etag,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...(asset.contentType.startsWith('text/html') ? { 'content-security-policy': PAGE_CSP } : {}),
    };
    if (header(event, 'if-none-match') === asset.etag) return { statusCode: 304, headers, body: '' };
    return { statusCode: 200, headers, body: asset.body.toString('base64'), isBase64Encoded: true };
  };
}
