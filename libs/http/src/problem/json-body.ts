import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemException } from './problem.exception.js';

/** Deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

const JSON_MEDIA_TYPE = /^application\/(?:[\w.!#$&^-]+\+)?json$/;
const UTF8_BOM = [0xef, 0xbb, 0xbf];
// `ignoreBOM`: a BOM is refused above with its own message, so the decoder must not drop it silently.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes each accepted body was parsed from, by request (the Fastify request and its Node request both name it). */
const RAW_BODIES = new WeakMap<object, Buffer>();

/**
 * The exact bytes of the request's JSON body as they arrived, before parsing (an empty buffer for an
 * empty body): what a sender that signs its body signed (a payment provider's callback), and what the
 * gateway sends on for a `signedBody` route. Undefined for a request whose body this parser did not
 * accept (none sent with a GET, or refused).
 */
export function rawBodyOf(request: object): Buffer | undefined {
  return RAW_BODIES.get(request) ?? RAW_BODIES.get((request as { raw?: object }).raw ?? request);
}

const malformed = (detail = 'The request body is not well-formed JSON (an object or an array).') => ProblemException.of(400, 'MALFORMED_JSON', detail);

/**
 * The only body parser of every app: `application/json` and `+json` bodies, UTF-8, an object or an
 * array at the top, no deeper than `MAX_JSON_DEPTH`, without `__proto__` / `constructor` keys;
 * anything else is refused before a handler runs (415 for another media type, 400 otherwise; 413
 * over `bodyLimit`, by Fastify). Its errors reach the app's exception filter as `ProblemException`s.
 * The depth is checked before parsing, so that a body which parses but cannot be serialised again
 * (the gateway sends it on) never reaches a handler. The bytes an accepted body came as stay readable
 * with `rawBodyOf(request)`.
 */
export function installJsonBodyParser(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeAllContentTypeParsers();
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (request: FastifyRequest, body: Buffer | string, done) => {
    const contentType = request.headers['content-type'] ?? '';
    const [mediaType = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      done(ProblemException.of(415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body must be JSON (Content-Type: application/json).'), undefined);
      return;
    }
    const charset = parameters
      .find((parameter) => parameter.startsWith('charset='))
      ?.slice('charset='.length)
      .replace(/"/g, '');
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      done(ProblemException.of(415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body uses an unsupported content encoding or charset.'), undefined);
      return;
    }
    // Nothing here decompresses: a body that says it is gzip (or any coding) would be read as if it were not.
    const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity') {
      done(ProblemException.of(415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body uses an unsupported content encoding or charset.'), undefined);
      return;
    }
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    // An empty body reads as an empty object: a handler always gets one (a POST without a body included).
    if (bytes.length === 0) {
      keepRawBody(request, bytes);
      done(null, {});
      return;
    }
    if (UTF8_BOM.every((byte, index) => bytes[index] === byte)) {
      done(malformed('The request body starts with a byte order mark; send plain UTF-8 JSON.'), undefined);
      return;
    }
    // Strict: invalid UTF-8 is refused, not turned into U+FFFD characters that would then pass as text.
    let text: string;
    try {
      text = UTF8.decode(bytes);
    } catch {
      done(malformed('The request body is not valid UTF-8.'), undefined);
      return;
    }
    const first = /\S/.exec(text)?.[0];
    if (first !== '{' && first !== '[') {
      done(malformed(), undefined);
      return;
    }
    if (exceedsDepth(text, MAX_JSON_DEPTH)) {
      done(ProblemException.of(400, 'BODY_TOO_DEEP', `The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`), undefined);
      return;
    }
    void parse(request, text, (error, parsed) => {
      if (!error) keepRawBody(request, bytes);
      done(error ? malformed() : null, error ? undefined : parsed);
    });
  });
}

function keepRawBody(request: FastifyRequest, bytes: Buffer): void {
  RAW_BODIES.set(request, bytes);
  RAW_BODIES.set(request.raw, bytes);
}

/** True when `text` opens more than `limit` arrays or objects at once (brackets inside strings do not count). */
export function exceedsDepth(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c)
        index++; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      if (++depth > limit) return true;
    } else if (char === 0x5d || char === 0x7d) depth--;
  }
  return false;
}
