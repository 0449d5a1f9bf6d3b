import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MessageContext } from '@shop/observability';
import { CORRELATION_ID_HEADER, correlationIdFor } from './correlation-id.js';

const CORRELATION_ID = Symbol.for('shop.http.CorrelationId');

type WithCorrelationId = { [CORRELATION_ID]?: string };

/** The raw Node response under a Fastify reply (or the response itself). */
export const rawResponseOf = (response: ServerResponse | FastifyReply): ServerResponse => ('raw' in response ? response.raw : response);

/** The correlation id `installCorrelation` gave the request. */
export const correlationIdOf = (request: object): string | undefined => (request as WithCorrelationId)[CORRELATION_ID];

/**
 * Gives every request a correlation id (the caller's, when sane) and echoes it in the response, from
 * the first hook: every answer carries it, a refused body or an unknown path included. The header
 * goes on the raw response, which Fastify merges into whatever it sends. The handler (guards,
 * pipes, controller) then runs inside `MessageContext`, so that the events it writes to the outbox
 * and its log lines carry the id. That starts in `preHandler`, after the body is read: the body's
 * stream events would not keep an async context entered earlier.
 *
 * `requestContext: false` leaves out `MessageContext` (the id is still given and echoed): for an app
 * that writes no events and logs the id explicitly (the gateway), as the first `AsyncLocalStorage.run`
 * switches on Node's promise hooks for every promise of the process for good.
 */
export function installCorrelation(fastify: FastifyInstance, options: { readonly requestContext?: boolean } = {}): void {
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const correlationId = correlationIdFor(request.headers);
    (request as WithCorrelationId)[CORRELATION_ID] = correlationId;
    reply.raw.setHeader(CORRELATION_ID_HEADER, correlationId);
    done();
  });
  if (options.requestContext === false) return;
  fastify.addHook('preHandler', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    const correlationId = correlationIdOf(request) ?? correlationIdFor(request.headers);
    MessageContext.run({ correlationId, causationId: correlationId }, () => done());
  });
}
