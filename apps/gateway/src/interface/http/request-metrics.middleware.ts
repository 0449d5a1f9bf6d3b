import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayTelemetry } from '../../application/ports/gateway-telemetry.js';

/**
 * Counts every answer by method, route template (`unmatched` for anything no route took, so that
 * scanners cannot blow up the series) and status, from Fastify's `onResponse` hook: refused bodies
 * and unknown paths count too.
 */
export function installRequestMetrics(fastify: FastifyInstance, telemetry: GatewayTelemetry): void {
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    telemetry.requestServed({ method: request.method, route, status: reply.statusCode }, reply.elapsedTime / 1000);
    done();
  });
}
