// The user service's /health/ready follows its PostgreSQL: 503 naming the database while the server
// is away (refused or black-holed, through a proxy in front of the shared server, which keeps
// running), 200 again once it is back; /health/live answers at once throughout.
import { Cleanups, TEST_POSTGRES_URL, TcpProxy, waitFor } from '@shop/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startUserService } from '../src/main.js';
import { UserApi, UserServiceHome, testUserConfig } from './support/user-service-harness.js';

interface CheckDetail {
  readonly status: 'up' | 'down';
  readonly durationMs: number;
  readonly reason?: string;
}

interface Readiness {
  readonly status: number;
  readonly contentType: string;
  readonly body: { ready: boolean; code?: string; down?: string[]; checks: Record<string, CheckDetail> };
  readonly ms: number;
}

describe('the user service on PostgreSQL + RabbitMQ: readiness follows the database', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  async function startBehindProxy(): Promise<{ api: UserApi; proxy: TcpProxy }> {
    const home = await UserServiceHome.create('postgres+amqp', cleanups);
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(TEST_POSTGRES_URL).port || 5432) });
    cleanups.add(() => proxy.close());
    const running = await startUserService(
      { ...home.runtime(), database: { databaseUrl: proxy.url(home.database.databaseUrl!), poolSize: 16 }, messaging: { shutdownTimeoutMs: 2_000 } },
      testUserConfig(),
    );
    cleanups.add(() => running.close());
    return { api: new UserApi(running.url), proxy };
  }

  async function ready(api: UserApi): Promise<Readiness> {
    const started = performance.now();
    const response = await api.direct('GET', '/health/ready');
    const body = (await response.json()) as Readiness['body'];
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body, ms: performance.now() - started };
  }

  async function expectLiveAtOnce(api: UserApi): Promise<void> {
    const started = performance.now();
    const response = await api.direct('GET', '/health/live');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ live: true, draining: false });
    expect(performance.now() - started).toBeLessThan(500);
  }

  it('answers 503 naming the database while PostgreSQL refuses connections, and 200 once it is back', async () => {
    const { api, proxy } = await startBehindProxy();
    const up = await ready(api);
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ ready: true, checks: { database: { status: 'up' }, broker: { status: 'up' } } });
    await expectLiveAtOnce(api);

    proxy.setMode('refuse');
    const down = await waitFor(
      async () => {
        const answer = await ready(api);
        return answer.status === 503 && answer;
      },
      { what: '/health/ready to answer 503', timeoutMs: 10_000 },
    );
    expect(down.contentType).toContain('application/problem+json');
    expect(down.body).toMatchObject({
      code: 'NOT_READY',
      ready: false,
      down: ['database'],
      checks: { database: { status: 'down' }, broker: { status: 'up' } },
    });
    // The old path says the same, in its old shape.
    const legacy = await api.direct('GET', '/health');
    expect(legacy.status).toBe(503);
    expect(await legacy.json()).toEqual({ status: 'unavailable', checks: { database: 'down', broker: 'up' } });
    await expectLiveAtOnce(api);

    proxy.setMode('pass');
    const back = await waitFor(
      async () => {
        const answer = await ready(api);
        return answer.status === 200 && answer;
      },
      { what: '/health/ready to answer 200 again', timeoutMs: 15_000 },
    );
    expect(back.body.checks['database']?.status).toBe('up');
  });

  it('answers 503 within the check deadline while PostgreSQL is black-holed, and 200 once packets flow again', async () => {
    const { api, proxy } = await startBehindProxy();
    expect((await ready(api)).status).toBe(200);

    proxy.setMode('blackhole');
    // Again and again: each answer within the 2 s deadline, never a pile of hung queries.
    for (let i = 0; i < 3; i++) {
      const hung = await ready(api);
      expect(hung.status).toBe(503);
      expect(hung.body.checks['database']).toMatchObject({ status: 'down', reason: 'timeout' });
      expect(hung.ms).toBeLessThan(3_000);
      await expectLiveAtOnce(api);
    }

    proxy.setMode('pass');
    await waitFor(async () => (await ready(api)).status === 200, { what: '/health/ready to answer 200 again', timeoutMs: 15_000 });
  });
});
