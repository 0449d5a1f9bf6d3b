import type { ServiceName } from '../service-name.js';

/** `shed`: refused by the gateway's bulkhead (too many calls in flight), never sent. */
export type ServiceCallOutcome = 'answered' | 'timeout' | 'unreachable' | 'circuit-open' | 'shed';
export type CircuitState = 'closed' | 'open' | 'half-open';
/** `forbidden`: a signed-in caller without the role an admin route needs. */
export type RefusalReason = 'unauthenticated' | 'forbidden' | 'rate-limited' | 'login-locked';
/** Which counters: the per-minute request limit, the signed routes' own (provider callbacks), or the failed logins per account. */
export type RateLimitCounter = 'requests' | 'signed-requests' | 'logins';

/** What the gateway reports about its traffic (served as Prometheus text on `/metrics`). */
export interface GatewayTelemetry {
  requestServed(request: { readonly method: string; readonly route: string; readonly status: number }, seconds: number): void;
  serviceCalled(service: ServiceName, outcome: ServiceCallOutcome, seconds: number): void;
  circuitChanged(service: ServiceName, state: CircuitState): void;
  requestRefused(reason: RefusalReason): void;
}

/** What the rate limiters report: each time their store (Redis) failed and a request was let through unchecked. */
export interface RateLimitTelemetry {
  rateLimitStoreFailed(counter: RateLimitCounter): void;
}
