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
  /** The path on the service; may create what it reads first (through the gateway, before measuring). */
  path(session: BenchSession): string | Promise<string>;
}

// GET /orders/{id} joins as one entry once the order context exists, e.g.
// { name: 'order', service: 'order', path: async (s) => `/orders/${(await s.gateway<{ orderId: string }>('POST', '/orders', {...})).orderId}` }.
export const ROUTES: readonly BenchRoute[] = [{ name: 'me', service: 'user', path: () => '/me' }];
