import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Identity } from './internal-token.js';

export const PUBLIC_ENDPOINT = Symbol.for('shop.http.PublicEndpoint');
export const REQUIRES_USER = Symbol.for('shop.http.RequiresUser');
export const REQUIRED_ROLES = Symbol.for('shop.http.RequiredRoles');
// Where the guard leaves the caller's identity on the request object.
export const REQUEST_IDENTITY = Symbol.for('shop.http.Identity');

export type RequestWithIdentity = { [REQUEST_IDENTITY]?: Identity };

/**
 * Served without the gateway's token: health, metrics, the payment provider's callback. A token
 * that comes along anyway is still read, so `@CurrentIdentity()` works when there is one.
 */
export const PublicEndpoint = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ENDPOINT, true);

/** Answers 401 `UNAUTHENTICATED` unless a user is signed in. */
export const RequiresUser = (): MethodDecorator & ClassDecorator => SetMetadata(REQUIRES_USER, true);

/** Answers 401 without a signed-in user and 403 `FORBIDDEN` without every listed role. On a class and a method, both lists apply. */
export const RequiresRole = (...roles: [string, ...string[]]): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_ROLES, roles);

/** The signed-in user (`{ userId, roles }`), or `undefined` for an anonymous call. */
export const CurrentIdentity = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Identity | undefined => context.switchToHttp().getRequest<RequestWithIdentity>()[REQUEST_IDENTITY],
);
