import { ProblemException } from '@shop/http';
import { describe, expect, it } from 'vitest';
import type { HttpRoute } from '@shop/contracts';
import { upstreamPathOf } from './service-forwarder.js';

const route = (path: string): HttpRoute => ({
  operationId: 'op',
  method: 'GET',
  path,
  service: 'user',
  access: 'user',
  tag: 't',
  summary: 's',
  responses: {},
});

describe('upstreamPathOf', () => {
  it('is the route path, with the query string as sent', () => {
    expect(upstreamPathOf(route('/me'), { params: {}, originalUrl: '/api/v1/me' })).toBe('/me');
    expect(upstreamPathOf(route('/me/coupons'), { params: {}, originalUrl: '/api/v1/me/coupons?status=AVAILABLE&x=%20' })).toBe(
      '/me/coupons?status=AVAILABLE&x=%20',
    );
  });

  it('puts parameters in encoded, so that none can change the path', () => {
    expect(upstreamPathOf(route('/orders/{orderId}'), { params: { orderId: 'a/b?c#d' }, originalUrl: '/api/v1/orders/a%2Fb%3Fc%23d' })).toBe(
      '/orders/a%2Fb%3Fc%23d',
    );
  });

  it.each(['.', '..', ''])('answers 404 for the parameter %j, which URL normalisation would turn into another path', (value) => {
    expect(() => upstreamPathOf(route('/orders/{orderId}/cancel'), { params: { orderId: value }, originalUrl: '/x' })).toThrow(ProblemException);
  });
});
