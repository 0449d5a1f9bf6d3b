import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { CLOCK_TOLERANCE_SECONDS, JwtAccessTokenVerifier } from './jwt-access-token.verifier.js';

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

  describe('the age of a token (issue 8)', () => {
    const DAY = 86_400;
    const verifier = new JwtAccessTokenVerifier(SECRET, 3600);

    it('refuses an iat a day in the future, and one beyond the clock tolerance', async () => {
      expect(await verifier.verify(await sign({ sub: randomUUID(), iat: now() + DAY, exp: now() + DAY + 60 }))).toBeUndefined();
      expect(await verifier.verify(await sign({ sub: randomUUID(), iat: now() + CLOCK_TOLERANCE_SECONDS + 30 }))).toBeUndefined();
      expect(await verifier.verify(await sign({ sub: randomUUID(), iat: now() + 10 }))).toBeDefined();
    });

    it('refuses a token without exp, iat or sub', async () => {
      expect(await verifier.verify(await sign({ sub: randomUUID(), exp: undefined }))).toBeUndefined();
      expect(await verifier.verify(await sign({ sub: randomUUID(), iat: undefined }))).toBeUndefined();
      expect(await verifier.verify(await sign({}))).toBeUndefined();
    });

    it("refuses an exp further after iat than the issuer's lifetime, and an iat older than it", async () => {
      expect(await verifier.verify(await sign({ sub: randomUUID(), exp: now() + DAY }))).toBeUndefined();
      expect(await verifier.verify(await sign({ sub: randomUUID(), iat: now() - 2 * 3600, exp: now() + 60 }))).toBeUndefined();
      // A longer lifetime configured (JWT_EXPIRES_IN_SECONDS) takes such a token.
      expect(await new JwtAccessTokenVerifier(SECRET, 2 * DAY).verify(await sign({ sub: randomUUID(), exp: now() + DAY }))).toBeDefined();
    });
  });
});
