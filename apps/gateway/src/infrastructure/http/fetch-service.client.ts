import { CORRELATION_ID_HEADER, INTERNAL_TOKEN_HEADER, type InternalTokenIssuer } from '@shop/http';
import {
  ServiceTimeoutError,
  ServiceUnavailableError,
  type ServiceClient,
  type ServiceRequest,
  type ServiceResponse,
} from '../../application/ports/service-client.js';
import type { ServiceName } from '../../application/service-name.js';
import { hopByHopNames } from '../../application/hop-by-hop-headers.js';

export interface FetchServiceClientOptions {
  /** Base URL of each service (`http://127.0.0.1:3001`); the request path is appended to it. */
  readonly serviceUrls: Readonly<Record<ServiceName, string>>;
  /** Signs the identity of each call, so that the services trust it. */
  readonly tokens: InternalTokenIssuer;
  /** The whole call, answer body included, must be over within this. */
  readonly timeoutMs: number;
  /** Node's global fetch (undici, keep-alive connections) unless replaced in a test. */
  readonly fetch?: typeof fetch;
}

// Re-encoded by us (the body is sent on as JSON, and fetch hands back a decoded body), or ours to set.
const REQUEST_HEADERS_WE_SET = new Set(['host', 'content-length', 'content-type', 'content-encoding', 'expect', INTERNAL_TOKEN_HEADER, CORRELATION_ID_HEADER]);
const RESPONSE_HEADERS_WE_SET = new Set(['content-length', 'content-encoding', 'set-cookie', CORRELATION_ID_HEADER]);

/**
 * Calls a service over HTTP with Node's fetch: a fresh internal token carrying the caller (or
 * none for an anonymous call), the correlation id, the body as JSON, and one deadline for the
 * whole exchange. No retries: a command may have had its effect before an answer was lost.
 */
export class FetchServiceClient implements ServiceClient {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: FetchServiceClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async send(service: ServiceName, request: ServiceRequest): Promise<ServiceResponse> {
    const url = `${this.options.serviceUrls[service].replace(/\/+$/, '')}${request.path}`;
    const headers = new Headers();
    const skipped = hopByHopNames(request.headers['connection']);
    for (const [name, value] of Object.entries(request.headers)) {
      const lower = name.toLowerCase();
      if (!skipped.has(lower) && !REQUEST_HEADERS_WE_SET.has(lower)) headers.set(lower, value);
    }
    headers.set(INTERNAL_TOKEN_HEADER, this.options.tokens.issue({ audience: service, method: request.method, path: request.path }, request.caller));
    headers.set(CORRELATION_ID_HEADER, request.correlationId);
    const hasBody = request.body !== undefined;
    if (hasBody) headers.set('content-type', 'application/json');

    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const response = await this.fetch(url, {
        method: request.method,
        headers,
        body: hasBody ? JSON.stringify(request.body) : undefined,
        redirect: 'manual',
        signal,
      });
      const body = new Uint8Array(await response.arrayBuffer());
      return { status: response.status, headers: responseHeaders(response.headers), body };
    } catch (error) {
      if (signal.aborted) throw new ServiceTimeoutError(service, this.options.timeoutMs, { cause: error });
      throw new ServiceUnavailableError(service, 'unreachable', undefined, { cause: error });
    }
  }
}

function responseHeaders(headers: Headers): [string, string][] {
  const skipped = hopByHopNames(headers.get('connection'));
  const kept: [string, string][] = [];
  headers.forEach((value, name) => {
    if (!skipped.has(name) && !RESPONSE_HEADERS_WE_SET.has(name)) kept.push([name, value]);
  });
  // Headers joins repeated fields with ", ", which breaks cookies; they come one by one.
  for (const cookie of headers.getSetCookie()) kept.push(['set-cookie', cookie]);
  return kept;
}
