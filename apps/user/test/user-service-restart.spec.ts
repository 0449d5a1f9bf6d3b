// Restarts of the user service on the same database: the administrator from the configuration is
// seeded once, users stay, and no event is published twice.
import { verifyAccessToken } from '@shop/auth';
import { consumersOf, subscriptions } from '@shop/contracts';
import { AmqpTransport } from '@shop/messaging';
import { silentLogger } from '@shop/observability';
import { Cleanups, EventProbe, TEST_AMQP_URL, deleteQueuesOf, sleep, uniqueServiceName, waitFor } from '@shop/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { UserServiceHome, testUserConfig } from './support/user-service-harness.js';
import { TEST_JWT_SECRET } from './support/user-test-database.js';

const admin = { email: 'root@shop.example', password: 'an admin passphrase' };
const password = 'correct horse battery';
const REGISTERED = 'user.registered.v1';

describe('the user service restarted on the same SQLite folder, in-memory transport', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('keeps its users, seeds the admin once and publishes each user.registered.v1 once', async () => {
    const home = await UserServiceHome.create('sqlite+memory', cleanups);
    const { probe, stop } = await EventProbe.listen(home.memoryTransport!, 'probe', [REGISTERED]);
    cleanups.add(stop);
    // Every consumer the subscription manifest names must take an event before the in-memory transport
    // counts it sent: the coupon service (welcome coupons) and the points service (sign-up bonus) are not
    // running here, so a stand-in takes each one's share.
    expect(consumersOf(subscriptions, REGISTERED)).toEqual(['coupon', 'points']);
    for (const consumer of consumersOf(subscriptions, REGISTERED)) {
      const standIn = await EventProbe.listen(home.memoryTransport!, consumer, [REGISTERED]);
      cleanups.add(standIn.stop);
    }

    const first = await home.start(testUserConfig(admin));
    const ada = await first.api.register({ email: 'ada@shop.example', password });
    const bob = await first.api.register({ email: 'bob@shop.example', password });
    await waitFor(() => probe.seen.length === 3, { what: 'admin, ada and bob announced' });
    await first.close();

    const second = await home.start(testUserConfig(admin));
    const { accessToken } = await second.api.logIn({ email: 'ADA@shop.example', password });
    expect((await verifyAccessToken(accessToken, TEST_JWT_SECRET)).userId).toBe(ada.userId);
    const adminToken = await verifyAccessToken((await second.api.logIn(admin)).accessToken, TEST_JWT_SECRET);
    expect(adminToken.roles).toEqual(['customer', 'admin']);

    // Long enough for the new relay to have polled several times.
    await sleep(1_000);
    expect(await home.count('users')).toBe(3);
    expect(await home.outboxTypes()).toEqual([REGISTERED, REGISTERED, REGISTERED]);
    expect(await home.count('outbox_pending')).toBe(0);
    expect(new Set(probe.seen.map((event) => event.id)).size).toBe(3);
    expect(probe.seen.map((event) => event.aggregateId).sort()).toEqual([ada.userId, bob.userId, adminToken.userId].sort());

    const carol = await second.api.register({ email: 'carol@shop.example', password });
    await waitFor(() => probe.about([carol.userId]).length === 1, { what: 'carol announced' });
    expect(probe.seen).toHaveLength(4);
  });
});

describe('the user service restarted on the same PostgreSQL database, RabbitMQ', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  async function listenOnRabbit(): Promise<EventProbe> {
    const transport = await AmqpTransport.connect({ url: TEST_AMQP_URL, connectionName: uniqueServiceName('user_probe'), logger: silentLogger() });
    const service = uniqueServiceName('user_probe');
    cleanups.add(() => deleteQueuesOf(service));
    cleanups.add(() => transport.close());
    const { probe, stop } = await EventProbe.listen(transport, service, [REGISTERED]);
    cleanups.add(stop);
    return probe;
  }

  it('seeds the admin at start, once: a restart changes nothing and publishes nothing again', async () => {
    const home = await UserServiceHome.create('postgres+amqp', cleanups);
    const probe = await listenOnRabbit();

    const first = await home.start(testUserConfig(admin));
    const adminId = (await verifyAccessToken((await first.api.logIn(admin)).accessToken, TEST_JWT_SECRET)).userId;
    await waitFor(() => probe.about([adminId]).length === 1, { what: 'the admin announced on RabbitMQ' });
    await first.close();

    const second = await home.start(testUserConfig(admin));
    const again = await verifyAccessToken((await second.api.logIn(admin)).accessToken, TEST_JWT_SECRET);
    expect(again).toMatchObject({ userId: adminId, roles: ['customer', 'admin'] });
    const me = await second.api.viaGateway('GET', '/me', { identity: { userId: adminId, roles: again.roles } });
    expect(await me.json()).toEqual({ userId: adminId, email: admin.email, nickname: null, roles: ['customer', 'admin'] });

    await sleep(1_000);
    expect(await home.count('users')).toBe(1);
    expect(await home.outboxTypes()).toEqual([REGISTERED]);
    expect(probe.about([adminId])).toHaveLength(1);
  });

  it('refuses to start when the configured address belongs to a customer: the customer is left as it was (issue 8)', async () => {
    const home = await UserServiceHome.create('postgres+amqp', cleanups);
    const first = await home.start();
    const customer = await first.api.register({ email: 'Root@Shop.example', password });
    await first.close();

    await expect(home.start(testUserConfig(admin))).rejects.toThrow(/SHOP_ADMIN_EMAIL .* not an administrator; not starting/);
    const third = await home.start();
    const token = await verifyAccessToken((await third.api.logIn({ email: admin.email, password })).accessToken, TEST_JWT_SECRET);
    expect(token).toMatchObject({ userId: customer.userId, roles: ['customer'] });
    expect((await third.api.viaGateway('POST', '/auth/login', { body: admin })).status).toBe(401);
    expect(await home.count('users')).toBe(1);
  });

  it('refuses to start with an admin password the policy would refuse, and names the problem', async () => {
    const home = await UserServiceHome.create('postgres+amqp', cleanups);
    await expect(home.start(testUserConfig({ email: admin.email, password: 'short' }))).rejects.toThrow(/password/);
    // Nothing half-started is left holding the port, the database or the broker connection.
    const next = await home.start();
    expect((await next.api.direct('GET', '/health')).status).toBe(200);
  });
});
