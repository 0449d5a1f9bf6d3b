import { ProblemException } from '../problem/problem.exception.js';

/** The request header (IETF draft-ietf-httpapi-idempotency-key-header). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Set to `true` on an answer that was stored by an earlier request with the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

// Visible ASCII only: no spaces, controls or non-ASCII, which also refuses a header sent twice
// (Node joins repeated fields with ", ").
const KEY_PATTERN = /^[\x21-\x7e]+$/;
// The draft spells the key as a structured-field string ("…"); clients such as Stripe's send it bare. Both are taken.
const QUOTED = /^"([^"\\]*)"$/;

/**
 * The key a request carries: `undefined` without the header, else the key, or a 400
 * `IDEMPOTENCY_KEY_INVALID` for an empty, over-long or non-printable one.
 */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) throw invalidKey('send one Idempotency-Key header, not several');
  const key = QUOTED.exec(header)?.[1] ?? header;
  if (key.length === 0) throw invalidKey('the Idempotency-Key header is empty');
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw invalidKey(`the Idempotency-Key is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  if (!KEY_PATTERN.test(key)) throw invalidKey('the Idempotency-Key may hold only visible ASCII characters (no spaces or control characters)');
  return key;
}

const invalidKey = (detail: string) => ProblemException.of(400, 'IDEMPOTENCY_KEY_INVALID', `${detail}; a UUID is a good key.`);
