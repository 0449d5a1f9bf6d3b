// Headers cross the gateway by allowlist, both ways: what a client sends that some server behind a
// gateway believes (the client's address, the URL, the method, the host, who the user is) never reaches
// the service, and what a service says about itself never reaches the client.
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { HTTP_ROUTES } from '@shop/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accessToken } from './support/access-tokens.js';
import { startTestGateway, type TestGateway } from './support/test-gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t.close());
beforeEach(() => {
  t.user.calls.length = 0;
  t.user.answerHeaders = {};
});

/** node:http rather than fetch: it sends any header name as written, as an attacker's client would. */
function send(path: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${t.api}${path}`, { method, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

// Each is believed by some proxy, framework or service: a client must not be able to set it for the service.
const SMUGGLED: Record<string, string> = {
  'X-Real-IP': '10.0.0.1',
  'X-Original-URL': '/admin/products',
  'X-Rewrite-URL': '/admin/products',
  'X-HTTP-Method-Override': 'DELETE',
  'X-HTTP-Method': 'DELETE',
  'X-Method-Override': 'DELETE',
  'X-Forwarded-Host': 'evil.example',
  'X-Forwarded-Proto': 'https',
  'X-Forwarded-Prefix': '/internal',
  Forwarded: 'for=10.0.0.1;host=evil.example;proto=https',
  'X-Client-IP': '10.0.0.1',
  'True-Client-IP': '10.0.0.1',
  'X-Internal-Token': 'forged',
  'X-User-Id': randomUUID(),
  'X-User-Roles': 'admin',
  'X-User-Email': 'boss@example.com',
  'X-Auth-User': 'admin',
  'X-Some-Header-Nobody-Listed': 'anything',
};

describe('request headers the gateway sends on', () => {
  it.each([
    [
      'an anonymous POST /auth/login',
      'POST',
      '/auth/login',
      () => ({ 'content-type': 'application/json' }),
      JSON.stringify({ email: 'a@example.com', password: 'correct horse' }),
    ],
    ['a signed-in GET /me', 'GET', '/me', async () => ({ authorization: `Bearer ${await accessToken(randomUUID())}` }), undefined],
  ])('on %s, none of the smuggling headers arrives at the service', async (_name, method, path, own, body) => {
    const response = await send(path, method, { ...(await own()), ...SMUGGLED }, body);
    expect(response.status).toBe(200);
    const [call] = t.user.callsTo(path);
    expect(call, 'the service was called').toBeDefined();
    for (const name of Object.keys(SMUGGLED)) expect(call!.headers[name.toLowerCase()], `${name} reached the service`).toBeUndefined();
    // The client's address is the one the gateway saw (no trusted proxy in front of it here).
    expect(call!.headers['x-forwarded-for']).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);
  });

  it('sends the end-to-end headers a service needs', async () => {
    const headers = {
      authorization: `Bearer ${await accessToken(randomUUID())}`,
      accept: 'application/json',
      'accept-language': 'zh-CN',
      'if-none-match': '"v1"',
    };
    expect((await send('/me', 'GET', headers)).status).toBe(200);
    const [call] = t.user.callsTo('/me');
    expect(call!.headers).toMatchObject({ accept: 'application/json', 'accept-language': 'zh-CN', 'if-none-match': '"v1"' });
  });

  it("drops a client's traceparent and tracestate (A5), and passes them with trustClientTrace", async () => {
    const clientTrace = {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      tracestate: 'vendor=opaque-value',
    };
    const signedIn = { authorization: `Bearer ${await accessToken(randomUUID())}` };
    expect((await send('/me', 'GET', { ...signedIn, ...clientTrace })).status).toBe(200);
    const [call] = t.user.callsTo('/me');
    expect(call!.headers['traceparent'], 'traceparent reached the service').toBeUndefined();
    expect(call!.headers['tracestate'], 'tracestate reached the service').toBeUndefined();

    // Tracing is off here: with no gateway span to replace them, a trusted client's headers arrive unchanged.
    const trusting = await startTestGateway({ trustClientTrace: true });
    try {
      const response = await fetch(`${trusting.api}/me`, { headers: { ...signedIn, ...clientTrace } });
      expect(response.status).toBe(200);
      expect(trusting.user.callsTo('/me')[0]!.headers).toMatchObject(clientTrace);
    } finally {
      await trusting.close();
    }
  });

  it('overrides a client’s own x-forwarded-for with the address it saw', async () => {
    await send(
      '/auth/login',
      'POST',
      { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
      JSON.stringify({ email: 'a@example.com', password: 'x' }),
    );
    expect(t.user.callsTo('/auth/login')[0]!.headers['x-forwarded-for']).not.toContain('203.0.113.7');
  });
});

describe('response headers the gateway passes back', () => {
  it('passes back what the client needs of the answer and nothing a service says about itself', async () => {
    t.user.answerHeaders = {
      'cache-control': 'no-store',
      server: 'user-service/1.0',
      'x-powered-by': 'Express',
      'set-cookie': ['session=from-the-service; Path=/', 'other=1'],
      'x-shop-internal-token': 'leaked',
      'x-debug-sql': 'select * from users',
      'access-control-allow-origin': '*',
      // Hop-by-hop: a header the answer's own Connection names belongs to that connection only.
      connection: 'x-foo',
      'x-foo': 'hop',
      'keep-alive': 'timeout=99',
    };
    const response = await send(
      '/auth/login',
      'POST',
      { 'content-type': 'application/json' },
      JSON.stringify({ email: 'a@example.com', password: 'correct horse' }),
    );
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-correlation-id']).toBeDefined();
    expect(response.headers['connection']).not.toContain('x-foo');
    expect(response.headers['keep-alive']).not.toBe('timeout=99');
    for (const name of ['server', 'x-powered-by', 'set-cookie', 'x-shop-internal-token', 'x-debug-sql', 'x-foo']) {
      expect(response.headers[name], `${name} came back to the client`).toBeUndefined();
    }
    expect(response.headers['access-control-allow-origin']).not.toBe('*');
  });

  it("passes back a paged answer's next page as the service gave it: Next-Cursor and a relative Link", async () => {
    t.user.answerHeaders = { 'next-cursor': 'MTIz', link: '<?cursor=MTIz&limit=1>; rel="next"' };
    const response = await send('/me', 'GET', { authorization: `Bearer ${await accessToken(randomUUID())}` });
    expect(response.status).toBe(200);
    expect(response.headers['next-cursor']).toBe('MTIz');
    expect(response.headers['link']).toBe('<?cursor=MTIz&limit=1>; rel="next"');
  });

  it('lets a front-end on an allowed origin (CORS_ORIGINS) read them, and every answer header a route declares', async () => {
    const withCors = await startTestGateway({ corsOrigins: ['https://shop.example'] });
    try {
      withCors.user.answerHeaders = { 'next-cursor': 'MTIz', link: '<?cursor=MTIz&limit=1>; rel="next"' };
      const response = await fetch(`${withCors.api}/me`, {
        headers: { origin: 'https://shop.example', authorization: `Bearer ${await accessToken(randomUUID())}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe('https://shop.example');
      // A browser hides from the page every answer header that is not exposed (or one of the few always shown).
      const exposed = (response.headers.get('access-control-expose-headers') ?? '').split(/,\s*/);
      const declared = HTTP_ROUTES.flatMap((route) => Object.values(route.responses).flatMap((answer) => Object.keys(answer.headers ?? {})));
      expect(declared).toEqual(expect.arrayContaining(['next-cursor', 'link']));
      expect(exposed).toEqual(expect.arrayContaining(declared));
    } finally {
      await withCors.close();
    }
  });
});
