import type { ContextName } from '@shop/contracts';

/** What the bench set up before measuring: a registered, signed-in user, and a client for the gateway. */
export interface BenchSession {
  readonly userId: string;
  readonly roles: readonly string[];
  readonly accessToken: string;
  /** A call through the gateway as that user (`path` under /api/v1); the JSON answer, or an error unless 2xx. */
  gateway<T>(method: string, path: string, body?: unknown): Promise<T>;
}

/**
 * A route measured twice: straight to its service with a fresh internal token per request, and
 * through the gateway (`/api/v1` + path) with the user's access token. The first route gives the
 * headline figures (`ratio`, `direct_vs_bare`); each further one adds `<name>_ratio` and
 * `<name>_direct_vs_bare` to the last line.
 */
export interface BenchRoute {
  readonly name: string;
  /** The context that serves it: the bench starts that service (`apps/<service>/dist/main.js`). */
  readonly service: ContextName;
  /** Settings the bench gives that service besides its own (e.g. a catalog to order from). */
  readonly serviceEnv?: Readonly<Record<string, string>>;
  /** The path on the service; may create what it reads first (through the gateway, before measuring). */
  path(session: BenchSession): string | Promise<string>;
}

/**
 * `GET /me`, then `GET /orders/{id}`: an order of the session's user, placed through the gateway before the
 * load (one line of the first product of the demo catalog, which the bench has the order service seed;
 * with neither coupon nor points it awaits payment at once and stays so, a bench of a few seconds being far
 * inside ORDER_PAYMENT_TIMEOUT).
 */
export const ROUTES: readonly BenchRoute[] = [
  { name: 'me', service: 'user', path: () => '/me' },
  {
    name: 'order',
    service: 'order',
    serviceEnv: { ORDER_DEMO_CATALOG: 'true' },
    path: async (session) => {
      const [product] = await session.gateway<Array<{ sku: string }>>('GET', '/products');
      if (!product) throw new Error('GET /products answered an empty catalog: the order service did not seed its demo catalog');
      const placed = await session.gateway<{ orderId: string }>('POST', '/orders', { items: [{ sku: product.sku, quantity: 1 }] });
      return `/orders/${placed.orderId}`;
    },
  },
];
