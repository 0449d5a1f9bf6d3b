// Issue 8 hole 3: 125 wrong passwords from each of four addresses were 480 answers of 401, then the
// right password worked at once. Failed logins now count per account (the normalised e-mail) in the
// store every instance shares: after LOGIN_MAX_FAILURES in a row the account is locked (429
// TOO_MANY_LOGIN_ATTEMPTS with Retry-After, the service not called) for 1 s, doubling, at most
// LOGIN_LOCK_MAX_SECONDS; a success forgets the failures. The per-address limit stays.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { REDIS_URL, loginBody, startGatewayFleet, uniqueKeyPrefix, type GatewayFleet } from './support/shared-redis.js';

let fleet: GatewayFleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

const WRONG = 'wrong password';
const RIGHT = 'correct horse';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  ['in Redis, across two gateway instances', () => ({ redisUrl: REDIS_URL, redisKeyPrefix: uniqueKeyPrefix() }), 2],
  ['in memory, one gateway', () => ({}), 1],
] as const)('failed logins per account (%s)', (_store, storeConfig, instances) => {
  it('locks an account that four addresses guess at long before 480 tries, briefly, and lets the right password in afterwards', async () => {
    // The gateway believes one proxy's X-Forwarded-For, so each attacker is an address of its own.
    fleet = await startGatewayFleet(instances, {
      ...storeConfig(),
      rateLimitPerMinute: 1_000,
      trustedProxyHops: 1,
      loginMaxFailures: 5,
      loginLockMaxSeconds: 2,
    });
    const apis = fleet.apis;
    const account = `ada-${randomUUID()}@example.com`;
    // Each attacker spells the address its own way: it is still one account.
    const spellings = [account, account.toUpperCase(), ` ${account}`, `${account[0]!.toUpperCase()}${account.slice(1)} `];
    const statuses = await Promise.all(
      spellings.map(async (email, attacker) => {
        const seen: { status: number; retryAfter: string | null; code?: string }[] = [];
        for (let i = 0; i < 125; i += 1) {
          const answer = await fetch(`${apis[i % apis.length]}/auth/login`, loginBody(email, WRONG, { 'x-forwarded-for': `203.0.113.${attacker + 1}` }));
          const body = (await answer.json()) as { code?: string };
          seen.push({ status: answer.status, retryAfter: answer.headers.get('retry-after'), ...(body.code ? { code: body.code } : {}) });
        }
        return seen;
      }),
    );
    const all = statuses.flat();
    const guesses = all.filter((answer) => answer.status === 401).length;
    const locked = all.filter((answer) => answer.status === 429);
    expect(all).toHaveLength(500);
    // A few guesses reach the service (5, then one per lock that ran out, a few more racing the lock), not 480.
    expect(guesses).toBeLessThan(40);
    expect(fleet.user.callsTo('/auth/login')).toHaveLength(guesses);
    expect(locked.length).toBe(500 - guesses);
    for (const answer of locked) {
      expect(answer.code).toBe('TOO_MANY_LOGIN_ATTEMPTS');
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(answer.retryAfter)).toBeLessThanOrEqual(2);
    }

    // The owner, from elsewhere, is told how long to wait — and no longer than the cap.
    const owner = { 'x-forwarded-for': '198.51.100.7' };
    let answer = await fetch(`${apis[0]}/auth/login`, loginBody(account, RIGHT, owner));
    if (answer.status === 429) {
      const wait = Number(answer.headers.get('retry-after'));
      expect(wait).toBeLessThanOrEqual(2);
      await sleep(wait * 1_000 + 100);
      answer = await fetch(`${apis[0]}/auth/login`, loginBody(account, RIGHT, owner));
    }
    expect(answer.status).toBe(200);
    // The success forgot the failures: one wrong password is a 401 again, not a lock.
    expect((await fetch(`${apis[apis.length - 1]}/auth/login`, loginBody(account, WRONG, owner))).status).toBe(401);
    expect((await fetch(`${apis[0]}/auth/login`, loginBody(account, RIGHT, owner))).status).toBe(200);
  }, 30_000);

  it('locks only the account guessed at, and leaves the per-address limit in place', async () => {
    fleet = await startGatewayFleet(instances, { ...storeConfig(), rateLimitPerMinute: 12, loginMaxFailures: 3, loginLockMaxSeconds: 60 });
    const apis = fleet.apis;
    const ada = `ada-${randomUUID()}@example.com`;
    const bob = `bob-${randomUUID()}@example.com`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await fetch(`${apis[i % apis.length]}/auth/login`, loginBody(ada, WRONG))).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const lock = await fetch(`${apis[0]}/auth/login`, loginBody(ada, RIGHT));
    expect(lock.status).toBe(429);
    expect(lock.headers.get('content-type')).toContain('application/problem+json');
    expect(await lock.json()).toMatchObject({ status: 429, code: 'TOO_MANY_LOGIN_ATTEMPTS' });
    // Another account signs in from the same address.
    expect((await fetch(`${apis[0]}/auth/login`, loginBody(bob, RIGHT))).status).toBe(200);
    // The address's own budget (12 a minute, 7 used) still runs out, whatever the account.
    const rest: number[] = [];
    for (let i = 0; i < 6; i += 1) rest.push((await fetch(`${apis[i % apis.length]}/auth/login`, loginBody(bob, RIGHT))).status);
    expect(rest).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await (await fetch(`${apis[0]}/auth/login`, loginBody(bob, RIGHT))).json()).toMatchObject({ code: 'RATE_LIMITED' });
  });
});
