import type { NestExpressApplication } from '@nestjs/platform-express';
import { Reflector } from '@nestjs/core';
import { createLogger, type Logger } from '@shop/observability';
import { correlationMiddleware } from './correlation/correlation.middleware.js';
import { GatewayOnlyGuard } from './identity/gateway-only.guard.js';
import type { InternalTokenVerifier } from './identity/internal-token.verifier.js';
import { ProblemDetailsFilter } from './problem/problem-details.filter.js';
import type { DomainErrorStatusMap } from './problem/problem-mapper.js';

export const DEFAULT_BODY_LIMIT = '1mb';

export interface HttpAppOptions {
  readonly service: string;
  /**
   * A service: the verifier of the gateway's internal token, so that it serves only calls from the
   * gateway. The gateway itself (which authenticates users on its own): `false`.
   */
  readonly gatewayOnly: InternalTokenVerifier | false;
  /** The HTTP status of each domain error code the service raises (`{ SOLD_OUT: 409 }`); others answer 422. */
  readonly domainErrorStatus?: DomainErrorStatusMap;
  /** Largest JSON body accepted; bigger ones answer 413. 1 MiB by default. */
  readonly bodyLimit?: string | number;
  readonly logger?: Logger;
}

/**
 * Sets up an app's HTTP edge the same way in every service: correlation ids (first, so that every
 * answer carries one), a strict JSON body parser with a size limit, problem+json for every error
 * and, on services, the gateway-only guard. Create the app with `{ bodyParser: false }` so that
 * this parser is the only one (and add `rawBody: true` where a signature covers the raw body).
 */
export function configureHttpApp<App extends NestExpressApplication>(app: App, options: HttpAppOptions): App {
  const logger = options.logger ?? createLogger(options.service);
  app.disable('x-powered-by');
  app.use(correlationMiddleware);
  app.useBodyParser('json', { limit: options.bodyLimit ?? DEFAULT_BODY_LIMIT, strict: true });
  app.useGlobalFilters(new ProblemDetailsFilter({ logger, domainErrorStatus: options.domainErrorStatus ?? {} }));
  if (options.gatewayOnly) app.useGlobalGuards(new GatewayOnlyGuard(app.get(Reflector), options.gatewayOnly, logger));
  return app;
}
