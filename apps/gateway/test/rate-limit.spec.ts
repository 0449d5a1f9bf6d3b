// RATE_LIMIT_PER_MINUTE: per signed-in user, else per client address; 429 with Retry-After; 0 = off;
// health, metrics and the OpenAPI document are never limited. RATE_LIMIT_SIGNED_PER_MINUTE: routes whose
// body its sender signs (the payment provider's callbacks) per address, in a bucket of their own.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PAYMENT_SIGNATURE_HEADER, paymentContext, userContext } from '@shop/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { accessToken } from './support/access-tokens.js';
import { json, startTestGateway, withMetricsToken, type TestGateway } from './support/test-gateway.js';

let t: TestGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const login = (api: string) => fetch(`${api}/auth/login`, json({ email: 'ada@example.com', password: 'correct horse' }));
const me = async (api: string, token: string) => fetch(`${api}/me`, { headers: { authorization: `Bearer ${token}` } });

describe('rate limiting', () => {
  it('answers 429 RATE_LIMITED with Retry-After once an address has used its requests, without calling the service', async () => {
    t = await startTestGateway({ rateLimitPerMinute: 3 });
    for (let i = 0; i < 3; i += 1) expect((await login(t.api)).status).toBe(200);
    const refused = await login(t.api);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(t.user.calls).toHaveLength(3);
  });

  it('counts each signed-in user apart from the others and from the address they share', async () => {
    t = await startTestGateway({ rateLimitPerMinute: 2 });
    const ada = await accessToken(randomUUID());
    const bob = await accessToken(randomUUID());
    expect((await me(t.api, ada)).status).toBe(200);
    expect((await me(t.api, ada)).status).toBe(200);
    expect((await me(t.api, ada)).status).toBe(429);
    // Another user from the same address has a budget of their own...
    expect((await me(t.api, bob)).status).toBe(200);
    // ...and so have anonymous calls from that address.
    expect((await login(t.api)).status).toBe(200);
    expect((await login(t.api)).status).toBe(200);
    expect((await login(t.api)).status).toBe(429);
    // Ada's limit did not spill over onto Bob, nor the address's onto him.
    expect((await me(t.api, bob)).status).toBe(200);
    expect((await me(t.api, bob)).status).toBe(429);
  });

  it('counts refused tokens against the address, so that guessing tokens is limited too', async () => {
    t = await startTestGateway({ rateLimitPerMinute: 2 });
    expect((await me(t.api, 'not.a.jwt')).status).toBe(401);
    expect((await me(t.api, 'not.a.jwt')).status).toBe(401);
    expect((await me(t.api, 'not.a.jwt')).status).toBe(429);
  });

  it('leaves health, metrics and the OpenAPI document out of the count', async () => {
    t = await startTestGateway({ rateLimitPerMinute: 1 });
    for (let i = 0; i < 3; i += 1) {
      expect((await fetch(`${t.api}/health`)).status).toBe(200);
      expect((await fetch(`${t.api}/metrics`, withMetricsToken)).status).toBe(200);
      expect((await fetch(`${t.api}/openapi.json`)).status).toBe(200);
    }
    expect((await login(t.api)).status).toBe(200);
    expect((await login(t.api)).status).toBe(429);
  });

  it('is off with RATE_LIMIT_PER_MINUTE=0', async () => {
    t = await startTestGateway({ rateLimitPerMinute: 0 });
    for (let i = 0; i < 30; i += 1) expect((await login(t.api)).status).toBe(200);
  });
});

describe('rate limiting of provider callbacks (a route with a signed body)', () => {
  let payment: { url: string; calls: number; server: Server } | undefined;
  afterEach(async () => {
    payment?.server.closeAllConnections();
    await new Promise((resolve) => payment?.server.close(resolve));
    payment = undefined;
  });

  /** A stand-in payment service taking every callback (the gateway checks no signature: the service does). */
  async function startPaymentService(): Promise<NonNullable<typeof payment>> {
    const service = { url: '', calls: 0, server: createServer() };
    service.server.on('request', (request, response) => {
      request.resume();
      request.on('end', () => {
        service.calls += 1;
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      });
    });
    await new Promise<void>((resolve) => service.server.listen(0, '127.0.0.1', resolve));
    service.url = `http://127.0.0.1:${(service.server.address() as AddressInfo).port}`;
    return service;
  }

  async function startWithPayment(limits: { rateLimitPerMinute: number; signedRateLimitPerMinute: number }): Promise<TestGateway> {
    payment = await startPaymentService();
    return startTestGateway({ ...limits, contexts: [userContext, paymentContext], serviceUrls: { payment: payment.url } });
  }

  const callback = (api: string) =>
    fetch(`${api}/payments/callback`, json({ eventId: randomUUID(), paymentId: randomUUID() }, { [PAYMENT_SIGNATURE_HEADER]: 't=1,v1=00' }));

  it('counts them per address apart from ordinary requests: an address out of its ordinary budget still gets its callbacks through, up to their own limit', async () => {
    t = await startWithPayment({ rateLimitPerMinute: 2, signedRateLimitPerMinute: 3 });
    expect((await login(t.api)).status).toBe(200);
    expect((await login(t.api)).status).toBe(200);
    expect((await login(t.api)).status).toBe(429);
    for (let i = 0; i < 3; i += 1) expect((await callback(t.api)).status).toBe(200);
    const refused = await callback(t.api);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(payment?.calls).toBe(3);
  });

  it('does not let callbacks use up an address’s ordinary budget', async () => {
    t = await startWithPayment({ rateLimitPerMinute: 2, signedRateLimitPerMinute: 100 });
    for (let i = 0; i < 10; i += 1) expect((await callback(t.api)).status).toBe(200);
    expect((await login(t.api)).status).toBe(200);
    expect((await login(t.api)).status).toBe(200);
    expect((await login(t.api)).status).toBe(429);
  });

  it('is off with RATE_LIMIT_SIGNED_PER_MINUTE=0, whatever the ordinary limit', async () => {
    t = await startWithPayment({ rateLimitPerMinute: 1, signedRateLimitPerMinute: 0 });
    for (let i = 0; i < 30; i += 1) expect((await callback(t.api)).status).toBe(200);
    expect(payment?.calls).toBe(30);
  });
});
