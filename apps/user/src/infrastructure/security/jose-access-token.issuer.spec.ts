import { describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT, decodeProtectedHeader, decodeJwt } from 'jose';
import { ManualClock, newId } from '@shop/shared-kernel';
import { JoseAccessTokenIssuer } from './jose-access-token.issuer.js';
import { verifyAccessToken } from '@shop/auth';

const secret = 'a-test-secret-that-is-long-enough-for-hs256';
const otherSecret = 'another-secret-that-is-long-enough-for-hs256';
const userId = newId();

const sign = (claims: Record<string, unknown>, header: { alg: string; typ?: string } = { alg: 'HS256', typ: 'at+jwt' }, key = secret) =>
  new SignJWT(claims).setProtectedHeader(header).sign(new TextEncoder().encode(key));
const now = () => Math.floor(Date.now() / 1000);
const validClaims = () => ({ sub: userId, roles: ['customer'], iss: 'shop', aud: 'shop-api', iat: now(), exp: now() + 60 });

describe('JoseAccessTokenIssuer and verifyAccessToken', () => {
  it('issues an HS256 access token for shop-api that the verifier reads back', async () => {
    const token = await new JoseAccessTokenIssuer({ secret, expiresInSeconds: 900 }).issue(userId, ['customer', 'admin']);

    expect(token.expiresIn).toBe(900);
    expect(decodeProtectedHeader(token.accessToken)).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    const claims = decodeJwt(token.accessToken);
    expect(claims).toMatchObject({ sub: userId, roles: ['customer', 'admin'], iss: 'shop', aud: 'shop-api' });
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(typeof claims.jti).toBe('string');

    const verified = await verifyAccessToken(token.accessToken, secret);
    expect(verified).toEqual({ userId, roles: ['customer', 'admin'], expiresAt: new Date(claims.exp! * 1000) });
  });

  it('lets the token expire after its lifetime', async () => {
    const clock = new ManualClock(new Date());
    const { accessToken } = await new JoseAccessTokenIssuer({ secret, expiresInSeconds: 60 }, clock).issue(userId, ['customer']);
    const later = new Date(clock.now().getTime() + 61_000);
    await expect(verifyAccessToken(accessToken, secret, { now: later })).rejects.toMatchObject({ code: 'INVALID_ACCESS_TOKEN' });
    await expect(verifyAccessToken(accessToken, secret, { now: later, clockToleranceSeconds: 5 })).resolves.toMatchObject({ userId });
  });

  it('refuses secrets under 32 bytes and lifetimes that are not whole positive seconds', () => {
    expect(() => new JoseAccessTokenIssuer({ secret: 'x'.repeat(31), expiresInSeconds: 60 })).toThrow(/JWT_SECRET/);
    expect(() => new JoseAccessTokenIssuer({ secret, expiresInSeconds: 0 })).toThrow(/JWT_EXPIRES_IN_SECONDS/);
    expect(() => new JoseAccessTokenIssuer({ secret, expiresInSeconds: 1.5 })).toThrow(/JWT_EXPIRES_IN_SECONDS/);
  });

  it.each([
    ['signed with another secret', () => sign(validClaims(), undefined, otherSecret)],
    ['unsigned (alg none)', async () => new UnsecuredJWT(validClaims()).encode()],
    ['signed with another HMAC algorithm', () => sign(validClaims(), { alg: 'HS512', typ: 'at+jwt' })],
    ['of another type', () => sign(validClaims(), { alg: 'HS256', typ: 'JWT' })],
    ['for another audience', () => sign({ ...validClaims(), aud: 'someone-else' })],
    ['from another issuer', () => sign({ ...validClaims(), iss: 'someone-else' })],
    ['without expiry', () => sign({ ...validClaims(), exp: undefined })],
    ['expired', () => sign({ ...validClaims(), exp: now() - 10 })],
    ['with a subject that is not a user id', () => sign({ ...validClaims(), sub: 'root' })],
    ['with an unknown role', () => sign({ ...validClaims(), roles: ['customer', 'superuser'] })],
    ['without roles', () => sign({ ...validClaims(), roles: undefined })],
    ['tampered with', async () => (await sign(validClaims())).replace(/\.([^.]+)\./, (_, body: string) => `.${body.slice(0, -2)}xx.`)],
    ['not a JWT at all', async () => 'garbage'],
  ])('refuses a token %s with INVALID_ACCESS_TOKEN', async (_what, make) => {
    await expect(verifyAccessToken(await make(), secret)).rejects.toMatchObject({ code: 'INVALID_ACCESS_TOKEN' });
  });
});
