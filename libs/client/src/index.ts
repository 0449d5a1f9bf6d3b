// @shop/client: the shop platform's HTTP API (the gateway's /api/v1) for front-ends, typed from its OpenAPI
// document. `api-types.ts` is generated (`npm run client:generate`); this file is the small runtime around
// openapi-fetch: the bearer token, the problem+json errors, the idempotency keys.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { Problem, paths } from './api-types.js';

export type * from './api-types.js';

/** A client of every route of the API: `GET`, `POST`, … by path, each request and answer typed from the contract. */
export type ShopClient = Client<paths>;

/** An access token, or none (signed out). */
export type AccessToken = string | null | undefined;

/** The access token: as it is, or a function asked before each request (so that a refreshed or revoked token takes effect at once). */
export type TokenSource = string | (() => AccessToken | Promise<AccessToken>);

export interface ShopClientOptions {
  /** Where the API is, `/api/v1` included: `http://localhost:3000/api/v1`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer …` (the `accessToken` of `POST /auth/login`) unless a request sets its own `authorization` header. */
  readonly token?: TokenSource;
  /** The fetch to send requests with (default: the global one): a test double, a server-side fetch, one that retries. */
  readonly fetch?: (request: Request) => Promise<Response>;
}

/**
 * A client of the shop API. Each call answers `{ data, error, response }`: `data` on a 2xx, else `error`
 * (a `Problem` for every refusal the gateway or a service makes; see `isProblem`).
 *
 * ```ts
 * const shop = createShopClient({ baseUrl: 'http://localhost:3000/api/v1', token: () => session.accessToken });
 * const { data: products } = await shop.GET('/products');
 * ```
 */
export function createShopClient(options: ShopClientOptions): ShopClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  if (options.token !== undefined) client.use(bearerToken(options.token));
  return client;
}

/** The middleware `createShopClient` adds for its `token`: for a client made with openapi-fetch's own `createClient`. */
export function bearerToken(token: TokenSource): Middleware {
  return {
    async onRequest({ request }) {
      // A header the call sets itself (another user's token, none at all) is left alone.
      if (request.headers.has('authorization')) return undefined;
      const value = typeof token === 'function' ? await token() : token;
      if (value) request.headers.set('authorization', `Bearer ${value}`);
      return request;
    },
  };
}

/** The media type of every error answer (RFC 9457 problem details). */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/**
 * Whether an `error` is a problem+json answer of the API. Anything between the front-end and the gateway
 * (a proxy's 502 page, a CDN's error) may answer otherwise: openapi-fetch then gives its text.
 */
export function isProblem(error: unknown): error is Problem {
  if (typeof error !== 'object' || error === null) return false;
  const { code, status } = error as Partial<Record<keyof Problem, unknown>>;
  return typeof code === 'string' && typeof status === 'number';
}

/** The header `POST /orders`, `POST /payments`, `POST /admin/coupon-templates` and `POST /coupon-templates/{id}/claim` honour. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** The header on an answer replayed for a key seen before (the operation was not run again). */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * A new idempotency key (a random UUID). Make one per operation the customer means once (this order, this
 * payment) and send the same key with every retry of it, so that a retry after a timeout or a lost answer
 * never places a second order: the API answers a repeated key with the first answer. A key is tied to the
 * first request's body: change the body (or retry after a refusal the customer fixed) with a new key.
 * Needs `crypto.randomUUID` (browsers in a secure context, Node 19+).
 */
export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

/** The request headers that send `key` (a new one by default): `shop.POST('/orders', { body, headers: idempotencyHeaders(key) })`. */
export function idempotencyHeaders(key: string = newIdempotencyKey()): { [IDEMPOTENCY_KEY_HEADER]: string } {
  return { [IDEMPOTENCY_KEY_HEADER]: key };
}

/** Whether the answer is the stored one of an earlier request with the same key (nothing was done again). */
export function wasReplayed(response: Response): boolean {
  return response.headers.get(IDEMPOTENT_REPLAYED_HEADER) === 'true';
}
