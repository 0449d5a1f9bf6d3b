import { ProblemException } from '@shop/http';
import { describe, expect, it } from 'vitest';
import type { HttpRoute } from '@shop/contracts';
import { bodyOf, upstreamPathOf } from './service-forwarder.js';

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

describe('bodyOf', () => {
  const signed = { signedBody: { headers: ['payment-signature'] } };

  it('writes the parsed body again as JSON for a route without signedBody', () => {
    expect(bodyOf({}, { body: { b: 1, a: 'é' } })).toBe('{"b":1,"a":"é"}');
  });

  it('takes the bytes the parser kept for a signedBody route, and refuses to re-encode when there are none', () => {
    // No parser ran for this plain object: the gateway never sends a signed body it did not receive as bytes.
    expect(() => bodyOf(signed, { body: { a: 1 } })).toThrow(ProblemException);
  });
});
