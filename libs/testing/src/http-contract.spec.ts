import type { HttpRouteDefinition } from '@shop/contracts';
import { describe, expect, it } from 'vitest';
import { capturingReply, documentedCodes } from './http-contract.js';

const route = (responses: HttpRouteDefinition['responses']) => ({ responses }) as HttpRouteDefinition;

describe('capturingReply', () => {
  it('keeps each header set on it, lower-cased, the last value winning, and chains as a reply does', () => {
    const { reply, headers } = capturingReply();
    expect(reply.header('Next-Cursor', 'a').header('Link', '<?cursor=a>; rel="next"').header('next-cursor', 'b')).toBe(reply);
    expect(headers).toEqual({ 'next-cursor': 'b', link: '<?cursor=a>; rel="next"' });
  });
});

describe('documentedCodes', () => {
  const routes = {
    pay: route({
      201: { description: 'The payment' },
      404: { description: '`ORDER_NOT_FOUND`: no such order of yours' },
      409: { description: '`NOT_PAYABLE` (paid already) or `PAYMENT_IN_PROGRESS`' },
    }),
    get: route({ 200: { description: 'The payment' }, 404: { description: '`PAYMENT_NOT_FOUND`' } }),
  };

  it('is every `CODE` of every response description, with its status', () => {
    expect(documentedCodes(routes)).toEqual([
      { code: 'ORDER_NOT_FOUND', status: 404 },
      { code: 'NOT_PAYABLE', status: 409 },
      { code: 'PAYMENT_IN_PROGRESS', status: 409 },
      { code: 'PAYMENT_NOT_FOUND', status: 404 },
    ]);
  });

  it('only those of one status when asked', () => {
    expect(documentedCodes(routes, 404).map(({ code }) => code)).toEqual(['ORDER_NOT_FOUND', 'PAYMENT_NOT_FOUND']);
    expect(documentedCodes(routes, 500)).toEqual([]);
  });
});
