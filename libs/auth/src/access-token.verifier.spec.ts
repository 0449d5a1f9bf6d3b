import { createHmac, randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, ACCESS_TOKEN_TYPE, accessTokenKey } from './access-token.claims.js';
import { AccessTokenVerifier, InvalidAccessTokenError, verifyAccessToken } from './access-token.verifier.js';

const secret = 'a-test-secret-that-is-long-enough-0123456789';
const userId = randomUUID();

function token(overrides: { alg?: string; typ?: string; iss?: string; aud?: string; sub?: string; roles?: unknown; exp?: number; key?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: overrides.roles ?? ['customer'] })
    .setProtectedHeader({ alg: overrides.alg ?? 'HS256', typ: overrides.typ ?? ACCESS_TOKEN_TYPE })
    .setIssuer(overrides.iss ?? ACCESS_TOKEN_ISSUER)
    .setAudience(overrides.aud ?? ACCESS_TOKEN_AUDIENCE)
    .setSubject(overrides.sub ?? userId)
    .setIssuedAt(now - 10)
    .setExpirationTime(overrides.exp ?? now + 600)
    .sign(accessTokenKey(overrides.key ?? secret));
}

const refused = (candidate: string | Promise<string>) =>
  expect(Promise.resolve(candidate).then((t) => verifyAccessToken(t, secret))).rejects.toBeInstanceOf(InvalidAccessTokenError);

describe('verifyAccessToken', () => {
  it('accepts a current token of this shop and says whom it speaks for', async () => {
    await expect(verifyAccessToken(await token({ roles: ['customer', 'admin'] }), secret)).resolves.toMatchObject({ userId, roles: ['customer', 'admin'] });
  });

  it('refuses alg none, another algorithm, a tampered payload and a foreign key', async () => {
    const unsigned = new UnsecuredJWT({ roles: ['admin'] })
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime('1h')
      .encode();
    await refused(unsigned);
    await refused(token({ alg: 'HS512' }));
    const [header, , signature] = (await token()).split('.');
    const forged = Buffer.from(
      JSON.stringify({ sub: userId, roles: ['admin'], iss: ACCESS_TOKEN_ISSUER, aud: ACCESS_TOKEN_AUDIENCE, iat: 1, exp: 4102444800 }),
    ).toString('base64url');
    await refused(`${header}.${forged}.${signature}`);
    await refused(token({ key: 'another-secret-that-is-long-enough-9876543210' }));
  });

  it('refuses an expired token, a wrong issuer, audience or type, and claims that are not ours', async () => {
    await refused(token({ exp: Math.floor(Date.now() / 1000) - 1 }));
    await refused(token({ iss: 'someone-else' }));
    await refused(token({ aud: 'another-api' }));
    await refused(token({ typ: 'JWT' }));
    await refused(token({ sub: 'not-a-uuid' }));
    await refused(token({ roles: ['superuser'] }));
    await refused('not.a.token');
  });

  it('refuses what the node:crypto check could let slip: crit, a padded or extended signature, a future nbf, a header that is not an object', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: ACCESS_TOKEN_ISSUER, aud: ACCESS_TOKEN_AUDIENCE, sub: userId, roles: ['customer'], iat: now - 10, exp: now + 600 };
    const signed = (header: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      new SignJWT({ ...claims, ...extra }).setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE, ...header }).sign(accessTokenKey(secret));
    // jose will not sign a crit header: signed by hand with the shop's key.
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const critHeader = part({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE, crit: ['exp'] });
    const critInput = `${critHeader}.${part(claims)}`;
    await refused(`${critInput}.${createHmac('sha256', accessTokenKey(secret)).update(critInput).digest('base64url')}`);
    await refused(signed({ typ: 'application/at+jwt' }));
    await refused(signed({}, { nbf: now + 120 }));
    await refused(signed({}, { exp: String(now + 600) }));
    const good = await signed({});
    await refused(`${good}=`);
    await refused(`${good}A`);
    await refused(`${good.slice(0, -1)}`);
    await refused(`${good}.`);
    await refused(` ${good}`);
    const [, payload, signature] = good.split('.');
    await refused(`${Buffer.from('["HS256"]').toString('base64url')}.${payload}.${signature}`);
    // An audience list naming this API is as valid as the audience itself (as jose accepts it).
    await expect(verifyAccessToken(await signed({}, { aud: ['other', ACCESS_TOKEN_AUDIENCE] }), secret)).resolves.toMatchObject({ userId });
    await expect(verifyAccessToken(good, secret)).resolves.toMatchObject({ userId, roles: ['customer'] });
  });

  describe('with a cache of verified tokens', () => {
    const verifier = new AccessTokenVerifier(secret, { lifetimeSeconds: 3600, clockToleranceSeconds: 30, cacheCapacity: 2 });
    const at = (seconds: number) => new Date(seconds * 1000);

    it('still refuses a remembered token once it has expired or outlived the lifetime', async () => {
      const now = Math.floor(Date.now() / 1000);
      const good = await token({ exp: now + 600 });
      await expect(verifier.verify(good, at(now))).resolves.toMatchObject({ userId });
      await expect(verifier.verify(good, at(now + 600 + 31))).rejects.toBeInstanceOf(InvalidAccessTokenError);
      const issued = await new SignJWT({ roles: ['customer'] })
        .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE })
        .setIssuer(ACCESS_TOKEN_ISSUER)
        .setAudience(ACCESS_TOKEN_AUDIENCE)
        .setSubject(userId)
        .setIssuedAt(now - 3500)
        .setExpirationTime(now + 90)
        .sign(accessTokenKey(secret));
      await expect(verifier.verify(issued, at(now))).resolves.toMatchObject({ userId });
      await expect(verifier.verify(issued, at(now + 140))).rejects.toBeInstanceOf(InvalidAccessTokenError);
    });

    it('remembers only what passed, and hands out answers nobody can change', async () => {
      await refused(token({ aud: 'another-api' }));
      const good = await token();
      const first = await verifier.verify(good);
      expect(() => (first.roles as string[]).push('admin')).toThrow();
      expect((await verifier.verify(good)).roles).toEqual(['customer']);
      const [header, , signature] = good.split('.');
      await expect(verifier.verify(`${header}.${Buffer.from('{}').toString('base64url')}.${signature}`)).rejects.toBeInstanceOf(InvalidAccessTokenError);
    });
  });

  describe('the age of a token', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const DAY = 86_400;
    // A token of this shop, signed with its key, with exactly the claims given (none added).
    const handMade = (claims: Record<string, unknown>) =>
      new SignJWT({ iss: ACCESS_TOKEN_ISSUER, aud: ACCESS_TOKEN_AUDIENCE, sub: userId, roles: ['admin'], ...claims })
        .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE })
        .sign(accessTokenKey(secret));
    const verifier = new AccessTokenVerifier(secret, { lifetimeSeconds: 3600, clockToleranceSeconds: 30 });
    const outcome = (token: Promise<string>) =>
      token
        .then((t) => verifier.verify(t))
        .then(
          () => 'accepted',
          (error: unknown) => (error instanceof InvalidAccessTokenError ? 'refused' : error),
        );

    it('accepts a token issued within its lifetime, and one issued a little ahead of this clock', async () => {
      expect(await outcome(handMade({ iat: now() - 3000, exp: now() + 600 }))).toBe('accepted');
      expect(await outcome(handMade({ iat: now() + 20, exp: now() + 20 + 3600 }))).toBe('accepted');
    });

    it('refuses an iat in the future beyond the clock tolerance (a day ahead, a minute ahead)', async () => {
      expect(await outcome(handMade({ iat: now() + DAY, exp: now() + DAY + 3600 }))).toBe('refused');
      expect(await outcome(handMade({ iat: now() + 60, exp: now() + 60 + 3600 }))).toBe('refused');
    });

    it('refuses a token issued longer ago than the lifetime, even with an exp still ahead', async () => {
      expect(await outcome(handMade({ iat: now() - 2 * 3600, exp: now() + 600 }))).toBe('refused');
    });

    it('refuses an exp further after iat than the lifetime allows', async () => {
      expect(await outcome(handMade({ iat: now(), exp: now() + DAY }))).toBe('refused');
      expect(await outcome(handMade({ iat: now(), exp: now() + 3600 + 31 }))).toBe('refused');
    });

    it('refuses a token without exp, without iat or without sub', async () => {
      expect(await outcome(handMade({ iat: now() }))).toBe('refused');
      expect(await outcome(handMade({ exp: now() + 600 }))).toBe('refused');
      expect(await outcome(handMade({ iat: now(), exp: now() + 600, sub: undefined }))).toBe('refused');
    });

    it('the one-off function applies the default lifetime (3600 s) too', async () => {
      await expect(handMade({ iat: now() + DAY, exp: now() + DAY + 600 }).then((t) => verifyAccessToken(t, secret))).rejects.toBeInstanceOf(
        InvalidAccessTokenError,
      );
      await expect(handMade({ iat: now(), exp: now() + 2 * 3600 }).then((t) => verifyAccessToken(t, secret))).rejects.toBeInstanceOf(InvalidAccessTokenError);
    });
  });
});
