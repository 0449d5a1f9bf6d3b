import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRegisteredV1 } from '@shop/contracts';
import { withDatabase } from '@shop/persistence';
import { AmqpTransport } from '@shop/messaging';
import { EventProbe, TEST_POSTGRES_URL, createVirtualHost, dropDatabase, freePort, waitFor, type VirtualHost } from '@shop/testing';

/**
 * End to end in the distributed mode: each app its own process (the built `main.js`, as
 * `npm run start:services` runs them) on PostgreSQL and RabbitMQ, driven through the gateway only.
 * The services keep their real queue names (`order.events`, its retry and dead-letter queues, …) on a
 * RabbitMQ virtual host of this run's own, deleted with all its queues after.
 */
const root = new URL('../../../', import.meta.url);
const run = randomBytes(4).toString('hex');
const userDatabase = `shop_user_e2e_${run}`;
const couponDatabase = `shop_coupon_e2e_${run}`;
const pointsDatabase = `shop_points_e2e_${run}`;
const orderDatabase = `shop_order_e2e_${run}`;
const probeService = `e2e_probe_${run}`;
const processes: ChildProcess[] = [];
const output: string[] = [];

function startApp(app: string, env: Record<string, string>): ChildProcess {
  // Plain node, not vitest's loader: the workspace packages resolve to their build.
  const child = spawn(process.execPath, [new URL(`apps/${app}/dist/main.js`, root).pathname], {
    env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(`[${app}] ${chunk.toString()}`));
  child.stderr?.on('data', (chunk: Buffer) => output.push(`[${app}] ${chunk.toString()}`));
  processes.push(child);
  return child;
}

const healthy = (url: string) => waitFor(async () => (await fetch(url).catch(() => undefined))?.ok, { what: url, timeoutMs: 60_000 });

describe('the distributed platform (a process per app, PostgreSQL, RabbitMQ)', () => {
  let api: string;
  let userUrl: string;
  let vhost: VirtualHost | undefined;
  let transport: AmqpTransport;
  let events: { probe: EventProbe<UserRegisteredV1>; stop: () => Promise<void> };

  beforeAll(async () => {
    vhost = await createVirtualHost(`shop_e2e_${run}`);
    const amqpUrl = vhost.url;
    transport = await AmqpTransport.connect({ url: amqpUrl, connectionName: probeService });
    events = await EventProbe.listen<UserRegisteredV1>(transport, probeService, ['user.registered.v1']);
    const [gatewayPort, userPort, orderPort, couponPort, pointsPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const secrets = { JWT_SECRET: randomBytes(48).toString('base64url'), INTERNAL_AUTH_SECRET: randomBytes(48).toString('base64url') };
    userUrl = `http://127.0.0.1:${userPort}`;
    startApp('user', {
      ...secrets,
      PORT: String(userPort),
      HOST: '127.0.0.1',
      AMQP_URL: amqpUrl,
      POSTGRES_URL: TEST_POSTGRES_URL,
      USER_DATABASE_URL: withDatabase(TEST_POSTGRES_URL, userDatabase),
    });
    // The gateway is ready only when every context it fronts answers: the order, coupon and points services too.
    const orderUrl = `http://127.0.0.1:${orderPort}`;
    startApp('order', {
      ...secrets,
      PORT: String(orderPort),
      HOST: '127.0.0.1',
      AMQP_URL: amqpUrl,
      POSTGRES_URL: TEST_POSTGRES_URL,
      ORDER_DATABASE_URL: withDatabase(TEST_POSTGRES_URL, orderDatabase),
    });
    const couponUrl = `http://127.0.0.1:${couponPort}`;
    startApp('coupon', {
      ...secrets,
      PORT: String(couponPort),
      HOST: '127.0.0.1',
      AMQP_URL: amqpUrl,
      POSTGRES_URL: TEST_POSTGRES_URL,
      COUPON_DATABASE_URL: withDatabase(TEST_POSTGRES_URL, couponDatabase),
    });
    const pointsUrl = `http://127.0.0.1:${pointsPort}`;
    startApp('points', {
      ...secrets,
      PORT: String(pointsPort),
      HOST: '127.0.0.1',
      AMQP_URL: amqpUrl,
      POSTGRES_URL: TEST_POSTGRES_URL,
      POINTS_DATABASE_URL: withDatabase(TEST_POSTGRES_URL, pointsDatabase),
    });
    await healthy(`${userUrl}/health`);
    await healthy(`${orderUrl}/health`);
    await healthy(`${couponUrl}/health`);
    await healthy(`${pointsUrl}/health`);
    startApp('gateway', {
      ...secrets,
      PORT: String(gatewayPort),
      HOST: '127.0.0.1',
      USER_SERVICE_URL: userUrl,
      ORDER_SERVICE_URL: orderUrl,
      COUPON_SERVICE_URL: couponUrl,
      POINTS_SERVICE_URL: pointsUrl,
      RATE_LIMIT_PER_MINUTE: '0',
    });
    api = `http://127.0.0.1:${gatewayPort}/api/v1`;
    await healthy(`${api}/health`);
  }, 120_000);

  afterAll(async () => {
    for (const child of processes.reverse()) {
      if (child.exitCode !== null) continue;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await events?.stop();
    await transport?.close();
    await vhost?.remove();
    await dropDatabase(userDatabase);
    await dropDatabase(couponDatabase);
    await dropDatabase(pointsDatabase);
    await dropDatabase(orderDatabase);
  }, 60_000);

  it('registers, logs in and answers /me; user.registered.v1 reaches another service with the request’s correlation id', async () => {
    const email = `e2e-${run}@example.com`;
    const register = await fetch(`${api}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': `e2e-${run}` },
      body: JSON.stringify({ email, password: 'a long password', nickname: 'E2E' }),
    });
    expect(register.status, output.join('')).toBe(201);
    expect(register.headers.get('x-correlation-id')).toBe(`e2e-${run}`);
    const { userId } = (await register.json()) as { userId: string };

    const login = await fetch(`${api}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'a long password' }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const me = await fetch(`${api}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(await me.json()).toEqual({ userId, email, nickname: 'E2E', roles: ['customer'] });

    const event = await waitFor(() => events.probe.seen.find((e) => e.payload.userId === userId), {
      what: 'user.registered.v1 on RabbitMQ',
      timeoutMs: 20_000,
    });
    expect(event).toMatchObject({ source: 'user', correlationId: `e2e-${run}`, payload: { email, nickname: 'E2E' } });

    // The points service took its share of the registration over RabbitMQ: the sign-up bonus, through the gateway.
    const points = await waitFor(
      async () => {
        const answer = await fetch(`${api}/me/points`, { headers: { authorization: `Bearer ${accessToken}` } });
        const balance = answer.ok ? ((await answer.json()) as { available: number }) : undefined;
        return balance && balance.available > 0 ? balance : undefined;
      },
      { what: 'the sign-up bonus through the gateway', timeoutMs: 20_000 },
    );
    expect(points).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });

    // The order service answers through the gateway: its catalog, empty here (the demo catalog is the embedded mode's only).
    const products = await fetch(`${api}/products`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(products.status, output.join('')).toBe(200);
    expect(products.headers.get('content-type')).toContain('application/json');
    expect(await products.json()).toEqual([]);
  });

  it('refuses a call to the user service that did not come through the gateway', async () => {
    const direct = await fetch(`${userUrl}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `direct-${run}@example.com`, password: 'a long password' }),
    });
    expect(direct.status).toBe(401);
    expect(((await direct.json()) as { code: string }).code).toBe('NOT_FROM_GATEWAY');
  });

  it('shuts every process down cleanly on SIGTERM', async () => {
    for (const child of [...processes].reverse()) {
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
      expect(code, output.join('')).toBe(0);
    }
  }, 60_000);
});
