import { describe, expect, it } from 'vitest';
import { createShopClient, idempotencyHeaders, isProblem, newIdempotencyKey, wasReplayed, type Problem } from './index.js';

const BASE = 'http://shop.test/api/v1';

/** A fetch that records each request and answers with `answer` (a fresh Response each time). */
function recordingFetch(answer: () => Response) {
  const requests: Request[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    requests.push(request);
    return answer();
  };
  return { requests, fetch };
}

const json = (status: number, body: unknown, contentType = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': contentType } });
const BALANCE = { available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 };

describe('createShopClient', () => {
  it('sends requests below baseUrl, with the typed body as JSON', async () => {
    const { requests, fetch } = recordingFetch(() => json(202, { orderId: 'o-1', status: 'PENDING' }));
    const shop = createShopClient({ baseUrl: BASE, fetch });
    const { data } = await shop.POST('/orders', { body: { items: [{ sku: 'TEA', quantity: 2 }] } });
    expect(data).toEqual({ orderId: 'o-1', status: 'PENDING' });
    expect(requests[0]!.url).toBe(`${BASE}/orders`);
    expect(requests[0]!.method).toBe('POST');
    expect(await requests[0]!.json()).toEqual({ items: [{ sku: 'TEA', quantity: 2 }] });
  });

  it('fills path parameters and queries', async () => {
    const { requests, fetch } = recordingFetch(() => json(200, []));
    const shop = createShopClient({ baseUrl: BASE, fetch });
    await shop.GET('/orders/{orderId}', { params: { path: { orderId: 'a b' } } });
    await shop.GET('/me/coupons', { params: { query: { status: 'AVAILABLE' } } });
    expect(requests.map((request) => request.url)).toEqual([`${BASE}/orders/a%20b`, `${BASE}/me/coupons?status=AVAILABLE`]);
  });

  it('sends a string token as a bearer token, and none without a token', async () => {
    const { requests, fetch } = recordingFetch(() => json(200, BALANCE));
    await createShopClient({ baseUrl: BASE, fetch, token: 'abc' }).GET('/me/points');
    await createShopClient({ baseUrl: BASE, fetch }).GET('/me/points');
    expect(requests.map((request) => request.headers.get('authorization'))).toEqual(['Bearer abc', null]);
  });

  it('asks a token function before each request, so that a refreshed token or a sign-out takes effect at once', async () => {
    const { requests, fetch } = recordingFetch(() => json(200, BALANCE));
    const tokens: Array<string | undefined> = ['first', 'refreshed', undefined];
    const shop = createShopClient({ baseUrl: BASE, fetch, token: async () => tokens.shift() });
    for (let call = 0; call < 3; call++) await shop.GET('/me/points');
    expect(requests.map((request) => request.headers.get('authorization'))).toEqual(['Bearer first', 'Bearer refreshed', null]);
  });

  it('leaves an authorization header the call sets itself', async () => {
    const { requests, fetch } = recordingFetch(() => json(200, BALANCE));
    await createShopClient({ baseUrl: BASE, fetch, token: 'mine' }).GET('/me/points', { headers: { authorization: 'Bearer another' } });
    expect(requests[0]!.headers.get('authorization')).toBe('Bearer another');
  });

  it('gives a problem+json refusal as a typed error, and the response with its headers', async () => {
    const problem: Problem = {
      type: 'urn:shop:problem:SOLD_OUT',
      title: 'Conflict',
      status: 409,
      detail: 'No coupon of this campaign is left.',
      code: 'SOLD_OUT',
      correlationId: 'c-1',
    };
    const { fetch } = recordingFetch(() => json(409, problem, 'application/problem+json'));
    const { data, error, response } = await createShopClient({ baseUrl: BASE, fetch }).POST('/coupon-templates/{templateId}/claim', {
      params: { path: { templateId: 't-1' } },
    });
    expect(data).toBeUndefined();
    expect(error).toEqual(problem);
    expect(isProblem(error)).toBe(true);
    expect(isProblem(error) && error.code).toBe('SOLD_OUT');
    expect(response.status).toBe(409);
  });
});

describe('isProblem', () => {
  it('tells a problem from what something else in the way answers', () => {
    expect(isProblem({ type: 'urn:x', title: 'Bad Gateway', status: 502, detail: '', code: 'X' })).toBe(true);
    for (const other of ['<html>502 Bad Gateway</html>', undefined, null, { status: 502 }, { code: 'X', status: '502' }]) expect(isProblem(other)).toBe(false);
  });
});

describe('idempotency keys', () => {
  it('are new UUIDs, sent in the Idempotency-Key header', async () => {
    const [first, second] = [newIdempotencyKey(), newIdempotencyKey()];
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second).not.toBe(first);
    const { requests, fetch } = recordingFetch(() => json(201, {}));
    await createShopClient({ baseUrl: BASE, fetch }).POST('/payments', { body: { orderId: 'o-1' }, headers: idempotencyHeaders(first) });
    await createShopClient({ baseUrl: BASE, fetch }).POST('/payments', { body: { orderId: 'o-1' }, headers: idempotencyHeaders() });
    expect(requests[0]!.headers.get('idempotency-key')).toBe(first);
    expect(requests[1]!.headers.get('idempotency-key')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a replayed answer is told by its Idempotent-Replayed header', () => {
    expect(wasReplayed(new Response(null, { headers: { 'idempotent-replayed': 'true' } }))).toBe(true);
    expect(wasReplayed(new Response(null))).toBe(false);
  });
});
