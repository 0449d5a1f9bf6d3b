import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { JwtAccessTokenVerifier } from './jwt-access-token.verifier.js';

const SECRET = 'a-jwt-secret-of-at-least-32-bytes-for-tests';
const now = () => Math.floor(Date.now() / 1000);
const sign = (claims: Record<string, unknown>) =>
  new SignJWT({ iss: 'shop', aud: 'shop-api', roles: ['customer'], iat: now(), exp: now() + 60, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .sign(new TextEncoder().encode(SECRET));

describe('JwtAccessTokenVerifier', () => {
  it('returns the caller of a valid token', async () => {
    const userId = randomUUID();
    expect(await new JwtAccessTokenVerifier(SECRET).verify(await sign({ sub: userId }))).toEqual({ userId, roles: ['customer'] });
  });

  it('returns undefined for any invalid token', async () => {
    const verifier = new JwtAccessTokenVerifier(SECRET);
    expect(await verifier.verify('garbage')).toBeUndefined();
    expect(await verifier.verify(await sign({ sub: randomUUID(), exp: now() - 60 }))).toBeUndefined();
  });

  it('refuses a secret shorter than 32 bytes at once', () => {
    expect(() => new JwtAccessTokenVerifier('short')).toThrow(/32 bytes/);
  });
});
