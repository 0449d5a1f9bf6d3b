import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Caller } from '../../application/ports/service-client.js';

/** Where the access guard leaves the verified caller on the request. */
export const CALLER = Symbol('gateway.caller');

/**
 * Where the forwarder leaves the service's verdict on a route that checks credentials: its status,
 * and the `code` of its problem answer, for the login throttle.
 */
export const UPSTREAM_ANSWER = Symbol('gateway.upstreamAnswer');

export interface UpstreamAnswer {
  readonly status: number;
  readonly code?: string;
}

/** The parts of Fastify's request the gateway reads. */
export interface GatewayRequest {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  /** The URL as the client sent it, query string included. */
  readonly originalUrl: string;
  /** The client's address (the socket's, or from trusted proxies' X-Forwarded-For). */
  readonly ip?: string;
  readonly socket?: Pick<Socket, 'remoteAddress'>;
  readonly params: Readonly<Record<string, string>>;
  /** The parsed JSON body; `undefined` when the request had none. */
  readonly body?: unknown;
  [CALLER]?: Caller;
  [UPSTREAM_ANSWER]?: UpstreamAnswer;
}
