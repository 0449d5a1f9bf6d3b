import { STATUS_CODES } from 'node:http';

// Named where the generic name would read worse, or where Node's reason phrase has changed over versions.
const NAMED: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** A stable code for a bare HTTP status: `NOT_FOUND`, `METHOD_NOT_ALLOWED`, ... */
export function codeForStatus(status: number): string {
  const named = NAMED[status];
  if (named) return named;
  const phrase = STATUS_CODES[status];
  return phrase
    ? phrase
        .toUpperCase()
        .replace(/[^A-Z0-9]+/g, '_')
        .replace(/^_|_$/g, '')
    : `HTTP_${status}`;
}
