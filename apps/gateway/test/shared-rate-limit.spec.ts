// Issue 8 item 6: with REDIS_URL, the per-minute limit is one budget for every gateway instance
// (before, each instance counted alone: N instances allowed N× the limit).
import { afterEach, describe, expect, it } from 'vitest';
import { REDIS_URL, loginBody, startGatewayFleet, uniqueKeyPrefix, type GatewayFleet } from './support/shared-redis.js';

let fleet: GatewayFleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

describe('rate limit shared by every gateway instance (Redis)', () => {
  it('gives an address RATE_LIMIT_PER_MINUTE requests across two instances, not twice that', async () => {
    fleet = await startGatewayFleet(2, { rateLimitPerMinute: 4, redisUrl: REDIS_URL, redisKeyPrefix: uniqueKeyPrefix() });
    const [a, b] = fleet.apis as [string, string];
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await fetch(`${i % 2 === 0 ? a : b}/auth/login`, loginBody('ada@example.com', 'correct horse'))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
    const refused = await fetch(`${b}/auth/login`, loginBody('ada@example.com', 'correct horse'));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(fleet.user.callsTo('/auth/login')).toHaveLength(4);
  });

  it('keeps the instances of another deployment (another key prefix) apart', async () => {
    fleet = await startGatewayFleet(1, { rateLimitPerMinute: 2, redisUrl: REDIS_URL, redisKeyPrefix: uniqueKeyPrefix() });
    const other = await startGatewayFleet(1, { rateLimitPerMinute: 2, redisUrl: REDIS_URL, redisKeyPrefix: uniqueKeyPrefix() });
    try {
      for (const api of [fleet.apis[0]!, other.apis[0]!]) {
        expect((await fetch(`${api}/auth/login`, loginBody('ada@example.com', 'correct horse'))).status).toBe(200);
        expect((await fetch(`${api}/auth/login`, loginBody('ada@example.com', 'correct horse'))).status).toBe(200);
        expect((await fetch(`${api}/auth/login`, loginBody('ada@example.com', 'correct horse'))).status).toBe(429);
      }
    } finally {
      await other.close();
    }
  });
});
