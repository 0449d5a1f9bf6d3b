// The user service wires the runtime's messaging settings and database deadlines (from the
// environment in production) into its messaging module and data source.
import { TEST_POSTGRES_URL, TcpProxy, sleep, waitFor } from '@shop/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startUserService } from '../src/main.js';
import { UserApi, UserServiceHome, testUserConfig } from './support/user-service-harness.js';
import { Cleanups } from './support/user-test-database.js';

const SHUTDOWN_TIMEOUT_MS = 2_000;

describe('the user service on PostgreSQL + RabbitMQ with its deadlines', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('a black-holed database: close() returns within SHUTDOWN_TIMEOUT_MS', async () => {
    const home = await UserServiceHome.create('postgres+amqp', cleanups);
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(TEST_POSTGRES_URL).port || 5432) });
    cleanups.add(() => proxy.close());
    const runtime = home.runtime();
    const running = await startUserService(
      {
        ...runtime,
        database: { databaseUrl: proxy.url(home.database.databaseUrl!), poolSize: 16, timeouts: { connectTimeoutMs: 1_000 } },
        messaging: { shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS },
      },
      testUserConfig(),
    );
    let closed = false;
    cleanups.add(() => (closed ? Promise.resolve() : running.close()));

    await new UserApi(running.url).register({ email: 'ada@shop.example', password: 'correct horse battery' });
    await waitFor(async () => (await home.count('outbox_pending')) === 0, { what: 'user.registered.v1 published' });

    proxy.setMode('blackhole');
    // The relay's next poll is now waiting on the dead database.
    await sleep(500);
    const started = Date.now();
    await running.close();
    closed = true;
    expect(Date.now() - started).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 700);
  });
});
