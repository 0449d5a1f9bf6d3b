// The gateway's own routes: health (its own and each service's), metrics, the OpenAPI document.
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterEach, describe, expect, it } from 'vitest';
import { json, startTestGateway, type TestGateway } from './support/test-gateway.js';

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

describe('GET /metrics', () => {
  it("serves the gateway's Prometheus text: requests by route and status, service calls, circuits, the process", async () => {
    t = await startTestGateway();
    await fetch(`${t.api}/auth/login`, json({ email: 'a@example.com', password: 'correct horse' }));
    await fetch(`${t.api}/me`);
    const response = await fetch(`${t.api}/metrics`);
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
});

describe('GET /openapi.json', () => {
  it('lists every route with its contract schemas, and is a valid OpenAPI 3.1 document', async () => {
    t = await startTestGateway();
    const response = await fetch(`${t.api}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const document = (await response.json()) as Record<string, any>;
    expect(document['openapi']).toBe('3.1.0');
    expect(Object.keys(document['paths']).sort()).toEqual(['/auth/login', '/auth/register', '/health', '/me', '/metrics', '/openapi.json']);
    expect(document['paths']['/auth/register']['post']['requestBody']['content']['application/json']['schema']).toEqual({
      $ref: '#/components/schemas/RegisterRequest',
    });
    expect(document['paths']['/me']['get']['security']).toEqual([{ bearerAuth: [] }]);
    const validation = await new Validator().validate(document);
    expect(validation.errors).toBeUndefined();
    expect(validation.valid).toBe(true);
  });
});
