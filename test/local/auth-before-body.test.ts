/**
 * Ingest authenticates before it reads (#22 item 2): the authorizer judges the
 * headers and a missing token is answered 401 while the client is still
 * uploading; a Content-Length over 256 KiB is answered 413 before the body; a
 * body without a length is read to 256 KiB at most. Each refusal closes the
 * connection, so no client makes the server hold a body it will not use.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalMode } from '../../lambdas/local/runtime.ts';
import { startLocal, tempDataDir } from '../support/local-mode.ts';

const TOKEN = 'auth-before-body-token-0123456789';
const MIB = 1024 * 1024;
let local: LocalMode;
beforeAll(async () => {
  local = await startLocal({ dataDir: tempDataDir('auth-before-body'), devToken: TOKEN });
});
afterAll(() => local.close());

/** Sends the head and `sent` bytes of body, then resolves with what the server answered (closed or not). */
function upload(head: string, sent: number): Promise<{ answer: string; socket: Socket }> {
  const url = new URL(local.httpUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(head);
      socket.write(Buffer.alloc(sent, 0x20));
    });
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      answer += chunk;
      if (answer.includes('\r\n\r\n') && answer.includes('}')) resolve({ answer, socket });
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer, socket }));
  });
}

const post = (headers: string[]) =>
  [`POST /v1/plants/kz-abb-01/telemetry HTTP/1.1`, `Host: 127.0.0.1`, ...headers, '', ''].join('\r\n');

describe('ingest reads no body it will not use', () => {
  it('answers 20 unauthenticated 8 MiB uploads 401 while they are still sending, and closes them', async () => {
    const uploads = Array.from({ length: 20 }, () =>
      upload(post(['Content-Type: application/json', `Content-Length: ${8 * MIB}`]), 64 * 1024),
    );
    for (const { answer, socket } of await Promise.all(uploads)) {
      expect(answer).toMatch(/^HTTP\/1\.1 401 /);
      expect(answer.toLowerCase()).toContain('connection: close');
      socket.destroy();
    }
  });

  it('answers a Content-Length over 256 KiB 413 before the body, even with a good token', async () => {
    const { answer, socket } = await upload(
      post([`Authorization: Bearer ${TOKEN}`, 'Content-Type: application/json', `Content-Length: ${MIB}`]),
      0,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    socket.destroy();
  });

  it('stops reading a body without a length at 256 KiB', async () => {
    const head = post([
      `Authorization: Bearer ${TOKEN}`,
      'Content-Type: application/json',
      'Transfer-Encoding: chunked',
    ]);
    const size = 300 * 1024;
    const chunk = `${size.toString(16)}\r\n${' '.repeat(size)}\r\n`;
    const { answer, socket } = await upload(`${head}${chunk}`, 0);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    socket.destroy();
  });
});
