import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, problemDetails, type Problem } from './problem-details.js';
import { pathOf } from '../request-path.js';

const CONTENT_TYPE = `${PROBLEM_CONTENT_TYPE}; charset=utf-8`;

/**
 * What the router refuses before any hook or Nest handler runs: a path that is not valid
 * percent-encoding (`/me/%zz`) or a route parameter over the router's length limit. Fastify's own
 * answer is plain JSON; ours is the problem every other refusal is. Given as `frameworkErrors`.
 */
export function answerFrameworkError(error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
  const problem: Problem =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? { status: 414, code: 'URI_TOO_LONG', detail: 'A part of the request path is too long.' }
      : { status: 400, code: 'MALFORMED_URL', detail: 'The request path is not a valid URL (a broken percent-encoding).' };
  void reply
    .code(problem.status)
    .header('content-type', CONTENT_TYPE)
    .send(JSON.stringify(problemDetails(problem, { instance: pathOf(request.raw.url ?? '') })));
}

/**
 * Longest request target (path and query) an app takes: 8 KiB. The gateway signs the target into
 * the internal token it sends on, so a target near Node's 16 KiB header limit would grow the
 * forwarded request past it at the service; refused here, at the edge, with a clear answer.
 */
export const MAX_REQUEST_TARGET_LENGTH = 8 * 1024;

/** An `onRequest` hook: 414 `URI_TOO_LONG` for a request target over `MAX_REQUEST_TARGET_LENGTH`. */
export function refuseLongRequestTarget(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  const target = request.raw.url ?? '';
  if (target.length <= MAX_REQUEST_TARGET_LENGTH) return done();
  const problem: Problem = { status: 414, code: 'URI_TOO_LONG', detail: `The request path and query are over ${MAX_REQUEST_TARGET_LENGTH} characters.` };
  void reply
    .code(414)
    .header('content-type', CONTENT_TYPE)
    .send(JSON.stringify(problemDetails(problem)));
}

/**
 * What Node's HTTP parser refuses before there is a request at all (conflicting lengths, a folded
 * or malformed header, a request line or headers over the size limit, a request that took too
 * long): a problem+json answer instead of Fastify's plain JSON, then the connection is closed, since
 * nothing after such bytes can be trusted to start a request. Given as `clientErrorHandler`.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const problem: Problem =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? { status: 408, code: 'REQUEST_TIMEOUT', detail: 'The request did not arrive in time.' }
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? { status: 431, code: 'HEADERS_TOO_LARGE', detail: 'The request line and headers are over the size limit.' }
        : { status: 400, code: 'MALFORMED_REQUEST', detail: 'The request is not valid HTTP/1.1.' };
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(problemDetails(problem));
  socket.end(
    `HTTP/1.1 ${problem.status} ${problemDetails(problem).title}\r\nContent-Type: ${CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
