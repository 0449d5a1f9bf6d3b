import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Logger } from '@shop/observability';
import { ProblemException } from '../problem/problem.exception.js';
import { PUBLIC_ENDPOINT, REQUEST_IDENTITY, REQUIRED_ROLES, REQUIRES_USER, type RequestWithIdentity } from './identity.decorators.js';
import { INTERNAL_TOKEN_HEADER, type Identity } from './internal-token.js';
import { InternalTokenRefusedError, type InternalTokenVerifier } from './internal-token.verifier.js';

const notFromGateway = (): ProblemException => ProblemException.of(401, 'NOT_FROM_GATEWAY', 'This service answers only calls that come through the gateway.');

/** What the guard reads of a request; Fastify's and Express's requests both have it. */
interface IncomingCall {
  readonly method: string;
  /** Path and query of the request line. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * A service's global guard: a request counts only with a valid internal token from the gateway,
 * signed for this service, this method and this path, and not seen before; it also says who the
 * user is. Routes marked `@PublicEndpoint()` go without one.
 * `@RequiresUser()` and `@RequiresRole()` are checked here too, after the token.
 */
export class GatewayOnlyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: InternalTokenVerifier,
    private readonly logger: Logger,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    // Event handlers are reached through the broker, never through HTTP.
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ENDPOINT, targets) === true;
    const request = context.switchToHttp().getRequest<IncomingCall & RequestWithIdentity>();

    const identity = this.identityOf(request, isPublic);
    if (identity) request[REQUEST_IDENTITY] = identity;

    const roles = this.reflector.getAllAndMerge<string[]>(REQUIRED_ROLES, targets);
    const requiresUser = roles.length > 0 || this.reflector.getAllAndOverride<boolean | undefined>(REQUIRES_USER, targets) === true;
    if (requiresUser && !identity) throw ProblemException.of(401, 'UNAUTHENTICATED', 'Sign in to do this.');
    const missing = roles.filter((role) => !identity?.roles.includes(role));
    if (missing.length > 0) throw ProblemException.of(403, 'FORBIDDEN', `This needs the role ${missing.join(', ')}.`);
    return true;
  }

  private identityOf(request: IncomingCall, isPublic: boolean): Identity | undefined {
    const token = request.headers[INTERNAL_TOKEN_HEADER];
    if (typeof token !== 'string' || token === '') {
      if (isPublic) return undefined;
      throw notFromGateway();
    }
    try {
      return this.verifier.verify(token, { method: request.method, path: request.url }).identity;
    } catch (error) {
      const reason = error instanceof InternalTokenRefusedError ? error.reason : error instanceof Error ? error.message : String(error);
      // Never the token itself: it may still be good for the call it was signed for.
      this.logger.warn({ reason, method: request.method }, 'internal token refused');
      if (isPublic) return undefined;
      if (reason === 'too-many-live-tokens')
        throw ProblemException.of(503, 'SERVICE_BUSY', 'This service is taking more calls than it can check; try again shortly.');
      throw notFromGateway();
    }
  }
}
