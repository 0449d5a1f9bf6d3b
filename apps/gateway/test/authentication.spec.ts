// Bearer access tokens at the edge: only a valid, current token of this shop gets through, and every
// refusal reads the same.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accessToken, tamperedAccessToken, unsignedAccessToken } from './support/access-tokens.js';
import { startTestGateway, type TestGateway } from './support/test-gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t.close());
beforeEach(() => {
  t.user.calls.length = 0;
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('authentication', () => {
  it('lets a valid token through', async () => {
    const response = await fetch(`${t.api}/me`, { headers: { authorization: `Bearer ${await accessToken()}` } });
    expect(response.status).toBe(200);
  });

  it('accepts the scheme in any case', async () => {
    const response = await fetch(`${t.api}/me`, { headers: { authorization: `bearer ${await accessToken()}` } });
    expect(response.status).toBe(200);
  });

  const refused: [string, () => Promise<Record<string, string>>][] = [
    ['no Authorization header', async () => ({})],
    ['an empty bearer token', async () => ({ authorization: 'Bearer ' })],
    ['another scheme', async () => ({ authorization: `Basic ${Buffer.from('ada:secret').toString('base64')}` })],
    ['a malformed token', async () => ({ authorization: 'Bearer not.a.jwt' })],
    ['garbage after the token', async () => ({ authorization: `Bearer ${await accessToken()} extra` })],
    [
      'an expired token',
      async () => ({ authorization: `Bearer ${await accessToken(randomUUID(), { claims: { iat: nowSeconds() - 3600, exp: nowSeconds() - 60 } })}` }),
    ],
    ['a tampered token (roles changed after signing)', async () => ({ authorization: `Bearer ${await tamperedAccessToken()}` })],
    ["an unsigned token (alg 'none')", async () => ({ authorization: `Bearer ${unsignedAccessToken()}` })],
    ['a token for another audience', async () => ({ authorization: `Bearer ${await accessToken(randomUUID(), { claims: { aud: 'someone-else' } })}` })],
    ['a token from another issuer', async () => ({ authorization: `Bearer ${await accessToken(randomUUID(), { claims: { iss: 'someone-else' } })}` })],
    ['a token of another type', async () => ({ authorization: `Bearer ${await accessToken(randomUUID(), { header: { typ: 'JWT' } })}` })],
    ['a token signed with HS512', async () => ({ authorization: `Bearer ${await accessToken(randomUUID(), { header: { alg: 'HS512' } })}` })],
    [
      'a token signed with another secret',
      async () => ({ authorization: `Bearer ${await accessToken(randomUUID(), { secret: 'another-secret-of-at-least-32-bytes-long' })}` }),
    ],
    ['a token whose subject is not a user id', async () => ({ authorization: `Bearer ${await accessToken('admin')}` })],
  ];

  it.each(refused)('answers 401 UNAUTHENTICATED for %s, with one message, without calling the service', async (_case, headers) => {
    const response = await fetch(`${t.api}/me`, { headers: await headers() });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      type: 'urn:shop:problem:UNAUTHENTICATED',
      title: 'Unauthorized',
      status: 401,
      detail: 'Sign in: this needs a valid access token.',
      code: 'UNAUTHENTICATED',
      instance: '/api/v1/me',
      correlationId: response.headers.get('x-correlation-id'),
    });
    expect(t.user.calls).toHaveLength(0);
  });

  it('needs no token for register and login, and ignores a bad one there', async () => {
    const headers = { 'content-type': 'application/json', authorization: 'Bearer not.a.jwt' };
    const login = await fetch(`${t.api}/auth/login`, { method: 'POST', headers, body: JSON.stringify({ email: 'a@example.com', password: 'correct horse' }) });
    expect(login.status).toBe(200);
    expect(t.user.calls[0]!.identity).toBeUndefined();
  });
});
