import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ProblemException } from '../problem/problem.exception.js';

/** The bearer token `/metrics` asks for (`METRICS_TOKEN`); `undefined`: metrics are not served. */
export const METRICS_TOKEN = Symbol.for('shop.http.MetricsToken');

/** The shortest `METRICS_TOKEN` a service or the gateway starts with: long enough that guessing it is hopeless. */
export const METRICS_TOKEN_MIN_LENGTH = 16;

// RFC 6750 §2.1: `Bearer` and a b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

// Both sides hashed first: equal lengths for timingSafeEqual, so neither the token's length nor its
// first differing byte shows in the time a refusal takes.
const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** A header set on Fastify's reply, Express's response or a bare node:http one alike. */
type AnyResponse = { header?: (name: string, value: string) => unknown; setHeader?: (name: string, value: string) => unknown };

/**
 * `GET /metrics` is not public: per-route counts, circuit states and the Node version tell an
 * attacker what to aim at. Only a request with `Authorization: Bearer <METRICS_TOKEN>` is served;
 * anything else answers 401 (`WWW-Authenticate: Bearer`). Without a configured token the route is
 * not served at all (404), which `OperationsModule` also does by not mounting it. Reads only
 * `request.headers`, so it works on Fastify and Express.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(@Inject(METRICS_TOKEN) token: string | undefined) {
    this.expected = token === undefined || token === '' ? undefined : digest(token);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) throw ProblemException.of(404, 'NOT_FOUND', 'No such resource.');
    const http = context.switchToHttp();
    const { headers } = http.getRequest<{ headers: IncomingHttpHeaders }>();
    const presented = BEARER.exec(headers.authorization ?? '')?.[1];
    if (presented !== undefined && timingSafeEqual(digest(presented), this.expected)) return true;
    const response = http.getResponse<AnyResponse>();
    if (typeof response.header === 'function') response.header('www-authenticate', 'Bearer realm="metrics"');
    else response.setHeader?.('www-authenticate', 'Bearer realm="metrics"');
    throw ProblemException.of(401, 'UNAUTHENTICATED', 'Metrics are served only with the bearer METRICS_TOKEN.');
  }
}
