import { userContext } from '@shop/contracts';
import { servedRoutes } from '@shop/http';
import { describe, expect, it } from 'vitest';
import { AuthController } from './auth.controller.js';
import { MeController } from './me.controller.js';

describe('the user HTTP contract', () => {
  it('is served route for route: every route the context declares, and no other', () => {
    const declared = userContext.routes.map((route) => `${route.method} ${route.path.replace(/\{(\w+)\}/g, ':$1')}`);
    expect(
      servedRoutes([AuthController, MeController])
        .map((served) => served.route)
        .sort(),
    ).toEqual(declared.sort());
  });
});
