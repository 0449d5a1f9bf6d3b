import type { IncomingMessage, ServerResponse } from 'node:http';
import { MessageContext } from '@shop/observability';
import { CORRELATION_ID_HEADER, correlationIdFor } from './correlation-id.js';

export type NextFunction = (error?: unknown) => void;

/**
 * Gives every request a correlation id (the caller's, when sane), echoes it in the response and
 * runs the rest of the request inside `MessageContext`, so that the events it writes to the outbox
 * and the log lines it produces carry it. Register it before the body parser: then a refused body
 * is answered with the id too.
 */
export function correlationMiddleware(request: IncomingMessage, response: ServerResponse, next: NextFunction): void {
  const correlationId = correlationIdFor(request.headers);
  response.setHeader(CORRELATION_ID_HEADER, correlationId);
  MessageContext.run({ correlationId, causationId: correlationId }, () => next());
}
