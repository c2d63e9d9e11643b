/**
 * What a log line or an error message says about a caught value: the error's
 * name, with its code when it carries one (`Error (ENOENT)` for a Node system
 * error), never its message, which can hold a payload or a secret.
 */
export function errorName(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code !== '' ? `${error.name} (${code})` : error.name;
}
