/** The local queue's journal format: one JSON operation a line (see durable-queue.ts). */
import { open } from 'node:fs/promises';

export type JournalLine =
  | { op: 'send'; id: string; body: string; at: number; n?: number }
  | { op: 'recv'; id: string; at: number }
  | { op: 'del'; id: string }
  | { op: 'dlq'; id: string };

export function serialize(value: object): string {
  return `${JSON.stringify(value)}\n`;
}

export function parseLine(raw: string): JournalLine | undefined {
  if (raw.trim() === '') return undefined;
  try {
    const value = JSON.parse(raw) as Partial<JournalLine> | null;
    if (!value || typeof value !== 'object' || typeof value.id !== 'string') return undefined;
    if (value.op === 'send' && typeof value.body === 'string' && typeof value.at === 'number') {
      return value as JournalLine;
    }
    if (value.op === 'recv' || value.op === 'del' || value.op === 'dlq') return value as JournalLine;
    return undefined;
  } catch {
    return undefined;
  }
}

export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  }
}
