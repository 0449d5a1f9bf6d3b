import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type {
  CircuitState,
  GatewayTelemetry,
  RateLimitCounter,
  RateLimitTelemetry,
  RefusalReason,
  ServiceCallOutcome,
} from '../../application/ports/gateway-telemetry.js';
import type { ServiceName } from '../../application/service-name.js';

const CIRCUIT_STATE_VALUE: Readonly<Record<CircuitState, number>> = { closed: 0, open: 1, 'half-open': 2 };
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The gateway's own series, in a registry served on `/metrics` with the process metrics. The service
 * called is the `upstream` label: `service` is the app that reports (`gateway`), as on every service.
 */
export class PrometheusGatewayTelemetry implements GatewayTelemetry, RateLimitTelemetry {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'shop_gateway_http_requests_total',
    help: 'Requests answered by the gateway, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly requestDuration = new Histogram({
    name: 'shop_gateway_http_request_duration_seconds',
    help: 'Time from request to answer at the gateway',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly serviceCalls = new Counter({
    name: 'shop_gateway_service_calls_total',
    help: 'Calls to the services: answered (any status), timeout, unreachable, circuit-open (refused without a call), shed (too many in flight, refused without a call)',
    labelNames: ['upstream', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly serviceCallDuration = new Histogram({
    name: 'shop_gateway_service_call_duration_seconds',
    help: 'Duration of calls to the services',
    labelNames: ['upstream', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly circuitState = new Gauge({
    name: 'shop_gateway_circuit_state',
    help: "State of each service's circuit breaker: 0 closed, 1 open, 2 half-open",
    labelNames: ['upstream'] as const,
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'shop_gateway_requests_refused_total',
    help: 'Requests refused at the edge: unauthenticated, forbidden (an admin route without the role), rate-limited, login-locked',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly rateLimitStoreFailures = new Counter({
    name: 'shop_gateway_rate_limit_store_failures_total',
    help: 'Requests let through unchecked (fail open) because the rate limit store (Redis) failed or was slow, by counter: requests, signed-requests, logins',
    labelNames: ['counter'] as const,
    registers: [this.registry],
  });

  requestServed(request: { method: string; route: string; status: number }, seconds: number): void {
    this.requests.inc({ method: request.method, route: request.route, status: String(request.status) });
    this.requestDuration.observe({ method: request.method, route: request.route }, seconds);
  }

  serviceCalled(service: ServiceName, outcome: ServiceCallOutcome, seconds: number): void {
    this.serviceCalls.inc({ upstream: service, outcome });
    this.serviceCallDuration.observe({ upstream: service, outcome }, seconds);
  }

  circuitChanged(service: ServiceName, state: CircuitState): void {
    this.circuitState.set({ upstream: service }, CIRCUIT_STATE_VALUE[state]);
  }

  requestRefused(reason: RefusalReason): void {
    this.refusals.inc({ reason });
  }

  rateLimitStoreFailed(counter: RateLimitCounter): void {
    this.rateLimitStoreFailures.inc({ counter });
  }
}
