// The state store's front door: dynalite accepts any SigV4 signature, so every request is checked here
// against this installation's key pair before dynalite sees it (docs/local-security.md). Plain
// JavaScript, as it runs in the state store's child process (dynalite-process.mjs), which starts without
// tsx. The signature is recomputed with the SDK's own signer for the request's date, region and signed
// headers and compared in constant time; answers use DynamoDB's error shapes, so SDK clients report them.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import { SignatureV4 } from '@smithy/signature-v4';

/** dynalite's own request limit: a larger body is answered 413 before it is read. */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
/** DynamoDB's window for the request's date (x-amz-date), either way. */
export const MAX_SKEW_MS = 15 * 60_000;
/** A request's headers within 10 s and the whole request within 60 s, so no client holds a socket. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 60_000;

const SERVICE = 'dynamodb';
const ALGORITHM = 'AWS4-HMAC-SHA256';
const CORAL = 'com.amazon.coral.service#';
const INVALID_TOKEN = 'The security token included in the request is invalid.';
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.';

/** node:crypto in the shape the signer asks for (an HMAC when given a key). */
class NodeSha256 {
  constructor(secret) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data) {
    this.hash.update(toBuffer(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

function toBuffer(data) {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** A refusal with DynamoDB's status and error shape. */
class Refusal {
  constructor(type, message, status = 400) {
    this.type = type;
    this.message = message;
    this.status = status;
  }
}

/** `20260101T120000Z` as epoch ms, or undefined when it is not that form. */
function amzDate(value) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (!m) return undefined;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * What the headers alone can refuse (before any body byte is read): no or malformed signature, an
 * unknown key, a session token, a date outside the window. Returns the parsed signature otherwise.
 */
export function checkHeaders(headers, credentials, now) {
  const authorization = headers.authorization;
  if (typeof authorization !== 'string' || authorization.trim() === '') {
    throw new Refusal('MissingAuthenticationTokenException', 'Request is missing Authentication Token');
  }
  const [algorithm, ...rest] = authorization.trim().split(/\s+/);
  if (algorithm !== ALGORITHM) {
    throw new Refusal('IncompleteSignatureException', `Unsupported AWS 'algorithm': only ${ALGORITHM}`);
  }
  const params = {};
  for (const pair of rest.join('').split(',')) {
    const at = pair.indexOf('=');
    if (at > 0) params[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const { Credential: credential, SignedHeaders: signedHeaders, Signature: signature } = params;
  if (!credential || !signedHeaders || !signature) {
    throw new Refusal(
      'IncompleteSignatureException',
      'Authorization header requires Credential, SignedHeaders and Signature parameters.',
    );
  }
  const scope = credential.split('/');
  if (scope.length !== 5 || scope.some((part) => part === '')) {
    throw new Refusal(
      'IncompleteSignatureException',
      'Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term',
    );
  }
  const [accessKeyId, shortDate, region, service, terminator] = scope;
  if (!safeEqual(accessKeyId, credentials.accessKeyId) || headers['x-amz-security-token'] !== undefined) {
    throw new Refusal('UnrecognizedClientException', INVALID_TOKEN);
  }
  const longDate = headers['x-amz-date'];
  const signedAt = amzDate(longDate);
  if (signedAt === undefined) {
    throw new Refusal(
      'IncompleteSignatureException',
      "Authorization requires an ISO-8601 basic 'X-Amz-Date' header.",
    );
  }
  if (service !== SERVICE || terminator !== 'aws4_request' || shortDate !== longDate.slice(0, 8)) {
    throw new Refusal(
      'InvalidSignatureException',
      `Credential should be scoped to service '${SERVICE}', terminator 'aws4_request' and the date of X-Amz-Date.`,
    );
  }
  if (signedAt < now - MAX_SKEW_MS) {
    throw new Refusal('InvalidSignatureException', `Signature expired: ${longDate} is more than 15 min. old`);
  }
  if (signedAt > now + MAX_SKEW_MS) {
    throw new Refusal(
      'InvalidSignatureException',
      `Signature not yet current: ${longDate} is more than 15 min. ahead`,
    );
  }
  const names = signedHeaders.toLowerCase().split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) {
    throw new Refusal(
      'InvalidSignatureException',
      "'Host' and 'X-Amz-Date' must be SignedHeaders in the AWS Authorization.",
    );
  }
  return { region, names, signature, signingDate: new Date(signedAt) };
}

/** Equal strings in time that does not depend on where they differ. */
function safeEqual(a, b) {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

/** Recomputes the request's signature with this installation's secret and compares it. */
export async function checkSignature(request, parsed, credentials) {
  const { headers, method, url, body } = request;
  const declared = headers['x-amz-content-sha256'];
  if (declared !== undefined && declared !== createHash('sha256').update(body).digest('hex')) {
    throw new Refusal('InvalidSignatureException', 'The body does not match its x-amz-content-sha256.');
  }
  const at = url.indexOf('?');
  const query = {};
  for (const [key, value] of new URLSearchParams(at < 0 ? '' : url.slice(at + 1))) {
    const had = query[key];
    query[key] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
  }
  const signedOnly = {};
  for (const name of parsed.names) {
    const value = headers[name];
    if (value === undefined)
      throw new Refusal('InvalidSignatureException', `Signed header ${name} is missing.`);
    signedOnly[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const signer = new SignatureV4({
    credentials,
    region: parsed.region,
    service: SERVICE,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method,
      protocol: 'http:',
      hostname: String(headers.host ?? ''),
      path: at < 0 ? url : url.slice(0, at),
      query,
      headers: signedOnly,
      body,
    },
    { signingDate: parsed.signingDate, signingRegion: parsed.region, signableHeaders: new Set(parsed.names) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization ?? '')?.[1];
  const given = Buffer.from(parsed.signature, 'utf8');
  if (
    expected === undefined ||
    given.length !== 64 ||
    !timingSafeEqual(given, Buffer.from(expected, 'utf8'))
  ) {
    throw new Refusal('InvalidSignatureException', MISMATCH);
  }
}

function refuse(res, refusal) {
  const body = JSON.stringify({ __type: `${CORAL}${refusal.type}`, message: refusal.message });
  res.writeHead(refusal.status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomBytes(26).toString('hex').toUpperCase(),
    // The body (if any) is not read: the connection ends with this answer.
    connection: 'close',
  });
  res.end(body);
}

/**
 * Puts the check in front of `server`'s request handler (dynalite's): a request that passes is handed on
 * with its body replayed; any other is refused. `now` is for tests.
 */
export function guardStateStore(server, credentials, { now = Date.now } = {}) {
  const handlers = server.listeners('request');
  server.removeAllListeners('request');
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  const handOn = (req, body, res) => {
    const replay = Object.assign(Readable.from(body.length > 0 ? [body] : []), {
      headers: req.headers,
      method: req.method,
      url: req.url,
      socket: req.socket,
    });
    for (const handler of handlers) handler.call(server, replay, res);
  };
  server.on('request', (req, res) => {
    req.on('error', () => {});
    let parsed;
    try {
      parsed = checkHeaders(req.headers, credentials, now());
    } catch (error) {
      return refuse(
        res,
        error instanceof Refusal ? error : new Refusal('InvalidSignatureException', MISMATCH),
      );
    }
    if (Number(req.headers['content-length'] ?? 0) > MAX_REQUEST_BYTES) {
      return refuse(res, new Refusal('RequestEntityTooLarge', 'Request body too large', 413));
    }
    const chunks = [];
    let length = 0;
    req.on('data', (chunk) => {
      length += chunk.length;
      if (length > MAX_REQUEST_BYTES) {
        req.removeAllListeners('data');
        req.removeAllListeners('end');
        refuse(res, new Refusal('RequestEntityTooLarge', 'Request body too large', 413));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks, length);
      checkSignature(
        { headers: req.headers, method: req.method, url: req.url ?? '/', body },
        parsed,
        credentials,
      ).then(
        () => {
          // Whatever the store throws while handling is its own 500, never an unhandled rejection that ends the process.
          try {
            handOn(req, body, res);
          } catch {
            if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
            res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError' }));
          }
        },
        (error) =>
          refuse(res, error instanceof Refusal ? error : new Refusal('InvalidSignatureException', MISMATCH)),
      );
    });
  });
}
