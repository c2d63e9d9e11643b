/**
 * A CONNECT with a protocol level the broker does not speak gets CONNACK
 * return code 1 ("unacceptable protocol version"), as MQTT 3.1.1 section
 * 3.2.2.3 asks, before the connection closes; the broker's own parser would
 * close it without a word. Levels 3 (MQTT 3.1) and 4 (3.1.1) are accepted.
 */
import type { Socket } from 'node:net';

const CONNECT_TIMEOUT_MS = 30_000;
const SUPPORTED_LEVELS: ReadonlySet<number> = new Set([3, 4]);
/** CONNACK, remaining length 2, no session present, return code 1. */
const CONNACK_UNACCEPTABLE_PROTOCOL = Buffer.from([0x20, 0x02, 0x00, 0x01]);

/** The protocol level of a CONNECT at the start of `bytes`, or `undefined` when it cannot be read from them. */
export function connectProtocolLevel(bytes: Buffer): number | undefined {
  if (bytes.length < 2 || bytes[0] !== 0x10) return undefined;
  // Remaining length: 1 to 4 bytes, 7 bits each.
  let at = 1;
  while (at < bytes.length && at <= 4 && ((bytes[at] as number) & 0x80) !== 0) at++;
  at++;
  if (at + 2 > bytes.length) return undefined;
  const nameLength = bytes.readUInt16BE(at);
  const levelAt = at + 2 + nameLength;
  return levelAt < bytes.length ? bytes[levelAt] : undefined;
}

/** Hands `socket` to `handle`, unless its first bytes are a CONNECT of an unsupported level. */
export function withProtocolLevelCheck(handle: (socket: Socket) => void): (socket: Socket) => void {
  return (socket) => {
    // As the broker's own CONNECT timeout would: a connection that sends nothing is not held.
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.setTimeout(0);
      const level = connectProtocolLevel(first);
      if (level !== undefined && !SUPPORTED_LEVELS.has(level)) {
        // Destroyed once written: a client that keeps its side open must not hold the socket.
        socket.end(CONNACK_UNACCEPTABLE_PROTOCOL, () => socket.destroy());
        return;
      }
      socket.pause();
      socket.unshift(first);
      handle(socket);
      socket.resume();
    });
    socket.on('error', () => {});
  };
}
