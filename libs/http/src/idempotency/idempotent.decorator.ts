import { SetMetadata, UseInterceptors, applyDecorators } from '@nestjs/common';
import { IdempotencyInterceptor, type IdempotentRouteOptions } from './idempotency.interceptor.js';
import { IDEMPOTENT_ROUTE } from './idempotency.tokens.js';

/**
 * Honours `Idempotency-Key` on this route: the same signed-in user sending the same key and request
 * again gets the stored answer (`Idempotent-Replayed: true`) and the route does not run again.
 * `{ required: true }` refuses requests without a key. Needs `IdempotencyModule` and
 * `idempotencyMigrations` in the service; the route must answer with a JSON value (not `@Res()`).
 */
export const Idempotent = (options: IdempotentRouteOptions = {}): MethodDecorator =>
  applyDecorators(SetMetadata(IDEMPOTENT_ROUTE, options), UseInterceptors(IdempotencyInterceptor));
