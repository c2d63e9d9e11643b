/**
 * Local mode's data directory is its owner's alone: the queue journal holds
 * whole payloads, the state store token hashes, the DuckDB file every
 * figure. Local mode often runs on a shared machine or a plant's edge box, so
 * the directory is 0700 and every file in it 0600, whatever the umask: the
 * process's umask is narrowed to 077 before any store opens (DuckDB, LevelDB
 * in the state store's child process, which inherits it, and the journal all
 * create their own files), and what an earlier run left is narrowed too.
 */
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

const PRIVATE_UMASK = 0o077;

/** Creates `dataDir` if missing and makes it and everything in it owner-only; later files follow. */
export async function privateDataDir(dataDir: string): Promise<void> {
  // A worker thread may not set the umask (tests can run local mode in one): what exists is narrowed below.
  if (isMainThread) process.umask(PRIVATE_UMASK);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await narrow(dataDir);
}

async function narrow(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await narrow(path);
    // Links are left alone: chmod would follow them out of the directory.
    else if (entry.isFile()) await chmod(path, 0o600);
  }
}
