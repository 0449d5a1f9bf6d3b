import type { ServerResponse } from 'node:http';
import { IDEMPOTENT_REPLAYED_HEADER } from './idempotency-key.js';
import type { StoredAnswer } from './idempotency.store.js';

/**
 * The answer to store for a route's return value, serialised as Fastify sends it without us (an
 * object, a number or a boolean as JSON, a string as text/plain, nothing as an empty body), so that
 * the first answer and every replay are the same bytes. A stream or a buffer cannot be replayed: an `@Idempotent()`
 * route answering one fails (and its effect rolls back).
 */
export function answerOf(value: unknown, status: number): StoredAnswer {
  if (value === undefined || value === null) return { status, contentType: null, body: '' };
  if (typeof value === 'string') return { status, contentType: 'text/plain; charset=utf-8', body: value };
  if (typeof value === 'object') {
    if (isStreamLike(value)) throw new Error('an @Idempotent() route must answer with a JSON value, not a stream, a buffer or a Response');
    return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(value) };
  }
  if (typeof value === 'number' || typeof value === 'boolean') return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(value) };
  throw new Error(`an @Idempotent() route answered with a ${typeof value}, which cannot be stored`);
}

function isStreamLike(value: object): boolean {
  return (
    value instanceof Uint8Array ||
    value instanceof ArrayBuffer ||
    Symbol.asyncIterator in value ||
    typeof (value as { pipe?: unknown }).pipe === 'function' ||
    typeof (value as { getStream?: unknown }).getStream === 'function' || // StreamableFile
    Object.prototype.toString.call(value) === '[object Response]'
  );
}

/**
 * The answer as a web `Response`, which Nest sends with this status and these headers whatever the
 * route's `@HttpCode()`. `replayed` marks a stored answer sent again (`Idempotent-Replayed: true`).
 */
export function responseOf(answer: StoredAnswer, replayed: boolean): Response {
  const headers = new Headers({ 'content-length': String(Buffer.byteLength(answer.body)) });
  if (answer.contentType) headers.set('content-type', answer.contentType);
  if (replayed) headers.set(IDEMPOTENT_REPLAYED_HEADER, 'true');
  return new Response(answer.body === '' ? null : answer.body, { status: answer.status, headers });
}

/**
 * What an exception filter sends on `response` from now on: its status, content type and body,
 * once the response has finished; `undefined` if the connection closed before that, or if neither
 * happened within `withinMs` (a response left hanging must not hold its key for ever). Used for the
 * answers a filter writes (a domain error's problem+json), which the interceptor never sees.
 */
export function captureSentAnswer(response: ServerResponse, withinMs: number): Promise<StoredAnswer | undefined> {
  const chunks: Buffer[] = [];
  const keep = (chunk: unknown, encoding: unknown) => {
    if (typeof chunk === 'string') chunks.push(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  };
  const write = response.write.bind(response) as (...args: unknown[]) => boolean;
  const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
  response.write = ((chunk: unknown, ...rest: unknown[]) => {
    keep(chunk, rest[0]);
    return write(chunk, ...rest);
  }) as ServerResponse['write'];
  response.end = ((chunk?: unknown, ...rest: unknown[]) => {
    keep(chunk, rest[0]);
    response.write = write as ServerResponse['write'];
    response.end = end as ServerResponse['end'];
    return end(chunk, ...rest);
  }) as ServerResponse['end'];
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), withinMs);
    timer.unref();
    response.once('finish', () => {
      clearTimeout(timer);
      const contentType = response.getHeader('content-type');
      resolve({ status: response.statusCode, contentType: typeof contentType === 'string' ? contentType : null, body: Buffer.concat(chunks).toString('utf8') });
    });
    // After 'finish' this changes nothing (a promise settles once); before it, nothing was sent whole.
    response.once('close', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}
