import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { HttpRoute } from '@shop/contracts';
import { bearerTokenOf, ProblemException, rawResponseOf } from '@shop/http';
import { ACCESS_TOKEN_VERIFIER, GATEWAY_TELEMETRY, RATE_LIMITER, SIGNED_RATE_LIMITER } from '../../application/gateway.di-tokens.js';
import type { AccessTokenVerifier } from '../../application/ports/access-token-verifier.js';
import type { GatewayTelemetry } from '../../application/ports/gateway-telemetry.js';
import type { RateLimiter } from '../../application/ports/rate-limiter.js';
import type { Caller } from '../../application/ports/service-client.js';
import { clientAddressKeyOfRequest } from './client-address-key.js';
import { CALLER, type GatewayRequest } from './gateway-request.js';

/** The role an `admin` route needs (the services check it again with `@RequiresRole('admin')`). */
const ADMIN_ROLE = 'admin';

/** Where a forwarding handler keeps its route (`forwardingControllerFor`), for this guard. */
export const FORWARDED_ROUTE = Symbol('gateway.forwardedRoute');

/**
 * Who may call a forwarded route, and how often. In this order: the bearer token is verified
 * (routes that need a user); the request is counted against the user, or against the client's
 * address when nobody valid is signed in, and refused with 429 over the limit (so guessing tokens
 * is rate limited too) — a route whose body its sender signs (`signedBody`: a provider's callbacks)
 * is counted per address in a bucket of its own (`RATE_LIMIT_SIGNED_PER_MINUTE`), so that a provider
 * calling back for every customer neither uses up nor is refused by an ordinary client's budget; a route that needs a user then answers 401 without one — one message
 * whatever was wrong with the token; an `admin` route answers 403 `FORBIDDEN` (the services' own
 * code for a missing role) to a caller whose token lacks the role. A refused request is never forwarded.
 */
@Injectable()
export class GatewayAccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(ACCESS_TOKEN_VERIFIER) private readonly tokens: AccessTokenVerifier,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
    @Inject(SIGNED_RATE_LIMITER) private readonly signedLimiter: RateLimiter,
    @Inject(GATEWAY_TELEMETRY) private readonly telemetry: GatewayTelemetry,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = this.reflector.get<HttpRoute | undefined>(FORWARDED_ROUTE, context.getHandler());
    if (!route) throw new Error(`${context.getClass().name}.${context.getHandler().name} is guarded but maps no gateway route`);
    const request = context.switchToHttp().getRequest<GatewayRequest>();
    // Headers set on the raw response go out with whatever answer follows, a refusal included.
    const response = rawResponseOf(context.switchToHttp().getResponse());

    // Fail closed: every access but 'anonymous' needs a caller.
    const needsCaller = route.access !== 'anonymous';
    const caller = needsCaller ? await this.callerOf(request) : undefined;

    const decision = route.signedBody
      ? await this.signedLimiter.consume(`address:${clientAddressKeyOfRequest(request)}`)
      : await this.limiter.consume(caller ? `user:${caller.userId}` : `address:${clientAddressKeyOfRequest(request)}`);
    if (!decision.allowed) {
      this.telemetry.requestRefused('rate-limited');
      response.setHeader('retry-after', String(decision.retryAfterSeconds));
      throw ProblemException.of(429, 'RATE_LIMITED', `Too many requests; try again in ${decision.retryAfterSeconds} s.`);
    }

    if (needsCaller && !caller) {
      this.telemetry.requestRefused('unauthenticated');
      response.setHeader('www-authenticate', 'Bearer');
      throw ProblemException.of(401, 'UNAUTHENTICATED', 'Sign in: this needs a valid access token.');
    }
    if (route.access === 'admin' && !caller?.roles.includes(ADMIN_ROLE)) {
      this.telemetry.requestRefused('forbidden');
      throw ProblemException.of(403, 'FORBIDDEN', `This needs the role ${ADMIN_ROLE}.`);
    }
    if (caller) request[CALLER] = caller;
    return true;
  }

  private async callerOf(request: GatewayRequest): Promise<Caller | undefined> {
    const token = bearerTokenOf(request.headers.authorization);
    return token === undefined ? undefined : this.tokens.verify(token);
  }
}
