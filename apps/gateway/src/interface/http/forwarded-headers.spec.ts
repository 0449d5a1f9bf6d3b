import { HTTP_ROUTES } from '@shop/contracts';
import { describe, expect, it } from 'vitest';
import { forwardedRequestHeaders, returnedResponseHeaders } from './forwarded-headers.js';

// Headers that some proxy, framework or service behind a gateway is known to believe: each must stay at the edge.
const SMUGGLING_HEADERS: Record<string, string> = {
  'x-real-ip': '10.0.0.1',
  'x-original-url': '/admin/products',
  'x-rewrite-url': '/admin/products',
  'x-http-method-override': 'DELETE',
  'x-http-method': 'DELETE',
  'x-method-override': 'DELETE',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-proto': 'https',
  'x-forwarded-port': '443',
  'x-forwarded-prefix': '/internal',
  'x-forwarded-for': '203.0.113.7',
  'x-client-ip': '10.0.0.1',
  'true-client-ip': '10.0.0.1',
  forwarded: 'for=203.0.113.7;host=evil.example',
  'x-shop-internal-token': 'forged',
  'x-internal-token': 'forged',
  'x-user-id': 'someone-else',
  'x-user-roles': 'admin',
  'x-user-email': 'boss@example.com',
  authorization: 'Bearer abc',
  cookie: 'a=1',
  host: 'shop.example',
  'x-correlation-id': 'c-1',
  'x-request-id': 'r-1',
  'content-length': '12',
  'content-type': 'text/plain',
  'content-encoding': 'gzip',
  'transfer-encoding': 'chunked',
  expect: '100-continue',
  connection: 'keep-alive, If-Match',
  'keep-alive': 'timeout=5',
  te: 'trailers',
  upgrade: 'websocket',
  'proxy-authorization': 'Basic x',
};

describe('forwardedRequestHeaders', () => {
  it('passes the allowlisted end-to-end headers and sets x-forwarded-for to the address the gateway saw', () => {
    const headers = forwardedRequestHeaders(
      {
        accept: 'application/json',
        'accept-language': 'zh-CN',
        'user-agent': 'curl/8',
        'idempotency-key': 'k-1',
        'if-none-match': '"v1"',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        tracestate: 'shop=1',
      },
      '192.0.2.1',
    );
    expect(headers).toEqual({
      accept: 'application/json',
      'accept-language': 'zh-CN',
      'user-agent': 'curl/8',
      'idempotency-key': 'k-1',
      'if-none-match': '"v1"',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      tracestate: 'shop=1',
      'x-forwarded-for': '192.0.2.1',
    });
  });

  it.each(Object.entries(SMUGGLING_HEADERS))('drops %s', (name, value) => {
    const headers = forwardedRequestHeaders({ accept: 'application/json', [name]: value }, '192.0.2.1');
    expect(headers).toEqual({ accept: 'application/json', 'x-forwarded-for': '192.0.2.1' });
  });

  it('drops a header nobody thought of', () => {
    expect(forwardedRequestHeaders({ 'x-some-future-override': '1', 'set-cookie': ['a=1'] }, undefined)).toEqual({});
  });

  it('sets no x-forwarded-for without a known client address, and never passes the client’s own', () => {
    expect(forwardedRequestHeaders({ 'x-forwarded-for': '203.0.113.7' }, undefined)).toEqual({});
  });

  describe('for a signedBody route', () => {
    const signature = 't=1700000000,v1=' + 'ab'.repeat(32);

    it('passes the headers the route names besides the allowlist, whatever their case', () => {
      expect(forwardedRequestHeaders({ accept: 'application/json', 'Payment-Signature': signature }, '192.0.2.1', ['payment-signature'])).toEqual({
        accept: 'application/json',
        'payment-signature': signature,
        'x-forwarded-for': '192.0.2.1',
      });
    });

    it('passes the signature header only for the route that names it', () => {
      expect(forwardedRequestHeaders({ 'payment-signature': signature }, undefined)).toEqual({});
      expect(forwardedRequestHeaders({ 'payment-signature': signature }, undefined, ['x-other-signature'])).toEqual({});
    });

    it.each(Object.entries(SMUGGLING_HEADERS))('still drops %s', (name, value) => {
      const headers = forwardedRequestHeaders({ 'payment-signature': signature, [name]: value }, '192.0.2.1', ['payment-signature']);
      expect(headers).toEqual({ 'payment-signature': signature, 'x-forwarded-for': '192.0.2.1' });
    });

    it('names only headers the contract lets a route name: every signed route of the platform', () => {
      const signed = HTTP_ROUTES.filter((route) => route.signedBody);
      expect(signed.map((route) => route.operationId)).toEqual(['receivePaymentCallback']);
      for (const route of signed)
        for (const name of route.signedBody!.headers) expect(Object.keys(SMUGGLING_HEADERS), `${route.operationId} ${name}`).not.toContain(name);
    });
  });
});

describe('returnedResponseHeaders', () => {
  const answer: [string, string][] = [
    ['content-type', 'application/json; charset=utf-8'],
    ['cache-control', 'no-store'],
    ['etag', '"v2"'],
    ['location', '/api/v1/orders/1'],
    ['retry-after', '3'],
    ['idempotent-replayed', 'true'],
    ['www-authenticate', 'Bearer'],
    ['server', 'nginx'],
    ['x-powered-by', 'Express'],
    ['set-cookie', 'session=1'],
    ['set-cookie', 'other=2'],
    ['x-shop-internal-token', 'leak'],
    ['x-correlation-id', 'from-the-service'],
    ['content-length', '10'],
    ['transfer-encoding', 'chunked'],
    ['connection', 'keep-alive'],
    ['keep-alive', 'timeout=5'],
    ['access-control-allow-origin', '*'],
    ['x-debug-sql', 'select 1'],
  ];
  const kept: [string, string][] = [
    ['content-type', 'application/json; charset=utf-8'],
    ['cache-control', 'no-store'],
    ['etag', '"v2"'],
    ['location', '/api/v1/orders/1'],
    ['retry-after', '3'],
    ['idempotent-replayed', 'true'],
    ['www-authenticate', 'Bearer'],
  ];

  it('returns only the allowlisted headers of a service’s answer, from pairs', () => {
    expect(returnedResponseHeaders(answer)).toEqual(kept);
    expect(returnedResponseHeaders(new Headers(answer))).toEqual([...kept].sort(([a], [b]) => a.localeCompare(b)));
  });

  it('returns the next page of a paged answer: Next-Cursor and Link', () => {
    const paged: [string, string][] = [
      ['content-type', 'application/json; charset=utf-8'],
      ['Next-Cursor', 'MTIz'],
      ['Link', '<?cursor=MTIz&limit=1>; rel="next"'],
      ['x-next-offset', '1'],
    ];
    expect(returnedResponseHeaders(paged)).toEqual([
      ['content-type', 'application/json; charset=utf-8'],
      ['next-cursor', 'MTIz'],
      ['link', '<?cursor=MTIz&limit=1>; rel="next"'],
    ]);
  });

  it('returns every header a route of the platform declares in its answers', () => {
    const declared = HTTP_ROUTES.flatMap((route) => Object.values(route.responses).flatMap((response) => Object.keys(response.headers ?? {})));
    expect(declared).toEqual(expect.arrayContaining(['next-cursor', 'link']));
    for (const name of declared) expect(returnedResponseHeaders([[name, 'value']]), name).toEqual([[name, 'value']]);
  });

  it('takes a header record too (undici request(), node:http), repeated values one by one', () => {
    expect(
      returnedResponseHeaders({ 'Content-Type': 'application/json', vary: ['accept', 'accept-language'], 'x-powered-by': 'Express', 'set-cookie': ['a=1'] }),
    ).toEqual([
      ['content-type', 'application/json'],
      ['vary', 'accept'],
      ['vary', 'accept-language'],
    ]);
  });
});
