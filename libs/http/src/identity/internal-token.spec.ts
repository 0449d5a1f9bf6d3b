import { createHmac } from 'node:crypto';
import { ManualClock } from '@shop/shared-kernel';
import { describe, expect, it } from 'vitest';
import { INTERNAL_TOKEN_TTL_SECONDS } from './internal-token.js';
import { InternalTokenIssuer } from './internal-token.issuer.js';
import { InternalTokenVerifier, type InternalTokenRefusal } from './internal-token.verifier.js';

const SECRET = 'a-shared-secret-of-at-least-32-bytes';
const START = new Date('2026-03-01T12:00:00Z').getTime();
const ME = { audience: 'user', method: 'GET', path: '/me' } as const;
const RECEIVED_ME = { method: 'GET', path: '/me' } as const;
const customer = { userId: 'u-1', roles: ['customer'] };

/** A gateway and a user service sharing one clock that the test moves. */
function setUp(options: { seenTokenCapacity?: number } = {}) {
  const clock = new ManualClock(new Date(START));
  return { clock, issuer: new InternalTokenIssuer(SECRET, clock), verifier: new InternalTokenVerifier(SECRET, 'user', { clock, ...options }) };
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token with any header and claims, signed with `secret`. */
function craft(header: object, claims: object, secret = SECRET): string {
  const input = `${base64url(header)}.${base64url(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

function refusalOf(act: () => unknown): InternalTokenRefusal | undefined {
  try {
    act();
    return undefined;
  } catch (error) {
    return (error as { reason?: InternalTokenRefusal }).reason ?? 'malformed';
  }
}

const validClaims = (overrides: object = {}) => {
  const iat = Math.floor(START / 1000);
  return { iss: 'shop-gateway', aud: 'user', sub: 'u-1', roles: ['customer'], method: 'GET', path: '/me', iat, exp: iat + 10, jti: 'j-1', ...overrides };
};
const HEADER = { alg: 'HS256', typ: 'shop-internal+jwt' };

describe('internal tokens', () => {
  it('carry the signed-in user from the gateway to the service it names', () => {
    const { issuer, verifier } = setUp();
    const token = issuer.issue(ME, { userId: 'u-1', roles: ['customer', 'admin'] });
    expect(verifier.verify(token, RECEIVED_ME)).toEqual({ identity: { userId: 'u-1', roles: ['customer', 'admin'] } });
  });

  it('carry no identity for an anonymous call', () => {
    const { issuer, verifier } = setUp();
    const register = { audience: 'user', method: 'POST', path: '/auth/register' };
    expect(verifier.verify(issuer.issue(register), { method: 'POST', path: '/auth/register' })).toEqual({ identity: undefined });
  });

  it('carry a fresh id each, and name the audience, method, path and a 10 s life', () => {
    const { issuer } = setUp();
    const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    const [a, b] = [claimsOf(issuer.issue(ME)), claimsOf(issuer.issue(ME))];
    expect(a).toMatchObject({ iss: 'shop-gateway', aud: 'user', method: 'GET', path: '/me' });
    expect((a['exp'] as number) - (a['iat'] as number)).toBe(INTERNAL_TOKEN_TTL_SECONDS);
    expect(a['jti']).toEqual(expect.any(String));
    expect(a['jti']).not.toBe(b['jti']);
  });

  describe('a token captured on its way to GET /me', () => {
    it('is refused on another route (POST /auth/register)', () => {
      const { issuer, verifier } = setUp();
      const token = issuer.issue(ME, customer);
      expect(refusalOf(() => verifier.verify(token, { method: 'POST', path: '/auth/register' }))).toBe('wrong-method');
      expect(refusalOf(() => verifier.verify(token, { method: 'GET', path: '/me/coupons' }))).toBe('wrong-path');
      expect(refusalOf(() => verifier.verify(token, { method: 'GET', path: '/me?x=1' }))).toBe('wrong-path');
      // None of those refusals used it up: the call it was signed for still goes through, once.
      expect(verifier.verify(token, RECEIVED_ME).identity).toEqual(customer);
    });

    it('is refused by another service', () => {
      const { clock, issuer } = setUp();
      const order = new InternalTokenVerifier(SECRET, 'order', { clock });
      expect(refusalOf(() => order.verify(issuer.issue(ME, customer), RECEIVED_ME))).toBe('wrong-audience');
    });

    it('is refused the second time on the same route', () => {
      const { issuer, verifier } = setUp();
      const token = issuer.issue(ME, customer);
      expect(verifier.verify(token, RECEIVED_ME).identity).toEqual(customer);
      expect(refusalOf(() => verifier.verify(token, RECEIVED_ME))).toBe('replayed');
    });

    it('is accepted up to 10 s after issue and refused 11 s after', () => {
      const { clock, issuer, verifier } = setUp();
      const [early, late] = [issuer.issue(ME, customer), issuer.issue(ME, customer)];
      clock.advance(10_000);
      expect(refusalOf(() => verifier.verify(early, RECEIVED_ME))).toBeUndefined();
      clock.advance(1_000);
      expect(refusalOf(() => verifier.verify(late, RECEIVED_ME))).toBe('expired');
    });
  });

  it('match a query that fetch re-encoded on the way, and only that query', () => {
    const { issuer, verifier } = setUp();
    const coupons = { audience: 'user', method: 'GET', path: '/me/coupons?status="ACTIVE"' };
    expect(refusalOf(() => verifier.verify(issuer.issue(coupons), { method: 'GET', path: '/me/coupons?status=%22ACTIVE%22' }))).toBeUndefined();
    expect(refusalOf(() => verifier.verify(issuer.issue(coupons), { method: 'GET', path: '/me/coupons?status=%22USED%22' }))).toBe('wrong-path');
    expect(refusalOf(() => verifier.verify(issuer.issue(coupons), { method: 'GET', path: '/me/coupon?status=%22ACTIVE%22' }))).toBe('wrong-path');
  });

  it('are forgotten once expired, and refused rather than a live id forgotten when too many are live at once', () => {
    const { clock, issuer, verifier } = setUp({ seenTokenCapacity: 2 });
    verifier.verify(issuer.issue(ME), RECEIVED_ME);
    verifier.verify(issuer.issue(ME), RECEIVED_ME);
    expect(refusalOf(() => verifier.verify(issuer.issue(ME), RECEIVED_ME))).toBe('too-many-live-tokens');
    clock.advance(11_000);
    expect(refusalOf(() => verifier.verify(issuer.issue(ME), RECEIVED_ME))).toBeUndefined();
  });

  it.each<[string, () => string, InternalTokenRefusal]>([
    ['expired', () => craft(HEADER, validClaims({ iat: Math.floor(START / 1000) - 30, exp: Math.floor(START / 1000) - 20 })), 'expired'],
    ['issued in the future', () => craft(HEADER, validClaims({ iat: Math.floor(START / 1000) + 5, exp: Math.floor(START / 1000) + 15 })), 'not-yet-valid'],
    ['from another issuer', () => craft(HEADER, validClaims({ iss: 'someone-else' })), 'wrong-issuer'],
    ['for several audiences', () => craft(HEADER, validClaims({ aud: ['user', 'order'] })), 'wrong-audience'],
    ['without an expiry', () => craft(HEADER, validClaims({ exp: undefined })), 'malformed'],
    ['living longer than 10 s', () => craft(HEADER, validClaims({ exp: Math.floor(START / 1000) + 600 })), 'wrong-lifetime'],
    ['without an id', () => craft(HEADER, validClaims({ jti: undefined })), 'malformed'],
    ['of another type (a user access token)', () => craft({ alg: 'HS256', typ: 'JWT' }, validClaims()), 'malformed'],
    ['signed with HS512 (not allow-listed)', () => craft({ alg: 'HS512', typ: 'shop-internal+jwt' }, validClaims()), 'malformed'],
    ['with roles that are not strings', () => craft(HEADER, validClaims({ roles: 'admin' })), 'bad-identity'],
    ['signed with another secret', () => craft(HEADER, validClaims(), 'another-secret-of-at-least-32-bytes!'), 'bad-signature'],
    [
      'tampered (roles changed after signing)',
      () => {
        const [header, , signature] = craft(HEADER, validClaims()).split('.');
        return `${header}.${base64url(validClaims({ roles: ['admin'] }))}.${signature}`;
      },
      'bad-signature',
    ],
    ["unsigned (alg 'none')", () => `${base64url({ alg: 'none', typ: 'shop-internal+jwt' })}.${base64url(validClaims())}.`, 'malformed'],
    ['not a token at all', () => 'garbage', 'malformed'],
  ])('are refused when %s', (_case, make, reason) => {
    const { verifier } = setUp();
    expect(refusalOf(() => verifier.verify(make(), RECEIVED_ME))).toBe(reason);
  });

  it('accept a token crafted like the gateway (the refusals above are not of the crafting)', () => {
    const { verifier } = setUp();
    expect(verifier.verify(craft(HEADER, validClaims()), RECEIVED_ME)).toEqual({ identity: customer });
  });

  it('need a secret of at least 32 bytes on both sides', () => {
    expect(() => new InternalTokenIssuer('too-short')).toThrow(/at least 32 bytes/);
    expect(() => new InternalTokenVerifier('x'.repeat(31), 'user')).toThrow(/at least 32 bytes/);
  });
});
