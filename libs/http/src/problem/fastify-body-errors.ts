import type { Problem } from './problem-details.js';

/**
 * Recognises a request body Fastify refused before the app's own JSON parser (json-body.ts, which
 * raises its own `ProblemException`s) could read it: over `bodyLimit`, shorter or longer than its
 * Content-Length, or under a Content-Type header that does not parse. Nest's adapter may hand the
 * error on wrapped, with the original as its `cause`, so both are looked at.
 */
export function fastifyBodyProblem(exception: unknown): Problem | undefined {
  const error = [exception, (exception as { cause?: unknown } | null)?.cause].find(
    (candidate): candidate is { code: string } => typeof (candidate as { code?: unknown } | null)?.code === 'string',
  );
  switch (error?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', detail: 'The request body is too large.' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'The request body must be JSON (Content-Type: application/json).' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'INCOMPLETE_BODY', detail: 'The request body ended before its declared length.' };
    default:
      return undefined;
  }
}
