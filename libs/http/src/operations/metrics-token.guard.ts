import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { bearerTokenOf } from '../identity/bearer-token.js';
import { ProblemException } from '../problem/problem.exception.js';

/** The bearer token `/metrics` asks for (`METRICS_TOKEN`); `undefined`: metrics are not served. */
export const METRICS_TOKEN = Symbol.for('shop.http.MetricsToken');

// Both sides hashed first: equal lengths for timingSafeEqual, so neither the token's length nor its
// first differing byte shows in the time a refusal takes.
const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * `GET /metrics` is not public: per-route counts, circuit states and the Node version tell an
 * attacker what to aim at. Only a request with `Authorization: Bearer <METRICS_TOKEN>` is served;
 * anything else answers 401 (`WWW-Authenticate: Bearer`). Without a configured token the route is
 * not served at all (404), which `OperationsModule` also does by not mounting it.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(@Inject(METRICS_TOKEN) token: string | undefined) {
    this.expected = token === undefined ? undefined : digest(token);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) throw ProblemException.of(404, 'NOT_FOUND', 'No such resource.');
    const http = context.switchToHttp();
    const { headers } = http.getRequest<FastifyRequest>();
    const presented = bearerTokenOf(headers.authorization);
    if (presented !== undefined && timingSafeEqual(digest(presented), this.expected)) return true;
    http.getResponse<FastifyReply>().header('www-authenticate', 'Bearer realm="metrics"');
    throw ProblemException.of(401, 'UNAUTHENTICATED', 'Metrics are served only with the bearer METRICS_TOKEN.');
  }
}
