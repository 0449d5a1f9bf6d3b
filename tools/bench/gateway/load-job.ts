import type { Identity } from '@shop/http';

/** How a request proves who it is. */
export type LoadAuth =
  | { readonly kind: 'none' }
  /** The same user access token on every request (through the gateway). */
  | { readonly kind: 'bearer'; readonly token: string }
  /** A fresh internal token on every request, signed in the client for that service, method and path (straight to a service). */
  | { readonly kind: 'internal'; readonly secret: string; readonly audience: string; readonly identity: Identity };

/** One measurement, sent by the bench to the load client. */
export interface LoadJob {
  readonly name: string;
  readonly origin: string;
  readonly method: 'GET';
  readonly path: string;
  readonly auth: LoadAuth;
  readonly connections: number;
  readonly warmUpSeconds: number;
  readonly seconds: number;
}

export interface LoadResult {
  readonly name: string;
  /** 2xx answers per second of the measured run. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly statusCodes: Readonly<Record<string, number>>;
  /** The measured run on CLOCK_MONOTONIC in µs, the clock of V8's CPU profiles (to cut a profile to it). */
  readonly fromUs: number;
  readonly toUs: number;
  /** With `internal` auth: tokens signed (warm-up included) and requests that found the pool empty. */
  readonly tokens?: { readonly signed: number; readonly misses: number };
}

/** `measuring` when the warm-up is over and the measured run starts, then the result or the error. */
export type ClientMessage = { readonly measuring: true } | { readonly result: LoadResult } | { readonly error: string };
