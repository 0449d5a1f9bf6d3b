// Hole 4 of issue 8: a gateway token captured on its way to `GET /me` is good for that one call
// only. Replayed on another route, at another service, a second time, or 11 s later, the user
// service answers 401 NOT_FROM_GATEWAY and stores nothing.
import { randomUUID } from 'node:crypto';
import { INTERNAL_TOKEN_HEADER, InternalTokenIssuer, type Identity } from '@shop/http';
import { ManualClock } from '@shop/shared-kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cleanups } from '@shop/testing';
import { INTERNAL_AUTH_SECRET, SETUPS, UserServiceHome, problemOf, type UserApi } from './support/user-service-harness.js';

const password = 'correct horse battery';
const ME = { audience: 'user', method: 'GET', path: '/me' } as const;

describe.each(SETUPS)('internal tokens at the user service on %s', (setup) => {
  const cleanups = new Cleanups();
  let home: UserServiceHome;
  let api: UserApi;
  let identity: Identity;
  const gateway = new InternalTokenIssuer(INTERNAL_AUTH_SECRET);

  beforeAll(async () => {
    home = await UserServiceHome.create(setup, cleanups);
    ({ api } = await home.start());
    const { userId } = await api.register({ email: `victim.${randomUUID().slice(0, 8)}@shop.example`, password });
    identity = { userId, roles: ['customer'] };
  });
  afterAll(() => cleanups.run());

  const withToken = (token: string) => ({ [INTERNAL_TOKEN_HEADER]: token });

  /** Runs `act` and expects that it stored nothing: no user, no event. */
  async function expectNothingStored(act: () => Promise<void>): Promise<void> {
    const before = { users: await home.count('users'), outbox: await home.count('outbox') };
    await act();
    expect({ users: await home.count('users'), outbox: await home.count('outbox') }).toEqual(before);
  }

  async function expectRefused(response: Response): Promise<void> {
    expect([response.status, (await problemOf(response)).code]).toEqual([401, 'NOT_FROM_GATEWAY']);
  }

  it('serves the call a token was signed for, once', async () => {
    const token = gateway.issue(ME, identity);
    const first = await api.direct('GET', '/me', { headers: withToken(token) });
    expect([first.status, ((await first.json()) as { userId: string }).userId]).toEqual([200, identity.userId]);
    await expectRefused(await api.direct('GET', '/me', { headers: withToken(token) }));
  });

  it('refuses a token captured for GET /me on POST /auth/register: nothing created', async () => {
    const captured = gateway.issue(ME, identity);
    await expectNothingStored(async () => {
      const body = { email: `attacker.${randomUUID().slice(0, 8)}@shop.example`, password };
      await expectRefused(await api.direct('POST', '/auth/register', { body, headers: withToken(captured) }));
    });
  });

  it('refuses a token signed for another service', async () => {
    await expectRefused(await api.direct('GET', '/me', { headers: withToken(gateway.issue({ ...ME, audience: 'order' }, identity)) }));
  });

  it('refuses a token a second time on the same route, even a register: one account at most', async () => {
    const register = { audience: 'user', method: 'POST', path: '/auth/register' } as const;
    const captured = gateway.issue(register);
    const first = await api.direct('POST', '/auth/register', {
      body: { email: `once.${randomUUID().slice(0, 8)}@shop.example`, password },
      headers: withToken(captured),
    });
    expect(first.status).toBe(201);
    await expectNothingStored(async () => {
      const body = { email: `twice.${randomUUID().slice(0, 8)}@shop.example`, password };
      await expectRefused(await api.direct('POST', '/auth/register', { body, headers: withToken(captured) }));
    });
  });

  it('refuses a token 11 s after it was signed', async () => {
    const elevenSecondsAgo = new InternalTokenIssuer(INTERNAL_AUTH_SECRET, new ManualClock(new Date(Date.now() - 11_000)));
    await expectRefused(await api.direct('GET', '/me', { headers: withToken(elevenSecondsAgo.issue(ME, identity)) }));
    await expectNothingStored(async () => {
      const body = { email: `late.${randomUUID().slice(0, 8)}@shop.example`, password };
      const late = elevenSecondsAgo.issue({ audience: 'user', method: 'POST', path: '/auth/register' });
      await expectRefused(await api.direct('POST', '/auth/register', { body, headers: withToken(late) }));
    });
  });
});
