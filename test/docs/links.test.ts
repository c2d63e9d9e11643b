import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

// The README is the front door (issue #21): short, linking every doc, and no
// reference may lead out of the repository (a clone has nothing beside it).

const root = resolve(import.meta.dirname, '..', '..');
const README_MAX_LINES = 300;

const docFiles = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .sort()
  .map((name) => `docs/${name}`);
const markdownFiles = ['README.md', ...docFiles];

const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** Lines outside fenced code blocks, with inline code spans blanked, so examples are not taken for links. */
function proseLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fence: string | undefined;
  text.split('\n').forEach((raw, index) => {
    const marker = /^\s*(```+|~~~+)/.exec(raw)?.[1];
    if (marker !== undefined) {
      if (fence === undefined) fence = marker[0];
      else if (marker[0] === fence) fence = undefined;
      return;
    }
    if (fence === undefined)
      out.push({ line: index + 1, text: raw.replace(/`[^`]*`/g, (m) => ' '.repeat(m.length)) });
  });
  return out;
}

/** Inline links and images: `[text](target)` and `![alt](target "title")`. */
function links(text: string): { line: number; target: string }[] {
  const found: { line: number; target: string }[] = [];
  for (const { line, text: prose } of proseLines(text)) {
    for (const match of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      found.push({ line, target: match[1] ?? '' });
    }
  }
  return found;
}

/** GitHub's heading anchors (github-slugger): lower case, punctuation and symbols dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fence: string | undefined;
  for (const raw of markdown.split('\n')) {
    const marker = /^\s*(```+|~~~+)/.exec(raw)?.[1];
    if (marker !== undefined) {
      if (fence === undefined) fence = marker[0];
      else if (marker[0] === fence) fence = undefined;
      continue;
    }
    const heading = fence === undefined ? /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw)?.[1] : undefined;
    if (heading === undefined) continue;
    const text = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/[*`]/g, '');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.add(count === 0 ? base : `${base}-${count}`);
  }
  return out;
}

const isExternal = (target: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(target);

describe('documentation links', () => {
  it.each(markdownFiles)(
    'every relative link in %s resolves to a file (and heading) in the repository',
    (file) => {
      const broken: string[] = [];
      for (const { line, target } of links(read(file))) {
        if (isExternal(target)) continue;
        const [pathPart = '', anchor] = target.split('#', 2);
        const resolved =
          pathPart === '' ? join(root, file) : resolve(root, dirname(file), decodeURIComponent(pathPart));
        const inside = relative(root, resolved);
        if (inside.startsWith('..') || inside.startsWith(sep)) {
          broken.push(`${file}:${line}: ${target} leaves the repository`);
          continue;
        }
        if (!existsSync(resolved)) {
          broken.push(`${file}:${line}: ${target} does not exist`);
          continue;
        }
        if (anchor !== undefined && anchor !== '' && resolved.endsWith('.md')) {
          if (!anchors(readFileSync(resolved, 'utf8')).has(decodeURIComponent(anchor).toLowerCase())) {
            broken.push(`${file}:${line}: ${target} names no heading of ${inside}`);
          }
        }
      }
      expect(broken).toEqual([]);
    },
  );

  it.each(markdownFiles)('%s mentions no path outside the repository', (file) => {
    const outside: string[] = [];
    read(file)
      .split('\n')
      .forEach((text, index) => {
        // The design documents (CONTRACT.md, ARCHITECTURE.md, STYLE.md) live outside the repository;
        // docs/contract.md is the contract's copy inside, the README holds the architecture.
        if (/\.\.\/shared|\/work\/shared|\b(CONTRACT|ARCHITECTURE|STYLE)\.md\b/.test(text)) {
          outside.push(`${file}:${index + 1}: ${text.trim()}`);
        }
      });
    expect(outside).toEqual([]);
  });

  it.each(markdownFiles)('every docs/*.md path %s names in plain text exists', (file) => {
    const missing = [...read(file).matchAll(/\bdocs\/[\w.-]+\.md\b/g)]
      .map((match) => match[0])
      .filter((path) => !existsSync(join(root, path)));
    expect(missing).toEqual([]);
  });

  it(`README.md has at most ${README_MAX_LINES} lines`, () => {
    const lines = read('README.md').replace(/\n$/, '').split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('README.md links every doc in docs/', () => {
    const linked = new Set(
      links(read('README.md'))
        .filter(({ target }) => !isExternal(target))
        .map(({ target }) => relative(root, resolve(root, decodeURIComponent(target.split('#')[0] ?? '')))),
    );
    expect(docFiles.filter((doc) => !linked.has(doc))).toEqual([]);
  });
});

describe('the anchor rules the link check uses', () => {
  it.each([
    [
      '## Local mode (#19; every goal met in the session 8 run)',
      'local-mode-19-every-goal-met-in-the-session-8-run',
    ],
    ['### `GET /v1/plants` and `lastDataAt`', 'get-v1plants-and-lastdataat'],
    ['## 3. KPIs (per plant, per interval)', '3-kpis-per-plant-per-interval'],
    ['## Processor cost (met: 2.26–2.60× `JSON.parse`)', 'processor-cost-met-226260-jsonparse'],
    ['## snake_case names', 'snake_case-names'],
  ])('%s -> #%s', (heading, slug) => {
    expect(anchors(heading).has(slug)).toBe(true);
  });

  it('numbers repeated headings as GitHub does', () => {
    expect([...anchors('## Files\n\n## Files\n\n## Files')]).toEqual(['files', 'files-1', 'files-2']);
  });

  it('ignores headings and links inside fenced code', () => {
    const text = '```sh\n# not a heading\n[x](nowhere.md)\n```\n## Real';
    expect([...anchors(text)]).toEqual(['real']);
    expect(links(text)).toEqual([]);
  });
});

/** Every source file of the project (not node_modules, not build output). */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|cjs|mjs|html)$/.test(entry.name) ? [path] : [];
  });
}

describe('references in code', () => {
  const files = ['lambdas', 'lib', 'bin', 'cli', 'web/src', 'bench', 'test'].flatMap(sourceFiles);

  it('name no document outside the repository, and every docs/ path they name exists', () => {
    const problems: string[] = [];
    for (const file of files) {
      if (file === 'test/docs/links.test.ts') continue;
      read(file)
        .split('\n')
        .forEach((text, index) => {
          if (/\.\.\/shared|\/work\/shared|\b(CONTRACT|ARCHITECTURE|STYLE)\.md\b/.test(text))
            problems.push(`${file}:${index + 1}: ${text.trim()}`);
          for (const [path] of text.matchAll(/\bdocs\/[\w./-]+\.md\b/g))
            if (!existsSync(join(root, path))) problems.push(`${file}:${index + 1}: ${path} does not exist`);
        });
    }
    expect(problems).toEqual([]);
  });
});
