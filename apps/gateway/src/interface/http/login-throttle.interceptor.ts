import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import type { HttpRoute } from '@shop/contracts';
import { ProblemException } from '@shop/http';
import { normaliseEmail } from '@shop/shared-kernel';
import type { Observable } from 'rxjs';
import { GATEWAY_TELEMETRY, LOGIN_THROTTLE } from '../../application/gateway.di-tokens.js';
import type { GatewayTelemetry } from '../../application/ports/gateway-telemetry.js';
import type { LoginOutcome, LoginThrottle } from '../../application/ports/login-throttle.js';
import { clientAddressKeyOfRequest } from './client-address-key.js';
import { FORWARDED_ROUTE } from './gateway-access.guard.js';
import { UPSTREAM_ANSWER, type GatewayRequest, type UpstreamAnswer } from './gateway-request.js';

/**
 * Failed logins, for the routes whose contract says they check credentials (`credentials`): before
 * forwarding, an attempt for the account named by the body's `accountField` (normalised like an
 * e-mail address) is taken for this client address; when that pair must wait, 429
 * `TOO_MANY_LOGIN_ATTEMPTS` with `Retry-After` (the service is not called). Once the service has
 * answered, its status and problem code (left by the forwarder) settle the attempt: a 2xx forgets the
 * failures, the route's `failureCode` counts one, anything else (a 400, `NOT_FROM_GATEWAY`, a 503)
 * gives the attempt back. It runs after the access guard, so the per-address limit applies first;
 * a body without the field is the service's to refuse (400), and is not counted.
 */
@Injectable()
export class LoginThrottleInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @Inject(LOGIN_THROTTLE) private readonly throttle: LoginThrottle,
    @Inject(GATEWAY_TELEMETRY) private readonly telemetry: GatewayTelemetry,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const route = this.reflector.get<HttpRoute | undefined>(FORWARDED_ROUTE, context.getHandler());
    const credentials = route?.credentials;
    if (!credentials) return next.handle();
    const request = context.switchToHttp().getRequest<GatewayRequest>();
    const body: unknown = request.body;
    const named = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[credentials.accountField] : undefined;
    if (typeof named !== 'string') return next.handle();
    const account = normaliseEmail(named);

    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const decision = await this.throttle.begin(account, clientAddressKeyOfRequest(request));
    if (!decision.allowed) {
      this.telemetry.requestRefused('login-locked');
      reply.header('retry-after', String(decision.retryAfterSeconds));
      throw ProblemException.of(429, 'TOO_MANY_LOGIN_ATTEMPTS', `Too many failed logins for this account; try again in ${decision.retryAfterSeconds} s.`);
    }
    const { attempt } = decision;
    // Settled once the response is over (sent, the gateway's own problem included, or cut off by the
    // client, when the attempt is given back): the service's verdict is on the request by then.
    reply.raw.once('close', () => void attempt.settle(loginOutcomeOf(request[UPSTREAM_ANSWER], credentials.failureCode)));
    return next.handle();
  }
}

/** What the service's answer says of the password: only its invalid-credentials problem is a failure (not, say, `NOT_FROM_GATEWAY`). */
export function loginOutcomeOf(answer: UpstreamAnswer | undefined, failureCode: string): LoginOutcome {
  if (!answer) return 'other';
  if (answer.status >= 200 && answer.status < 300) return 'accepted';
  return answer.status === 401 && answer.code === failureCode ? 'refused' : 'other';
}
