import type { Problem } from './problem-details.js';

/** The shape of the http-errors that body-parser (and raw-body under it) raise. */
interface BodyParserError {
  readonly type: string;
  readonly status: number;
  readonly limit?: number;
}

const isBodyParserError = (value: unknown): value is BodyParserError =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { type?: unknown }).type === 'string' &&
  typeof (value as { status?: unknown }).status === 'number';

/**
 * Recognises a request body that never reached a handler. Nest's Express adapter wraps body-parser
 * errors into an `HttpException` with the original as its `cause`; other setups hand the raw
 * error on, so both are looked at.
 */
export function bodyParserProblem(exception: unknown): Problem | undefined {
  const fastifyProblem = fastifyBodyProblem(exception);
  if (fastifyProblem) return fastifyProblem;
  const error = isBodyParserError(exception) ? exception : (exception as { cause?: unknown } | null)?.cause;
  if (!isBodyParserError(error)) return undefined;
  switch (error.type) {
    case 'entity.parse.failed':
      return { status: 400, code: 'MALFORMED_JSON', detail: 'The request body is not well-formed JSON (an object or an array).' };
    case 'entity.too.large':
      return {
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
        detail: error.limit === undefined ? 'The request body is too large.' : `The request body exceeds the limit of ${error.limit} bytes.`,
      };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'The request body uses an unsupported content encoding or charset.' };
    case 'request.aborted':
    case 'request.size.invalid':
      return { status: 400, code: 'INCOMPLETE_BODY', detail: 'The request body ended before its declared length.' };
    default:
      return undefined;
  }
}

/** The errors Fastify raises while it reads a body (Nest's adapter wraps them like body-parser's). */
function fastifyBodyProblem(exception: unknown): Problem | undefined {
  const error = [exception, (exception as { cause?: unknown } | null)?.cause].find(
    (candidate): candidate is { code: string } => typeof (candidate as { code?: unknown } | null)?.code === 'string',
  );
  switch (error?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', detail: 'The request body is too large.' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_TYPE':
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'The request body must be JSON (Content-Type: application/json).' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'INCOMPLETE_BODY', detail: 'The request body ended before its declared length.' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'MALFORMED_JSON', detail: 'The request body is not well-formed JSON (an object or an array).' };
    default:
      return undefined;
  }
}
