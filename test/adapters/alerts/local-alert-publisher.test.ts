/**
 * The local alert publisher on a temporary data directory, with a webhook
 * served by a real HTTP server on 127.0.0.1.
 */
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALERTS_FILE, LocalAlertPublisher } from '../../../lambdas/adapters/alerts/local-alert-publisher.ts';
import type { AlertTransition } from '../../../lambdas/domain/alerts/model.ts';
import { alertJson } from '../../../lambdas/domain/alerts/model.ts';
import { UnavailableError } from '../../../lambdas/domain/ports.ts';
import { acknowledge, open, resolve, T0 } from './alert-fixtures.ts';

let dir: string;
let printed: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wte-alerts-'));
  printed = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function publisherOn(dataDir: string, extra: { webhookUrl?: string; webhookTimeoutMs?: number } = {}) {
  return new LocalAlertPublisher({ dataDir, write: (line) => printed.push(line), ...extra });
}

async function fileLines(dataDir = dir): Promise<string[]> {
  const text = await readFile(join(dataDir, ALERTS_FILE), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

const opened = open().transition;
const acked = acknowledge(opened.alert, T0 + 60_000).transition;
const resolved = resolve(acked.alert, T0 + 120_000).transition;

const recordOf = (t: AlertTransition) => ({
  transitionId: t.transitionId,
  sequence: t.alert.sequence,
  kind: t.kind,
  ...alertJson(t.alert),
});

describe('alerts.jsonl', () => {
  it('appends one JSON line per transition: the alert JSON at the top level, with transitionId, sequence and kind', async () => {
    const publisher = publisherOn(dir);
    for (const t of [opened, acked, resolved]) await publisher.publish(t);
    const lines = await fileLines();
    expect(lines.map((l) => JSON.parse(l))).toEqual([recordOf(opened), recordOf(acked), recordOf(resolved)]);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      alertId: opened.alert.alertId,
      plantId: 'kz-ast-01',
      state: 'open',
      openedAt: '2026-11-24T08:00:00.000Z',
      window: { start: '2026-11-23T08:00:00.000Z', end: '2026-11-24T08:00:00.000Z' },
    });
    expect(publisher.filePath).toBe(join(dir, ALERTS_FILE));
  });

  it('prints one readable line per transition', async () => {
    const publisher = publisherOn(dir);
    await publisher.publish(opened);
    await publisher.publish(acked);
    expect(printed).toEqual([
      `ALERT opened WARNING kz-ast-01 DIVERSION_BELOW_TARGET plant: ${opened.subject} [${opened.transitionId}]`,
      `ALERT acknowledged WARNING kz-ast-01 DIVERSION_BELOW_TARGET plant: ${acked.subject} [${acked.transitionId}]`,
    ]);
  });

  it('keeps a line break in a message from splitting the console line or the file line', async () => {
    const publisher = publisherOn(dir);
    const sneaky = open({ message: 'diversion low\nALERT resolved fake', alertId: 'sneaky' }).transition;
    await publisher.publish({ ...sneaky, subject: 'two\nlines' });
    expect(printed).toHaveLength(1);
    expect(printed[0]).not.toMatch(/\n/);
    expect(await fileLines()).toHaveLength(1);
  });

  it('creates the data directory', async () => {
    const nested = join(dir, 'a', 'b');
    await publisherOn(nested).publish(opened);
    expect(await fileLines(nested)).toHaveLength(1);
  });

  it('does not append or print a transition again when it is published again', async () => {
    const publisher = publisherOn(dir);
    await publisher.publish(opened);
    await publisher.publish(acked);
    await publisher.publish(opened);
    await publisher.publish(acked);
    expect((await fileLines()).map((l) => JSON.parse(l).transitionId)).toEqual([
      opened.transitionId,
      acked.transitionId,
    ]);
    expect(printed).toHaveLength(2);
  });

  it('does not append a transition twice when publishes of it overlap', async () => {
    const publisher = publisherOn(dir);
    await Promise.all(Array.from({ length: 10 }, () => publisher.publish(opened)));
    expect(await fileLines()).toHaveLength(1);
  });

  it('remembers what the file holds across a restart', async () => {
    await publisherOn(dir).publish(opened);
    const restarted = publisherOn(dir);
    await restarted.publish(opened);
    await restarted.publish(acked);
    expect((await fileLines()).map((l) => JSON.parse(l).transitionId)).toEqual([
      opened.transitionId,
      acked.transitionId,
    ]);
  });

  it('after a crash mid-line, keeps the torn line apart and appends its transition again whole', async () => {
    await publisherOn(dir).publish(opened);
    const torn = JSON.stringify(recordOf(acked)).slice(0, 40);
    await appendFile(join(dir, ALERTS_FILE), torn);
    const restarted = publisherOn(dir);
    await restarted.publish(acked);
    await restarted.publish(resolved);
    const lines = await fileLines();
    expect(lines).toEqual([
      JSON.stringify(recordOf(opened)),
      torn,
      JSON.stringify(recordOf(acked)),
      JSON.stringify(recordOf(resolved)),
    ]);
  });

  it('refuses an empty data directory', () => {
    expect(() => publisherOn(' ')).toThrow(RangeError);
  });
});

describe('webhook', () => {
  interface Received {
    readonly method?: string;
    readonly contentType?: string;
    readonly body: unknown;
  }
  let server: Server;
  let url: string;
  let received: Received[];
  let answer: (res: ServerResponse) => void;

  beforeEach(async () => {
    received = [];
    answer = (res) => res.writeHead(204).end();
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          method: req.method,
          contentType: req.headers['content-type'],
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        });
        answer(res);
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/alerts`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  });

  it('POSTs each transition as the same JSON as its file line', async () => {
    const publisher = publisherOn(dir, { webhookUrl: url });
    await publisher.publish(opened);
    await publisher.publish(acked);
    expect(received).toEqual([
      { method: 'POST', contentType: 'application/json', body: recordOf(opened) },
      { method: 'POST', contentType: 'application/json', body: recordOf(acked) },
    ]);
  });

  it('answers UnavailableError to a non-2xx answer, and the retry reaches the webhook without a second file line', async () => {
    const publisher = publisherOn(dir, { webhookUrl: url });
    answer = (res) => res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
    const failure = await publisher.publish(opened).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UnavailableError);
    expect((failure as Error).message).toMatch(/503/);
    answer = (res) => res.writeHead(200).end('ok');
    await publisher.publish(opened);
    expect(received).toHaveLength(2);
    expect(await fileLines()).toHaveLength(1);
  });

  it('answers UnavailableError when the webhook does not answer in time', async () => {
    answer = () => undefined; // never answers
    const publisher = publisherOn(dir, { webhookUrl: url, webhookTimeoutMs: 100 });
    const started = Date.now();
    const failure = await publisher.publish(opened).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UnavailableError);
    expect((failure as Error).message).toMatch(/TimeoutError/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('answers UnavailableError when nothing listens', async () => {
    const gone = createServer();
    await new Promise<void>((done) => gone.listen(0, '127.0.0.1', done));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((done) => gone.close(() => done()));
    const publisher = publisherOn(dir, { webhookUrl: `http://127.0.0.1:${port}/hooks/alerts` });
    await expect(publisher.publish(opened)).rejects.toBeInstanceOf(UnavailableError);
    expect(await fileLines()).toHaveLength(1);
  });

  it('refuses a URL that is not http or https, showing it', () => {
    expect(() => publisherOn(dir, { webhookUrl: 'file:///etc/passwd' })).toThrow(/file:\/\/\/etc\/passwd/);
    expect(() => publisherOn(dir, { webhookUrl: 'not a url' })).toThrow(RangeError);
    expect(() => publisherOn(dir, { webhookUrl: url, webhookTimeoutMs: 0 })).toThrow(RangeError);
  });
});
