/**
 * The secrets local mode keeps in its (owner-only) data directory: the dev
 * token, and the state store's key pair. The key pair is made on first start;
 * the state store refuses every request not signed with it
 * (state-store-guard.mjs), and `wte token` reads it from here. It is written in
 * the AWS shared-credentials format, so the AWS CLI can use the file as it is
 * (AWS_SHARED_CREDENTIALS_FILE).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StateStoreKeyPair } from './state-store-guard.mjs';

export type { StateStoreKeyPair } from './state-store-guard.mjs';

export const DEV_TOKEN_FILE = 'dev-token';
export const STATE_STORE_CREDENTIALS_FILE = 'state-store-credentials';

export class LocalSecretsError extends Error {
  override readonly name = 'LocalSecretsError';
}

/** The contents of a file, or undefined when it does not exist. */
async function readIfThere(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes a new secret owner-only; a file another start wrote first wins (`wx`), and is returned. */
async function createSecret(file: string, text: string): Promise<string> {
  try {
    await writeFile(file, text, { mode: 0o600, flag: 'wx' });
    await chmod(file, 0o600);
    return text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFile(file, 'utf8');
  }
}

/** The dev token: given, or saved in the data dir by an earlier start, or new (and saved). */
export async function devTokenOf(dataDir: string, given: string | undefined): Promise<string> {
  if (given !== undefined) {
    if (!/^\S{8,512}$/.test(given)) {
      throw new LocalSecretsError('WTE_DEV_TOKEN must be 8 to 512 characters without spaces');
    }
    return given;
  }
  const file = join(dataDir, DEV_TOKEN_FILE);
  const saved = (await readIfThere(file))?.trim();
  if (saved) return saved;
  return (await createSecret(file, `wte_dev_${randomBytes(24).toString('base64url')}\n`)).trim();
}

/** The shared-credentials text of a key pair (profile `default`). */
export function formatStateStoreCredentials(keys: StateStoreKeyPair): string {
  return [
    '# wte local: the state store refuses requests not signed with these (docs/local-security.md)',
    '[default]',
    `aws_access_key_id = ${keys.accessKeyId}`,
    `aws_secret_access_key = ${keys.secretAccessKey}`,
    '',
  ].join('\n');
}

const ACCESS_KEY_ID = /^[A-Za-z0-9]{16,128}$/;
const SECRET_ACCESS_KEY = /^[A-Za-z0-9_+/=-]{16,128}$/;

/** The key pair of the `[default]` profile in `text` (read from `file`, named in errors). */
export function parseStateStoreCredentials(text: string, file: string): StateStoreKeyPair {
  const values = new Map<string, string>();
  let profile: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (section) profile = section[1];
    else if (profile === 'default') {
      const at = line.indexOf('=');
      if (at > 0) values.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
    }
  }
  const accessKeyId = values.get('aws_access_key_id') ?? '';
  const secretAccessKey = values.get('aws_secret_access_key') ?? '';
  if (!ACCESS_KEY_ID.test(accessKeyId) || !SECRET_ACCESS_KEY.test(secretAccessKey)) {
    throw new LocalSecretsError(
      `${file} does not hold a [default] aws_access_key_id (16 to 128 letters and digits) and ` +
        'aws_secret_access_key (16 to 128 characters); delete it and start local mode again to make a new pair',
    );
  }
  return { accessKeyId, secretAccessKey };
}

/** The state store's key pair of `dataDir`: the one an earlier start made, or a new one (saved 0600). */
export async function stateStoreKeyPairOf(dataDir: string): Promise<StateStoreKeyPair> {
  const file = join(dataDir, STATE_STORE_CREDENTIALS_FILE);
  const saved = await readIfThere(file);
  if (saved !== undefined) return parseStateStoreCredentials(saved, file);
  const fresh = {
    // The shape of an AWS key id (20 capitals and digits), marked as local mode's.
    accessKeyId: `WTELOCAL${randomBytes(6).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64url'),
  };
  return parseStateStoreCredentials(await createSecret(file, formatStateStoreCredentials(fresh)), file);
}

/** Reads a credentials file for a CLI command (synchronously: commands build their clients up front). */
export function readStateStoreCredentials(file: string): StateStoreKeyPair {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new LocalSecretsError(
      code === 'ENOENT'
        ? `no state store credentials at ${file}: start local mode with this data directory first (wte local --data-dir DIR), or name the directory with --data-dir or WTE_DATA_DIR`
        : `cannot read the state store credentials at ${file}: ${code ?? (error as Error).message}`,
      { cause: error },
    );
  }
  return parseStateStoreCredentials(text, file);
}
