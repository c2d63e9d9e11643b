/**
 * The checkpoint of `wte migrate-to-lake`: which run it belongs to (range,
 * window, plants) and the last (plant, window) it completed, so an
 * interrupted run resumes after it. Written atomically (a temporary file,
 * then rename), so an interruption mid-write never leaves half a file.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import * as z from 'zod';

export const CHECKPOINT_SCHEMA = 'wte.migrate-to-lake.checkpoint.v1';

const Totals = z.strictObject({
  readings: z.number().int().nonnegative(),
  movements: z.number().int().nonnegative(),
  refused: z.number().int().nonnegative(),
  queries: z.number().int().nonnegative(),
});

const Checkpoint = z.strictObject({
  schema: z.literal(CHECKPOINT_SCHEMA),
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  windowDays: z.number().int().positive(),
  plants: z.array(z.string().min(1)).min(1),
  /** The last (plant, window) whose readings and movements were all written. */
  last: z.strictObject({ plantId: z.string().min(1), windowStart: z.iso.datetime() }).optional(),
  /** Every (plant, window) of the run is done. */
  done: z.boolean(),
  /** Sums over every run that advanced this checkpoint. */
  totals: Totals,
});

export type MigrationCheckpoint = z.infer<typeof Checkpoint>;
export type MigrationTotals = z.infer<typeof Totals>;

/** Where the checkpoint lives; the file store below in the CLI, any store in tests. */
export interface CheckpointStore {
  /** For messages: the file path. */
  readonly location: string;
  load(): Promise<MigrationCheckpoint | undefined>;
  save(checkpoint: MigrationCheckpoint): Promise<void>;
}

/** The checkpoint file cannot be read as one (not JSON, another schema). */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

export function parseCheckpoint(text: string, location: string): MigrationCheckpoint {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(`${location} is not JSON (${String(error)}); move it away to start afresh`, {
      cause: error,
    });
  }
  const parsed = Checkpoint.safeParse(json);
  if (!parsed.success)
    throw new CheckpointError(
      `${location} is not a ${CHECKPOINT_SCHEMA} checkpoint: ${z.prettifyError(parsed.error).replaceAll('\n', '; ')}`,
    );
  return parsed.data;
}

export function fileCheckpoint(path: string): CheckpointStore {
  return {
    location: path,
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      return parseCheckpoint(text, path);
    },
    async save(checkpoint) {
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, `${JSON.stringify(Checkpoint.parse(checkpoint), null, 2)}\n`, 'utf8');
      await rename(temporary, path);
    },
  };
}
