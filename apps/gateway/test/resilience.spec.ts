// A slow or dead service must not hang the gateway: every call has a deadline, and a circuit per
// service answers for it at once while it keeps failing, then lets it back in once it recovers.
import { afterEach, describe, expect, it } from 'vitest';
import { json, startTestGateway, type TestGateway } from './support/test-gateway.js';

let t: TestGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const login = (api: string) => fetch(`${api}/auth/login`, json({ email: 'ada@example.com', password: 'correct horse' }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function timed<T>(call: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await call();
  return { result, ms: performance.now() - started };
}

describe('timeouts', () => {
  it('answers 504 SERVICE_TIMEOUT after about SERVICE_TIMEOUT_MS when the service is slow', async () => {
    t = await startTestGateway({ serviceTimeoutMs: 300 });
    t.user.mode = 'slow';
    t.user.delayMs = 3_000;
    const { result: response, ms } = await timed(() => login(t!.api));
    expect(response.status).toBe(504);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 504, code: 'SERVICE_TIMEOUT' });
    expect(ms).toBeGreaterThanOrEqual(280);
    expect(ms).toBeLessThan(1_500);
  });

  it('keeps serving its own routes while a service hangs', async () => {
    t = await startTestGateway({ serviceTimeoutMs: 2_000 });
    t.user.mode = 'slow';
    t.user.delayMs = 5_000;
    const hanging = Promise.all([login(t.api), login(t.api), login(t.api)]);
    await sleep(50);
    const { result: openapi, ms } = await timed(() => fetch(`${t!.api}/openapi.json`));
    expect(openapi.status).toBe(200);
    expect(ms).toBeLessThan(500);
    expect((await hanging).map((response) => response.status)).toEqual([504, 504, 504]);
  });
});

describe('unreachable services', () => {
  it('answers 503 SERVICE_UNAVAILABLE when the connection is refused', async () => {
    t = await startTestGateway();
    await t.user.stop();
    const response = await login(t.api);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
  });
});

describe('circuit breaker', () => {
  it('opens after consecutive failures, answers 503 at once with Retry-After, then closes when the service recovers', async () => {
    t = await startTestGateway({ circuitBreakerFailures: 3, circuitBreakerResetMs: 1_000 });
    t.user.mode = 'failing';
    // The service's own 503s pass through while the circuit is still closed.
    for (let i = 0; i < 3; i += 1) {
      const response = await login(t.api);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: 'UNAVAILABLE' });
    }
    expect(t.user.calls).toHaveLength(3);

    const { result: refused, ms } = await timed(() => login(t!.api));
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    expect(Number(refused.headers.get('retry-after'))).toBe(1);
    expect(ms).toBeLessThan(300);
    expect(t.user.calls).toHaveLength(3); // not even tried

    t.user.mode = 'normal';
    expect((await login(t.api)).status).toBe(503); // still open
    await sleep(1_100);
    expect((await login(t.api)).status).toBe(200); // the probe goes through and closes the circuit
    for (let i = 0; i < 3; i += 1) expect((await login(t.api)).status).toBe(200);
    expect(t.user.calls).toHaveLength(7);
  });

  it('opens on timeouts too, and then answers without waiting for the slow service', async () => {
    t = await startTestGateway({ serviceTimeoutMs: 800, circuitBreakerFailures: 2, circuitBreakerResetMs: 10_000 });
    t.user.mode = 'slow';
    t.user.delayMs = 5_000;
    expect((await login(t.api)).status).toBe(504);
    expect((await login(t.api)).status).toBe(504);
    const { result: refused, ms } = await timed(() => login(t!.api));
    expect(refused.status).toBe(503);
    expect(ms).toBeLessThan(400); // well under the 800 ms a call to the slow service would take
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(9);
    expect(retryAfter).toBeLessThanOrEqual(10);
  });

  it('opens when the service is down and closes once it is back on its port', async () => {
    t = await startTestGateway({ circuitBreakerFailures: 2, circuitBreakerResetMs: 500 });
    await t.user.stop();
    expect((await login(t.api)).status).toBe(503);
    expect((await login(t.api)).status).toBe(503);
    const refused = await login(t.api);
    expect(refused.headers.get('retry-after')).toBe('1');
    await t.user.start();
    await sleep(600);
    expect((await login(t.api)).status).toBe(200);
    expect((await login(t.api)).status).toBe(200);
  });

  it('opens again when the probe fails', async () => {
    t = await startTestGateway({ circuitBreakerFailures: 1, circuitBreakerResetMs: 300 });
    t.user.mode = 'failing';
    expect((await login(t.api)).status).toBe(503);
    await sleep(350);
    expect((await login(t.api)).status).toBe(503); // the probe: the service's own 503
    expect(t.user.calls).toHaveLength(2);
    const refused = await login(t.api);
    expect(await refused.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(t.user.calls).toHaveLength(2);
  });

  it("does not count a client's errors or a service's 500 as the service failing", async () => {
    t = await startTestGateway({ circuitBreakerFailures: 2 });
    for (let i = 0; i < 4; i += 1) expect((await fetch(`${t.api}/auth/login`, json({ email: 'a@example.com', password: 'wrong' }))).status).toBe(401);
    expect((await login(t.api)).status).toBe(200);
  });
});
