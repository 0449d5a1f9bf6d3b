import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidValueError } from '@shop/shared-kernel';
import type { InvalidSignatureReason } from './payment.errors.js';

/**
 * The provider's callback signature (Stripe's scheme): the header `Payment-Signature:
 * t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body bytes>")>`. The timestamp is signed with
 * the body, so a captured callback cannot be replayed outside the window; several `v1=` entries may
 * come (a provider rolling its secret signs with both): any one matching is enough. Parts of other
 * schemes (`v0=` …) are ignored. Node's crypto only: no framework, no npm package.
 */

export type SignatureCheck = { readonly valid: true } | { readonly valid: false; readonly reason: InvalidSignatureReason };

/** A header longer than this is not a signature (a few v1 entries take ~300 characters). */
export const MAX_SIGNATURE_HEADER_LENGTH = 2_048;
/** More parts than this is not a signature either: each v1 entry costs an HMAC comparison. */
export const MAX_SIGNATURE_PARTS = 16;

const SECONDS = /^[0-9]{1,12}$/;
const HEX = /^[0-9a-fA-F]+$/;

function hmacHex(secret: string, timestamp: string, rawBody: Buffer | string): string {
  if (typeof secret !== 'string' || secret.length === 0) throw new InvalidValueError('secret', 'the webhook secret must not be empty');
  return createHmac('sha256', secret)
    .update(`${timestamp}.`, 'utf8')
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest('hex');
}

/** The header value that signs `rawBody` at `atMs` (whole seconds: the fraction is dropped). */
export function signPaymentCallback(secret: string, rawBody: Buffer | string, atMs: number): string {
  if (!Number.isFinite(atMs) || atMs < 0) throw new InvalidValueError('atMs', `must be an instant in milliseconds, got ${atMs}`);
  const timestamp = String(Math.floor(atMs / 1000));
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, rawBody)}`;
}

/** `a` and `b` equal, compared in constant time; texts of different lengths are unequal (and compared to nothing). */
function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // timingSafeEqual throws on different lengths; the length of a hex HMAC is no secret.
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Checks a callback's signature, in this order, reading nothing of the body before the last step:
 * MISSING (no header, or a blank one), MALFORMED (not `t=…,v1=…`: no or several `t`, a `t` that is no
 * whole number of seconds, no `v1`, a `v1` that is not hex, a part without `=`, too long), STALE
 * (|now − t| > tolerance, in either direction: a replay, or a clock far ahead), MISMATCH (no `v1` is the
 * HMAC of "<t>.<raw body>" under `secret`: forged, altered by a byte, or signed with another secret).
 */
export function verifyPaymentCallbackSignature(check: {
  secret: string;
  header: string | undefined;
  rawBody: Buffer | string;
  nowMs: number;
  toleranceMs: number;
}): SignatureCheck {
  const { header } = check;
  if (typeof header !== 'string' || header.trim().length === 0) return { valid: false, reason: 'MISSING' };
  if (header.length > MAX_SIGNATURE_HEADER_LENGTH) return { valid: false, reason: 'MALFORMED' };
  const parts = header.split(',');
  if (parts.length > MAX_SIGNATURE_PARTS) return { valid: false, reason: 'MALFORMED' };

  const timestamps: string[] = [];
  const signatures: string[] = [];
  for (const part of parts) {
    const at = part.indexOf('=');
    if (at <= 0) return { valid: false, reason: 'MALFORMED' };
    const key = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (key === 't') timestamps.push(value);
    else if (key === 'v1') signatures.push(value);
  }
  if (timestamps.length !== 1 || !SECONDS.test(timestamps[0]!)) return { valid: false, reason: 'MALFORMED' };
  if (signatures.length === 0 || signatures.some((signature) => !HEX.test(signature))) return { valid: false, reason: 'MALFORMED' };

  const timestamp = timestamps[0]!;
  if (Math.abs(check.nowMs - Number(timestamp) * 1000) > check.toleranceMs) return { valid: false, reason: 'STALE' };

  const expected = hmacHex(check.secret, timestamp, check.rawBody);
  // Every entry is compared (no early exit), so the time taken does not say which one matched.
  let matched = false;
  for (const signature of signatures) matched = sameText(signature.toLowerCase(), expected) || matched;
  return matched ? { valid: true } : { valid: false, reason: 'MISMATCH' };
}
