import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { userContext } from '@shop/contracts';
import { describe, expect, it } from 'vitest';
import { AuthController } from './auth.controller.js';
import { MeController } from './me.controller.js';

const join = (...parts: string[]): string =>
  `/${parts
    .flatMap((part) => part.split('/'))
    .filter((part) => part !== '')
    .join('/')}`;

/** `METHOD /path/:param` for every handler of the controllers, from Nest's own metadata. */
function servedRoutes(controllers: readonly Type[]): string[] {
  return controllers.flatMap((controller) => {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const prototype = controller.prototype as Record<string, unknown>;
    return Object.getOwnPropertyNames(prototype).flatMap((name) => {
      if (name === 'constructor') return [];
      const handler = prototype[name];
      if (typeof handler !== 'function' || !Reflect.hasMetadata(PATH_METADATA, handler)) return [];
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      return [`${method} ${join(base, String(Reflect.getMetadata(PATH_METADATA, handler)))}`];
    });
  });
}

describe('the user HTTP contract', () => {
  it('is served route for route: every route the context declares, and no other', () => {
    const declared = userContext.routes.map((route) => `${route.method} ${route.path.replace(/\{(\w+)\}/g, ':$1')}`);
    expect(servedRoutes([AuthController, MeController]).sort()).toEqual(declared.sort());
  });
});
