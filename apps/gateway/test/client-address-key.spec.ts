// Review of issue 8 hole 3, 4: the per-address limit keyed a client by its full IPv6 address, and a
// client is usually handed a whole /64: a fresh address per request dodged the limit. It now counts
// an IPv6 client by its /64, and an IPv4-mapped IPv6 address as the IPv4 one. (With TRUSTED_PROXY_HOPS,
// which Fastify 5.12 had stopped honouring as a bare hop count, the address is the proxy's X-Forwarded-For.)
import { afterEach, describe, expect, it } from 'vitest';
import { loginBody } from './support/shared-redis.js';
import { startTestGateway, type TestGateway } from './support/test-gateway.js';

let running: TestGateway | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const from = async (api: string, address: string): Promise<number> =>
  (await fetch(`${api}/auth/login`, loginBody('ada@example.com', 'correct horse', { 'x-forwarded-for': address }))).status;

describe('the per-address rate limit', () => {
  it('counts every address of one IPv6 /64 as one client', async () => {
    running = await startTestGateway({ rateLimitPerMinute: 3, trustedProxyHops: 1 });
    const statuses: number[] = [];
    for (let i = 1; i <= 5; i += 1) statuses.push(await from(running.api, `2001:db8:1:2::${i.toString(16)}`));
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // Another /64 is another client.
    expect(await from(running.api, '2001:db8:1:3::1')).toBe(200);
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address, and tells proxied IPv4 clients apart', async () => {
    running = await startTestGateway({ rateLimitPerMinute: 2, trustedProxyHops: 1 });
    expect([await from(running.api, '203.0.113.5'), await from(running.api, '::ffff:203.0.113.5'), await from(running.api, '203.0.113.5')]).toEqual([
      200, 200, 429,
    ]);
    expect(await from(running.api, '203.0.113.6')).toBe(200);
  });
});
