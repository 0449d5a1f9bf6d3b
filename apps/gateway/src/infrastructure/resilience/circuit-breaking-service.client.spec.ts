import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, trace } from '@opentelemetry/api';
import { InternalTokenIssuer } from '@shop/http';
import { silentLogger } from '@shop/observability';
import { recordSpans } from '@shop/observability/testing';
import { describe, expect, it } from 'vitest';
import type { CircuitState, GatewayTelemetry, ServiceCallOutcome } from '../../application/ports/gateway-telemetry.js';
import {
  ServiceBusyError,
  ServiceTimeoutError,
  ServiceUnavailableError,
  type ServiceClient,
  type ServiceRequest,
  type ServiceResponse,
} from '../../application/ports/service-client.js';
import { UndiciServiceClient } from '../http/undici-service.client.js';
import { CircuitBreakingServiceClient } from './circuit-breaking-service.client.js';

const REQUEST: ServiceRequest = { method: 'GET', path: '/me', headers: {}, correlationId: 'c-1' };
const answer = (status: number): ServiceResponse => ({ status, headers: [], body: new Uint8Array() });

/** A service whose next answers are scripted: a status, or an error to throw. */
class ScriptedClient implements ServiceClient {
  calls = 0;
  closed = false;
  next: () => ServiceResponse = () => answer(200);
  async send(): Promise<ServiceResponse> {
    this.calls += 1;
    return this.next();
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

class RecordingTelemetry implements GatewayTelemetry {
  readonly outcomes: ServiceCallOutcome[] = [];
  readonly states: CircuitState[] = [];
  requestServed(): void {}
  requestRefused(): void {}
  serviceCalled(_service: string, outcome: ServiceCallOutcome): void {
    this.outcomes.push(outcome);
  }
  circuitChanged(_service: string, state: CircuitState): void {
    this.states.push(state);
  }
}

function breaker(failureThreshold: number, halfOpenAfterMs: number) {
  const inner = new ScriptedClient();
  const telemetry = new RecordingTelemetry();
  const client = new CircuitBreakingServiceClient(inner, { failureThreshold, halfOpenAfterMs }, telemetry, silentLogger());
  return { inner, telemetry, client };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A service that holds every call until `release()`: calls pile up in flight. */
class HeldClient implements ServiceClient {
  calls = 0;
  private readonly waiting: (() => void)[] = [];
  async send(): Promise<ServiceResponse> {
    this.calls += 1;
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return answer(200);
  }
  release(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
  async close(): Promise<void> {}
}

describe('CircuitBreakingServiceClient', () => {
  it('closes the client behind it when the app stops', async () => {
    const { inner, client } = breaker(3, 1_000);
    await client.onApplicationShutdown();
    expect(inner.closed).toBe(true);
  });

  it('passes answers through, failures included, and opens after the threshold of consecutive failures', async () => {
    const { inner, client, telemetry } = breaker(3, 60_000);
    inner.next = () => answer(503);
    for (let i = 0; i < 3; i += 1) expect((await client.send('user', REQUEST)).status).toBe(503);
    expect(client.stateOf('user')).toBe('open');
    const error = await client.send('user', REQUEST).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as ServiceUnavailableError).reason).toBe('circuit-open');
    expect((error as ServiceUnavailableError).retryAfterSeconds).toBe(60);
    expect(inner.calls).toBe(3);
    expect(telemetry.outcomes).toEqual(['answered', 'answered', 'answered', 'circuit-open']);
    expect(telemetry.states).toEqual(['closed', 'open']);
  });

  it('counts timeouts and refused connections, not 4xx or 500 answers', async () => {
    const { inner, client } = breaker(2, 60_000);
    inner.next = () => answer(500);
    for (let i = 0; i < 3; i += 1) await client.send('user', REQUEST);
    inner.next = () => answer(404);
    for (let i = 0; i < 3; i += 1) await client.send('user', REQUEST);
    expect(client.stateOf('user')).toBe('closed');
    inner.next = () => {
      throw new ServiceTimeoutError('user', 100);
    };
    await expect(client.send('user', REQUEST)).rejects.toBeInstanceOf(ServiceTimeoutError);
    inner.next = () => {
      throw new ServiceUnavailableError('user', 'unreachable');
    };
    await expect(client.send('user', REQUEST)).rejects.toMatchObject({ reason: 'unreachable' });
    expect(client.stateOf('user')).toBe('open');
  });

  it('does not count an error of the request itself (RangeError, TypeError): only transport failures and 502-504', async () => {
    const { inner, client, telemetry } = breaker(2, 60_000);
    const errors = [new RangeError('Maximum call stack size exceeded'), new TypeError('Converting circular structure to JSON'), new Error('a bug')];
    for (let round = 0; round < 3; round += 1) {
      for (const error of errors) {
        inner.next = () => {
          throw error;
        };
        await expect(client.send('user', REQUEST)).rejects.toBe(error);
      }
    }
    expect(client.stateOf('user')).toBe('closed');
    inner.next = () => answer(200);
    expect((await client.send('user', REQUEST)).status).toBe(200);
    expect(telemetry.outcomes).toEqual(['answered']);
  });

  it('a success in between resets the count', async () => {
    const { inner, client } = breaker(2, 60_000);
    for (const status of [503, 200, 503, 200, 503]) {
      inner.next = () => answer(status);
      await client.send('user', REQUEST);
    }
    expect(client.stateOf('user')).toBe('closed');
  });

  it('lets one probe through after halfOpenAfterMs: success closes, failure opens again', async () => {
    const { inner, client, telemetry } = breaker(1, 50);
    inner.next = () => answer(502);
    await client.send('user', REQUEST);
    expect(client.stateOf('user')).toBe('open');
    await sleep(60);
    await client.send('user', REQUEST); // the probe fails
    expect(client.stateOf('user')).toBe('open');
    await expect(client.send('user', REQUEST)).rejects.toMatchObject({ reason: 'circuit-open' });
    await sleep(60);
    inner.next = () => answer(200);
    expect((await client.send('user', REQUEST)).status).toBe(200);
    expect(client.stateOf('user')).toBe('closed');
    expect(telemetry.states).toEqual(['closed', 'open', 'half-open', 'open', 'half-open', 'closed']);
  });

  describe('bulkhead', () => {
    it('sheds calls beyond maxInFlight + maxQueued at once with ServiceBusyError, without sending them or counting them as failures', async () => {
      const inner = new HeldClient();
      const telemetry = new RecordingTelemetry();
      // A threshold of 1: a single counted failure would open the circuit.
      const client = new CircuitBreakingServiceClient(
        inner,
        { failureThreshold: 1, halfOpenAfterMs: 60_000, maxInFlight: 2, maxQueued: 1 },
        telemetry,
        silentLogger(),
      );
      const admitted = [0, 1, 2].map(() => client.send('user', REQUEST));
      const shed = await Promise.all([3, 4, 5, 6].map(() => client.send('user', REQUEST).catch((caught: unknown) => caught)));
      for (const error of shed) {
        expect(error).toBeInstanceOf(ServiceBusyError);
        expect(error).not.toBeInstanceOf(ServiceUnavailableError);
        expect((error as ServiceBusyError).retryAfterSeconds).toBe(1);
      }
      expect(inner.calls).toBe(2); // the third waits in the queue; the shed ones never go
      expect(client.stateOf('user')).toBe('closed');
      expect(telemetry.outcomes).toEqual(['shed', 'shed', 'shed', 'shed']);

      inner.release();
      await sleep(0);
      inner.release(); // the queued call got its slot
      expect((await Promise.all(admitted)).map((response) => response.status)).toEqual([200, 200, 200]);
      expect(inner.calls).toBe(3);
      expect(client.stateOf('user')).toBe('closed');
      expect(telemetry.states).toEqual(['closed']);
    });

    it('has a bulkhead per service: one flooded service leaves the others their slots', async () => {
      const inner = new HeldClient();
      const client = new CircuitBreakingServiceClient(
        inner,
        { failureThreshold: 1, halfOpenAfterMs: 60_000, maxInFlight: 1 },
        new RecordingTelemetry(),
        silentLogger(),
      );
      const first = client.send('user', REQUEST);
      await expect(client.send('user', REQUEST)).rejects.toBeInstanceOf(ServiceBusyError);
      const other = client.send('order', REQUEST);
      await sleep(0);
      expect(inner.calls).toBe(2);
      inner.release();
      await Promise.all([first, other]);
    });

    it("runs a queued call in its own request's trace, not in that of the call that freed its slot (real clients, tracing on)", async () => {
      const seen: IncomingHttpHeaders[] = [];
      const server = createServer((request, response) => {
        seen.push(request.headers);
        response.writeHead(200).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const recorded = recordSpans('gateway');
      const undici = new UndiciServiceClient({
        serviceUrls: { user: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
        tokens: new InternalTokenIssuer('an-internal-secret-of-at-least-32-bytes!'),
        timeoutMs: 2_000,
      });
      // One slot: B waits in the queue while A is in flight, and is started from A's completion.
      const client = new CircuitBreakingServiceClient(
        undici,
        { failureThreshold: 5, halfOpenAfterMs: 60_000, maxInFlight: 1, maxQueued: 1 },
        new RecordingTelemetry(),
        silentLogger(),
      );
      const request = (name: string) =>
        trace.getTracer('spec').startActiveSpan(name, async (span) => {
          try {
            await client.send('user', { ...REQUEST, correlationId: name });
            return span.spanContext().traceId;
          } finally {
            span.end();
          }
        });
      try {
        const [a, b] = await Promise.all([request('request A'), request('request B')]);
        expect(a).not.toBe(b);
        expect(seen.map((headers) => [headers['x-correlation-id'], String(headers['traceparent']).split('-')[1]])).toEqual([
          ['request A', a],
          ['request B', b],
        ]);
        const calls = recorded.spans.filter((span) => span.kind === SpanKind.CLIENT);
        expect(calls.map((span) => [span.attributes['shop.correlation_id'], span.parentSpanContext?.spanId])).toEqual([
          ['request A', recorded.span('request A').spanContext().spanId],
          ['request B', recorded.span('request B').spanContext().spanId],
        ]);
      } finally {
        await client.close();
        await recorded.stop();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
});
