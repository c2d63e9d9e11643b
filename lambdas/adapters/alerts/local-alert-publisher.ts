/**
 * The local-mode alert publisher (docs/contract.md section 7): one readable line
 * per transition on the console, one JSON line per transition appended to
 * `<data-dir>/alerts.jsonl`, and optionally the same JSON POSTed to a webhook.
 *
 * The file holds each transition once. At the first publish the file's
 * transition ids are read, and every id appended since is remembered, so a
 * transition published again (the relay repeats one whose markPublished did
 * not happen, say after a crash) is not appended twice, nor printed twice.
 * Each line goes out in one append, so a crash leaves at most a torn last
 * line; that line is ignored when the ids are read, its transition is
 * appended again whole, and a newline is put in front so the torn one stays
 * on a line of its own. Readers of the file should skip a line that is not
 * JSON. One process per data directory: two processes appending to the same
 * file would each know only their own appends.
 *
 * The webhook is called on every publish, repeats included (it may have failed
 * the first time); its receiver drops repeats by `transitionId`.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AlertTransition } from '../../domain/alerts/model.ts';
import { errorName } from '../../domain/error-name.ts';
import { type AlertPublisher, UnavailableError } from '../../domain/ports.ts';
import { consoleLine, transitionRecord } from './alert-text.ts';

export const ALERTS_FILE = 'alerts.jsonl';
/** How long a webhook call may take before it counts as failed. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5000;

export interface LocalAlertPublisherProps {
  /** The local data directory (`--data-dir` / `WTE_DATA_DIR`); created if missing. */
  readonly dataDir: string;
  /** Where the console line goes, e.g. `(line) => console.log(line)`. */
  readonly write: (line: string) => void;
  /** http(s) URL that receives each transition as a JSON POST. Default: none. */
  readonly webhookUrl?: string;
  /** Default DEFAULT_WEBHOOK_TIMEOUT_MS. */
  readonly webhookTimeoutMs?: number;
}

interface FileState {
  readonly seen: Set<string>;
  /** The file ends without a newline (a torn last line): the next append starts a new line first. */
  tornTail: boolean;
}

export class LocalAlertPublisher implements AlertPublisher {
  /** `<data-dir>/alerts.jsonl` */
  readonly filePath: string;
  private readonly dataDir: string;
  private readonly write: (line: string) => void;
  private readonly webhookUrl: URL | undefined;
  private readonly webhookTimeoutMs: number;
  private file: Promise<FileState> | undefined;
  /** Appends run one at a time, so check-then-append is atomic within the process. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(props: LocalAlertPublisherProps) {
    if (props.dataDir.trim() === '') {
      throw new RangeError(`dataDir must not be empty; got ${JSON.stringify(props.dataDir)}`);
    }
    this.dataDir = props.dataDir;
    this.filePath = join(props.dataDir, ALERTS_FILE);
    this.write = props.write;
    this.webhookUrl = props.webhookUrl === undefined ? undefined : webhookUrlOf(props.webhookUrl);
    this.webhookTimeoutMs = props.webhookTimeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
    if (!Number.isInteger(this.webhookTimeoutMs) || this.webhookTimeoutMs < 1) {
      throw new RangeError(`webhookTimeoutMs must be a positive integer; got ${props.webhookTimeoutMs}`);
    }
  }

  async publish(transition: AlertTransition): Promise<void> {
    const record = transitionRecord(transition);
    const line = JSON.stringify(record);
    await this.serially(async () => {
      const file = await this.fileState();
      if (file.seen.has(transition.transitionId)) return;
      try {
        await appendFile(this.filePath, `${file.tornTail ? '\n' : ''}${line}\n`, 'utf8');
      } catch (error) {
        throw new UnavailableError(`cannot append to ${this.filePath}: ${errorName(error)}`, 5, {
          cause: error,
        });
      }
      file.tornTail = false;
      file.seen.add(transition.transitionId);
      this.write(consoleLine(transition));
    });
    if (this.webhookUrl) await this.post(this.webhookUrl, line, transition.transitionId);
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private fileState(): Promise<FileState> {
    if (this.file === undefined) {
      this.file = this.loadFile();
      // A failed load (disk trouble) is tried again at the next publish.
      this.file.catch(() => {
        this.file = undefined;
      });
    }
    return this.file;
  }

  private async loadFile(): Promise<FileState> {
    let text = '';
    try {
      await mkdir(this.dataDir, { recursive: true });
      text = await readFile(this.filePath, 'utf8');
    } catch (error) {
      if (!isNotFound(error)) {
        throw new UnavailableError(`cannot read ${this.filePath}: ${errorName(error)}`, 5, { cause: error });
      }
    }
    const seen = new Set<string>();
    for (const line of text.split('\n')) {
      const id = transitionIdOf(line);
      if (id !== undefined) seen.add(id);
    }
    return { seen, tornTail: text !== '' && !text.endsWith('\n') };
  }

  private async post(url: URL, body: string, transitionId: string): Promise<void> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.webhookTimeoutMs),
      });
    } catch (error) {
      throw new UnavailableError(
        `alert webhook ${url.origin} unavailable: posting ${transitionId} failed with ${errorName(error)}`,
        5,
        { cause: error },
      );
    }
    // Read nothing back, but let the connection go.
    await response.body?.cancel().catch(() => undefined);
    if (!response.ok) {
      throw new UnavailableError(
        `alert webhook ${url.origin} answered ${response.status} to ${transitionId}`,
        5,
      );
    }
  }
}

function webhookUrlOf(text: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new RangeError(`webhookUrl must be an http or https URL; got ${JSON.stringify(text)}`);
  }
  return url;
}

/** The transitionId of one line of the file, or undefined for a blank, torn or foreign line. */
function transitionIdOf(line: string): string | undefined {
  if (line.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null && 'transitionId' in parsed) {
      const id = (parsed as { transitionId: unknown }).transitionId;
      return typeof id === 'string' ? id : undefined;
    }
  } catch {
    // A torn line: its transition was not recorded.
  }
  return undefined;
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}
