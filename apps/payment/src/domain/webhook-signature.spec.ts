import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidSignatureError } from './payment.errors.js';
import { MAX_SIGNATURE_HEADER_LENGTH, signPaymentCallback, verifyPaymentCallbackSignature } from './webhook-signature.js';

const SECRET = 'whsec_0123456789abcdef0123456789abcdef';
const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const TOLERANCE = 5 * 60_000;
const BODY = Buffer.from('{"eventId":"e1","type":"payment.succeeded","amount":12000,"note":"茶"}', 'utf8');
const t = Math.floor(NOW / 1000);
const hmac = (secret: string, timestamp: number | string, body: Buffer | string) =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');

const verify = (header: string | undefined, overrides: { rawBody?: Buffer | string; nowMs?: number; secret?: string } = {}) =>
  verifyPaymentCallbackSignature({ secret: SECRET, header, rawBody: BODY, nowMs: NOW, toleranceMs: TOLERANCE, ...overrides });

describe('signPaymentCallback', () => {
  it('is t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>, the fraction of a second dropped', () => {
    expect(signPaymentCallback(SECRET, BODY, NOW + 999)).toBe(`t=${t},v1=${hmac(SECRET, t, BODY)}`);
  });

  it('signs a text as its UTF-8 bytes, exactly as the same bytes in a buffer', () => {
    expect(signPaymentCallback(SECRET, BODY.toString('utf8'), NOW)).toBe(signPaymentCallback(SECRET, BODY, NOW));
  });

  it('refuses an empty secret and an instant that is none', () => {
    expect(() => signPaymentCallback('', BODY, NOW)).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }));
    expect(() => signPaymentCallback(SECRET, BODY, Number.NaN)).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }));
  });
});

describe('verifyPaymentCallbackSignature', () => {
  const valid = signPaymentCallback(SECRET, BODY, NOW);

  it('accepts its own signature, now and at both edges of the window', () => {
    expect(verify(valid)).toEqual({ valid: true });
    expect(verify(valid, { nowMs: t * 1000 + TOLERANCE })).toEqual({ valid: true });
    expect(verify(valid, { nowMs: t * 1000 - TOLERANCE })).toEqual({ valid: true });
  });

  it('accepts a header with several v1 entries when any one matches (a provider rolling its secret), and ignores other schemes', () => {
    const other = hmac('the-old-secret-the-old-secret-0000', t, BODY);
    expect(verify(`t=${t},v1=${other},v1=${hmac(SECRET, t, BODY)}`)).toEqual({ valid: true });
    expect(verify(`t=${t},v1=${hmac(SECRET, t, BODY)},v1=${other}`)).toEqual({ valid: true });
    expect(verify(`v0=deadbeef, t=${t} , v1=${hmac(SECRET, t, BODY).toUpperCase()}`)).toEqual({ valid: true });
    expect(verify(`t=${t},v1=${other},v1=${'0'.repeat(64)}`)).toEqual({ valid: false, reason: 'MISMATCH' });
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['a blank header', '   '],
  ])('is MISSING with %s', (_, header) => {
    expect(verify(header)).toEqual({ valid: false, reason: 'MISSING' });
  });

  it.each([
    ['no timestamp', `v1=${hmac(SECRET, t, BODY)}`],
    ['two timestamps', `t=${t},t=${t},v1=${hmac(SECRET, t, BODY)}`],
    ['a timestamp that is no number', `t=soon,v1=${hmac(SECRET, t, BODY)}`],
    ['a timestamp in milliseconds with a fraction', `t=${t}.5,v1=${hmac(SECRET, t, BODY)}`],
    ['a negative timestamp', `t=-${t},v1=${hmac(SECRET, t, BODY)}`],
    ['an empty timestamp', `t=,v1=${hmac(SECRET, t, BODY)}`],
    ['no v1', `t=${t}`],
    ['only another scheme', `t=${t},v0=${hmac(SECRET, t, BODY)}`],
    ['a v1 that is not hex', `t=${t},v1=${'z'.repeat(64)}`],
    ['an empty v1', `t=${t},v1=`],
    ['a part without =', `t=${t},${hmac(SECRET, t, BODY)}`],
    ['a part with an empty key', `t=${t},=${hmac(SECRET, t, BODY)}`],
    ['a bare value', hmac(SECRET, t, BODY)],
    ['a JSON header', JSON.stringify({ t, v1: hmac(SECRET, t, BODY) })],
    ['a header too long', `t=${t},v1=${hmac(SECRET, t, BODY)},x=${'a'.repeat(MAX_SIGNATURE_HEADER_LENGTH)}`],
    ['too many parts', `t=${t},${Array.from({ length: 16 }, () => `v1=${hmac(SECRET, t, BODY)}`).join(',')}`],
  ])('is MALFORMED with %s', (_, header) => {
    expect(verify(header)).toEqual({ valid: false, reason: 'MALFORMED' });
  });

  it('is STALE one second outside the window, in the past (a replay) and in the future (a clock far ahead)', () => {
    expect(verify(valid, { nowMs: t * 1000 + TOLERANCE + 1_000 })).toEqual({ valid: false, reason: 'STALE' });
    expect(verify(valid, { nowMs: t * 1000 - TOLERANCE - 1_000 })).toEqual({ valid: false, reason: 'STALE' });
    const future = signPaymentCallback(SECRET, BODY, NOW + TOLERANCE + 1_000);
    expect(verify(future)).toEqual({ valid: false, reason: 'STALE' });
    const old = signPaymentCallback(SECRET, BODY, NOW - 24 * 3_600_000);
    expect(verify(old)).toEqual({ valid: false, reason: 'STALE' });
  });

  it('is STALE, not MISMATCH, for a correctly signed old timestamp: the window is checked before the HMAC', () => {
    expect(verify(`t=0,v1=${hmac(SECRET, 0, BODY)}`)).toEqual({ valid: false, reason: 'STALE' });
  });

  it('is MISMATCH with another secret, another body, one byte changed, a body re-encoded, or the timestamp moved', () => {
    expect(verify(signPaymentCallback('another-secret-another-secret-0000', BODY, NOW))).toEqual({ valid: false, reason: 'MISMATCH' });
    expect(verify(valid, { secret: 'another-secret-another-secret-0000' })).toEqual({ valid: false, reason: 'MISMATCH' });
    expect(verify(valid, { rawBody: Buffer.from('{}') })).toEqual({ valid: false, reason: 'MISMATCH' });
    for (const index of [0, Math.floor(BODY.length / 2), BODY.length - 1]) {
      const altered = Buffer.from(BODY);
      altered[index] = altered[index]! ^ 0x01;
      expect(verify(valid, { rawBody: altered }), `byte ${index}`).toEqual({ valid: false, reason: 'MISMATCH' });
    }
    // The same JSON, spaced differently: the signature is over bytes, not over a value.
    const reencoded = JSON.stringify(JSON.parse(BODY.toString('utf8')), null, 1);
    expect(verify(valid, { rawBody: reencoded })).toEqual({ valid: false, reason: 'MISMATCH' });
    expect(verify(valid, { rawBody: Buffer.concat([BODY, Buffer.from('\n')]) })).toEqual({ valid: false, reason: 'MISMATCH' });
    // The signature of another moment, relabelled with this one.
    expect(verify(`t=${t + 1},v1=${hmac(SECRET, t, BODY)}`)).toEqual({ valid: false, reason: 'MISMATCH' });
  });

  it('compares signatures of another length without throwing: a mismatch (timingSafeEqual needs equal lengths)', () => {
    const right = hmac(SECRET, t, BODY);
    for (const v1 of [right.slice(0, 63), right.slice(0, 2), `${right}00`, `${right}0`, 'a'])
      expect(verify(`t=${t},v1=${v1}`), v1).toEqual({ valid: false, reason: 'MISMATCH' });
  });

  it('refuses to check with an empty secret rather than accept an HMAC under it', () => {
    expect(() => verify(`t=${t},v1=${hmac('', t, BODY)}`, { secret: '' })).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }));
  });

  it('InvalidSignatureError carries its reason under the stable code, for the log only: one message for every reason', () => {
    const error = new InvalidSignatureError('STALE');
    expect(error).toMatchObject({ code: 'INVALID_SIGNATURE', reason: 'STALE', details: { reason: 'STALE' } });
    const messages = new Set((['MISSING', 'MALFORMED', 'STALE', 'MISMATCH'] as const).map((reason) => new InvalidSignatureError(reason).message));
    expect([...messages]).toEqual(["the callback's signature was refused"]);
  });
});
