import { InternalTokenIssuer, InternalTokenVerifier } from '@shop/http';
import { describe, expect, it } from 'vitest';
import { ServiceTimeoutError, ServiceUnavailableError, type ServiceRequest } from '../../application/ports/service-client.js';
import { FetchServiceClient } from './fetch-service.client.js';

const SECRET = 'an-internal-secret-of-at-least-32-bytes!';

function clientWith(fetchImpl: (url: string, init: RequestInit) => Promise<Response>, timeoutMs = 1_000) {
  return new FetchServiceClient({
    serviceUrls: { user: 'http://user.internal:3001/' },
    tokens: new InternalTokenIssuer(SECRET),
    timeoutMs,
    fetch: fetchImpl as typeof fetch,
  });
}

const REQUEST: ServiceRequest = {
  method: 'POST',
  path: '/auth/register?x=1',
  headers: { accept: 'application/json', 'x-shop-internal-token': 'forged', connection: 'x-hop', 'x-hop': '1', 'content-type': 'text/plain' },
  body: { email: 'ada@example.com' },
  caller: { userId: 'u-1', roles: ['customer'] },
  correlationId: 'c-1',
};

describe('FetchServiceClient', () => {
  it("sends the body as JSON with a fresh internal token carrying the caller, the correlation id, and the client's end-to-end headers", async () => {
    let seen: { url: string; init: RequestInit } | undefined;
    const client = clientWith(async (url, init) => {
      seen = { url, init };
      return new Response('{"ok":true}', { status: 201, headers: { 'content-type': 'application/json' } });
    });
    const response = await client.send('user', REQUEST);
    expect(response.status).toBe(201);
    expect(new TextDecoder().decode(response.body)).toBe('{"ok":true}');
    expect(seen!.url).toBe('http://user.internal:3001/auth/register?x=1');
    expect(seen!.init.method).toBe('POST');
    expect(seen!.init.body).toBe('{"email":"ada@example.com"}');
    expect(seen!.init.redirect).toBe('manual');
    const headers = seen!.init.headers as Headers;
    expect(headers.get('content-type')).toBe('application/json');
    expect(headers.get('accept')).toBe('application/json');
    expect(headers.get('x-correlation-id')).toBe('c-1');
    expect(headers.get('x-hop')).toBeNull();
    const token = headers.get('x-shop-internal-token')!;
    expect(token).not.toBe('forged');
    expect(new InternalTokenVerifier(SECRET, 'user').verify(token, { method: 'POST', path: '/auth/register?x=1' })).toEqual({ identity: { userId: 'u-1', roles: ['customer'] } });
  });

  it('returns end-to-end answer headers, each cookie apart, without the ones fetch or the gateway own', async () => {
    const headers = new Headers([
      ['content-type', 'application/problem+json'],
      ['content-encoding', 'gzip'],
      ['content-length', '99'],
      ['location', '/orders/1'],
      ['connection', 'x-private'],
      ['x-private', 'secret'],
      ['x-correlation-id', 'other'],
      ['set-cookie', 'a=1; Path=/'],
      ['set-cookie', 'b=2; Path=/'],
    ]);
    const client = clientWith(async () => new Response('{}', { status: 409, headers }));
    const response = await client.send('user', REQUEST);
    expect(response.headers).toEqual([
      ['content-type', 'application/problem+json'],
      ['location', '/orders/1'],
      ['set-cookie', 'a=1; Path=/'],
      ['set-cookie', 'b=2; Path=/'],
    ]);
  });

  it('sends no body and no content type for a call without one', async () => {
    let init: RequestInit | undefined;
    const client = clientWith(async (_url, given) => {
      init = given;
      return new Response(null, { status: 204 });
    });
    const response = await client.send('user', { method: 'GET', path: '/me', headers: {}, correlationId: 'c-2' });
    expect(response.status).toBe(204);
    expect(init!.body).toBeUndefined();
    expect((init!.headers as Headers).get('content-type')).toBeNull();
  });

  it('gives up after timeoutMs with ServiceTimeoutError, also while the body is still coming', async () => {
    const hang = (_url: string, init: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason)));
    await expect(clientWith(hang, 50).send('user', REQUEST)).rejects.toBeInstanceOf(ServiceTimeoutError);

    const slowBody = async (_url: string, init: RequestInit) => {
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"partial":'));
          init.signal!.addEventListener('abort', () => controller.error(init.signal!.reason));
        },
      });
      return new Response(stream, { status: 200 });
    };
    await expect(clientWith(slowBody, 50).send('user', REQUEST)).rejects.toBeInstanceOf(ServiceTimeoutError);
  });

  it('turns a failed connection into ServiceUnavailableError', async () => {
    const refused = async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    };
    await expect(clientWith(refused).send('user', REQUEST)).rejects.toMatchObject({ name: 'ServiceUnavailableError', reason: 'unreachable' });
    await expect(clientWith(refused).send('user', REQUEST)).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
