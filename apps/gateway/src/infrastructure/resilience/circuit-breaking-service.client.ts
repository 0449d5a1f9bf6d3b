import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState as CockatielState,
  ConsecutiveBreaker,
  bulkhead,
  circuitBreaker,
  handleWhen,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { context } from '@opentelemetry/api';
import type { Logger } from '@shop/observability';
import type { CircuitState, GatewayTelemetry, ServiceCallOutcome } from '../../application/ports/gateway-telemetry.js';
import {
  ServiceBusyError,
  ServiceTimeoutError,
  ServiceUnavailableError,
  type ServiceClient,
  type ServiceRequest,
  type ServiceResponse,
} from '../../application/ports/service-client.js';
import type { ServiceName } from '../../application/service-name.js';

export interface CircuitBreakerOptions {
  /** Consecutive failures (no answer in time, no connection, 502/503/504) that open a service's circuit. */
  readonly failureThreshold: number;
  /** How long an open circuit refuses calls before one probe call may test the service again. */
  readonly halfOpenAfterMs: number;
  /** Calls to one service in flight at once (the bulkhead); unbounded when absent. */
  readonly maxInFlight?: number;
  /** Calls to one service waiting for a slot once `maxInFlight` are in flight (default 0); any further one is shed at once. */
  readonly maxQueued?: number;
}

/** A shed call may be tried again as soon as the calls in flight have moved on. */
const SHED_RETRY_AFTER_SECONDS = 1;

// The service says it cannot serve now. A 500 is a fault of one request, not of the service, and a
// client able to provoke it must not be able to switch a service off for everybody.
const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

// Only the transport failing counts: any other error (a bug, a body that cannot be sent) belongs to
// the one request, and must not let a client switch a service off for everybody either.
const isTransportFailure = (error: Error): boolean => error instanceof ServiceTimeoutError || error instanceof ServiceUnavailableError;

const STATE_NAMES: Readonly<Record<CockatielState, CircuitState>> = {
  [CockatielState.Closed]: 'closed',
  [CockatielState.Open]: 'open',
  [CockatielState.HalfOpen]: 'half-open',
  [CockatielState.Isolated]: 'open',
};

interface ServiceCircuit {
  readonly policy: CircuitBreakerPolicy;
  readonly bulkhead: BulkheadPolicy;
  openedAt: number;
}

/**
 * A circuit breaker per service (cockatiel) around another client, so that a slow or dead service
 * is answered for at once instead of tying up the gateway: after `failureThreshold` consecutive
 * failures the circuit opens and calls fail fast with `ServiceUnavailableError` (with the seconds
 * until the next try); then one call probes the service, and its success closes the circuit. In
 * front of the breaker, a bulkhead per service bounds the calls in flight (and a short queue): the
 * excess is refused at once with `ServiceBusyError` and is not a failure of the service.
 */
export class CircuitBreakingServiceClient implements ServiceClient {
  private readonly circuits = new Map<ServiceName, ServiceCircuit>();

  constructor(
    private readonly inner: ServiceClient,
    private readonly options: CircuitBreakerOptions,
    private readonly telemetry: GatewayTelemetry,
    private readonly logger: Logger,
  ) {}

  async send(service: ServiceName, request: ServiceRequest): Promise<ServiceResponse> {
    const circuit = this.circuitOf(service);
    const started = performance.now();
    const done = (outcome: ServiceCallOutcome) => this.telemetry.serviceCalled(service, outcome, (performance.now() - started) / 1000);
    try {
      // The bulkhead outside the breaker: a call it sheds never reaches the breaker, so a flood that
      // fills the service's slots is refused fast (503 SERVICE_BUSY) instead of queueing into
      // timeouts that would open the circuit for everybody.
      // Bound to this caller's trace context: cockatiel starts a queued call from the `finally` of the call
      // that freed its slot, whose context (another request's trace) it would otherwise run in. Tracing
      // off, the no-op context manager hands the function back as it is.
      const call = context.bind(context.active(), () => circuit.policy.execute(() => this.inner.send(service, request)));
      const response = await circuit.bulkhead.execute(call);
      done('answered');
      return response;
    } catch (error) {
      if (error instanceof BulkheadRejectedError) {
        done('shed');
        throw new ServiceBusyError(service, SHED_RETRY_AFTER_SECONDS, { cause: error });
      }
      if (error instanceof BrokenCircuitError) {
        done('circuit-open');
        throw new ServiceUnavailableError(service, 'circuit-open', this.secondsUntilProbe(circuit), { cause: error });
      }
      if (isTransportFailure(error as Error)) done(error instanceof ServiceTimeoutError ? 'timeout' : 'unreachable');
      throw error;
    }
  }

  /** Closes the client behind (its connections). */
  close(): Promise<void> {
    return this.inner.close();
  }

  /** The app is stopping. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /** The state of a service's circuit (for tests and diagnostics). */
  stateOf(service: ServiceName): CircuitState {
    return STATE_NAMES[this.circuitOf(service).policy.state];
  }

  private secondsUntilProbe(circuit: ServiceCircuit): number {
    return Math.max(1, Math.ceil((circuit.openedAt + this.options.halfOpenAfterMs - Date.now()) / 1000));
  }

  private circuitOf(service: ServiceName): ServiceCircuit {
    const existing = this.circuits.get(service);
    if (existing) return existing;
    const policy = circuitBreaker(
      handleWhen(isTransportFailure).orWhenResult((response) => UNAVAILABLE_STATUSES.has((response as ServiceResponse).status)),
      { halfOpenAfter: this.options.halfOpenAfterMs, breaker: new ConsecutiveBreaker(this.options.failureThreshold) },
    );
    const circuit: ServiceCircuit = {
      policy,
      bulkhead: bulkhead(this.options.maxInFlight ?? Number.POSITIVE_INFINITY, this.options.maxQueued ?? 0),
      openedAt: 0,
    };
    policy.onBreak((reason) => {
      circuit.openedAt = Date.now();
      const cause = 'error' in reason ? reason.error.message : 'value' in reason ? `status ${(reason.value as ServiceResponse).status}` : 'isolated';
      this.logger.warn({ upstream: service, cause, retryInMs: this.options.halfOpenAfterMs }, 'circuit opened: calls to the service are held back');
    });
    policy.onHalfOpen(() => this.logger.info({ upstream: service }, 'circuit half-open: probing the service'));
    policy.onReset(() => this.logger.info({ upstream: service }, 'circuit closed: the service answers again'));
    policy.onStateChange((state) => this.telemetry.circuitChanged(service, STATE_NAMES[state]));
    this.telemetry.circuitChanged(service, 'closed');
    this.circuits.set(service, circuit);
    return circuit;
  }
}
