import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { IDEMPOTENT_ROUTE } from '../idempotency/idempotency.tokens.js';
import { REQUIRED_ROLES, REQUIRES_USER } from '../identity/identity.decorators.js';

/** A route as the controllers serve it, read from Nest's own metadata. */
export interface ServedRoute {
  /** `METHOD /path/:param`. */
  readonly route: string;
  /** 'admin' when the role is required, 'user' when a signed-in user is, else 'anonymous'. */
  readonly access: 'admin' | 'user' | 'anonymous';
  /** Whether it honours `Idempotency-Key` (`@Idempotent()`). */
  readonly idempotent: boolean;
}

const joinPath = (...parts: string[]): string =>
  `/${parts
    .flatMap((part) => part.split('/'))
    .filter((part) => part !== '')
    .join('/')}`;

/**
 * Every handler of the controllers with its path and access rule, so that a context's tests can hold
 * what it serves equal to the routes its contract declares (the gateway mounts and documents those).
 */
export function servedRoutes(controllers: readonly Type[]): ServedRoute[] {
  return controllers.flatMap((controller) => {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const prototype = controller.prototype as Record<string, unknown>;
    return Object.getOwnPropertyNames(prototype).flatMap((name) => {
      if (name === 'constructor') return [];
      const handler = prototype[name];
      if (typeof handler !== 'function' || !Reflect.hasMetadata(PATH_METADATA, handler)) return [];
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const roles = [
        ...((Reflect.getMetadata(REQUIRED_ROLES, controller) as string[] | undefined) ?? []),
        ...((Reflect.getMetadata(REQUIRED_ROLES, handler) as string[] | undefined) ?? []),
      ];
      const user = Reflect.getMetadata(REQUIRES_USER, controller) === true || Reflect.getMetadata(REQUIRES_USER, handler) === true;
      const access = roles.includes('admin') ? 'admin' : user || roles.length > 0 ? 'user' : 'anonymous';
      const idempotent = Reflect.hasMetadata(IDEMPOTENT_ROUTE, handler);
      return [{ route: `${method} ${joinPath(base, String(Reflect.getMetadata(PATH_METADATA, handler)))}`, access, idempotent }];
    });
  });
}
