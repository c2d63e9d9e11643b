/**
 * Local mode answers only to loopback names in `Host` (#22 item 5): a page
 * served under another name that resolves to 127.0.0.1 (DNS rebinding)
 * cannot read the API from a browser on the machine.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalMode } from '../../lambdas/local/runtime.ts';
import { startLocal, tempDataDir } from '../support/local-mode.ts';

let local: LocalMode;
beforeAll(async () => {
  local = await startLocal({ dataDir: tempDataDir('host-check'), devToken: 'host-check-token-0123456789' });
});
afterAll(() => local.close());

function get(path: string, host: string): Promise<{ status: number; body: string; type?: string }> {
  const url = new URL(path, local.httpUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: url.port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject).end();
  });
}

describe('Host header', () => {
  it('answers to 127.0.0.1, localhost and [::1], with or without a port', async () => {
    const port = new URL(local.httpUrl).port;
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `LOCALHOST:${port}`,
      `[::1]:${port}`,
      'localhost',
    ])
      expect((await get('/healthz', host)).status, host).toBe(200);
  });

  it('refuses any other name with a 403 problem before routing', async () => {
    for (const host of ['evil.example:8787', 'evil.example', '127.0.0.1.evil.example', 'localhost.evil']) {
      const answer = await get('/v1/alerts?state=open', host);
      expect(answer.status, host).toBe(403);
      expect(answer.type).toBe('application/problem+json');
      expect(JSON.parse(answer.body)).toMatchObject({ type: 'urn:wte:problem:forbidden', status: 403 });
    }
  });
});
