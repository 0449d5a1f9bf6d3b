import { describe, expect, it } from 'vitest';
import { forwardedRequestHeaders } from './forwarded-headers.js';

describe('forwardedRequestHeaders', () => {
  it('keeps end-to-end headers and drops identity, connection, encoding and forwarding ones', () => {
    const headers = forwardedRequestHeaders(
      {
        accept: 'application/json',
        'accept-language': 'zh-CN',
        'user-agent': 'curl/8',
        'idempotency-key': 'k-1',
        'x-shop-internal-token': 'forged',
        authorization: 'Bearer abc',
        cookie: 'a=1',
        host: 'shop.example',
        connection: 'keep-alive, X-Custom-Hop',
        'x-custom-hop': 'hop',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        te: 'trailers',
        upgrade: 'websocket',
        'proxy-authorization': 'Basic x',
        'content-length': '12',
        'content-type': 'text/plain',
        'content-encoding': 'gzip',
        expect: '100-continue',
        'x-correlation-id': 'c-1',
        'x-request-id': 'r-1',
        'x-forwarded-for': '203.0.113.7',
        forwarded: 'for=203.0.113.7',
        'set-cookie': ['a=1', 'b=2'],
      },
      '192.0.2.1',
    );
    expect(headers).toEqual({
      accept: 'application/json',
      'accept-language': 'zh-CN',
      'user-agent': 'curl/8',
      'idempotency-key': 'k-1',
      'set-cookie': 'a=1, b=2',
      'x-forwarded-for': '192.0.2.1',
    });
  });

  it('sets no x-forwarded-for without a known client address', () => {
    expect(forwardedRequestHeaders({ 'x-forwarded-for': '203.0.113.7' }, undefined)).toEqual({});
  });
});
