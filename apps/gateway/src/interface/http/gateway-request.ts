import type { IncomingMessage } from 'node:http';
import type { Caller } from '../../application/ports/service-client.js';

/** Where the access guard leaves the verified caller on the request. */
export const CALLER = Symbol('gateway.caller');

/** The parts of Express's request the gateway reads (Express's own types are not installed). */
export type GatewayRequest = IncomingMessage & {
  readonly originalUrl: string;
  /** The client's address (the socket's, or from trusted proxies' X-Forwarded-For). */
  readonly ip?: string;
  readonly params: Readonly<Record<string, string>>;
  /** The parsed JSON body; `undefined` when the request had none. */
  readonly body?: unknown;
  readonly route?: { readonly path?: unknown };
  [CALLER]?: Caller;
};
