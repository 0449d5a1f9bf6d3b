import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import type { HttpRoute } from '@shop/contracts';
import { ProblemException } from '@shop/http';
import { normaliseEmail } from '@shop/shared-kernel';
import type { Observable } from 'rxjs';
import { GATEWAY_TELEMETRY, LOGIN_THROTTLE } from '../../application/gateway.di-tokens.js';
import type { GatewayTelemetry } from '../../application/ports/gateway-telemetry.js';
import type { LoginThrottle } from '../../application/ports/login-throttle.js';
import { FORWARDED_ROUTE } from './gateway-access.guard.js';

/**
 * Failed logins per account, for the routes whose contract says they check credentials
 * (`credentials.accountField`): before forwarding, a locked account answers 429
 * `TOO_MANY_LOGIN_ATTEMPTS` with `Retry-After` (the service is not called); once the service has
 * answered, a 401 counts as one more failure and a 2xx forgets them. It runs after the access guard,
 * so the per-address limit applies first. The account is the body's field, normalised like an
 * e-mail address; a body without it is the service's to refuse (400), and is not counted.
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
    const field = route?.credentials?.accountField;
    if (!field) return next.handle();
    const body: unknown = context.switchToHttp().getRequest<{ body?: unknown }>().body;
    const named = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
    if (typeof named !== 'string') return next.handle();
    const account = normaliseEmail(named);

    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const decision = await this.throttle.check(account);
    if (!decision.allowed) {
      this.telemetry.requestRefused('login-locked');
      reply.header('retry-after', String(decision.retryAfterSeconds));
      throw ProblemException.of(429, 'TOO_MANY_LOGIN_ATTEMPTS', `Too many failed logins for this account; try again in ${decision.retryAfterSeconds} s.`);
    }

    // The forwarder writes the service's answer straight to the response: its status is final once sent.
    const raw = reply.raw;
    raw.once('finish', () => {
      if (raw.statusCode === 401) void this.throttle.recordFailure(account);
      else if (raw.statusCode >= 200 && raw.statusCode < 300) void this.throttle.recordSuccess(account);
    });
    return next.handle();
  }
}
