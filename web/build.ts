/**
 * Writes the operator page to a directory, for a static site in front of
 * the query API (docs/dashboards.md, "On AWS"):
 *
 *   npx tsx web/build.ts --out dist/web [--api-base https://ops.example.com]
 *
 * The same build local mode serves at `/`. `--api-base` sets where the page
 * sends its API calls; without it, they go to the page's own origin (a
 * CloudFront behaviour routing `/v1/*` to the signing proxy).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildOperatorPage } from '../lambdas/local/static-assets.ts';

const API_BASE_META = '<meta name="wte-api-base" content="" />';

export class WebBuildError extends Error {
  override readonly name = 'WebBuildError';
}

/** Writes index.html and assets/ under `outDir`; answers the files written with their sizes. */
export async function writeOperatorPage(
  outDir: string,
  options: { readonly apiBase?: string } = {},
): Promise<Array<{ file: string; bytes: number }>> {
  const apiBase = options.apiBase ?? '';
  if (apiBase !== '' && !/^https:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?(?:\/[A-Za-z0-9._~/-]*)?$/.test(apiBase)) {
    throw new WebBuildError(`--api-base must be an https URL without query or fragment, got ${apiBase}`);
  }
  const files = await buildOperatorPage();
  const written: Array<{ file: string; bytes: number }> = [];
  for (const [name, contents] of files) {
    let bytes = contents;
    if (name === 'index.html' && apiBase !== '') {
      const html = new TextDecoder().decode(contents);
      if (!html.includes(API_BASE_META)) throw new WebBuildError('index.html lost its wte-api-base meta');
      bytes = new TextEncoder().encode(
        html.replace(API_BASE_META, `<meta name="wte-api-base" content="${apiBase}" />`),
      );
    }
    const path = join(resolve(outDir), name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
    written.push({ file: name, bytes: bytes.byteLength });
  }
  return written;
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: { out: { type: 'string' }, 'api-base': { type: 'string' } },
  });
  if (!values.out) {
    console.error('usage: npx tsx web/build.ts --out <dir> [--api-base https://...]');
    return 2;
  }
  const written = await writeOperatorPage(values.out, { apiBase: values['api-base'] ?? '' });
  for (const { file, bytes } of written) console.log(`${join(values.out, file)}  ${bytes} B`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
