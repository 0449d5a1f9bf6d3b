import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const CORRELATION_ID_HEADER = 'x-correlation-id';
const FALLBACK_HEADER = 'x-request-id';

// Ids go into log lines and event envelopes; an arbitrary client string must not.
const SANE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

export const isSaneCorrelationId = (value: unknown): value is string => typeof value === 'string' && SANE_ID.test(value);

/** The caller's correlation id when it is a sane token, else a fresh UUID. */
export function correlationIdFor(headers: IncomingHttpHeaders): string {
  for (const name of [CORRELATION_ID_HEADER, FALLBACK_HEADER]) {
    const value = headers[name];
    if (isSaneCorrelationId(value)) return value;
  }
  return randomUUID();
}
