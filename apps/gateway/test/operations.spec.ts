// The gateway's own routes: health (liveness; readiness, its own and each service's, cached), metrics, the OpenAPI document.
import { randomUUID } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterEach, describe, expect, it } from 'vitest';
import { accessToken } from './support/access-tokens.js';
import { METRICS_TOKEN, json, startTestGateway, withMetricsToken, type TestGateway } from './support/test-gateway.js';

let t: TestGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('GET /health', () => {
  it("answers 200 when the gateway and every service are up, having asked each service's /health", async () => {
    t = await startTestGateway();
    const response = await fetch(`${t.api}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', checks: { gateway: 'up', user: 'up' } });
    expect(t.user.healthChecks).toBe(1);
  });

  it('answers 503 naming the service that is not ready', async () => {
    t = await startTestGateway();
    t.user.healthy = false;
    const response = await fetch(`${t.api}/health`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'unavailable', checks: { gateway: 'up', user: 'down' } });
  });

  it('answers 503 when a service is not running at all', async () => {
    t = await startTestGateway();
    await t.user.stop();
    const response = await fetch(`${t.api}/health`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'unavailable', checks: { gateway: 'up', user: 'down' } });
  });

  it('answers 503 in bounded time when a service hangs', async () => {
    t = await startTestGateway({ serviceTimeoutMs: 300 });
    t.user.healthDelayMs = 5_000;
    const started = performance.now();
    const response = await fetch(`${t.api}/health`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'unavailable', checks: { gateway: 'up', user: 'down' } });
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('GET /health/live', () => {
  it('answers 200 without asking any service, even when they are all down', async () => {
    t = await startTestGateway();
    await t.user.stop();
    const response = await fetch(`${t.api}/health/live`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ live: true, draining: false });
    expect(t.user.healthChecks).toBe(0);
  });
});

describe('GET /health/ready', () => {
  it("answers 200 with each check in detail, having asked each service's /health/ready", async () => {
    t = await startTestGateway();
    const response = await fetch(`${t.api}/health/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ready: true, draining: false, checks: { gateway: { status: 'up' }, user: { status: 'up' } } });
    expect(t.user.healthPaths).toEqual(['/health/ready']);
  });

  it('answers 503 problem+json naming the service that is not ready, and the one that is not running', async () => {
    t = await startTestGateway({ readinessCacheMs: 0 });
    t.user.healthy = false;
    const response = await fetch(`${t.api}/health/ready`);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({
      status: 503,
      code: 'NOT_READY',
      instance: '/api/v1/health/ready',
      down: ['user'],
      checks: { gateway: { status: 'up' }, user: { status: 'down', reason: 'reported-down' } },
    });
    await t.user.stop();
    expect(await (await fetch(`${t.api}/health/ready`)).json()).toMatchObject({ down: ['user'], checks: { user: { status: 'down', reason: 'error' } } });
  });

  it('asks each service at most once per READINESS_CACHE_MS, however many readiness requests come at once', async () => {
    t = await startTestGateway({ readinessCacheMs: 400 });
    t.user.healthDelayMs = 50;
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => fetch(`${t!.api}/${i % 3 === 0 ? 'health' : 'health/ready'}`)));
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 30 }, () => 200));
    expect(t.user.healthChecks).toBe(1);
    // Within the period the answer is the cached one, even though the service has gone down meanwhile…
    t.user.healthy = false;
    expect((await fetch(`${t.api}/health/ready`)).status).toBe(200);
    expect(t.user.healthChecks).toBe(1);
    // …and after it the service is asked again, once.
    await new Promise((resolve) => setTimeout(resolve, 450));
    const after = await Promise.all(Array.from({ length: 10 }, () => fetch(`${t!.api}/health/ready`)));
    expect(after.map((answer) => answer.status)).toEqual(Array.from({ length: 10 }, () => 503));
    expect(t.user.healthChecks).toBe(2);
  });

  it('asks on every request when READINESS_CACHE_MS is 0', async () => {
    t = await startTestGateway({ readinessCacheMs: 0 });
    for (let i = 0; i < 3; i++) expect((await fetch(`${t.api}/health/ready`)).status).toBe(200);
    expect(t.user.healthChecks).toBe(3);
  });

  it('answers 503 in bounded time when a service hangs, with one probe for all the requests waiting on it', async () => {
    t = await startTestGateway({ serviceTimeoutMs: 300, readinessCacheMs: 0 });
    t.user.healthDelayMs = 5_000;
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 10 }, () => fetch(`${t!.api}/health/ready`)));
    expect(performance.now() - started).toBeLessThan(1_500);
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(await answer.json()).toMatchObject({ down: ['user'], checks: { user: { status: 'down', reason: 'timeout' } } });
    }
    expect(t.user.healthChecks).toBe(1);
  });
});

describe('GET /metrics', () => {
  it("serves the gateway's Prometheus text: requests by route and status, service calls, circuits, the process", async () => {
    t = await startTestGateway();
    await fetch(`${t.api}/auth/login`, json({ email: 'a@example.com', password: 'correct horse' }));
    await fetch(`${t.api}/me`);
    const response = await fetch(`${t.api}/metrics`, withMetricsToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('shop_gateway_http_requests_total{method="POST",route="/api/v1/auth/login",status="200",service="gateway"} 1');
    expect(text).toContain('shop_gateway_http_requests_total{method="GET",route="/api/v1/me",status="401",service="gateway"} 1');
    expect(text).toContain('shop_gateway_service_calls_total{upstream="user",outcome="answered",service="gateway"} 1');
    expect(text).toContain('shop_gateway_requests_refused_total{reason="unauthenticated",service="gateway"} 1');
    expect(text).toContain('shop_gateway_circuit_state{upstream="user",service="gateway"} 0');
    expect(text).toMatch(/^process_resident_memory_bytes\{service="gateway"\} /m);
  });

  it('is not public: 401 problem+json with WWW-Authenticate: Bearer without the METRICS_TOKEN, or with another token, an access token among them', async () => {
    t = await startTestGateway();
    const attempts: RequestInit[] = [
      {},
      { headers: { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}` } },
      { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } },
      { headers: { authorization: `Basic ${Buffer.from(`metrics:${METRICS_TOKEN}`).toString('base64')}` } },
      { headers: { authorization: `Bearer ${await accessToken(randomUUID(), { claims: { roles: ['customer', 'admin'] } })}` } },
    ];
    for (const init of attempts) {
      const response = await fetch(`${t.api}/metrics`, init);
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      expect(text).not.toMatch(/shop_gateway|process_|nodejs_/);
    }
  });

  it('is not served at all without a METRICS_TOKEN configured: 404 problem+json, whatever the request carries', async () => {
    t = await startTestGateway({ metricsToken: undefined });
    const response = await fetch(`${t.api}/metrics`, withMetricsToken);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.text()).not.toMatch(/shop_gateway|process_|nodejs_/);
  });
});

describe('GET /openapi.json', () => {
  it('lists every route with its contract schemas, and is a valid OpenAPI 3.1 document', async () => {
    t = await startTestGateway();
    const response = await fetch(`${t.api}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const document = (await response.json()) as Record<string, any>;
    expect(document['openapi']).toBe('3.1.0');
    expect(Object.keys(document['paths']).sort()).toEqual([
      '/asyncapi.json',
      '/auth/login',
      '/auth/register',
      '/docs',
      '/health',
      '/health/live',
      '/health/ready',
      '/me',
      '/metrics',
      '/openapi.json',
    ]);
    expect(document['paths']['/auth/register']['post']['requestBody']['content']['application/json']['schema']).toEqual({
      $ref: '#/components/schemas/RegisterRequest',
    });
    expect(document['paths']['/me']['get']['security']).toEqual([{ bearerAuth: [] }]);
    const validation = await new Validator().validate(document);
    expect(validation.errors).toBeUndefined();
    expect(validation.valid).toBe(true);
  });
});
