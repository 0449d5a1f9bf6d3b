import { SignJWT, type JWTPayload } from 'jose';
import { ManualClock } from '@shop/shared-kernel';
import { describe, expect, it } from 'vitest';
import { InternalTokenIssuer } from './internal-token.issuer.js';
import { InternalTokenVerifier } from './internal-token.verifier.js';

const SECRET = 'a-shared-secret-of-at-least-32-bytes';
const key = new TextEncoder().encode(SECRET);
const clock = new ManualClock(new Date('2026-03-01T12:00:00Z'));
const issuer = new InternalTokenIssuer(SECRET, clock);
const verifier = new InternalTokenVerifier(SECRET, clock);
const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token like the gateway's with one thing changed. */
function craft(change: { header?: Record<string, unknown>; claims?: JWTPayload; omit?: string[] } = {}): Promise<string> {
  const claims: JWTPayload = {
    iss: 'shop-gateway',
    aud: 'shop-services',
    sub: 'u-1',
    roles: ['customer'],
    iat: nowSeconds(),
    exp: nowSeconds() + 60,
    ...change.claims,
  };
  for (const name of change.omit ?? []) delete claims[name];
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'shop-internal+jwt', ...change.header } as { alg: string }).sign(key);
}

describe('internal tokens', () => {
  it('carry the signed-in user from the gateway to a service', async () => {
    const token = await issuer.issue({ userId: 'u-1', roles: ['customer', 'admin'] });
    expect(await verifier.verify(token)).toEqual({ identity: { userId: 'u-1', roles: ['customer', 'admin'] } });
  });

  it('carry no identity for an anonymous call', async () => {
    expect(await verifier.verify(await issuer.issue())).toEqual({ identity: undefined });
  });

  it('are accepted up to 60 s (and a little skew) after issue, then refused', async () => {
    const token = await issuer.issue({ userId: 'u-1', roles: [] });
    const later = new InternalTokenVerifier(SECRET, new ManualClock(new Date(clock.now().getTime() + 60_000)));
    await expect(later.verify(token)).resolves.toBeDefined();
    const expired = new InternalTokenVerifier(SECRET, new ManualClock(new Date(clock.now().getTime() + 66_000)));
    await expect(expired.verify(token)).rejects.toThrow(/exp/);
  });

  it.each<[string, () => Promise<string>]>([
    ['expired', () => craft({ claims: { iat: nowSeconds() - 120, exp: nowSeconds() - 60 } })],
    ['from another issuer', () => craft({ claims: { iss: 'someone-else' } })],
    ['for another audience', () => craft({ claims: { aud: 'shop-gateway' } })],
    ['without an expiry', () => craft({ omit: ['exp'] })],
    ['living longer than 60 s', () => craft({ claims: { iat: nowSeconds() - 600, exp: nowSeconds() + 600 } })],
    ['of another type (a user access token)', () => craft({ header: { typ: 'JWT' } })],
    ['signed with HS512 (not allow-listed)', () => craft({ header: { alg: 'HS512' } })],
    ['with roles that are not strings', () => craft({ claims: { roles: 'admin' } })],
    ['signed with another secret', () => new InternalTokenIssuer('another-secret-of-at-least-32-bytes!', clock).issue({ userId: 'u-1', roles: [] })],
    [
      'tampered (roles changed after signing)',
      async () => {
        const [header, , signature] = (await craft()).split('.');
        const payload = base64url({ iss: 'shop-gateway', aud: 'shop-services', sub: 'u-1', roles: ['admin'], iat: nowSeconds(), exp: nowSeconds() + 60 });
        return `${header}.${payload}.${signature}`;
      },
    ],
    [
      "unsigned (alg 'none')",
      async () => {
        const header = base64url({ alg: 'none', typ: 'shop-internal+jwt' });
        const payload = base64url({ iss: 'shop-gateway', aud: 'shop-services', sub: 'u-1', roles: ['admin'], iat: nowSeconds(), exp: nowSeconds() + 60 });
        return `${header}.${payload}.`;
      },
    ],
    ['not a token at all', async () => 'garbage'],
  ])('are refused when %s', async (_case, make) => {
    await expect(verifier.verify(await make())).rejects.toThrow();
  });

  it('need a secret of at least 32 bytes on both sides', () => {
    expect(() => new InternalTokenIssuer('too-short')).toThrow(/at least 32 bytes/);
    expect(() => new InternalTokenVerifier('x'.repeat(31))).toThrow(/at least 32 bytes/);
  });
});
