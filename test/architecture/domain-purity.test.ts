import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIOME = resolve('node_modules', '.bin', 'biome');
const sandbox = mkdtempSync(join(tmpdir(), 'wte-lint-'));
afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

// The project's own Biome configuration, minus the git integration the sandbox lacks.
const config = JSON.parse(readFileSync('biome.json', 'utf8')) as Record<string, unknown>;
delete config.$schema;
delete config.vcs;
writeFileSync(join(sandbox, 'biome.json'), JSON.stringify(config));

/** Lints a snippet placed at `path` under the project's lint rules; returns the exit code and output. */
function lintAs(path: string, source: string): { code: number | null; output: string } {
  const file = join(sandbox, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, source);
  const run = spawnSync(BIOME, ['lint', path], { cwd: sandbox, encoding: 'utf8' });
  rmSync(file);
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

/** A module at the top of the domain, one in a subfolder (domain/alerts/), and one deeper. */
const DOMAIN_PLACES = [
  'lambdas/domain/example.ts',
  'lambdas/domain/alerts/example.ts',
  'lambdas/domain/alerts/more/example.ts',
];

/** The rules of biome.json's lambdas/domain override (other lint findings are the lint step's business). */
const PURITY_RULES = [
  'correctness/noNodejsModules',
  'correctness/noProcessGlobal',
  'style/noProcessEnv',
  'style/noRestrictedGlobals',
  'style/noRestrictedImports',
];

/** Every source file under lambdas/domain, however deep. */
function domainSources(): string[] {
  const dir = join('lambdas', 'domain');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.[cm]?[jt]s$/.test(file))
    .map((file) => join(dir, file))
    .sort();
}

describe('the domain core is pure, enforced by lint', () => {
  it.each([
    [
      'an AWS SDK client',
      "import { SQSClient } from '@aws-sdk/client-sqs';\nexport const c = SQSClient;\n",
      'AWS SDK',
    ],
    ['the CDK', "import { Stack } from 'aws-cdk-lib';\nexport const s = Stack;\n", 'no AWS SDK or CDK'],
    ['an adapter', "import { x } from '../adapters/dynamo.ts';\nexport const y = x;\n", 'owns the ports'],
    [
      'a Node built-in',
      "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
      'node:fs',
    ],
    ['the environment', 'export const region = process.env.AWS_REGION;\n', 'process'],
  ])('refuses %s in lambdas/domain and in every folder under it', (_what, source, expected) => {
    for (const path of DOMAIN_PLACES) {
      const { code, output } = lintAs(path, source);
      expect(code, path).not.toBe(0);
      expect(output, path).toContain(expected);
    }
  });

  it('allows the same imports in an adapter', () => {
    const { code, output } = lintAs(
      'lambdas/adapters/example.ts',
      "import { SQSClient } from '@aws-sdk/client-sqs';\nexport const c = SQSClient;\n",
    );
    expect(output).not.toContain('domain core');
    expect(code).toBe(0);
  });

  it('finds no AWS, CDK, Node built-in or environment reference in any domain source, subfolders included', () => {
    const files = domainSources();
    expect(files).toContain(join('lambdas', 'domain', 'alerts', 'rules.ts'));
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      expect(source, file).not.toMatch(/@aws-sdk|aws-cdk-lib|process\.env|['"]node:/);
    }
  });

  it("passes the project's purity rules over the whole domain tree", () => {
    const only = PURITY_RULES.map((rule) => `--only=${rule}`);
    const run = spawnSync(BIOME, ['lint', ...only, join('lambdas', 'domain')], { encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`).not.toContain('domain core');
    expect(run.status).toBe(0);
  });
});
