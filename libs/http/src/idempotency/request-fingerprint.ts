import { createHash } from 'node:crypto';

export interface FingerprintedRequest {
  readonly method: string;
  /** The path with its query string, as the client sent it. */
  readonly path: string;
  /** The parsed JSON body, or `undefined` without one. */
  readonly body: unknown;
}

/**
 * What a key is bound to: a SHA-256 of the method, the path and the body. The body is taken as
 * parsed JSON with its object keys sorted, so that a retry whose client (or the gateway) re-encodes
 * the same JSON differently (key order, spacing, escapes) is the same request; any other value is not.
 */
export function requestFingerprint(request: FingerprintedRequest): string {
  return createHash('sha256')
    .update(request.method.toUpperCase())
    .update('\n')
    .update(request.path)
    .update('\n')
    .update(request.body === undefined ? '' : canonicalJson(request.body))
    .digest('hex');
}

/** JSON with every object's keys sorted; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .flatMap((key) => {
        const item = (value as Record<string, unknown>)[key];
        return item === undefined ? [] : [`${JSON.stringify(key)}:${canonicalJson(item)}`];
      });
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
