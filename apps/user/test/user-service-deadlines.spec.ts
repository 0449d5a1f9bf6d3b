// The user service wires the runtime's messaging settings and database deadlines (from the
// environment in production) into its messaging module and data source, and its close() keeps to
// SHUTDOWN_TIMEOUT_MS even when the database is unreachable.
import { Cleanups, TEST_POSTGRES_URL, TcpProxy, sleep, waitFor } from '@shop/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startUserService, type RunningService } from '../src/main.js';
import { UserApi, UserServiceHome, testUserConfig } from './support/user-service-harness.js';

const SHUTDOWN_TIMEOUT_MS = 2_000;
const password = 'correct horse battery';

describe('the user service on PostgreSQL + RabbitMQ with its deadlines', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  /** The service on a database behind a proxy the test controls, with a short shutdown deadline and the default database deadlines. */
  async function startBehindProxy(): Promise<{ running: RunningService; api: UserApi; proxy: TcpProxy; home: UserServiceHome; close(): Promise<number> }> {
    const home = await UserServiceHome.create('postgres+amqp', cleanups);
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(TEST_POSTGRES_URL).port || 5432) });
    cleanups.add(() => proxy.close());
    const running = await startUserService(
      {
        ...home.runtime(),
        database: { databaseUrl: proxy.url(home.database.databaseUrl!), poolSize: 16 },
        messaging: { shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS },
      },
      testUserConfig(),
    );
    let closed = false;
    cleanups.add(() => (closed ? Promise.resolve() : running.close()));
    return {
      running,
      api: new UserApi(running.url),
      proxy,
      home,
      close: async () => {
        const started = Date.now();
        await running.close();
        closed = true;
        return Date.now() - started;
      },
    };
  }

  it('a black-holed database: close() returns within SHUTDOWN_TIMEOUT_MS', async () => {
    const { api, proxy, home, close } = await startBehindProxy();
    await api.register({ email: 'ada@shop.example', password });
    await waitFor(async () => (await home.count('outbox_pending')) === 0, { what: 'user.registered.v1 published' });

    proxy.setMode('blackhole');
    // The relay's next poll is now waiting on the dead database.
    await sleep(500);
    expect(await close()).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 1_500);
  });

  it('a request stuck on a black-holed database does not hold close() past SHUTDOWN_TIMEOUT_MS', async () => {
    const { api, proxy, close } = await startBehindProxy();
    await api.register({ email: 'ada@shop.example', password });

    proxy.setMode('blackhole');
    const stuck = api.register({ email: 'bob@shop.example', password }).then(
      () => 'answered',
      () => 'cut',
    );
    await sleep(500);
    expect(await close()).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 1_500);
    expect(await stuck).toBe('cut');
  });
});
