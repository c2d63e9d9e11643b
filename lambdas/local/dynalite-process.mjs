// dynalite in a process of its own (local mode's state store): its request handling and LevelDB calls
// then run beside local mode's main thread instead of on it. Plain JavaScript, so it starts without tsx.
// Started by dynalite-server.ts with an IPC channel: its first message is `{ credentials }` (the key pair
// every request must be signed with, or null for none: kept off argv and the environment), then it
// sends `{ port }` once listening, and closes when told `close` or when the channel drops (local mode
// stopped or crashed).
import dynalite from 'dynalite';
import { guardStateStore } from './state-store-guard.mjs';

// The data directory ('' for memory) and the port (0 for any; a restart asks for the port it had).
const [path, port] = process.argv.slice(2);
let server;
let closing = false;
const close = () => {
  if (closing) return;
  closing = true;
  if (server === undefined) process.exit(0);
  server.close((error) => process.exit(error ? 1 : 0));
};
const start = (credentials) => {
  server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path ? { path } : {}) });
  if (credentials) guardStateStore(server, credentials);
  server.on('error', (error) => {
    process.stderr.write(`dynalite: ${error.message}\n`);
    process.exit(1);
  });
  server.listen(Number(port ?? 0), '127.0.0.1', () => process.send?.({ port: server.address().port }));
};
process.on('message', (message) => {
  if (message === 'close') close();
  else if (
    server === undefined &&
    !closing &&
    message &&
    typeof message === 'object' &&
    'credentials' in message
  )
    start(message.credentials);
});
process.on('disconnect', close);
// A terminal's Ctrl-C (and a service manager's stop) reaches the whole process group: local mode must
// finish its batches against this store first, so the parent closes it, or its exit drops the channel.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});
