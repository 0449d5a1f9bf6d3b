import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';

/** An answer through the gateway, its body parsed (undefined when empty). */
export interface Answer<T> {
  readonly status: number;
  readonly contentType: string;
  readonly headers: Headers;
  readonly body: T;
}

export interface CallOptions {
  readonly body?: unknown;
  /** The body's exact bytes, sent as they are (a signed callback), instead of `body` written as JSON. */
  readonly raw?: Buffer | string;
  /** A bearer access token. */
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

export interface Credentials {
  readonly email: string;
  readonly password: string;
}

export interface GatewayClient {
  /** One request: `path` below the API's base (`/orders`), or an absolute URL (a followed `Link`). */
  call<T = { code?: string }>(method: string, path: string, options?: CallOptions): Promise<Answer<T>>;
  /** Signs in through the gateway (200 expected); the access token. */
  logIn(credentials: Credentials): Promise<string>;
  /** A new customer, registered (201 expected) and signed in through the gateway: their id and access token. */
  newCustomer(name: string): Promise<{ userId: string; token: string }>;
}

/**
 * The HTTP client of the specs that drive the embedded platform through its gateway, as a customer or an
 * admin would. `apiUrl` is read at each call: the platform starts in `beforeAll`, after the client is made.
 */
export function gatewayClient(apiUrl: () => string): GatewayClient {
  const call = async <T = { code?: string }>(method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> => {
    const response = await fetch(path.startsWith('http') ? path : `${apiUrl()}${path}`, {
      method,
      headers: {
        ...(options.body === undefined && options.raw === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  };

  const logIn = async (credentials: Credentials): Promise<string> => {
    const login = await call<{ accessToken: string }>('POST', '/auth/login', { body: credentials });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    return login.body.accessToken;
  };

  const newCustomer = async (name: string): Promise<{ userId: string; token: string }> => {
    const credentials = { email: `${name}-${randomUUID().slice(0, 8)}@example.com`, password: 'correct horse battery' };
    const registered = await call<{ userId: string }>('POST', '/auth/register', { body: credentials });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    return { userId: registered.body.userId, token: await logIn(credentials) };
  };

  return { call, logIn, newCustomer };
}
