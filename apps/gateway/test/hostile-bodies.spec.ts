// Issue 8, hole 1: a body nested thousands of levels deep used to make the forwarder's JSON.stringify
// throw inside the breaker-wrapped call, so that five of them opened the user service's circuit and
// every login answered 503. Such bodies are refused at the gateway, and every answer is problem+json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/test-gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ circuitBreakerFailures: 5, circuitBreakerResetMs: 10_000 });
});
afterAll(async () => {
  await t.close();
});

const post = (path: string, body: string, contentType = 'application/json') =>
  fetch(`${t.api}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

async function expectProblem(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  expect(response.headers.get('x-correlation-id')).toBeTruthy();
  expect(await response.json()).toMatchObject({ status, code });
}

describe('hostile bodies at the gateway', () => {
  it('answers 400 to 6,000 nested arrays, before forwarding, and the breaker stays closed for everyone else', async () => {
    const calls = t.user.calls.length;
    for (let i = 0; i < 8; i += 1) await expectProblem(await post('/auth/login', '['.repeat(6_000)), 400, 'BODY_TOO_DEEP');
    for (let i = 0; i < 3; i += 1) {
      const deepObject = '{"a":'.repeat(3_000) + '1' + '}'.repeat(3_000);
      await expectProblem(await post('/auth/login', deepObject), 400, 'BODY_TOO_DEEP');
    }
    expect(t.user.calls.length).toBe(calls);
    const login = await post('/auth/login', JSON.stringify({ email: 'ada@example.com', password: 'correct horse' }));
    expect(login.status).toBe(200);
    expect(t.user.calls.length).toBe(calls + 1);
  });

  it.each([
    ['a BOM', '\ufeff{"email":"a@b.c","password":"x"}', 'application/json', 400, 'MALFORMED_JSON'],
    ['a __proto__ key', '{"__proto__":{"roles":["admin"]},"email":"a@b.c"}', 'application/json', 400, 'MALFORMED_JSON'],
    ['malformed JSON', '{"email":', 'application/json', 400, 'MALFORMED_JSON'],
    ['a top-level string', '"ada"', 'application/json', 400, 'MALFORMED_JSON'],
    ['a form', 'email=a%40b.c', 'application/x-www-form-urlencoded', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['plain text', 'hello', 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['over 1 MiB', JSON.stringify({ email: 'x'.repeat(1024 * 1024) }), 'application/json', 413, 'PAYLOAD_TOO_LARGE'],
  ])('refuses %s without forwarding it', async (_case, body, contentType, status, code) => {
    const calls = t.user.calls.length;
    await expectProblem(await post('/auth/register', body, contentType), status, code);
    expect(t.user.calls.length).toBe(calls);
  });

  it.each([
    ['GET', '/'],
    ['GET', '/favicon.ico'],
    ['GET', '/api/v2/x'],
    ['GET', '/api/v1/nowhere'],
    ['DELETE', '/api/v1/auth/login'],
    ['POST', '/api/v1/openapi.json'],
  ])('answers %s %s with 404 problem+json', async (method, path) => {
    const response = await fetch(`${t.gateway.url}${path}`, { method });
    await expectProblem(response, 404, 'NOT_FOUND');
  });
});
