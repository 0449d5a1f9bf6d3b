// A login flood must not switch a service off for everybody: without a bound on the calls in
// flight, hundreds of logins queue behind the service's password hashing, time out, and the
// timeouts open the circuit (503 for every user). The bulkhead sheds the excess at once instead.
import { afterEach, describe, expect, it } from 'vitest';
import { json, startTestGateway, withMetricsToken, type TestGateway } from './support/test-gateway.js';

let t: TestGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const login = (api: string, email = 'ada@example.com') => fetch(`${api}/auth/login`, json({ email, password: 'correct horse' }));

interface Answer {
  readonly status: number;
  readonly code: string | undefined;
  readonly retryAfter: string | null;
  readonly ms: number;
}

async function timedLogin(api: string, email: string): Promise<Answer> {
  const started = performance.now();
  const response = await login(api, email);
  const body = (await response.json()) as { code?: string };
  return { status: response.status, code: body.code, retryAfter: response.headers.get('retry-after'), ms: performance.now() - started };
}

describe('bulkhead per service', () => {
  it('sheds a login flood as 503 SERVICE_BUSY at once, never sends the shed calls, and keeps the circuit closed', async () => {
    const flood = 40;
    const [inFlight, queued] = [4, 2];
    t = await startTestGateway({
      maxInFlightPerService: inFlight,
      maxQueuedPerService: queued,
      serviceTimeoutMs: 4_500,
      circuitBreakerFailures: 3,
      circuitBreakerResetMs: 10_000,
    });
    // A service that checks 4 passwords at a time, 2 s each: 40 calls at once would take 20 s.
    t.user.mode = 'slow';
    t.user.delayMs = 2_000;
    t.user.workers = 4;

    const answers = await Promise.all(Array.from({ length: flood }, (_, i) => timedLogin(t!.api, `flood-${i}@example.com`)));

    // Every call is either served in time or shed: none times out.
    expect(
      answers.map((answer) => `${answer.status} ${answer.code ?? ''}`.trim()).filter((outcome) => outcome !== '200' && outcome !== '503 SERVICE_BUSY'),
    ).toEqual([]);
    const shed = answers.filter((answer) => answer.status === 503);
    const served = answers.filter((answer) => answer.status === 200);
    // The calls reach the gateway over a few ms, not at one instant: a slot may free up before the last ones arrive.
    expect(served.length).toBeGreaterThanOrEqual(inFlight + queued);
    expect(shed.length).toBeGreaterThanOrEqual(flood / 2);
    for (const answer of shed) {
      expect(answer.retryAfter).toBe('1');
      expect(answer.ms).toBeLessThan(2_000); // without waiting for the service: no admitted call is answered sooner
    }
    // A shed call never reaches the service.
    expect(t.user.calls).toHaveLength(served.length);

    // The circuit is still closed: the next login goes to the service at once.
    t.user.mode = 'normal';
    expect((await login(t.api)).status).toBe(200);
    expect(t.user.calls).toHaveLength(served.length + 1);
    const metrics = await (await fetch(`${t.api}/metrics`, withMetricsToken)).text();
    expect(metrics).toContain(`shop_gateway_service_calls_total{upstream="user",outcome="shed",service="gateway"} ${shed.length}`);
    expect(metrics).toContain('shop_gateway_circuit_state{upstream="user",service="gateway"} 0');
  });
});
