// While its PostgreSQL is cut off (through a proxy in front of the shared server, which keeps
// running), every user-service request that needs the database answers 503 problem+json
// `DATABASE_UNAVAILABLE` with `Retry-After`, a signal to retry rather than a server bug (500), and
// is logged at warn without a stack; once the database is back, the same requests work again.
import type { DatabaseTimeouts } from '@shop/persistence';
import { createLogger } from '@shop/observability';
import { Cleanups, TEST_POSTGRES_URL, TcpProxy, waitFor } from '@shop/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startUserService } from '../src/main.js';
import { UserApi, UserServiceHome, testUserConfig } from './support/user-service-harness.js';

const password = 'correct horse battery';

describe('the user service on PostgreSQL + RabbitMQ: requests while the database is away', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  async function startBehindProxy(timeouts?: Partial<DatabaseTimeouts>) {
    const home = await UserServiceHome.create('postgres+amqp', cleanups);
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(TEST_POSTGRES_URL).port || 5432) });
    cleanups.add(() => proxy.close());
    const logLines: Array<Record<string, unknown>> = [];
    const logger = createLogger('user', { level: 'warn' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
    const running = await startUserService(
      {
        ...home.runtime(),
        logger,
        database: { databaseUrl: proxy.url(home.database.databaseUrl!), poolSize: 16, ...(timeouts ? { timeouts } : {}) },
        messaging: { shutdownTimeoutMs: 2_000 },
      },
      testUserConfig(),
    );
    cleanups.add(() => running.close());
    const api = new UserApi(running.url);
    const { userId } = await api.register({ email: 'ada@shop.example', password });
    return { api, proxy, logLines, identity: { userId, roles: ['customer'] } };
  }

  type Api = Awaited<ReturnType<typeof startBehindProxy>>['api'];
  type Identity = Awaited<ReturnType<typeof startBehindProxy>>['identity'];

  /** A read, a write and a login: each needs the database. */
  const requestsNeedingTheDatabase = (api: Api, identity: Identity, attempt: number) => [
    { name: 'GET /me', send: () => api.viaGateway('GET', '/me', { identity }) },
    { name: 'POST /auth/login', send: () => api.viaGateway('POST', '/auth/login', { body: { email: 'ada@shop.example', password } }) },
    {
      name: 'POST /auth/register',
      send: () => api.viaGateway('POST', '/auth/register', { body: { email: `bob${attempt}@shop.example`, password } }),
    },
  ];

  async function expectDatabaseUnavailable(api: Api, identity: Identity, attempt: number): Promise<void> {
    for (const request of requestsNeedingTheDatabase(api, identity, attempt)) {
      const response = await request.send();
      const body = (await response.json()) as Record<string, unknown>;
      expect({ request: request.name, status: response.status, code: body['code'] }).toEqual({
        request: request.name,
        status: 503,
        code: 'DATABASE_UNAVAILABLE',
      });
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.headers.get('retry-after')).toBe('1');
      expect(body).toMatchObject({ type: 'urn:shop:problem:DATABASE_UNAVAILABLE', title: 'Service Unavailable', status: 503 });
    }
  }

  async function expectServedAgain(api: Api, identity: Identity): Promise<void> {
    // The pool reconnects on demand: the first request that reaches the database again succeeds.
    await waitFor(async () => (await api.viaGateway('GET', '/me', { identity })).status === 200, { what: 'GET /me to answer 200 again', timeoutMs: 15_000 });
    expect((await api.logIn({ email: 'ada@shop.example', password })).tokenType).toBe('Bearer');
    expect((await api.register({ email: 'carol@shop.example', password })).email).toBe('carol@shop.example');
  }

  function expectLoggedAtWarnWithoutStack(logLines: Array<Record<string, unknown>>): void {
    const outage = logLines.filter((line) => line['code'] === 'DATABASE_UNAVAILABLE');
    expect(outage.length).toBeGreaterThanOrEqual(3);
    for (const line of outage) {
      expect(line).toMatchObject({ level: 40, status: 503 });
      expect(line).not.toHaveProperty('err');
    }
    expect(logLines.filter((line) => line['msg'] === 'request failed unexpectedly')).toEqual([]);
  }

  it('answers 503 DATABASE_UNAVAILABLE with Retry-After while PostgreSQL refuses connections, and serves again once it is back', async () => {
    const { api, proxy, logLines, identity } = await startBehindProxy();
    expect((await api.viaGateway('GET', '/me', { identity })).status).toBe(200);

    proxy.setMode('refuse');
    // Twice: the first round meets the pool's connections the proxy just reset, the second needs new ones, refused.
    await expectDatabaseUnavailable(api, identity, 1);
    await expectDatabaseUnavailable(api, identity, 2);
    expectLoggedAtWarnWithoutStack(logLines);

    proxy.setMode('pass');
    await expectServedAgain(api, identity);
  });

  it('answers 503 DATABASE_UNAVAILABLE once the client-side deadlines run out while PostgreSQL is black-holed, and serves again after', async () => {
    // Short deadlines, so that the pool's connect timeout and the query read timeout fire within the test.
    const { api, proxy, logLines, identity } = await startBehindProxy({ connectTimeoutMs: 1_000, statementTimeoutMs: 1_000, queryTimeoutMs: 1_500 });
    expect((await api.viaGateway('GET', '/me', { identity })).status).toBe(200);

    proxy.setMode('blackhole');
    await expectDatabaseUnavailable(api, identity, 1);
    expectLoggedAtWarnWithoutStack(logLines);

    proxy.setMode('pass');
    await expectServedAgain(api, identity);
  });
});
