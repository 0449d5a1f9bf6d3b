import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { createShopClient, type ShopClient } from '@shop/client';

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

/** What a call of the typed client (`@shop/client`, openapi-fetch) resolves to. */
interface TypedAnswer {
  readonly data?: unknown;
  readonly error?: unknown;
  readonly response: Response;
}

export interface GatewayClient {
  /**
   * The typed client a front-end uses (`@shop/client`), for a caller signed in with `token`, or anonymous:
   * every path, parameter and body is checked against the gateway's OpenAPI document at compile time.
   */
  api(token?: string): ShopClient;
  /**
   * One request as written, untyped: for what the contract does not describe (a body that breaks it on
   * purpose, a signed callback's exact bytes, a followed `Link`). `path` is below the API's base (`/orders`),
   * or an absolute URL.
   */
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
  const api = (token?: string): ShopClient => createShopClient({ baseUrl: apiUrl(), ...(token === undefined ? {} : { token }) });

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

  const logIn = async (credentials: Credentials): Promise<string> => (await expectAnswer(200, api().POST('/auth/login', { body: credentials }))).accessToken;

  const newCustomer = async (name: string): Promise<{ userId: string; token: string }> => {
    const credentials = { email: `${name}-${randomUUID().slice(0, 8)}@example.com`, password: 'correct horse battery' };
    const registered = await expectAnswer(201, api().POST('/auth/register', { body: credentials }));
    return { userId: registered.userId, token: await logIn(credentials) };
  };

  return { api, call, logIn, newCustomer };
}

/** A typed call's answer that must have `status`: its body (the problem it got instead in the failure message). */
export async function expectAnswer<R extends TypedAnswer>(status: number, pending: Promise<R>): Promise<NonNullable<R['data']>> {
  const { data, error, response } = await pending;
  expect(response.status, JSON.stringify(error ?? data)).toBe(status);
  return data as NonNullable<R['data']>;
}

/**
 * A typed call's answer as it came, whatever its status: the route's body, or the problem+json refusal
 * (its `code` readable either way, as `call` gives it).
 */
export async function answerOf<R extends TypedAnswer>(pending: Promise<R>): Promise<Answer<NonNullable<R['data']> & { readonly code?: string }>> {
  const { data, error, response } = await pending;
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    headers: response.headers,
    body: (data ?? error) as NonNullable<R['data']> & { readonly code?: string },
  };
}
