import type { ServiceName } from '../service-name.js';

/** The signed-in user a call is made for, as the gateway verified it. */
export interface Caller {
  readonly userId: string;
  readonly roles: readonly string[];
}

/** One call to a service on behalf of a client. */
export interface ServiceRequest {
  readonly method: string;
  /** Path and query below the service's base URL: `/auth/register`, `/orders?status=PAID`. */
  readonly path: string;
  /** End-to-end headers of the client's request worth passing on (`accept`, `idempotency-key`, …). */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The body as JSON text (serialised by the caller, so that a body which cannot be is never the service's
   * failure), or the client's own bytes for a route whose sender signs them (`signedBody`); none for `undefined`.
   */
  readonly body?: string | Uint8Array;
  /** Who the call is for; anonymous (register, login) without one. */
  readonly caller?: Caller;
  readonly correlationId: string;
}

/** A service's answer, whatever its status: the gateway passes it on unchanged. */
export interface ServiceResponse {
  readonly status: number;
  /** End-to-end headers only; a name may repeat (`set-cookie`). */
  readonly headers: readonly (readonly [name: string, value: string])[];
  readonly body: Uint8Array;
}

/** Calls the contexts behind the gateway. Rejects with one of the errors below when no answer came. */
export interface ServiceClient {
  send(service: ServiceName, request: ServiceRequest): Promise<ServiceResponse>;
  /** Closes its connections to the services (the gateway is stopping). */
  close(): Promise<void>;
}

/** The service took longer than the gateway waits. */
export class ServiceTimeoutError extends Error {
  constructor(
    readonly service: ServiceName,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`the ${service} service did not answer within ${timeoutMs} ms`, options);
    this.name = 'ServiceTimeoutError';
  }
}

/**
 * The gateway already has as many calls to the service in flight (and waiting) as it allows: this
 * one was not sent. Not a failure of the service, so it never counts towards its circuit.
 */
export class ServiceBusyError extends Error {
  constructor(
    readonly service: ServiceName,
    /** When it is worth trying again. */
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(`the gateway has too many calls to the ${service} service in flight; this one was not sent`, options);
    this.name = 'ServiceBusyError';
  }
}

/** The service could not be reached, or its circuit is open after repeated failures. */
export class ServiceUnavailableError extends Error {
  constructor(
    readonly service: ServiceName,
    readonly reason: 'unreachable' | 'circuit-open',
    /** When it is worth trying again, when known. */
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(
      reason === 'circuit-open' ? `the ${service} service is failing; calls are held back for now` : `the ${service} service could not be reached`,
      options,
    );
    this.name = 'ServiceUnavailableError';
  }
}
