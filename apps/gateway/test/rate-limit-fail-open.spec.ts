// Issue 8 item 6: when Redis is down or hangs, the gateway keeps serving (fail open): requests and
// logins go through unchecked, quickly, and each is counted in
// shop_gateway_rate_limit_store_failures_total.
import { afterEach, describe, expect, it } from 'vitest';
import { SilentRedis, closedPort, loginBody, metricValue, startGatewayFleet, uniqueKeyPrefix, type GatewayFleet } from './support/shared-redis.js';

let fleet: GatewayFleet | undefined;
let silent: SilentRedis | undefined;
afterEach(async () => {
  await fleet?.close();
  await silent?.close();
  fleet = undefined;
  silent = undefined;
});

const FAILURES = 'shop_gateway_rate_limit_store_failures_total';

async function timed(request: () => Promise<Response>): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const answer = await request();
  await answer.arrayBuffer();
  return { status: answer.status, ms: performance.now() - started };
}

describe('rate limit store unavailable: fail open', () => {
  it.each([
    ['refuses connections', async () => `redis://127.0.0.1:${await closedPort()}`],
    [
      'accepts them and never answers',
      async () => {
        silent = await SilentRedis.start();
        return silent.url;
      },
    ],
  ] as const)(
    'serves every request when Redis %s, without hanging, and counts each in the metrics',
    async (_how, redisUrl) => {
      fleet = await startGatewayFleet(1, { rateLimitPerMinute: 2, loginMaxFailures: 1, redisUrl: await redisUrl(), redisKeyPrefix: uniqueKeyPrefix() });
      const api = fleet.apis[0]!;
      const answers = [];
      // Over the per-minute limit, and wrong passwords past the login lock: nothing can be counted, so nothing is refused.
      for (let i = 0; i < 4; i += 1) answers.push(await timed(() => fetch(`${api}/auth/login`, loginBody('ada@example.com', 'wrong password'))));
      for (let i = 0; i < 2; i += 1) answers.push(await timed(() => fetch(`${api}/auth/login`, loginBody('ada@example.com', 'correct horse'))));
      expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 200, 200]);
      // Not a speed check (the benchmarks show speed): a generous bound that only says the request did
      // not hang on the dead store, well under the 30 s request timeout (a Redis command waits 250 ms at most).
      for (const answer of answers) expect(answer.ms).toBeLessThan(10_000);
      expect(fleet.user.callsTo('/auth/login')).toHaveLength(6);
      expect(await metricValue(api, FAILURES, { counter: 'requests' })).toBeGreaterThanOrEqual(6);
      expect(await metricValue(api, FAILURES, { counter: 'logins' })).toBeGreaterThanOrEqual(6);
    },
    20_000,
  );
});
