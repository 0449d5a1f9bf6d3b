// The user service as the gateway sees it: started with startUserService on a free port, called
// over HTTP with the gateway's internal token, on PostgreSQL + RabbitMQ and on SQLite + the
// in-memory transport.
import { randomUUID } from 'node:crypto';
import { verifyAccessToken } from '@shop/auth';
import { INTERNAL_TOKEN_HEADER, InternalTokenIssuer } from '@shop/http';
import { ManualClock } from '@shop/shared-kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cleanups } from '@shop/testing';
import { INTERNAL_AUTH_SECRET, METRICS_TOKEN, SETUPS, UserServiceHome, problemOf, type RequestOptions, type UserApi } from './support/user-service-harness.js';
import { TEST_JWT_SECRET } from './support/user-test-database.js';

const password = 'correct horse battery';
const uniqueEmail = (name = 'user') => `${name}.${randomUUID().slice(0, 8)}@shop.example`;

describe.each(SETUPS)('the user service on %s', (setup) => {
  const cleanups = new Cleanups();
  let home: UserServiceHome;
  let api: UserApi;

  beforeAll(async () => {
    home = await UserServiceHome.create(setup, cleanups);
    ({ api } = await home.start());
  });
  afterAll(() => cleanups.run());

  /** Runs `act` and expects that it stored nothing: no user, no event. */
  async function expectNothingStored(act: () => Promise<void>): Promise<void> {
    const before = { users: await home.count('users'), outbox: await home.count('outbox') };
    await act();
    expect({ users: await home.count('users'), outbox: await home.count('outbox') }).toEqual(before);
  }

  describe('register, log in, read the profile', () => {
    it('registers (201), logs in (200, a Bearer token that verifies) and answers /me with the profile and roles', async () => {
      const email = uniqueEmail('Ada');
      const response = await api.viaGateway('POST', '/auth/register', { body: { email, password, nickname: 'Ada' } });
      expect(response.status).toBe(201);
      const registered = (await response.json()) as { userId: string };
      expect(registered).toEqual({ userId: expect.stringMatching(/^[0-9a-f-]{36}$/), email, nickname: 'Ada' });

      const login = await api.viaGateway('POST', '/auth/login', { body: { email: email.toUpperCase(), password } });
      expect(login.status).toBe(200);
      const token = (await login.json()) as { accessToken: string; tokenType: string; expiresIn: number };
      expect(token).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 600 });
      const verified = await verifyAccessToken(token.accessToken, TEST_JWT_SECRET);
      expect(verified).toMatchObject({ userId: registered.userId, roles: ['customer'] });

      const me = await api.viaGateway('GET', '/me', { identity: { userId: verified.userId, roles: verified.roles } });
      expect(me.status).toBe(200);
      expect(await me.json()).toEqual({ userId: registered.userId, email, nickname: 'Ada', roles: ['customer'] });
    });

    it('registers without a nickname (null)', async () => {
      const email = uniqueEmail();
      expect(await api.register({ email, password })).toEqual({ userId: expect.any(String), email, nickname: null });
    });

    it('writes one user.registered.v1 per registration', async () => {
      const before = await home.count('outbox');
      await api.register({ email: uniqueEmail(), password });
      expect(await home.count('outbox')).toBe(before + 1);
      expect((await home.outboxTypes()).at(-1)).toBe('user.registered.v1');
    });

    it('shows each user only their own profile: the id comes from the gateway identity alone', async () => {
      const ada = await api.register({ email: uniqueEmail('ada'), password });
      const bob = await api.register({ email: uniqueEmail('bob'), password });
      const asBob = await api.viaGateway('GET', `/me?userId=${ada.userId}`, { identity: { userId: bob.userId, roles: ['customer'] } });
      expect(((await asBob.json()) as { userId: string }).userId).toBe(bob.userId);
    });

    it('answers /me 401 UNAUTHENTICATED for an anonymous call and 404 USER_NOT_FOUND for a user it does not know', async () => {
      const anonymous = await api.viaGateway('GET', '/me');
      expect([anonymous.status, (await problemOf(anonymous)).code]).toEqual([401, 'UNAUTHENTICATED']);
      for (const userId of [randomUUID(), 'not-a-uuid']) {
        const unknown = await api.viaGateway('GET', '/me', { identity: { userId, roles: ['customer'] } });
        expect([unknown.status, (await problemOf(unknown)).code]).toEqual([404, 'USER_NOT_FOUND']);
      }
    });

    it('refuses a wrong password, an unknown address and an implausible password alike: 401 INVALID_CREDENTIALS', async () => {
      const email = uniqueEmail();
      await api.register({ email, password });
      for (const body of [
        { email, password: 'wrong horse battery' },
        { email: uniqueEmail('nobody'), password },
        { email, password: 'short' },
        { email: 'not an address', password },
      ]) {
        const response = await api.viaGateway('POST', '/auth/login', { body });
        expect([response.status, (await problemOf(response)).code]).toEqual([401, 'INVALID_CREDENTIALS']);
      }
    });

    it('refuses an address already taken in another letter case: 409 EMAIL_TAKEN, nothing stored', async () => {
      const email = uniqueEmail('Grace');
      await api.register({ email, password });
      await expectNothingStored(async () => {
        const response = await api.viaGateway('POST', '/auth/register', { body: { email: email.toUpperCase(), password: 'another passphrase' } });
        expect([response.status, (await problemOf(response)).code]).toEqual([409, 'EMAIL_TAKEN']);
      });
    });
  });

  describe('only through the gateway', () => {
    const forged = () => new InternalTokenIssuer('someone-elses-secret-of-at-least-32-bytes').issue({ audience: 'user', method: 'GET', path: '/me' });
    const expired = () =>
      new InternalTokenIssuer(INTERNAL_AUTH_SECRET, new ManualClock(new Date(Date.now() - 10 * 60_000))).issue({
        audience: 'user',
        method: 'GET',
        path: '/me',
      });

    it.each<[string, () => Record<string, string>]>([
      ['no internal token', () => ({})],
      ['a token signed with another secret', () => ({ [INTERNAL_TOKEN_HEADER]: forged() })],
      ['an expired token', () => ({ [INTERNAL_TOKEN_HEADER]: expired() })],
      ['garbage', () => ({ [INTERNAL_TOKEN_HEADER]: 'not.a.token' })],
    ])('refuses a call with %s: 401 NOT_FROM_GATEWAY, nothing stored', async (_case, headersOf) => {
      const email = uniqueEmail();
      await expectNothingStored(async () => {
        for (const [method, path, body] of [
          ['POST', '/auth/register', { email, password }],
          ['POST', '/auth/login', { email, password }],
          ['GET', '/me', undefined],
        ] as const) {
          const response = await api.direct(method, path, { body, headers: headersOf() });
          expect([path, response.status, (await problemOf(response)).code]).toEqual([path, 401, 'NOT_FROM_GATEWAY']);
        }
      });
    });

    it("refuses a user's access token in place of the gateway's", async () => {
      const email = uniqueEmail();
      await api.register({ email, password });
      const { accessToken } = await api.logIn({ email, password });
      const response = await api.direct('GET', '/me', { headers: { [INTERNAL_TOKEN_HEADER]: accessToken } });
      expect([response.status, (await problemOf(response)).code]).toEqual([401, 'NOT_FROM_GATEWAY']);
    });
  });

  describe('bad input: a 4xx problem with a code, and nothing stored', () => {
    const validRegistration = () => ({ email: uniqueEmail(), password });
    const tooLarge = () => JSON.stringify({ ...validRegistration(), nickname: 'x'.repeat(1024 * 1024) });

    it.each<[string, string, () => RequestOptions, number, string]>([
      ['register', 'malformed JSON', () => ({ rawBody: '{"email": "a@shop.example", ' }), 400, 'MALFORMED_JSON'],
      ['register', 'a JSON scalar', () => ({ rawBody: '"a@shop.example"' }), 400, 'MALFORMED_JSON'],
      ['register', 'no body', () => ({}), 400, 'VALIDATION_FAILED'],
      ['register', 'a body that is not JSON', () => ({ rawBody: 'email=a@shop.example', contentType: 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['register', 'an unknown field', () => ({ body: { ...validRegistration(), roles: ['admin'] } }), 400, 'VALIDATION_FAILED'],
      ['register', 'a number for the e-mail', () => ({ body: { email: 12345678, password } }), 400, 'VALIDATION_FAILED'],
      ['register', 'an array for the password', () => ({ body: { email: uniqueEmail(), password: [password] } }), 400, 'VALIDATION_FAILED'],
      ['register', 'a null nickname', () => ({ body: { ...validRegistration(), nickname: null } }), 400, 'VALIDATION_FAILED'],
      ['register', 'a missing password', () => ({ body: { email: uniqueEmail() } }), 400, 'VALIDATION_FAILED'],
      ['register', 'a password of 7 characters', () => ({ body: { email: uniqueEmail(), password: 'seven77' } }), 400, 'VALIDATION_FAILED'],
      ['register', 'a password of 129 characters', () => ({ body: { email: uniqueEmail(), password: 'p'.repeat(129) } }), 400, 'VALIDATION_FAILED'],
      ['register', 'an address without @', () => ({ body: { email: 'not-an-address', password } }), 400, 'INVALID_VALUE'],
      ['register', 'an address without a dotted host', () => ({ body: { email: 'ada@localhost', password } }), 400, 'INVALID_VALUE'],
      ['register', 'a nickname of 65 characters', () => ({ body: { ...validRegistration(), nickname: 'n'.repeat(65) } }), 400, 'VALIDATION_FAILED'],
      ['register', 'a blank nickname', () => ({ body: { ...validRegistration(), nickname: '   ' } }), 400, 'INVALID_VALUE'],
      ['register', 'a nickname with control characters', () => ({ body: { ...validRegistration(), nickname: 'Ada\u0000' } }), 400, 'INVALID_VALUE'],
      ['register', 'a body over 1 MiB', () => ({ rawBody: tooLarge() }), 413, 'PAYLOAD_TOO_LARGE'],
      ['login', 'malformed JSON', () => ({ rawBody: '{"email":' }), 400, 'MALFORMED_JSON'],
      ['login', 'an unknown field', () => ({ body: { email: uniqueEmail(), password, remember: true } }), 400, 'VALIDATION_FAILED'],
      ['login', 'a number for the password', () => ({ body: { email: uniqueEmail(), password: 12345678 } }), 400, 'VALIDATION_FAILED'],
      ['login', 'a missing e-mail', () => ({ body: { password } }), 400, 'VALIDATION_FAILED'],
      ['login', 'a body over 1 MiB', () => ({ rawBody: tooLarge() }), 413, 'PAYLOAD_TOO_LARGE'],
    ])('%s with %s: %i %s', async (route, _case, request, status, code) => {
      await expectNothingStored(async () => {
        const response = await api.viaGateway('POST', `/auth/${route}`, request());
        const problem = await problemOf(response);
        expect([response.status, problem.status, problem.code]).toEqual([status, status, code]);
        if (code === 'VALIDATION_FAILED' || code === 'INVALID_VALUE') expect(problem.errors?.length).toBeGreaterThan(0);
      });
    });

    it('answers an unknown route 404 NOT_FOUND', async () => {
      const response = await api.viaGateway('GET', '/users');
      expect([response.status, (await problemOf(response)).code]).toEqual([404, 'NOT_FOUND']);
    });
  });

  describe('operations', () => {
    it('reports the database and the broker up on /health, without a gateway token', async () => {
      const response = await api.direct('GET', '/health');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok', checks: { database: 'up', broker: 'up' } });
    });

    it('serves Prometheus text on /metrics with the outbox backlog, only for the bearer METRICS_TOKEN', async () => {
      const refused = await api.direct('GET', '/metrics');
      expect([refused.status, (await problemOf(refused)).code]).toEqual([401, 'UNAUTHENTICATED']);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
      const response = await api.direct('GET', '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await response.text();
      expect(text).toMatch(/^shop_outbox_pending\{[^}]*service="user"[^}]*\} \d+/m);
    });
  });
});
