import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { HttpRoute, RouteAccess } from '@shop/contracts';
import { ProblemException } from '@shop/http';
import { describe, expect, it } from 'vitest';
import type { AccessTokenVerifier } from '../../application/ports/access-token-verifier.js';
import type { GatewayTelemetry, RefusalReason } from '../../application/ports/gateway-telemetry.js';
import type { RateDecision, RateLimiter } from '../../application/ports/rate-limiter.js';
import type { Caller } from '../../application/ports/service-client.js';
import { FORWARDED_ROUTE, GatewayAccessGuard } from './gateway-access.guard.js';
import { CALLER, type GatewayRequest } from './gateway-request.js';

const customer: Caller = { userId: 'u-customer', roles: ['customer'] };
const admin: Caller = { userId: 'u-admin', roles: ['customer', 'admin'] };
const TOKENS: Record<string, Caller> = { 'customer-token': customer, 'admin-token': admin };

const routeWith = (access: RouteAccess, signed = false): HttpRoute => ({
  operationId: `${access}Route`,
  method: 'POST',
  path: '/admin/things',
  service: 'things',
  access,
  tag: 'things',
  summary: 's',
  responses: {},
  ...(signed ? { signedBody: { headers: ['payment-signature'] } } : {}),
});

function guardFor(options: { limit?: RateDecision; signedLimit?: RateDecision } = {}) {
  const refusals: RefusalReason[] = [];
  const consumed: string[] = [];
  const consumedSigned: string[] = [];
  const tokens: AccessTokenVerifier = { verify: (token) => Promise.resolve(TOKENS[token]) };
  const limiter: RateLimiter = {
    consume: (key) => {
      consumed.push(key);
      return Promise.resolve(options.limit ?? { allowed: true });
    },
  };
  const signedLimiter: RateLimiter = {
    consume: (key) => {
      consumedSigned.push(key);
      return Promise.resolve(options.signedLimit ?? { allowed: true });
    },
  };
  const telemetry = { requestRefused: (reason: RefusalReason) => refusals.push(reason) } as unknown as GatewayTelemetry;
  const guard = new GatewayAccessGuard(new Reflector(), tokens, limiter, signedLimiter, telemetry);

  const call = async (access: RouteAccess, authorization?: string, signed = false) => {
    const route = routeWith(access, signed);
    const handler = () => undefined;
    Reflect.defineMetadata(FORWARDED_ROUTE, route, handler);
    const request = {
      method: 'POST',
      originalUrl: '/api/v1/admin/things',
      headers: authorization === undefined ? {} : { authorization },
      ip: '203.0.113.7',
      params: {},
    } as GatewayRequest;
    const headers: Record<string, string> = {};
    const response = { setHeader: (name: string, value: string) => (headers[name] = value) };
    const context = {
      getHandler: () => handler,
      getClass: () => class Things {},
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
    } as unknown as ExecutionContext;
    try {
      return { allowed: await guard.canActivate(context), request, headers };
    } catch (error) {
      if (!(error instanceof ProblemException)) throw error;
      return { allowed: false, problem: error.problem, request, headers };
    }
  };
  return { call, refusals, consumed, consumedSigned };
}

describe('GatewayAccessGuard', () => {
  it('lets anyone call an anonymous route, and a signed-in caller a user route', async () => {
    const { call } = guardFor();
    expect((await call('anonymous')).allowed).toBe(true);
    const user = await call('user', 'Bearer customer-token');
    expect(user.allowed).toBe(true);
    expect(user.request[CALLER]).toBe(customer);
  });

  it('lets a caller whose token has the admin role call an admin route, the caller on the request', async () => {
    const { call, refusals, consumed } = guardFor();
    const result = await call('admin', 'Bearer admin-token');
    expect(result).toMatchObject({ allowed: true });
    expect(result.request[CALLER]).toBe(admin);
    expect(consumed).toEqual(['user:u-admin']);
    expect(refusals).toEqual([]);
  });

  it.each([
    ['no token', undefined],
    ['a token that is not valid', 'Bearer forged-token'],
    ['another scheme', 'Basic YWRtaW46YWRtaW4='],
  ])('answers an admin route with %s 401 UNAUTHENTICATED, counted against the address', async (_case, authorization) => {
    const { call, refusals, consumed } = guardFor();
    const result = await call('admin', authorization);
    expect(result.allowed).toBe(false);
    expect(result.problem).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(result.headers['www-authenticate']).toBe('Bearer');
    expect(result.request[CALLER]).toBeUndefined();
    expect(consumed).toEqual(['address:203.0.113.7']);
    expect(refusals).toEqual(['unauthenticated']);
  });

  it('answers an admin route 403 FORBIDDEN, the services’ code for a missing role, when the valid token lacks the role', async () => {
    const { call, refusals, consumed } = guardFor();
    const result = await call('admin', 'Bearer customer-token');
    expect(result.allowed).toBe(false);
    expect(result.problem).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    // Not forwarded: the caller is never put on the request for the forwarder.
    expect(result.request[CALLER]).toBeUndefined();
    expect(consumed).toEqual(['user:u-customer']);
    expect(refusals).toEqual(['forbidden']);
  });

  it('counts an admin call against the limit before the role check: over the limit is 429, whoever calls', async () => {
    const { call, refusals } = guardFor({ limit: { allowed: false, retryAfterSeconds: 7 } });
    const result = await call('admin', 'Bearer customer-token');
    expect(result.problem).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(result.headers['retry-after']).toBe('7');
    expect(refusals).toEqual(['rate-limited']);
  });

  it('counts a route with a signed body (provider callbacks) per address in its own bucket, never in the ordinary one', async () => {
    const { call, consumed, consumedSigned } = guardFor({ limit: { allowed: false, retryAfterSeconds: 30 } });
    // The address's ordinary budget is used up: the callback still goes through.
    expect((await call('anonymous', undefined, true)).allowed).toBe(true);
    // A bearer token changes nothing: a signed route is counted by address whoever claims to call.
    expect((await call('anonymous', 'Bearer customer-token', true)).allowed).toBe(true);
    expect(consumedSigned).toEqual(['address:203.0.113.7', 'address:203.0.113.7']);
    expect(consumed).toEqual([]);
    expect((await call('anonymous')).problem).toMatchObject({ status: 429 });
    expect(consumedSigned).toHaveLength(2);
  });

  it('answers a signed route 429 RATE_LIMITED with Retry-After once its own bucket is used up', async () => {
    const { call, refusals, consumed } = guardFor({ signedLimit: { allowed: false, retryAfterSeconds: 4 } });
    const result = await call('anonymous', undefined, true);
    expect(result.problem).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(result.headers['retry-after']).toBe('4');
    expect(refusals).toEqual(['rate-limited']);
    expect(consumed).toEqual([]);
  });

  it('fails closed on an access it does not know: a caller is needed', async () => {
    const { call } = guardFor();
    expect((await call('owner' as RouteAccess)).problem).toMatchObject({ status: 401 });
  });
});
