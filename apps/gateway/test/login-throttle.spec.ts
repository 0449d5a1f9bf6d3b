// Issue 8 hole 3: 125 wrong passwords from each of four addresses were 480 answers of 401, then the
// right password worked at once. Failed logins now count per account (the normalised e-mail) and
// client address in the store every instance shares: each attempt is taken before the service is
// asked; after LOGIN_MAX_FAILURES in a row that pair waits (429 TOO_MANY_LOGIN_ATTEMPTS with
// Retry-After, the service not called) 1 s, doubling, at most LOGIN_LOCK_MAX_SECONDS; an account
// guessed at from many addresses gives each address one try only; only the service's
// INVALID_CREDENTIALS counts; a success forgets the pair's failures. The per-address limit stays.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { INTERNAL_AUTH_SECRET } from './support/access-tokens.js';
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
    const started = Date.now();
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
    const seconds = (Date.now() - started) / 1_000;
    // A few guesses per address reach the service (5, one after the 1 s wait, then one per 2 s wait at most), not 480.
    expect(guesses).toBeLessThanOrEqual(4 * (5 + 1 + Math.ceil(seconds / 2)));
    expect(guesses).toBeLessThan(100);
    expect(fleet.user.callsTo('/auth/login')).toHaveLength(guesses);
    expect(locked.length).toBe(500 - guesses);
    for (const answer of locked) {
      expect(answer.code).toBe('TOO_MANY_LOGIN_ATTEMPTS');
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(answer.retryAfter)).toBeLessThanOrEqual(2);
    }

    // The owner, from elsewhere, is not concerned by the attackers' locks.
    const owner = { 'x-forwarded-for': '198.51.100.7' };
    const answer = await fetch(`${apis[0]}/auth/login`, loginBody(account, RIGHT, owner));
    expect(answer.status).toBe(200);
    // The success forgot the failures: one wrong password is a 401 again, not a lock.
    expect((await fetch(`${apis[apis.length - 1]}/auth/login`, loginBody(account, WRONG, owner))).status).toBe(401);
    // The account is still under attack, so an address that has just failed waits a moment (at most the cap) before its next try.
    let again = await fetch(`${apis[0]}/auth/login`, loginBody(account, RIGHT, owner));
    if (again.status === 429) {
      const wait = Number(again.headers.get('retry-after'));
      expect(wait).toBeLessThanOrEqual(2);
      await sleep(wait * 1_000 + 100);
      again = await fetch(`${apis[0]}/auth/login`, loginBody(account, RIGHT, owner));
    }
    expect(again.status).toBe(200);
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
  // Review of hole 3, 1: one wrong password each time the lock ended renewed it for the whole account,
  // from any address, and the owner's right password got 429 too.
  it('lets the owner in from another address while an attacker re-fails from theirs each time the wait ends', async () => {
    fleet = await startGatewayFleet(instances, { ...storeConfig(), trustedProxyHops: 1, loginMaxFailures: 2, loginLockMaxSeconds: 1 });
    const apis = fleet.apis;
    const account = `ada-${randomUUID()}@example.com`;
    const attacker = { 'x-forwarded-for': '203.0.113.9' };
    const owner = { 'x-forwarded-for': '198.51.100.7' };
    let stop = false;
    const attack = (async () => {
      let refused = 0;
      for (let i = 0; !stop; i += 1) {
        const answer = await fetch(`${apis[i % apis.length]}/auth/login`, loginBody(account, WRONG, attacker));
        if (answer.status === 429) {
          refused += 1;
          await sleep(Number(answer.headers.get('retry-after')) * 1_000 + 20);
        }
      }
      return refused;
    })();
    const ownerStatuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      await sleep(400);
      ownerStatuses.push((await fetch(`${apis[i % apis.length]}/auth/login`, loginBody(account, RIGHT, owner))).status);
    }
    stop = true;
    expect(await attack).toBeGreaterThan(0);
    expect(ownerStatuses).toEqual([200, 200, 200, 200, 200, 200]);
  }, 20_000);

  // Review of hole 3, 2: the lock was only read before forwarding and failures counted once answered,
  // so a parallel burst all reached the service (100 × 401 from 4 addresses with LOGIN_MAX_FAILURES=5).
  it('lets at most LOGIN_MAX_FAILURES per address of a parallel burst reach the service', async () => {
    fleet = await startGatewayFleet(instances, { ...storeConfig(), trustedProxyHops: 1, loginMaxFailures: 5, loginLockMaxSeconds: 60 });
    const apis = fleet.apis;
    // The real service takes a while to check a password (a slow hash): the burst is all in flight at once.
    fleet.user.mode = 'slow';
    fleet.user.delayMs = 1_000;
    const account = `ada-${randomUUID()}@example.com`;
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        fetch(`${apis[i % apis.length]}/auth/login`, loginBody(account, WRONG, { 'x-forwarded-for': `203.0.113.${(i % 4) + 1}` })),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    // LOGIN_MAX_FAILURES per address (and, on a slow machine, one more per address whose first wait ran out meanwhile).
    expect(fleet.user.callsTo('/auth/login').length).toBeLessThanOrEqual(4 * (5 + 1));
    expect(statuses.filter((status) => status === 401)).toHaveLength(fleet.user.callsTo('/auth/login').length);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(100 - 4 * (5 + 1));
  }, 20_000);

  // Review of hole 3, 3: every 401 counted, the service's NOT_FROM_GATEWAY included (a clock drift
  // between the gateway and the service would have locked everyone).
  it("counts only the service's INVALID_CREDENTIALS, not another 401", async () => {
    // The gateway signs with a secret the service does not know: every call is NOT_FROM_GATEWAY.
    fleet = await startGatewayFleet(instances, {
      ...storeConfig(),
      loginMaxFailures: 2,
      loginLockMaxSeconds: 60,
      internalAuthSecret: `x${INTERNAL_AUTH_SECRET}`,
    });
    const account = `ada-${randomUUID()}@example.com`;
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 6; i += 1) {
      const answer = await fetch(`${fleet.apis[i % fleet.apis.length]}/auth/login`, loginBody(account, WRONG));
      codes.push(((await answer.json()) as { code?: string }).code);
    }
    expect(codes).toEqual(Array.from({ length: 6 }, () => 'NOT_FROM_GATEWAY'));
  });
});
