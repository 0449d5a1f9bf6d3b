// The gateway in front of a fake user service: what a client sends, what the service receives
// (identity, headers, body), and what comes back.
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { INTERNAL_TOKEN_HEADER, InternalTokenIssuer } from '@shop/http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accessToken } from './support/access-tokens.js';
import { EMAIL_TAKEN_PROBLEM, FAKE_ACCESS_TOKEN, TAKEN_EMAIL } from './support/fake-user-service.js';
import { bearer, json, startTestGateway, type TestGateway } from './support/test-gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t.close());
beforeEach(() => {
  t.user.calls.length = 0;
});

/** A raw request, for what fetch will not send (hop-by-hop headers, a body larger than it says). */
function rawRequest(
  path: string,
  options: { method: string; headers: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${t.api}${path}`, { method: options.method, headers: options.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

describe('forwarding', () => {
  it('forwards POST /auth/register anonymously with the parsed body as JSON, and returns 201 and the body', async () => {
    const response = await fetch(`${t.api}/auth/register`, json({ email: 'ada@example.com', password: 'long enough', nickname: 'Ada' }));
    expect(response.status).toBe(201);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ email: 'ada@example.com', nickname: 'Ada' });
    const [call] = t.user.callsTo('/auth/register');
    expect(call).toBeDefined();
    expect(call!.method).toBe('POST');
    expect(call!.identity).toBeUndefined();
    expect(call!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(call!.rawBody)).toEqual({ email: 'ada@example.com', password: 'long enough', nickname: 'Ada' });
  });

  it('forwards POST /auth/login and returns the token', async () => {
    const response = await fetch(`${t.api}/auth/login`, json({ email: 'ada@example.com', password: 'correct horse' }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accessToken: FAKE_ACCESS_TOKEN, tokenType: 'Bearer', expiresIn: 900 });
    expect(t.user.callsTo('/auth/login')[0]!.identity).toBeUndefined();
  });

  it('forwards GET /me with the verified user in a fresh internal token, and no Authorization header', async () => {
    const userId = randomUUID();
    const response = await fetch(`${t.api}/me`, bearer(await accessToken(userId, { claims: { roles: ['customer', 'admin'] } })));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ userId, email: 'me@example.com', nickname: null, roles: ['customer', 'admin'] });
    const [call] = t.user.callsTo('/me');
    expect(call!.identity).toEqual({ userId, roles: ['customer', 'admin'] });
    expect(call!.headers['authorization']).toBeUndefined();
    expect(call!.rawBody).toBe('');
  });

  it("drops a client's own x-shop-internal-token, even a validly signed one, and sends the gateway's", async () => {
    // A leaked internal secret must not let a client pick its identity through the gateway.
    const forged = new InternalTokenIssuer('an-internal-secret-of-at-least-32-bytes!').issue(
      { audience: 'user', method: 'POST', path: '/auth/register' },
      { userId: randomUUID(), roles: ['admin'] },
    );
    const response = await fetch(`${t.api}/auth/register`, json({ email: 'eve@example.com', password: 'long enough' }, { [INTERNAL_TOKEN_HEADER]: forged }));
    expect(response.status).toBe(201);
    const [call] = t.user.callsTo('/auth/register');
    expect(call!.headers[INTERNAL_TOKEN_HEADER]).not.toBe(forged);
    expect(call!.identity).toBeUndefined();

    const userId = randomUUID();
    await fetch(`${t.api}/me`, { headers: { authorization: `Bearer ${await accessToken(userId)}`, [INTERNAL_TOKEN_HEADER]: forged } });
    expect(t.user.callsTo('/me')[0]!.identity).toEqual({ userId, roles: ['customer'] });
  });

  it('passes end-to-end headers on, and keeps hop-by-hop ones, cookies and forwarding claims at the edge', async () => {
    const response = await rawRequest('/auth/login', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        connection: 'keep-alive, x-hop',
        'keep-alive': 'timeout=5',
        'x-hop': 'named by Connection',
        'proxy-authorization': 'Basic abc',
        te: 'trailers',
        upgrade: 'h2c',
        cookie: 'session=1',
        'x-forwarded-for': '203.0.113.9',
        'accept-language': 'zh-CN',
        'idempotency-key': 'key-1',
      },
      body: JSON.stringify({ email: 'ada@example.com', password: 'correct horse' }),
    });
    expect(response.status).toBe(200);
    const headers = t.user.callsTo('/auth/login')[0]!.headers;
    for (const name of ['keep-alive', 'x-hop', 'proxy-authorization', 'te', 'upgrade', 'cookie']) expect(headers[name], name).toBeUndefined();
    expect(headers['accept-language']).toBe('zh-CN');
    expect(headers['idempotency-key']).toBe('key-1');
    expect(headers['x-forwarded-for']).toMatch(/127\.0\.0\.1/);
    expect(headers['x-forwarded-for']).not.toContain('203.0.113.9');
  });

  it("passes a service's problem+json through unchanged, status and bytes", async () => {
    const response = await fetch(`${t.api}/auth/register`, json({ email: TAKEN_EMAIL, password: 'long enough' }));
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(await response.text()).toBe(EMAIL_TAKEN_PROBLEM);
  });

  it('forwards the correlation id to the service and echoes it to the client', async () => {
    const response = await fetch(`${t.api}/auth/login`, json({ email: 'ada@example.com', password: 'correct horse' }, { 'x-correlation-id': 'trace-42' }));
    expect(response.headers.get('x-correlation-id')).toBe('trace-42');
    expect(t.user.callsTo('/auth/login')[0]!.headers['x-correlation-id']).toBe('trace-42');
  });

  it('makes up a correlation id when the client sends none, and uses the same one on both sides', async () => {
    const response = await fetch(`${t.api}/auth/login`, json({ email: 'ada@example.com', password: 'correct horse' }));
    const id = response.headers.get('x-correlation-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(t.user.callsTo('/auth/login')[0]!.headers['x-correlation-id']).toBe(id);
  });

  it('answers malformed JSON with 400 MALFORMED_JSON without calling the service', async () => {
    const response = await fetch(`${t.api}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email": "ada@' });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 400, code: 'MALFORMED_JSON' });
    expect(t.user.calls).toHaveLength(0);
  });

  it('answers a body over 1 MiB with 413 PAYLOAD_TOO_LARGE without calling the service', async () => {
    const huge = JSON.stringify({ email: 'ada@example.com', password: 'x'.repeat(1024 * 1024) });
    const response = await fetch(`${t.api}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: huge });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(t.user.calls).toHaveLength(0);
  });

  it('answers an unknown route 404 problem+json without calling any service', async () => {
    const response = await fetch(`${t.api}/admin/users`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(t.user.calls).toHaveLength(0);
  });
});
