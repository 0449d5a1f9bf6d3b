import { RequestMethod } from '@nestjs/common';
import { GUARDS_METADATA, INTERCEPTORS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { HTTP_ROUTES, type HttpRoute } from '@shop/contracts';
import { describe, expect, it } from 'vitest';
import { FORWARDED_ROUTE, GatewayAccessGuard } from './gateway-access.guard.js';
import { forwardingControllerFor, nestPathOf } from './forwarding.controller.js';
import { LoginThrottleInterceptor } from './login-throttle.interceptor.js';

const route = (operationId: string, path = '/orders/{orderId}'): HttpRoute => ({
  operationId,
  method: 'POST',
  path,
  service: 'order',
  access: 'user',
  tag: 'orders',
  summary: 's',
  responses: {},
});

describe('forwardingControllerFor', () => {
  it('maps one guarded handler per route, carrying its route for the guard', () => {
    // A route of no context's (the order context's table has its own cancelOrder): one more with a path parameter.
    const extra = route('holdOrder', '/orders/{orderId}/hold');
    const controller = forwardingControllerFor([...HTTP_ROUTES, extra]);
    expect(Reflect.getMetadata(GUARDS_METADATA, controller)).toEqual([GatewayAccessGuard]);
    const prototype = controller.prototype as Record<string, unknown>;
    for (const expected of [...HTTP_ROUTES, extra]) {
      const handler = prototype[expected.operationId] as object;
      expect(Reflect.getMetadata(PATH_METADATA, handler)).toBe(nestPathOf(expected.path));
      expect(Reflect.getMetadata(METHOD_METADATA, handler)).toBe(RequestMethod[expected.method]);
      expect(Reflect.getMetadata(FORWARDED_ROUTE, handler)).toEqual(expected);
    }
    expect(Reflect.getMetadata(PATH_METADATA, prototype['holdOrder'] as object)).toBe('/orders/:orderId/hold');
  });

  it('puts the login throttle on the routes that check credentials only (no rxjs trip for the others)', () => {
    const login = { ...route('logIn', '/auth/login'), credentials: { accountField: 'email', failureCode: 'INVALID_CREDENTIALS' } };
    const controller = forwardingControllerFor([login, route('cancelOrder')]);
    const prototype = controller.prototype as Record<string, object>;
    expect(Reflect.getMetadata(INTERCEPTORS_METADATA, controller)).toBeUndefined();
    expect(Reflect.getMetadata(INTERCEPTORS_METADATA, prototype['logIn']!)).toEqual([LoginThrottleInterceptor]);
    expect(Reflect.getMetadata(INTERCEPTORS_METADATA, prototype['cancelOrder']!)).toBeUndefined();
    const credentialRoutes = HTTP_ROUTES.filter((candidate) => candidate.credentials);
    expect(credentialRoutes.length).toBeGreaterThan(0);
    const real = forwardingControllerFor(HTTP_ROUTES).prototype as Record<string, object>;
    for (const candidate of HTTP_ROUTES)
      expect(Reflect.getMetadata(INTERCEPTORS_METADATA, real[candidate.operationId]!)).toEqual(candidate.credentials ? [LoginThrottleInterceptor] : undefined);
  });

  it('makes a new class each time, so that two gateways in one process keep their own tables', () => {
    expect(forwardingControllerFor([route('a')])).not.toBe(forwardingControllerFor([route('a')]));
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('refuses the operationId %j, which would not name a handler of its own', (name) => {
    expect(() => forwardingControllerFor([route(name)])).toThrow(`operationId '${name}' cannot name a handler`);
  });

  it('calls the forwarder from a handler whatever its operationId, even one that names a field of a plain class', async () => {
    const controller = forwardingControllerFor([route('forwarder')]);
    const calls: HttpRoute[] = [];
    const instance = new (controller as new (forwarder: unknown) => Record<string, (request: unknown, response: unknown) => Promise<void>>)({
      forward: (forwarded: HttpRoute) => {
        calls.push(forwarded);
        return Promise.resolve();
      },
    });
    await instance['forwarder']!({}, {});
    expect(calls).toEqual([route('forwarder')]);
  });
});
