/**
 * Local mode for the local benchmark, in its own process (run through tsx,
 * as `wte local` runs): `node --import tsx bench/local-server.ts DATA_DIR TOKEN`
 * prints `{"httpUrl": ...}` once listening, and closes cleanly when its stdin
 * closes or says `stop`.
 */
import { startLocalMode } from '../lambdas/local/runtime.ts';

const [dataDir, devToken] = process.argv.slice(2);
if (!dataDir || !devToken) {
  process.stderr.write('usage: local-server.ts DATA_DIR TOKEN\n');
  process.exit(2);
}

const mode = await startLocalMode({ dataDir, devToken, httpPort: 0, mqttPort: 0 });
process.stdout.write(`${JSON.stringify({ httpUrl: mode.httpUrl })}\n`);

let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await mode.close();
  process.exit(0);
};
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  if (chunk.includes('stop')) void stop();
});
process.stdin.on('end', () => void stop());
process.on('SIGTERM', () => void stop());
